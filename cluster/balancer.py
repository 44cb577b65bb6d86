"""nginx (Debian) as the cluster's load balancer: one listening port per tier, reloadable to change instances."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from cluster.stores import _port_open, _stop_proc

TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "nginx.conf.tmpl"
# Not "your money did not move": a request cut off mid-way may have completed; the client retries with the
# same Idempotency-Key (or looks) to find out.
UNAVAILABLE_BODY = '{"code": "SERVICE_UNAVAILABLE", "message": "系统暂时连不上，请稍后再试。"}'


@dataclass
class Tier:
    name: str
    listen_port: int
    backends: list[int] = field(default_factory=list)

    def render(self) -> str:
        # max_fails/fail_timeout: a dead instance is skipped for a few seconds instead of costing every request
        # a refused connection; it is tried again afterwards, so a restarted one rejoins on its own.
        servers = "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;" for port in self.backends
        )
        # nginx's own failures (every instance down, or the one serving a request died) answer like the
        # services do: JSON with a stable code and a plain message, never nginx's HTML page.
        return (
            f"    upstream {self.name} {{\n{servers}\n        keepalive 64;\n    }}\n"
            f"    server {{\n        listen 127.0.0.1:{self.listen_port};\n"
            f"        location / {{ proxy_pass http://{self.name}; }}\n"
            f"        error_page 502 503 504 = @unavailable;\n"
            f"        location @unavailable {{\n"
            f"            default_type \"application/json; charset=utf-8\";\n"
            f"            return 503 '{UNAVAILABLE_BODY}';\n        }}\n    }}\n"
        )


@dataclass
class Balancer:
    workdir: Path
    tiers: dict[str, Tier] = field(default_factory=dict)
    read_timeout_s: int = 60
    proc: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.workdir / "nginx.conf"

    @property
    def log(self) -> Path:
        return self.workdir / "nginx-error.log"

    def url(self, tier: str) -> str:
        return f"http://127.0.0.1:{self.tiers[tier].listen_port}"

    def write_conf(self) -> None:
        (self.workdir / "tmp").mkdir(parents=True, exist_ok=True)
        user_line = ""
        if os.geteuid() == 0:
            # nginx drops its workers to `nobody` under root; they only need our temp dir for buffering.
            user_line = "user nobody nogroup;"
            os.chmod(self.workdir / "tmp", 0o777)
        text = TEMPLATE.read_text().format(
            prefix=self.workdir, user_line=user_line, read_timeout=self.read_timeout_s,
            upstreams="\n".join(t.render() for t in self.tiers.values()),
        )
        self.conf.write_text(text)

    def start(self, timeout_s: float = 10) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx not found: install the Debian package nginx (make sysdeps).")
        self.write_conf()
        out = open(self.workdir / "nginx.out", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [nginx, "-p", str(self.workdir), "-c", str(self.conf), "-e", str(self.log), "-g", "daemon off;"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log.read_text(errors='replace')[-2000:]}")
            if all(_port_open(t.listen_port) for t in self.tiers.values()):
                return
            time.sleep(0.1)
        raise RuntimeError("nginx did not open its ports")

    def set_backends(self, tier: str, ports: list[int]) -> None:
        """Changes a tier's instances and reloads nginx gracefully (in-flight requests finish)."""
        self.tiers[tier].backends = list(ports)
        self.write_conf()
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)  # the old workers hand over; new connections see the new upstreams

    def stop(self) -> None:
        # SIGQUIT is nginx's graceful shutdown.
        _stop_proc(self.proc, signal.SIGQUIT, timeout_s=10)
