"""The one log scan (issue 10): no bearer token, PIN, full account number or service secret in what Anxin
wrote down. The shared test stack's suite (tests/security/test_attacks.py), the cluster suite
(tests/cluster/test_security.py), the fault drills' teardown (tests/cluster/test_drills_pg.py) and the load
benchmark (bench/load/run.py) all call `find_leaks`, so there is one rule for what counts as a leak."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def find_leaks(sources: dict[str, str], pins: Iterable[str] = (), numbers: Iterable[str] = (),
               secrets: Iterable[str] = ()) -> list[str]:
    """One line per leak found, naming the source and what leaked (never the leaked value itself)."""
    pins, numbers, secrets = set(pins), {n for n in numbers if n}, {s for s in secrets if s}
    # Not after "." or ":": the fraction of a timestamp or a clock time is not a PIN.
    pin_patterns = [re.compile(rf"(?<![\d.:]){re.escape(pin)}(?!\d)") for pin in pins]
    found: list[str] = []
    for name, text in sources.items():
        if JWT_SHAPE.search(text):
            found.append(f"{name}: a token")
        found += [f"{name}: a PIN" for pattern in pin_patterns if pattern.search(text)]
        found += [f"{name}: account …{n[-4:]}" for n in numbers if n in text]
        found += [f"{name}: a service secret" for s in secrets if s in text]
    return found


def read_logs(workdir: Path, pattern: str = "*.log") -> dict[str, str]:
    """Every log under a work directory (services, earlier incarnations, nginx, PostgreSQL, Patroni, etcd...)."""
    out: dict[str, str] = {}
    for path in sorted(workdir.rglob(pattern)):
        try:
            out[str(path.relative_to(workdir))] = path.read_text(errors="replace")
        except OSError:
            continue
    return out


def account_numbers(pg: object) -> set[str]:
    """The full account numbers the bank holds (its customers' and their payees'), read through `pg.psql`
    (a PostgresServer or PostgresHA). PINs are not there (only their hashes): callers know the PINs they set."""
    rows = pg.psql("anxin", "SELECT number FROM accounts WHERE customer_id IS NOT NULL "  # type: ignore[attr-defined]
                            "UNION SELECT account_number FROM payees")
    return set(rows.split())
