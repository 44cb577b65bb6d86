"""The one table of Anxin's service commands. `make run` (the Procfile, generated from it), the test stack
(tests/support/stack.py), the cluster launcher (cluster/launch.py) and the systemd units (deploy/systemd/,
generated from it) all start a service with the command written here, so a flag is added in one place.

    python -m deploy.services procfile         # prints the Procfile (`make run`)
    python -m deploy.services systemd DIR      # writes one systemd unit per service into DIR

tests/deploy/test_services.py fails when the Procfile or a unit differs from this table.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ServiceCommand:
    name: str
    venv: str  # ".venv" (python3.11: backend, gateway) or ".venv-rasa" (python3.10: Rasa, actions)
    args: tuple[str, ...]  # after the interpreter; {placeholders} are filled by command()
    cwd: str  # relative to the checkout
    port: int  # make run's fixed port (the test stack and the cluster pick free ones)
    health: str  # the path that answers below 500 once the service is ready
    defaults: tuple[tuple[str, str], ...] = ()  # placeholder values other than {host} and {port}
    what: str = ""
    in_procfile: bool = True  # False: not part of `make run` (the event consumer needs the cluster's RabbitMQ)


SERVICES: dict[str, ServiceCommand] = {s.name: s for s in (
    # --no-proxy-headers: the backend itself decides whose X-Forwarded-For counts (ANXIN_TRUSTED_PROXIES).
    ServiceCommand("backend", ".venv", ("-m", "uvicorn", "backend.main:app", "--host", "{host}", "--port", "{port}",
                                        "--no-proxy-headers"), ".", 8000, "/health", what="Anxin banking API"),
    # actions/server.py: loopback only, the shared secret header required.
    ServiceCommand("actions", ".venv-rasa", ("-m", "actions.server", "--port", "{port}"), ".", 5055, "/health",
                   what="Anxin Rasa action server"),
    # actions/rasa_server.py: Rasa's HTTP API behind ANXIN_RASA_TOKEN, on 127.0.0.1.
    ServiceCommand("rasa", ".venv-rasa", ("-m", "actions.rasa_server", "--port", "{port}", "--model", "{model}",
                                          "--endpoints", "{endpoints}", "--credentials", "{credentials}"),
                   "assistant", 5005, "/status",
                   (("model", "models/anxin.tar.gz"), ("endpoints", "endpoints.yml"),
                    ("credentials", "credentials.yml")), what="Anxin dialogue engine (Rasa)"),
    # {app}: gateway.main:app, or cluster.gateway_app:app (the same app, its sessions in Redis) in the cluster.
    # --no-proxy-headers: the gateway decides whose X-Forwarded-For counts (ANXIN_GATEWAY_TRUSTED_PROXIES).
    ServiceCommand("gateway", ".venv", ("-m", "uvicorn", "{app}", "--host", "{host}", "--port", "{port}",
                                        "--no-proxy-headers"), ".", 8080, "/health",
                   (("app", "gateway.main:app"),), what="Anxin channels gateway (web, kiosk, phone)"),
    # backend/events: Rasa's conversation events from RabbitMQ (ANXIN_AMQP_URL) into PostgreSQL; {port}: /health.
    ServiceCommand("events", ".venv", ("-m", "backend.events", "--host", "{host}", "--port", "{port}"), ".", 8090,
                   "/health", what="Anxin conversation event consumer (RabbitMQ to PostgreSQL)", in_procfile=False),
)}


def interpreter(service: ServiceCommand, root: Path | str = ROOT) -> str:
    return f"{root}/{service.venv}/bin/python"


def command(name: str, *, port: int | str | None = None, host: str = "127.0.0.1", root: Path | str = ROOT,
            python: str | None = None, **values: str) -> list[str]:
    """The argv that starts service `name`. `python` overrides the interpreter (e.g. this one, without venvs)."""
    service = SERVICES[name]
    filled = {**dict(service.defaults), "host": host, "port": str(service.port if port is None else port), **values}
    return [python or interpreter(service, root), *(arg.format(**filled) for arg in service.args)]


def cwd(name: str, root: Path = ROOT) -> Path:
    return root / SERVICES[name].cwd


def procfile() -> str:
    """The Procfile `make run` gives honcho: fixed ports, paths relative to the checkout."""
    lines = ["# Generated from deploy/services.py (python -m deploy.services procfile > Procfile): edit that table."]
    for service in (s for s in SERVICES.values() if s.in_procfile):
        up = "../" if service.cwd != "." else ""
        host = "${ANXIN_GATEWAY_HOST:-127.0.0.1}" if service.name == "gateway" else "127.0.0.1"
        argv = command(service.name, host=host, python=f"{up}{service.venv}/bin/python")
        text = " ".join(a if a.startswith("${") else shlex.quote(a) for a in argv)
        lines.append(f"{service.name}: " + (f"cd {service.cwd} && {text}" if service.cwd != "." else text))
    return "\n".join(lines) + "\n"


SYSTEMD_ROOT = "/opt/anxin"


def systemd_unit(name: str) -> str:
    """A template unit: `systemctl enable --now anxin-backend@8000` runs one instance on port 8000."""
    service = SERVICES[name]
    argv = command(name, port="%i", root=SYSTEMD_ROOT)
    return f"""# Generated from deploy/services.py (python -m deploy.services systemd deploy/systemd): edit that table.
# One instance per port: systemctl enable --now anxin-{name}@{service.port}
[Unit]
Description={service.what} on port %i
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=anxin
Group=anxin
WorkingDirectory={SYSTEMD_ROOT}/{service.cwd.strip('./') or ''}
Environment=PYTHONPATH={SYSTEMD_ROOT} PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false
# Secrets and addresses (ANXIN_*: README, Configuration); mode 600, owned by root. The services refuse to start
# on a missing, public or short secret.
EnvironmentFile=/etc/anxin/anxin.env
ExecStart={shlex.join(argv)}
Restart=always
RestartSec=2
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadWritePaths=/var/lib/anxin

[Install]
WantedBy=multi-user.target
""".replace(f"WorkingDirectory={SYSTEMD_ROOT}/\n", f"WorkingDirectory={SYSTEMD_ROOT}\n")


def write_systemd(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SERVICES:
        path = directory / f"anxin-{name}@.service"
        path.write_text(systemd_unit(name))
        written.append(path)
    return written


if __name__ == "__main__":
    if sys.argv[1:2] == ["procfile"]:
        sys.stdout.write(procfile())
    elif sys.argv[1:2] == ["systemd"] and len(sys.argv) == 3:
        for p in write_systemd(Path(sys.argv[2])):
            print(p)
    else:
        sys.exit(__doc__)
