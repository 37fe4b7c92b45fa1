"""The audio cache's size cap: least recently used recordings go first, never one in use.

``AudioSession`` keeps, per recording, a decoded 16 kHz copy and the encoder outputs under
``~/.cache/navar/audio/<sha256>/`` (outside the archive; everything there can be rebuilt). A
40-minute tape is about 80 MB of samples plus up to a few hundred MB of encoder windows, so the
folder needs a cap. The cap is ``NAVAR_AUDIO_CACHE_MB`` (megabytes; default
``DEFAULT_LIMIT_MB``; 0 turns eviction off), checked each time a session opens.

Two processes may share the cache (a `navar serve` and a `navar find`, batch workers): a session
holds a shared ``flock`` on its recording's ``.lock`` file while open, and eviction takes the
lock exclusively without waiting before it removes a folder, so a recording in use is skipped,
never deleted under its reader. A folder is renamed away before it is removed, so a process
that opens it meanwhile makes a fresh one instead of filling a half-removed one. "Recently
used" is the modification time of the folder's ``.used`` file, touched on every open.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path

LIMIT_ENV = "NAVAR_AUDIO_CACHE_MB"
DEFAULT_LIMIT_MB = 2048.0  # a handful of 40-minute tapes with their encoder outputs
_LOCK = ".lock"
_USED = ".used"
_TRASH = ".evicting-"  # prefix of a folder being removed


def limit_bytes(limit_mb: float | None = None) -> int | None:
    """The cap in bytes: ``limit_mb`` if given, else the environment's, else the default; None
    (no eviction) for 0 or less. A value that is not a number is a clear error."""
    if limit_mb is None:
        raw = os.environ.get(LIMIT_ENV, "").strip()
        try:
            limit_mb = float(raw) if raw else DEFAULT_LIMIT_MB
        except ValueError:
            raise ValueError(f"{LIMIT_ENV}={raw!r} is not a number of megabytes") from None
    return int(limit_mb * 1024 * 1024) if limit_mb > 0 else None


class InUse:
    """A shared lock on one recording's cache folder, held while a session reads it."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        while True:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:
                continue  # renamed away by an evictor just after our mkdir
            fcntl.flock(fd, fcntl.LOCK_SH)
            # An evictor may have renamed the folder between our open and our lock: then the
            # lock is on a file that is going away, and we start again on a fresh folder.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.folder / _LOCK).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self._fd: int | None = fd
        touch(self.folder)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def touch(folder: Path) -> None:
    """Mark ``folder`` as used now."""
    used = Path(folder) / _USED
    used.touch()
    now = time.time()
    os.utime(used, (now, now))


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile by another process
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def _last_used(folder: Path) -> float:
    try:
        return os.stat(folder / _USED).st_mtime
    except FileNotFoundError:
        return 0.0  # never marked: oldest


def evict(root: Path, limit: int | None, keep: tuple[str, ...] = ()) -> list[str]:
    """Remove least recently used recording folders under ``root`` until it holds at most
    ``limit`` bytes; folders named in ``keep`` and folders in use by any process are kept.
    Returns the names removed. A cache that cannot be brought under the limit (everything left
    is in use) is left over it."""
    root = Path(root)
    if limit is None or not root.is_dir():
        return []
    for stale in root.glob(_TRASH + "*"):  # left by an evictor that was killed mid-removal
        shutil.rmtree(stale, ignore_errors=True)
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    sizes = {p.name: _size(p) for p in folders}
    total = sum(sizes.values())
    removed: list[str] = []
    for folder in sorted(folders, key=_last_used):
        if total <= limit:
            break
        if folder.name in keep:
            continue
        if _remove_unless_in_use(folder):
            total -= sizes[folder.name]
            removed.append(folder.name)
    return removed


def _remove_unless_in_use(folder: Path) -> bool:
    try:
        fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        return False  # removed by someone else
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a session has it open
        trash = folder.with_name(f"{_TRASH}{folder.name}-{os.getpid()}-{time.monotonic_ns()}")
        try:
            os.rename(folder, trash)
        except OSError:
            return False
    finally:
        os.close(fd)
    shutil.rmtree(trash, ignore_errors=True)
    return True
