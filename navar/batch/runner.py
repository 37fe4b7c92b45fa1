"""Run a batch: find the files, put them in the catalog, process them, and sum up.

Locally, ``workers`` processes each loop: claim a recording from the catalog, run its stages,
release it. The parent only finds files, shows progress (read from the catalog) and writes the
summary, so whatever kills it or a worker, the catalog says what is done; a rerun of the same
command finishes the rest. With a Dask scheduler the same recordings go to the cluster instead
(see ``dask_runner``).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from transcribe.archive import Archive

from . import discovery
from .catalog import HEARTBEAT_SECONDS, Catalog, new_batch_id
from .work import Reporter, StageResult, WorkOptions, recorded_duration, run_recording

log = logging.getLogger(__name__)

_PROGRESS_EVERY = 1.0  # seconds between progress writes to the catalog
_WORKER_ROUNDS = 3  # restart workers this often if one died and left work behind


@dataclass
class BatchOptions:
    work: WorkOptions = field(default_factory=WorkOptions)
    workers: int = 1
    reference_dir: Path | None = None
    scheduler: str | None = None  # a Dask scheduler address; None runs here
    retry_failed: bool = False
    progress: bool = True  # bars on a terminal, one line per finished file otherwise


@dataclass
class Summary:
    batch: str
    files: int  # audio files found
    recordings: int  # distinct recordings among them (the same bytes twice count once)
    processed: int  # recordings this batch finished
    skipped: int  # recordings done before (by an earlier batch)
    failed: list[dict]  # {recording_id, source, error}
    elsewhere: int  # held by another batch running now
    audio_hours: float  # audio this batch processed
    wall_seconds: float
    workers: int
    scheduler: str | None = None

    @property
    def audio_hours_per_hour(self) -> float:
        return self.audio_hours / (self.wall_seconds / 3600) if self.wall_seconds else 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["audio_hours_per_hour"] = round(self.audio_hours_per_hour, 3)
        return out


def run_batch(
    archive: Archive,
    folders: list[Path],
    options: BatchOptions,
    say: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
    command: str = "",
) -> Summary:
    began = time.monotonic()
    client = None
    if options.scheduler:  # connect first: an unreachable cluster should fail before any work
        from . import dask_runner

        client = dask_runner.connect(options.scheduler)
    try:
        return _run(archive, folders, options, say, command, began, client)
    finally:
        if client is not None:
            client.close()


def _run(archive, folders, options, say, command, began, client) -> Summary:
    catalog = Catalog(archive)
    batch = new_batch_id()
    catalog.start_batch(batch, command)
    found = discovery.discover(
        folders, catalog, options.reference_dir, on_skip=lambda p, why: say(f"skipped {p}: {why}")
    )
    for f in found:
        catalog.register(
            batch, f.recording_id, str(f.path), str(f.reference) if f.reference else None,
            f.duration, options.work.stages(f.reference is not None),
        )  # fmt: skip
    if options.retry_failed:
        catalog.retry_failed(batch)
    rows = catalog.batch_rows(batch)
    todo = sum(r["status"] != "done" for r in rows)
    say(
        f"batch {batch}: {len(found)} audio files, {len(rows)} recordings, "
        f"{len(rows) - todo} already done"
    )

    display = ProgressDisplay(catalog, batch, options.progress, say)
    display.start()
    try:
        if client is not None:
            from .dask_runner import run_on_dask

            run_on_dask(archive, catalog, batch, options, client)
        elif todo:
            run_locally(archive, catalog, batch, options)
    finally:
        display.stop()
    catalog.finish_batch(batch)
    return summarise(catalog, batch, len(found), time.monotonic() - began, options)


# --- local workers ------------------------------------------------------------------------------


def run_locally(archive: Archive, catalog: Catalog, batch: str, options: BatchOptions) -> None:
    workers = max(1, options.workers)
    work = options.work
    if not work.cpu_threads:
        work = WorkOptions(**{**asdict(work), "cpu_threads": max(1, _cores() // workers)})
    ctx = multiprocessing.get_context("spawn")  # no inherited threads or open databases
    for _round in range(_WORKER_ROUNDS):
        procs = [
            ctx.Process(
                target=_worker_main,
                args=(str(archive.root), batch, work, os.getpid()),
                name=f"navar-batch-worker-{i + 1}",
            )
            for i in range(workers)
        ]
        for p in procs:
            p.start()
        try:
            for p in procs:
                p.join()
        except BaseException:
            for p in procs:
                p.terminate()
            raise
        if all(p.exitcode == 0 for p in procs):
            return
        # A worker died (a crash, the OOM killer): its recording is reclaimed on the next claim.
        log.warning("a batch worker stopped unexpectedly; starting the workers again")


def _worker_main(archive_root: str, batch: str, work: WorkOptions, parent: int) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops us
    catalog = Catalog(Archive(archive_root))
    while (claim := catalog.claim(batch)) is not None:
        reporter = CatalogReporter(catalog, claim.recording_id, batch)
        with Heartbeat(catalog, [claim.recording_id], parent=parent):
            run_recording(
                archive_root, claim.recording_id, claim.source, claim.reference, claim.stages,
                work, claim.attempts, reporter,
            )  # fmt: skip
        duration = recorded_duration(archive_root, claim.recording_id)
        catalog.release(claim.recording_id, duration)


class CatalogReporter(Reporter):
    """Writes each stage's start, progress (at most once a second) and outcome to the catalog."""

    def __init__(self, catalog: Catalog, recording_id: str, batch: str):
        self.catalog, self.recording_id, self.batch = catalog, recording_id, batch
        self._last = 0.0

    def started(self, stage: str) -> None:
        self.catalog.stage_started(self.recording_id, stage, self.batch)

    def progress(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last >= _PROGRESS_EVERY:
            self._last = now
            self.catalog.stage_progress(self.recording_id, stage, fraction)

    def finished(self, result: StageResult, retrying: bool) -> None:
        status = "pending" if retrying else result.status
        self.catalog.stage_finished(
            self.recording_id, result.stage, status, result.seconds, result.error
        )


class Heartbeat:
    """Tells the catalog, every few seconds, that the holder of some recordings is alive."""

    def __init__(self, catalog: Catalog, recording_ids: list[str], parent: int | None = None):
        self.catalog, self.ids, self.parent = catalog, list(recording_ids), parent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="heartbeat")
        self._lock = threading.Lock()

    def set(self, recording_ids: list[str]) -> None:
        with self._lock:
            self.ids = list(recording_ids)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            if self.parent and os.getppid() != self.parent:
                os._exit(1)  # the batch that started us is gone: stop, a rerun will resume
            with self._lock:
                ids = list(self.ids)
            try:
                self.catalog.heartbeat(ids)
            except Exception as exc:  # a busy database: the next beat will do
                log.debug("heartbeat failed: %s", exc)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the batch process dies (even by kill -9)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the heartbeat thread notices the parent's death instead
    if os.getppid() != parent:
        os._exit(1)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# --- progress and summary -----------------------------------------------------------------------


class ProgressDisplay:
    """Reads the catalog twice a second: a bar for the batch (audio, files, ETA) and per file."""

    def __init__(self, catalog: Catalog, batch: str, enabled: bool, say: Callable[[str], None]):
        self.catalog, self.batch, self.enabled, self.say = catalog, batch, enabled, say
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="progress")
        self._reported: set[str] = set()
        self._bar: tqdm | None = None
        self._scale = 3600

    def start(self) -> None:
        if not self.enabled:
            return
        rows = self.catalog.batch_rows(self.batch)
        total = sum(r["duration"] or 0 for r in rows)
        # Recordings finished before this batch are not news.
        self._reported = {r["recording_id"] for r in rows if r["status"] in ("done", "failed")}
        self._scale, unit = (3600, "h") if total >= 3600 else (60, "min")
        self._bar = tqdm(
            total=total / self._scale, desc="audio", file=sys.stderr, dynamic_ncols=True,
            disable=None, smoothing=0.1,
            bar_format="{desc} {n:.2f}/{total:.2f} " + unit + " {percentage:3.0f}%|{bar}| "
                       "{elapsed}<{remaining} {postfix}",
        )  # fmt: skip
        self._thread.start()

    def stop(self) -> None:
        if not self.enabled:
            return
        self._stop.set()
        self._thread.join()
        self._update()
        if self._bar is not None:
            self._bar.close()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self._update()
            except Exception as exc:  # a busy database: the next tick will do
                log.debug("progress display: %s", exc)

    def _update(self) -> None:
        rows = self.catalog.batch_rows(self.batch)
        stages = self.catalog.stage_rows([r["recording_id"] for r in rows])
        by_rec: dict[str, list] = {}
        for s in stages:
            by_rec.setdefault(s["recording_id"], []).append(s)
        done_audio, finished, running = 0.0, 0, []
        for r in rows:
            dur = r["duration"] or 0.0
            mine = by_rec.get(r["recording_id"], [])
            if r["status"] in ("done", "failed"):
                finished += 1
                done_audio += dur
                self._report(r, mine)
            elif mine:
                # Each stage is an equal share of the recording's work.
                share = sum(
                    1.0 if s["status"] == "done" else (s["progress"] or 0.0) for s in mine
                ) / len(mine)
                done_audio += dur * share
                if r["status"] == "running":
                    now = next((s for s in mine if s["status"] == "running"), None)
                    if now is not None:
                        running.append(
                            f"{Path(r['source']).name} {now['stage']} "
                            f"{100 * (now['progress'] or 0):.0f}%"
                        )
        if self._bar is not None:
            self._bar.n = min(done_audio / self._scale, self._bar.total)
            self._bar.set_postfix_str(
                f"files {finished}/{len(rows)}" + (f" | {'; '.join(running)}" if running else ""),
                refresh=False,
            )
            self._bar.refresh()

    def _report(self, row, stages) -> None:
        rec_id = row["recording_id"]
        if rec_id in self._reported:
            return
        self._reported.add(rec_id)
        name = Path(row["source"]).name
        took = sum(s["seconds"] or 0 for s in stages)
        if row["status"] == "done":
            line = f"done   {rec_id}  {name}  ({row['duration'] or 0:.1f} s audio in {took:.1f} s)"
        else:
            line = f"FAILED {rec_id}  {name}: {row['error']}"
        if self._bar is not None and not self._bar.disable:
            self._bar.write(line, file=sys.stderr)
        else:
            self.say(line)


def summarise(
    catalog: Catalog, batch: str, files: int, wall: float, options: BatchOptions
) -> Summary:
    rows = catalog.batch_rows(batch)
    stages = catalog.stage_rows([r["recording_id"] for r in rows])
    ran_here = {s["recording_id"] for s in stages if s["batch"] == batch and s["status"] == "done"}
    processed = [r for r in rows if r["status"] == "done" and r["recording_id"] in ran_here]
    failed = [
        {"recording_id": r["recording_id"], "source": r["batch_source"], "error": r["error"]}
        for r in rows
        if r["status"] == "failed"
    ]
    return Summary(
        batch=batch,
        files=files,
        recordings=len(rows),
        processed=len(processed),
        skipped=sum(r["status"] == "done" and r["recording_id"] not in ran_here for r in rows),
        failed=failed,
        elsewhere=sum(r["status"] in ("running", "pending") for r in rows),
        audio_hours=round(sum(r["duration"] or 0 for r in processed) / 3600, 6),
        wall_seconds=round(wall, 2),
        workers=options.workers,
        scheduler=options.scheduler,
    )
