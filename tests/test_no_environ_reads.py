"""One settings object per process (issue 15): no production module reads the environment itself.

Every module of the deployable packages is parsed (not imported: this runs in either venv) and every use of
`os.environ` / `os.getenv` is sorted. Allowed: the two loaders (rules/secrets.py puts the secrets into the
environment, rules/settings.py gives each service's settings sections their input); a launcher under cluster/ or
deploy/ handing its environment to a child process (`{**os.environ, ...}`, `os.environ.items()`); and setting a
third-party library's knob (`os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", ...)`, never an ANXIN_ name). Anything
else is a setting read past the settings and fails here. bench/ and tests/ are tools, not production.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("backend", "gateway", "voice", "money", "rules", "cluster", "actions", "assistant", "deploy")
LOADERS = {"rules/secrets.py", "rules/settings.py"}
LAUNCHERS = ("cluster/", "deploy/")
# Reads left in code other helpers were writing while this test was written (events, cluster/ -> deploy/, issue
# 13): (module, variable). They are to go through a settings section (the fields named exist already); this list
# may only shrink.
PENDING = {
    ("backend/events/consumer.py", "ANXIN_AMQP_URL"),  # get_settings().amqp_url
    ("backend/events/consumer.py", "ANXIN_EVENTS_QUEUE"),  # get_settings().events_queue
    ("cluster/gateway_app.py", "ANXIN_REDIS_URL"),  # gateway.config.get_settings().redis_url
    ("cluster/launch.py", "ANXIN_KEEP_STACK_LOGS"),
    ("cluster/stores.py", "ANXIN_PG_BIN"),
    ("cluster/patroni.py", "ANXIN_PG_BIN"),
}


def production_modules() -> list[Path]:
    return sorted(p for pkg in PRODUCTION if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")
                  if "models" not in p.relative_to(ROOT).parts)


def _is_environ(node: ast.AST) -> bool:
    """`os.environ`, or `environ` imported from os."""
    if isinstance(node, ast.Attribute) and node.attr == "environ":
        return isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _constant(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def environ_reads(source: str, path: str) -> list[tuple[int, str]]:
    """(line, what) for every use of the environment in `source` that is not allowed for module `path`."""
    if path in LOADERS:
        return []
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"getenv", "putenv", "unsetenv"} \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            call = parents.get(node)
            name = _constant(call.args[0]) if isinstance(call, ast.Call) and call.args else None
            found.append((node.lineno, name or f"os.{node.attr}"))
            continue
        if not _is_environ(node):
            continue
        parent = parents.get(node)
        launcher = path.startswith(LAUNCHERS)
        # os.environ.x(...)
        if isinstance(parent, ast.Attribute):
            call = parents.get(parent)
            first = _constant(call.args[0]) if isinstance(call, ast.Call) and call.args else None
            if parent.attr == "setdefault" and first and not first.startswith("ANXIN_"):
                continue  # a third-party knob
            if launcher and parent.attr in {"items", "copy", "keys"}:
                continue  # the whole environment, handed to a child process
            found.append((node.lineno, first or f"os.environ.{parent.attr}"))
        elif isinstance(parent, ast.Subscript):
            name = _constant(parent.slice)
            if isinstance(parent.ctx, ast.Store) and name and not name.startswith("ANXIN_"):
                continue  # os.environ["CUDA_VISIBLE_DEVICES"] = "-1": a third-party knob
            found.append((node.lineno, name or "os.environ[...]"))
        elif launcher and isinstance(parent, ast.Dict):
            continue  # {**os.environ, "PGPASSWORD": ...}: a child's environment
        elif launcher and isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) \
                and parent.func.id == "dict":
            continue
        else:
            found.append((node.lineno, "os.environ"))
    return sorted(found)


def test_the_scan_sorts_every_form() -> None:
    source = "\n".join([
        "import os",
        "from os import environ",
        "a = os.environ.get('ANXIN_X')",
        "b = os.environ['ANXIN_Y']",
        "c = os.getenv('ANXIN_Z')",
        "d = environ.get('HOME')",
        "os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')",
        "os.environ.setdefault('ANXIN_W', '1')",
        "os.environ['CUDA_VISIBLE_DEVICES'] = '-1'",
        "env = {**os.environ, 'PGPASSWORD': 'x'}",
        "e = os.environ",
    ])
    assert environ_reads(source, "gateway/x.py") == [
        (3, "ANXIN_X"), (4, "ANXIN_Y"), (5, "ANXIN_Z"), (6, "HOME"), (8, "ANXIN_W"), (10, "os.environ"),
        (11, "os.environ")]
    assert environ_reads(source, "cluster/x.py") == [
        (3, "ANXIN_X"), (4, "ANXIN_Y"), (5, "ANXIN_Z"), (6, "HOME"), (8, "ANXIN_W"), (11, "os.environ")]
    assert environ_reads(source, "rules/settings.py") == []


def test_no_production_module_reads_the_environment_past_its_settings() -> None:
    offenders = []
    for module in production_modules():
        path = module.relative_to(ROOT).as_posix()
        for line, what in environ_reads(module.read_text(encoding="utf-8"), path):
            if (path, what) not in PENDING:
                offenders.append(f"{path}:{line} {what}")
    assert not offenders, "read these through the process's settings (rules/settings.py): " + ", ".join(offenders)


def test_there_are_modules_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in production_modules()}
    assert {"backend/core/ratelimit.py", "gateway/routes/audio.py", "actions/settings.py"} <= names
