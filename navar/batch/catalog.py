"""The batch catalog: job state for every recording and stage, in SQLite inside the archive.

One row per recording (its source file, reference, duration, and who holds it now) and one row
per recording and stage (status, attempts, error, timings). Workers claim a whole recording in
one ``BEGIN IMMEDIATE`` transaction, so two batches (or two workers) never take the same one.
A claim names its holder by pid, host and a heartbeat; a claim whose process is gone (kill -9,
a crash, a lost machine) goes back to pending the next time anyone claims, so a rerun finishes
the work. WAL mode lets ``navar status`` and the progress display read while workers write.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from transcribe.archive import Archive
from transcribe.errors import DamagedFile

CATALOG_NAME = ".batch-catalog.sqlite"
HEARTBEAT_SECONDS = 5.0  # how often a holder says it is alive
STALE_SECONDS = 60.0  # a holder silent this long is presumed dead (other hosts: no pid check)
MAX_ATTEMPTS = 3  # tries of one stage (errors that may be transient, or the worker dying)
BUSY_SECONDS = 60.0  # how long to wait for another process's write before giving up

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT, recording_id TEXT,
    duration REAL
);
CREATE TABLE IF NOT EXISTS recordings (
    recording_id TEXT PRIMARY KEY, source TEXT NOT NULL, reference TEXT, duration REAL,
    status TEXT NOT NULL DEFAULT 'pending', error TEXT,
    pid INTEGER, host TEXT, heartbeat REAL, batch TEXT, updated REAL
);
CREATE TABLE IF NOT EXISTS stages (
    recording_id TEXT NOT NULL, stage TEXT NOT NULL, seq INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
    started REAL, finished REAL, seconds REAL, progress REAL, batch TEXT,
    PRIMARY KEY (recording_id, stage)
);
CREATE TABLE IF NOT EXISTS batches (
    batch TEXT PRIMARY KEY, started REAL, finished REAL, pid INTEGER, host TEXT, command TEXT
);
CREATE TABLE IF NOT EXISTS batch_items (
    batch TEXT NOT NULL, recording_id TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (batch, recording_id)
);
"""


@dataclass
class Claim:
    """A recording a worker now holds, with the stages still to do, in order."""

    recording_id: str
    source: str
    reference: str | None
    duration: float | None
    stages: list[str] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)  # tries already made, per stage


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Not a database, or a corrupt one (busy or locked databases are not damage)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name:
        return name in ("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_IOERR_SHORT_READ")
    return type(exc) is sqlite3.DatabaseError


def catalog_path(archive: Archive) -> Path:
    return archive.transcripts_dir / CATALOG_NAME


def new_batch_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


class Catalog:
    def __init__(self, archive: Archive):
        self.archive = archive
        self.path = catalog_path(archive)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.host = socket.gethostname()
        self._local = threading.local()
        with self._db() as db:
            _use_wal(db)
            db.executescript(_SCHEMA)
            # A cut-short or overwritten catalog shows here, not midway through a batch.
            problem = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if problem != "ok":
                raise sqlite3.DatabaseError(problem)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened once: closing the last one checkpoints the WAL,
        which costs more than the updates themselves."""
        try:
            db = getattr(self._local, "db", None)
            if db is None or self._local.pid != os.getpid():  # never share one across a fork
                db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
                db.row_factory = sqlite3.Row
                # With WAL, NORMAL survives any process crash (kill -9 included); only a power
                # cut can lose the last few updates, which a rerun redoes.
                db.execute("PRAGMA synchronous = NORMAL")
                self._local.db, self._local.pid = db, os.getpid()
            yield db
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                raise DamagedFile(
                    self.path,
                    f"the batch catalog is damaged ({exc})",
                    "It holds only job state: move it aside and run the batch again; "
                    "recordings and tracks already in the archive are kept",
                ) from None
            raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before reading so that check-then-set is atomic."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # --- discovery cache ----------------------------------------------------------------------

    def known_source(self, path: str, size: int, mtime_ns: int) -> sqlite3.Row | None:
        """The hash and duration measured for this file before, if it has not changed since."""
        with self._db() as db:
            return db.execute(
                "SELECT * FROM sources WHERE path = ? AND size = ? AND mtime_ns = ?",
                (path, size, mtime_ns),
            ).fetchone()

    def remember_source(self, path, size, mtime_ns, sha256, recording_id, duration) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                (path, size, mtime_ns, sha256, recording_id, duration),
            )

    # --- batches ------------------------------------------------------------------------------

    def start_batch(self, batch: str, command: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO batches VALUES (?, ?, NULL, ?, ?, ?)",
                (batch, time.time(), os.getpid(), self.host, command),
            )

    def finish_batch(self, batch: str) -> None:
        with self._write() as db:
            db.execute("UPDATE batches SET finished = ? WHERE batch = ?", (time.time(), batch))

    def register(
        self,
        batch: str,
        recording_id: str,
        source: str,
        reference: str | None,
        duration: float | None,
        stages: list[str],
    ) -> bool:
        """Put a recording and its stages in the catalog (and in this batch).

        Returns False when the batch already holds the same recording from another file (the
        same bytes twice). Stages already in the catalog keep their state; stages asked for now
        but not before (say, translation on a second run) are added as pending.
        """
        with self._write() as db:
            if db.execute(
                "SELECT 1 FROM batch_items WHERE batch = ? AND recording_id = ?",
                (batch, recording_id),
            ).fetchone():
                return False
            db.execute("INSERT INTO batch_items VALUES (?, ?, ?)", (batch, recording_id, source))
            db.execute(
                "INSERT OR IGNORE INTO recordings (recording_id, source, reference, duration, "
                "updated) VALUES (?, ?, ?, ?, ?)",
                (recording_id, source, reference, duration, time.time()),
            )
            if reference:
                db.execute(
                    "UPDATE recordings SET reference = ? WHERE recording_id = ?",
                    (reference, recording_id),
                )
            added = 0
            for seq, stage in enumerate(stages):
                cur = db.execute(
                    "INSERT OR IGNORE INTO stages (recording_id, stage, seq) VALUES (?, ?, ?)",
                    (recording_id, stage, seq),
                )
                added += cur.rowcount
            if added:  # new work for a recording that was finished before
                db.execute(
                    "UPDATE recordings SET status = 'pending' "
                    "WHERE recording_id = ? AND status = 'done'",
                    (recording_id,),
                )
            return True

    def retry_failed(self, batch: str) -> int:
        """Give this batch's failed recordings a fresh set of attempts."""
        with self._write() as db:
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT r.recording_id FROM recordings r JOIN batch_items b "
                    "USING (recording_id) WHERE b.batch = ? AND r.status = 'failed'",
                    (batch,),
                )
            ]
            for rec_id in ids:
                db.execute(
                    "UPDATE stages SET status = 'pending', attempts = 0, error = NULL "
                    "WHERE recording_id = ? AND status != 'done'",
                    (rec_id,),
                )
                db.execute(
                    "UPDATE recordings SET status = 'pending', error = NULL WHERE recording_id = ?",
                    (rec_id,),
                )
            return len(ids)

    # --- claiming -----------------------------------------------------------------------------

    def claim(self, batch: str, pid: int | None = None) -> Claim | None:
        """Take the next pending recording of ``batch``, or None when there is none to take."""
        pid = pid or os.getpid()
        now = time.time()
        with self._write() as db:
            self._reclaim_stale(db, now)
            row = db.execute(
                "SELECT r.* FROM recordings r JOIN batch_items b USING (recording_id) "
                "WHERE b.batch = ? AND r.status = 'pending' ORDER BY b.rowid LIMIT 1",
                (batch,),
            ).fetchone()
            if row is None:
                return None
            rec_id = row["recording_id"]
            db.execute(
                "UPDATE recordings SET status = 'running', pid = ?, host = ?, heartbeat = ?, "
                "batch = ?, updated = ? WHERE recording_id = ?",
                (pid, self.host, now, batch, now, rec_id),
            )
            todo = db.execute(
                "SELECT stage, attempts FROM stages WHERE recording_id = ? AND status != 'done' "
                "ORDER BY seq",
                (rec_id,),
            ).fetchall()
        return Claim(
            recording_id=rec_id,
            source=row["source"],
            reference=row["reference"],
            duration=row["duration"],
            stages=[r["stage"] for r in todo],
            attempts={r["stage"]: r["attempts"] for r in todo},
        )

    def heartbeat(self, recording_ids: list[str], pid: int | None = None) -> None:
        if not recording_ids:
            return
        marks = ",".join("?" * len(recording_ids))
        with self._write() as db:
            db.execute(
                f"UPDATE recordings SET heartbeat = ? WHERE status = 'running' AND pid = ? "
                f"AND host = ? AND recording_id IN ({marks})",
                (time.time(), pid or os.getpid(), self.host, *recording_ids),
            )

    def _reclaim_stale(self, db: sqlite3.Connection, now: float) -> None:
        rows = db.execute(
            "SELECT recording_id, pid, host, heartbeat FROM recordings WHERE status = 'running'"
        ).fetchall()
        for r in rows:
            same_host = r["host"] == self.host
            dead = (same_host and not pid_alive(r["pid"])) or (
                (r["heartbeat"] or 0) < now - STALE_SECONDS
            )
            if not dead:
                continue
            rec_id = r["recording_id"]
            # What was running when the holder died counts as a try: a file that kills its
            # worker every time must end up failed, not retried for ever.
            worn = db.execute(
                "SELECT stage, attempts FROM stages WHERE recording_id = ? AND status = 'running'",
                (rec_id,),
            ).fetchall()
            db.execute(
                "UPDATE stages SET status = 'pending', progress = NULL "
                "WHERE recording_id = ? AND status = 'running'",
                (rec_id,),
            )
            status, error = "pending", None
            for s in worn:
                if s["attempts"] >= MAX_ATTEMPTS:
                    error = (
                        f"the worker processing stage {s['stage']} stopped "
                        f"{s['attempts']} times without finishing it"
                    )
                    db.execute(
                        "UPDATE stages SET status = 'failed', error = ? "
                        "WHERE recording_id = ? AND stage = ?",
                        (error, rec_id, s["stage"]),
                    )
                    status = "failed"
            db.execute(
                "UPDATE recordings SET status = ?, error = ?, pid = NULL, heartbeat = NULL, "
                "updated = ? WHERE recording_id = ?",
                (status, error, now, rec_id),
            )

    # --- stage updates ------------------------------------------------------------------------

    def stage_started(self, recording_id: str, stage: str, batch: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE stages SET status = 'running', attempts = attempts + 1, error = NULL, "
                "started = ?, finished = NULL, progress = 0, batch = ? "
                "WHERE recording_id = ? AND stage = ?",
                (time.time(), batch, recording_id, stage),
            )

    def stage_progress(self, recording_id: str, stage: str, fraction: float) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE stages SET progress = ? WHERE recording_id = ? AND stage = ?",
                (round(fraction, 4), recording_id, stage),
            )

    def stage_finished(
        self,
        recording_id: str,
        stage: str,
        status: str,
        seconds: float,
        error: str | None = None,
        batch: str | None = None,
        attempts: int | None = None,
    ) -> None:
        """Record a stage's outcome: done, failed, or pending (a transient error to retry)."""
        with self._write() as db:
            db.execute(
                "UPDATE stages SET status = ?, error = ?, finished = ?, seconds = ?, "
                "progress = NULL, batch = COALESCE(?, batch), attempts = COALESCE(?, attempts) "
                "WHERE recording_id = ? AND stage = ?",
                (status, error, time.time(), round(seconds, 3), batch, attempts, recording_id,
                 stage),
            )  # fmt: skip

    def release(self, recording_id: str, duration: float | None = None) -> str:
        """Let go of a recording; its status follows from its stages. Returns that status."""
        with self._write() as db:
            # A stage left to retry that has had all its tries fails here, for good.
            db.execute(
                "UPDATE stages SET status = 'failed', error = COALESCE(error, 'gave up') || "
                "' (after ' || attempts || ' tries)' "
                "WHERE recording_id = ? AND status = 'pending' AND attempts >= ?",
                (recording_id, MAX_ATTEMPTS),
            )
            states = [
                r[0]
                for r in db.execute(
                    "SELECT status FROM stages WHERE recording_id = ?", (recording_id,)
                )
            ]
            errors = [
                f"{r['stage']}: {r['error']}"
                for r in db.execute(
                    "SELECT stage, error FROM stages WHERE recording_id = ? AND status = 'failed' "
                    "ORDER BY seq",
                    (recording_id,),
                )
            ]
            if errors:
                status = "failed"
            elif all(s == "done" for s in states):
                status = "done"
            else:
                status = "pending"
            db.execute(
                "UPDATE recordings SET status = ?, error = ?, pid = NULL, heartbeat = NULL, "
                "duration = COALESCE(?, duration), updated = ? WHERE recording_id = ?",
                (status, "; ".join(errors) or None, duration, time.time(), recording_id),
            )
            return status

    # --- reading ------------------------------------------------------------------------------

    def batch_rows(self, batch: str) -> list[sqlite3.Row]:
        with self._db() as db:
            return db.execute(
                "SELECT r.*, b.source AS batch_source FROM recordings r JOIN batch_items b "
                "USING (recording_id) WHERE b.batch = ? ORDER BY b.rowid",
                (batch,),
            ).fetchall()

    def stage_rows(self, recording_ids: list[str] | None = None) -> list[sqlite3.Row]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM stages ORDER BY recording_id, seq").fetchall()
        if recording_ids is None:
            return rows
        wanted = set(recording_ids)
        return [r for r in rows if r["recording_id"] in wanted]

    def recording_rows(self) -> list[sqlite3.Row]:
        with self._db() as db:
            return db.execute("SELECT * FROM recordings ORDER BY updated").fetchall()

    def batches(self, limit: int = 10) -> list[sqlite3.Row]:
        with self._db() as db:
            return db.execute(
                "SELECT * FROM batches ORDER BY started DESC LIMIT ?", (limit,)
            ).fetchall()


def _use_wal(db: sqlite3.Connection, wait: float = BUSY_SECONDS) -> None:
    """Put the catalog in WAL mode, waiting for any other process doing the same.

    Switching a new database to WAL needs an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, while another connection is writing to it: two
    batches started together on a new archive made one of them die here before printing
    anything. The mode is stored in the file, so later openings find it set at once.
    """
    deadline = time.monotonic() + wait
    pause = 0.01
    while True:
        try:
            # Refused, the pragma may also just answer the old mode: check what it says.
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
            problem = "the catalog would not switch to WAL mode"
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            problem = str(exc)
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError(
                f"the batch catalog stayed locked for {wait:.0f} s ({problem})"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def pid_alive(pid: int | None) -> bool:
    """Whether a process on this host is still running (a zombie counts as dead)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
