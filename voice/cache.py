"""Synthesised audio on disk, bounded in bytes, least recently used evicted first.

Several gateway processes may share the directory: files are written whole (temp file + rename), a hit
touches the file's mtime, and eviction rescans the directory, so each process sees the others' files.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import time
from pathlib import Path

KEY_RE = re.compile(r"^[0-9a-f]{40}$")
FORMATS = {"mp3": "audio/mpeg", "wav": "audio/wav"}
LOW_WATER = 0.8  # evict down to 80 % of the bound, so a full cache does not rescan on every write


SWEEP_EVERY_S = 600.0


class AudioCache:
    """`max_age_s`: replies say balances; audio nobody asked for that long is deleted, whatever the room."""

    def __init__(self, directory: Path, max_bytes: int, max_age_s: float = 24 * 3600.0) -> None:
        self.dir = Path(directory)
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._bytes = sum(size for _, size, _ in self._entries())
        self._next_sweep = 0.0

    def path(self, key: str, fmt: str) -> Path | None:
        """The file for a key, or None for anything that is not a key we could have made (no traversal)."""
        if not KEY_RE.match(key) or fmt not in FORMATS:
            return None
        return self.dir / f"{key}.{fmt}"

    def get(self, key: str, fmt: str) -> Path | None:
        path = self.path(key, fmt)
        if path is None:
            return None
        try:
            if time.time() - path.stat().st_mtime > self.max_age_s:
                path.unlink()
                return None
            os.utime(path)  # marks it recently used
        except FileNotFoundError:
            return None
        return path

    def put(self, key: str, fmt: str, data: bytes) -> Path:
        path = self.path(key, fmt)
        if path is None:
            raise ValueError("bad cache key or format")
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        with self._lock:
            self._bytes += len(data)
            if self._bytes > self.max_bytes or time.monotonic() >= self._next_sweep:
                self._evict(keep=path)
                self._next_sweep = time.monotonic() + SWEEP_EVERY_S
        return path

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def _entries(self) -> list[tuple[Path, int, float]]:
        entries = []
        for entry in os.scandir(self.dir):
            name = entry.name
            if name.startswith(".") or "." not in name or name.rsplit(".", 1)[1] not in FORMATS:
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:  # another process evicted it meanwhile
                continue
            entries.append((Path(entry.path), st.st_size, st.st_mtime))
        return entries

    def _evict(self, keep: Path) -> None:
        """Deletes what is too old, then the least recently used until under the low-water mark."""
        entries = sorted(self._entries(), key=lambda e: e[2])
        total = sum(size for _, size, _ in entries)
        too_old = time.time() - self.max_age_s
        over = total > self.max_bytes
        for path, size, mtime in entries:
            if path == keep:
                continue
            if mtime >= too_old and (not over or total <= self.max_bytes * LOW_WATER):
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size
        self._bytes = total
