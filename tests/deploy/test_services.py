"""One table of service commands (deploy/services.py): the Procfile, the systemd units, the test stack and the
cluster all start a service with the command written there."""
from __future__ import annotations

from pathlib import Path

from cluster import services as launcher
from deploy.services import ROOT, SERVICES, command, procfile, systemd_unit

SYSTEMD = ROOT / "deploy" / "systemd"


def test_the_procfile_is_the_table() -> None:
    assert (ROOT / "Procfile").read_text() == procfile(), "run: python -m deploy.services procfile > Procfile"


def test_every_service_has_its_systemd_unit_generated_from_the_table() -> None:
    units = {p.name for p in SYSTEMD.glob("anxin-*@.service")}
    assert {f"anxin-{name}@.service" for name in SERVICES} <= units
    for name in SERVICES:
        text = (SYSTEMD / f"anxin-{name}@.service").read_text()
        assert text == systemd_unit(name), f"run: python -m deploy.services systemd deploy/systemd ({name})"
        assert "EnvironmentFile=/etc/anxin/anxin.env" in text and "--port %i" in text


def test_the_launchers_use_the_table(tmp_path: Path) -> None:
    assert launcher.backend_command(8123)[1:] == command("backend", port=8123)[1:]
    assert launcher.gateway_command(8124, app="cluster.gateway_app:app")[1:] == command(
        "gateway", port=8124, app="cluster.gateway_app:app")[1:]
    assert launcher.actions_command(5123) == command("actions", port=5123)
    rasa = launcher.rasa_command(5124, tmp_path / "endpoints.yml")
    assert rasa[:4] == command("rasa", port=5124)[:4] and str(tmp_path / "endpoints.yml") in rasa


def test_no_launcher_spells_a_service_command_itself() -> None:
    for path in ("cluster/launch.py", "tests/support/stack.py", "tests/security/test_attacks.py"):
        source = (ROOT / path).read_text()
        assert '"backend.main:app"' not in source and '"actions.server"' not in source, path
