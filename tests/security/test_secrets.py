"""What counts as a usable secret, demo mode, and services that refuse to start without one (issue 10, item 2).

Each service is started the way make run / make run-cluster start it, with a fresh environment that holds no
ANXIN_* variable but the ones a test sets; a refusal must come before anything listens, as one line on stderr.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rules import secrets
from tests.support.stack import ROOT, VENV_PY, VENV_RASA, free_port

OLD_JWT_DEFAULT = "anxin-dev-secret-change-me-0123456789abcdef"
OLD_TWILIO_DEFAULT = "anxin-dev-twilio-auth-token"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    return env | {"PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"} | extra


# ----------------------------------------------------------------- the rule

def test_missing_short_and_public_secrets_are_unusable():
    assert secrets.problem("ANXIN_TOKEN_SECRET", None) == "ANXIN_TOKEN_SECRET is not set"
    assert "too short" in (secrets.problem("ANXIN_TOKEN_SECRET", "x7Gq2pLm9") or "")
    for public in (OLD_JWT_DEFAULT, OLD_TWILIO_DEFAULT):
        assert "public" in (secrets.problem("S", public) or "")
    assert "regular" in (secrets.problem("S", "ab" * 20) or "")
    assert secrets.problem("S", secrets.generate()) is None


def test_any_string_in_the_source_tree_is_public(tmp_path: Path):
    root = tmp_path / "checkout"
    (root / "docs").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\n")
    copied = secrets.generate()
    (root / "docs" / "howto.md").write_text(f"export ANXIN_TOKEN_SECRET={copied}\n")
    (root / ".env").write_text(f"ANXIN_RASA_TOKEN={secrets.generate()}\n")
    assert secrets.in_source_tree(copied, root)
    assert not secrets.in_source_tree(secrets.generate(), root)
    # The operator's own .env is where a real secret lives: not "the source".
    assert not secrets.in_source_tree((root / ".env").read_text().split("=", 1)[1].strip(), root)


def test_outside_demo_mode_every_unusable_secret_is_named():
    env = {"ANXIN_TOKEN_SECRET": OLD_JWT_DEFAULT, "ANXIN_RASA_TOKEN": "short"}
    with pytest.raises(secrets.SecretError) as err:
        secrets.resolve(secrets.ALL_SECRETS, env)
    message = str(err.value)
    assert "\n" not in message
    for name in secrets.ALL_SECRETS:
        assert name in message


def test_demo_mode_generates_private_secrets_once_and_reuses_them(tmp_path: Path):
    path = tmp_path / "var" / "secrets.env"
    env = {"ANXIN_DEMO": "1", "ANXIN_SECRETS_FILE": str(path), "ANXIN_TOKEN_SECRET": OLD_JWT_DEFAULT}
    first = secrets.resolve(secrets.ALL_SECRETS, env)
    assert path.stat().st_mode & 0o777 == 0o600
    assert first["ANXIN_TOKEN_SECRET"] != OLD_JWT_DEFAULT  # a public value is replaced, even in demo mode
    assert all(secrets.problem(name, value) is None for name, value in first.items())
    stored = secrets.read_env_file(path)
    assert len(stored.get(secrets.DEMO_STAFF_PASSWORD, "")) >= 12
    assert secrets.resolve(secrets.ALL_SECRETS, env) == first  # the next start reuses them
    assert secrets.read_env_file(path) == stored
    other = secrets.resolve(secrets.ALL_SECRETS, env | {"ANXIN_SECRETS_FILE": str(tmp_path / "b.env")})
    assert other["ANXIN_TOKEN_SECRET"] != first["ANXIN_TOKEN_SECRET"]  # random, not fixed in code


def test_the_demo_secrets_file_is_never_committed():
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/secrets.env"], cwd=ROOT)
    assert ignored.returncode == 0
    dotenv = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert dotenv.returncode == 0


# ----------------------------------------------------------------- services refuse to start

SERVICES = {
    "backend": ([str(VENV_PY), "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1"], "ANXIN_TOKEN_SECRET"),
    "gateway": ([str(VENV_PY), "-m", "uvicorn", "gateway.main:app", "--host", "127.0.0.1"],
                "ANXIN_TWILIO_AUTH_TOKEN"),
    "actions": ([str(VENV_RASA / "python"), "-m", "actions.server"], "ANXIN_ACTIONS_SECRET"),
    "rasa": ([str(VENV_RASA / "python"), "-m", "actions.rasa_server"], "ANXIN_RASA_TOKEN"),
}


def start(service: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    cmd, _ = SERVICES[service]
    return subprocess.run([*cmd, "--port", str(free_port())], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("value", [None, "too-short-1234", OLD_JWT_DEFAULT, OLD_TWILIO_DEFAULT])
def test_a_service_refuses_to_start_without_a_usable_secret(service: str, value: str | None, tmp_path: Path):
    _, name = SERVICES[service]
    env = clean_env(ANXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    if value is not None:
        env |= dict.fromkeys(secrets.ALL_SECRETS, value)
    done = start(service, env, cwd=ROOT / "assistant" if service == "rasa" else ROOT)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "refusing to start" in line]
    assert len(lines) == 1 and name in lines[0], done.stderr[-2000:]
    if value:
        assert value not in done.stderr  # the error names the setting, never its value


def test_an_optional_secret_that_is_set_must_be_usable(tmp_path: Path):
    env = clean_env(ANXIN_TWILIO_AUTH_TOKEN=secrets.generate(), ANXIN_AUDIO_KEY_SECRET="another-deployment")
    done = start("gateway", env)
    assert done.returncode == 2 and "ANXIN_AUDIO_KEY_SECRET is too short" in done.stderr, done.stderr[-2000:]


def test_make_run_cluster_refuses_to_start_without_real_secrets(tmp_path: Path):
    # The operator's public default is refused, demo mode or not: the production profile has none.
    env = clean_env(ANXIN_DEMO="1", ANXIN_TOKEN_SECRET=OLD_JWT_DEFAULT)
    done = subprocess.run([str(VENV_PY), "-m", "cluster", "--port", str(free_port())], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    line = next(line for line in done.stderr.splitlines() if "refusing to start" in line)
    for name in secrets.ALL_SECRETS:
        assert name in line
    assert "PostgreSQL" not in done.stderr  # nothing was started


def test_cluster_passes_the_operators_settings_to_every_instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from cluster.launch import Cluster

    chosen = secrets.generate_all()
    for name, value in chosen.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANXIN_FRAUD_COOLING_OFF_HOURS", "12")
    monkeypatch.setenv("ANXIN_DEMO", "1")
    operator = Cluster(tmp_path).check_secrets()
    assert {k: operator[k] for k in chosen} == chosen
    assert operator["ANXIN_FRAUD_COOLING_OFF_HOURS"] == "12" and "ANXIN_DEMO" not in operator


def test_the_services_read_the_checkouts_env_file():
    from backend.core.config import Settings
    from gateway.config import GatewaySettings

    assert Path(str(Settings.model_config["env_file"])) == ROOT / ".env"
    assert Path(str(GatewaySettings.model_config["env_file"])) == ROOT / ".env"


def test_procfile_starts_every_service_through_its_checks():
    procfile = (ROOT / "Procfile").read_text()
    assert "-m actions.server" in procfile and "-m actions.rasa_server" in procfile
    assert "rasa run actions" not in procfile and "--enable-api" not in procfile  # the launcher adds the token
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert "export ANXIN_DEMO=1" in run_sh and "DEMO MODE" in run_sh and "anxin-staff" not in run_sh


def test_demo_mode_backend_generates_its_secret_keeps_it_and_refuses_the_old_default(tmp_path: Path):
    """What `make run` does (scripts/run.sh): demo seed, then the backend, twice, on the same var/ files."""
    import httpx
    import jwt

    from tests.backend.server import running_backend

    demo = {"ANXIN_DEMO": "1", "ANXIN_SECRETS_FILE": str(tmp_path / "secrets.env"),
            "ANXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
            "ANXIN_ARGON2_TIME_COST": "1", "ANXIN_ARGON2_MEMORY_KIB": "1024", "ANXIN_ARGON2_PARALLELISM": "1"}
    env = clean_env(**demo)
    subprocess.run([str(VENV_PY), "-m", "backend.seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    forged = jwt.encode({"sub": "1", "role": "staff", "iat": 0, "exp": 4_000_000_000}, OLD_JWT_DEFAULT,
                        algorithm="HS256")
    with running_backend(demo) as api:
        token = httpx.post(f"{api}/auth/login", json={"phone": "13800000001", "pin": "135790"},
                           timeout=10).json()["access_token"]
        assert httpx.get(f"{api}/staff/approvals", headers={"Authorization": f"Bearer {forged}"},
                         timeout=10).status_code == 401
    assert (tmp_path / "secrets.env").stat().st_mode & 0o777 == 0o600
    with running_backend(demo) as api:  # the next start reuses the secret: the earlier token still works
        assert httpx.get(f"{api}/accounts", headers={"Authorization": f"Bearer {token}"},
                         timeout=10).status_code == 200


@pytest.mark.parametrize("endpoints", ["assistant/endpoints.yml", "deploy/rasa/endpoints.yml"])
def test_rasa_sends_the_action_servers_secret_from_the_endpoints_file(endpoints: str):
    """Rasa expands ${VAR} only in plain YAML scalars: a quoted one would send the text "${...}" itself."""
    value = secrets.generate()
    code = ("import sys; from rasa.utils.endpoints import read_endpoint_config; "
            f"print(read_endpoint_config(sys.argv[1], 'action_endpoint').headers['{secrets.ACTIONS_SECRET_HEADER}'])")
    env = clean_env(ANXIN_ACTIONS_SECRET=value, ANXIN_ACTIONS_URL="http://127.0.0.1:1",
                    ANXIN_RASA_TRACKER_URL="postgresql://x@127.0.0.1:1/rasa", ANXIN_REDIS_HOST="127.0.0.1",
                    ANXIN_REDIS_PORT="1", ANXIN_REDIS_URL="redis://127.0.0.1:1/0", ANXIN_AMQP_HOST="127.0.0.1",
                    ANXIN_AMQP_PORT="1", ANXIN_AMQP_PASSWORD=secrets.generate())
    done = subprocess.run([str(VENV_RASA / "python"), "-c", code, str(ROOT / endpoints)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == value
