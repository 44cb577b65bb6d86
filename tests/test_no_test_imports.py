"""Production code never imports test code (issue 15): every module of the deployable packages is parsed
(not imported, so this runs in either venv without their dependencies) and may not import `tests` or `tests.*`.
bench/ is a test and benchmark tool, not production, and is not checked."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("backend", "gateway", "voice", "money", "rules", "cluster", "actions", "assistant", "deploy")


def production_modules() -> list[Path]:
    return sorted(p for pkg in PRODUCTION if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")
                  if "models" not in p.relative_to(ROOT).parts)


def imported_test_modules(source: str) -> list[str]:
    """The `tests` imports in one module's source, as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "tests"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "tests":
                found.append(node.module)
    return found


def test_the_scan_finds_every_form_of_test_import() -> None:
    source = "import tests\nimport tests.support.stack as s\nfrom tests.support import stack\nfrom testsuite import x\n"
    assert imported_test_modules(source) == ["tests", "tests.support.stack", "tests.support"]
    assert imported_test_modules("from .tests import x\nimport pytest\n") == []


def test_there_are_production_modules_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in production_modules()}
    assert {"backend/main.py", "gateway/main.py", "cluster/launch.py", "rules/fraud.py"} <= names


@pytest.mark.parametrize("path", production_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_production_module_does_not_import_tests(path: Path) -> None:
    assert imported_test_modules(path.read_text(encoding="utf-8")) == [], f"{path.relative_to(ROOT)} imports test code"
