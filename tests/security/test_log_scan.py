"""The one log scan finds each kind of leak and names it without repeating the leaked value."""
from __future__ import annotations

from pathlib import Path

from tests.security.log_scan import find_leaks, read_logs

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def test_each_kind_of_leak_is_found_and_named_without_its_value() -> None:
    sources = {"a.log": f"login ok {TOKEN}", "b.log": "pin=135790", "c.log": "to 6222020000001234567",
               "d.log": "secret XYZ-service-secret-0123456789abcdef"}
    found = find_leaks(sources, pins={"135790"}, numbers={"6222020000001234567"},
                       secrets={"XYZ-service-secret-0123456789abcdef"})
    assert found == ["a.log: a token", "b.log: a PIN", "c.log: account …4567", "d.log: a service secret"]
    assert not any("135790" in line or TOKEN in line for line in found)


def test_timestamps_and_masked_numbers_are_not_leaks() -> None:
    sources = {"x.log": "2026-12-01 20:13:57.135790 INFO 6222 **** **** 4567 at 12:135790"}
    assert find_leaks(sources, pins={"135790"}, numbers={"6222020000001234567"}) == []


def test_read_logs_finds_logs_in_subdirectories(tmp_path: Path) -> None:
    (tmp_path / "postgres-ha" / "pg1").mkdir(parents=True)
    (tmp_path / "postgres-ha" / "pg1" / "patroni.log").write_text("hello")
    (tmp_path / "backend1.log").write_text("world")
    assert read_logs(tmp_path) == {"backend1.log": "world", "postgres-ha/pg1/patroni.log": "hello"}
