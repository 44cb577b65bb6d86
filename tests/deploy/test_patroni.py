"""cluster/patroni.py without a database: the templates render with every variable, and a node's processes
(for the SIGKILL and SIGSTOP drills) are its Patroni, its postmaster and every child of the postmaster."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from cluster.patroni import DEPLOY, PatroniNode, render


def test_a_node_s_processes_are_patroni_the_postmaster_and_all_its_children(tmp_path: Path) -> None:
    node = PatroniNode("pg1", tmp_path)
    node.data_dir.mkdir()
    patroni = subprocess.Popen(["sleep", "30"])
    postmaster = subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30 & sleep 30 & wait"])
    pids: list[int] = []
    try:
        (node.data_dir / "postmaster.pid").write_text(f"{postmaster.pid}\n{node.data_dir}\n")
        node.proc = patroni
        deadline = time.monotonic() + 10
        while len(node.pids()) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = node.pids()
        assert pids[:2] == [patroni.pid, postmaster.pid]
        assert len(pids) == 5, pids  # the three children, not only the first one found
    finally:
        for child in pids[2:]:  # the children this test started, by their ids
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        for proc in (patroni, postmaster):
            proc.kill()
            proc.wait()


def test_the_patroni_template_is_durable_synchronous_and_password_protected() -> None:
    text = render(DEPLOY / "postgres" / "patroni.yml.tmpl", name="pg1", host="10.0.0.1", pg_port=5432,
                  rest_port=8008, etcd_hosts="10.0.0.1:2379", data_dir="/var/lib/pg", run_dir="/run/pg",
                  bin_dir="/usr/lib/postgresql/15/bin", superuser_password="a" * 32, replication_password="b" * 32,
                  rewind_password="c" * 32)
    config = yaml.safe_load(text)
    dcs = config["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True and dcs["synchronous_mode_strict"] is False
    assert dcs["loop_wait"] + 2 * dcs["retry_timeout"] <= dcs["ttl"]  # Patroni's own rule
    params = dcs["postgresql"]["parameters"]
    assert params["fsync"] == "on" and params["full_page_writes"] == "on" and params["synchronous_commit"] == "on"
    assert all(line.endswith("scram-sha-256") for line in config["postgresql"]["pg_hba"])
    assert config["restapi"]["listen"] == "10.0.0.1:8008"


def test_a_missing_template_variable_is_an_error() -> None:
    with pytest.raises(KeyError):
        render(DEPLOY / "haproxy" / "haproxy.cfg.tmpl", host="127.0.0.1")
