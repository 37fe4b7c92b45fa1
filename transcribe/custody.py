"""The chain-of-custody log: who did what to a recording, when, with which files.

Each recording has ``transcripts/<id>/custody.jsonl``, one JSON entry per line, appended and never
rewritten. An entry names the event (added, transcribed, aligned, cited, ...), the UTC time, the
actor, the Navar version, the command line, and the SHA-256 of every input and output. Entries
are hash-chained: each carries ``prev``, the SHA-256 of the previous entry's canonical JSON, so a
removed or edited entry breaks the chain. (Removing or editing the *last* entry is caught by a
trusted timestamp of the head, see ``navar timestamp``.)

Appending takes an exclusive lock, writes one line with ``O_APPEND`` and fsyncs it: a writer killed
mid-line leaves at worst a torn last line, which readers report and skip, and the next append
starts a fresh line after it. Nothing already written is ever changed.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import shlex
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .digest import sha256_of

LOG_NAME = "custody.jsonl"
FORMAT = "navar-custody/1"
EVENTS = (
    "log started late",  # first entry of a log opened on a recording archived before logs existed
    "added",
    "transcribed",
    "translated",
    "aligned",
    "imported",
    "edited",
    "deleted",
    "exported",
    "cited",
    "clip cut",
    "bundled",
    "timestamped",
)


def actor() -> str:
    """Who is acting: ``--actor`` / ``NAVAR_ACTOR``, else user@host."""
    named = os.environ.get("NAVAR_ACTOR", "").strip()
    if named:
        return named
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def command_line() -> str:
    argv = list(sys.argv) or ["?"]
    if Path(argv[0]).name in ("navar", "__main__.py"):
        argv[0] = "navar"
    return shlex.join(argv)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(entry: dict) -> bytes:
    """The bytes an entry's hash is taken over (and the line it is written as)."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def file_ref(root: Path, path: Path, sha256: str | None = None) -> dict:
    """How an entry names a file: relative to the archive when inside it, else as given.

    ``sha256`` is taken when the caller knows it (an original is hashed once, as it is copied);
    a file that does not exist is recorded with ``sha256: null`` (deleted).
    """
    path = Path(path)
    try:
        name = path.resolve().relative_to(root).as_posix()
        inside = True
    except ValueError:
        name, inside = str(path.resolve()), False
    if sha256 is None and path.is_file():
        sha256 = sha256_of(path)
    ref = {"path": name, "sha256": sha256}
    if not inside:
        ref["outside_archive"] = True
    return ref


@dataclass
class LogRead:
    entries: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # torn or unreadable lines (not fatal)
    torn_tail: bool = False


def read(path: Path) -> LogRead:
    """Every complete entry of a log; torn or garbled lines are reported, not fatal."""
    out = LogRead()
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return out
    lines = data.split(b"\n")
    last = len(lines) - 1  # the piece after the last newline ('' when the file ends cleanly)
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            if (
                not isinstance(entry, dict)
                or entry.get("format") != FORMAT
                or not isinstance(entry.get("seq"), int)
            ):
                raise ValueError("not a custody entry")
        except ValueError:
            if n - 1 == last:
                out.torn_tail = True
                out.problems.append(
                    f"line {n}: the last entry is incomplete (a writer was interrupted); "
                    f"the {len(out.entries)} entries before it are intact"
                )
            else:
                out.problems.append(f"line {n}: not a complete entry (skipped)")
            continue
        if n - 1 == last:  # parses, but its newline never reached the disk
            out.torn_tail = True
        out.entries.append(entry)
    return out


def append(
    path: Path,
    recording_id: str,
    event: str,
    inputs: list[dict] = (),
    outputs: list[dict] = (),
    note: str = "",
    details: dict | None = None,
) -> dict:
    """Append one entry, chained to the last complete one; returns it."""
    if event not in EVENTS:
        raise ValueError(f"unknown custody event {event!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # two writers would otherwise fork the chain
        current = read(path)
        prev = current.entries[-1] if current.entries else None
        entry = {
            "format": FORMAT,
            "seq": (prev["seq"] + 1) if prev else 1,
            "time": utc_now(),
            "recording": recording_id,
            "event": event,
            "actor": actor(),
            "software": f"navar {__version__}",
            "command": command_line(),
            "inputs": list(inputs),
            "outputs": list(outputs),
            "prev": entry_hash(prev) if prev else None,
        }
        if note:
            entry["note"] = note
        if details:
            entry["details"] = details
        line = canonical(entry) + b"\n"
        size = os.fstat(fd).st_size
        if size and _last_byte(fd, size) != b"\n":
            line = b"\n" + line  # leave a torn line on its own; never glue onto it
        os.write(fd, line)  # one write with O_APPEND: lands whole at the end
        os.fsync(fd)
        return entry
    finally:
        os.close(fd)  # releases the lock


def _last_byte(fd: int, size: int) -> bytes:
    return os.pread(fd, 1, size - 1)


# --- checking ---------------------------------------------------------------------------------


@dataclass
class FileState:
    path: str
    sha256: str | None  # None: recorded as deleted
    seq: int  # the entry that recorded this state
    superseded: list[int] = field(default_factory=list)  # earlier entries with other hashes


@dataclass
class Check:
    """What ``verify`` found. ``ok`` is False when the chain is broken or a file changed."""

    entries: int = 0
    head: str | None = None  # hash of the last complete entry
    chain_errors: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unlogged: list[str] = field(default_factory=list)  # in the archive, never in the log
    intact: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # torn lines, late start: not failures

    @property
    def ok(self) -> bool:
        return not (self.chain_errors or self.changed or self.unlogged)


def check_chain(entries: list[dict]) -> list[str]:
    errors = []
    prev = None
    for i, e in enumerate(entries):
        want = entry_hash(prev) if prev else None
        if e.get("prev") != want:
            where = f"entry {e.get('seq', '?')} ({e.get('event', '?')}, {e.get('time', '?')})"
            if i == 0:
                errors.append(f"{where} should be the first, but points at an earlier entry")
            else:
                errors.append(
                    f"{where} does not follow entry {prev.get('seq', '?')}: an entry between "
                    "them was removed, or one of them was edited"
                )
        if prev and e.get("seq") != prev.get("seq", 0) + 1:
            errors.append(f"entry numbers jump from {prev.get('seq')} to {e.get('seq')}")
        prev = e
    return errors


def file_states(entries: list[dict]) -> tuple[dict[str, FileState], list[str]]:
    """The last recorded hash of every archive file the log names, and inconsistencies.

    An input read from the archive with a hash that no earlier entry wrote means the file was
    changed between two logged events without a log entry.
    """
    states: dict[str, FileState] = {}
    problems = []
    for e in entries:
        seq = e.get("seq")
        for ref in e.get("inputs", []):
            path, sha = ref.get("path"), ref.get("sha256")
            if ref.get("outside_archive") or not path:
                continue
            known = states.get(path)
            if known is None:
                states[path] = FileState(path, sha, seq)
            elif sha != known.sha256:
                problems.append(
                    f"entry {seq} read {path} with SHA-256 {str(sha)[:16]}…, but entry "
                    f"{known.seq} recorded {str(known.sha256)[:16]}…: it changed unlogged"
                )
                states[path] = FileState(path, sha, seq, [*known.superseded, known.seq])
        for ref in e.get("outputs", []):
            path, sha = ref.get("path"), ref.get("sha256")
            if ref.get("outside_archive") or not path:
                continue
            known = states.get(path)
            earlier = []
            if known is not None:
                earlier = (
                    [*known.superseded, known.seq] if known.sha256 != sha else known.superseded
                )
            states[path] = FileState(path, sha, seq, earlier)
    return states, problems


def verify(root: Path, log_path: Path, present: list[Path]) -> Check:
    """Check the chain and that every archive file the log names still has its hash.

    ``present`` lists the recording's files now in the archive; one that the log never names is
    reported as unlogged.
    """
    root = Path(root)
    read_ = read(log_path)
    out = Check(entries=len(read_.entries), notes=list(read_.problems))
    if not read_.entries:
        out.chain_errors.append(
            "no custody log: the recording was archived before Navar kept one (the next command "
            "that touches it, e.g. navar timestamp ID, starts it)"
            if not Path(log_path).exists()
            else f"{log_path}: no complete entry in the custody log"
        )
        return out
    out.head = entry_hash(read_.entries[-1])
    if read_.entries[0].get("event") == "log started late":
        out.notes.append(
            f"the log starts late, on {read_.entries[0].get('time')}: what happened before "
            "is not recorded"
        )
    out.chain_errors += check_chain(read_.entries)
    states, problems = file_states(read_.entries)
    out.changed += problems
    for state in states.values():
        target = root / state.path
        if state.superseded:
            out.superseded.append(
                f"{state.path}: entries {', '.join(map(str, state.superseded))} superseded "
                f"by entry {state.seq}"
            )
        if state.sha256 is None:
            if target.exists():
                out.changed.append(f"{state.path}: deleted in entry {state.seq}, but present")
            continue
        if not target.is_file():
            out.changed.append(f"{state.path}: missing (entry {state.seq} recorded it)")
            continue
        now = sha256_of(target)
        if now == state.sha256:
            out.intact.append(state.path)
        else:
            out.changed.append(
                f"{state.path}: SHA-256 is now {now[:16]}…, entry {state.seq} recorded "
                f"{state.sha256[:16]}…"
            )
    for p in present:
        name = Path(p).resolve().relative_to(root.resolve()).as_posix()
        if name not in states:
            out.unlogged.append(f"{name}: in the archive but never in the custody log")
    return out


def citations(entries: list[dict]) -> list[dict]:
    """The citations made of a recording, as stored in its "cited" entries (each once)."""
    out, seen = [], set()
    for e in entries:
        cit = (e.get("details") or {}).get("citation") if e.get("event") == "cited" else None
        if not isinstance(cit, dict) or "start" not in cit or "end" not in cit:
            continue
        key = (cit.get("start"), cit.get("end"), json.dumps(cit.get("texts"), sort_keys=True))
        if key not in seen:
            seen.add(key)
            out.append(cit)
    return out
