"""Run a batch's recordings on a Dask distributed cluster.

The client (the ``navar batch`` process) stays the only writer of the catalog: it claims a
recording, sends ``work.run_recording`` for it to the cluster, and records the stage results
when they come back. Workers only read the originals and write tracks, atomically, into the
archive, which must be on a path every worker sees (NFS, a shared disk) under the same name.
SQLite is never written from another machine, which network file systems do badly.

If the client dies, its claims stop beating and go back to pending after
``catalog.STALE_SECONDS``; a rerun resubmits them, and the pipeline keeps any track a worker
finished meanwhile.
"""

from __future__ import annotations

import logging
from collections import deque

from transcribe.archive import Archive
from transcribe.errors import NavarError

from .catalog import Catalog, Claim
from .work import recorded_duration, run_recording

log = logging.getLogger(__name__)

_IN_FLIGHT_PER_THREAD = 2  # recordings queued per worker thread, so none waits for the client


def connect(scheduler: str):
    """A client of the scheduler at ``scheduler`` (tcp://HOST:8786), or a clear error."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise NavarError(
            "--scheduler needs Dask distributed; install it with: pip install 'dask[distributed]'"
        ) from exc
    try:
        return Client(scheduler, timeout="20s")
    except (OSError, ValueError) as exc:
        raise NavarError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc


def run_on_dask(archive: Archive, catalog: Catalog, batch: str, options, client) -> None:
    """Process ``batch`` on the cluster behind ``client`` (a distributed.Client)."""
    from distributed import as_completed

    from .runner import Heartbeat

    threads = sum(client.nthreads().values()) or 1
    log.info("Dask cluster at %s: %d worker threads", client.scheduler.address, threads)
    held: dict = {}  # future -> Claim
    claimed: deque[str] = deque()
    with Heartbeat(catalog, []) as beat:

        def submit_next():
            claim = catalog.claim(batch)
            if claim is None:
                return None
            future = client.submit(
                run_recording, str(archive.root), claim.recording_id, claim.source,
                claim.reference, claim.stages, options.work, claim.attempts,
                key=f"navar-{batch}-{claim.recording_id}", pure=False, retries=0,
            )  # fmt: skip
            held[future] = claim
            claimed.append(claim.recording_id)
            beat.set(list(claimed))
            return future

        queue = as_completed()
        for _ in range(threads * _IN_FLIGHT_PER_THREAD):
            future = submit_next()
            if future is None:
                break
            queue.add(future)
        for future in queue:
            claim = held.pop(future)
            _record(catalog, batch, claim, future)
            claimed.remove(claim.recording_id)
            beat.set(list(claimed))
            if (following := submit_next()) is not None:
                queue.add(following)


def _record(catalog: Catalog, batch: str, claim: Claim, future) -> None:
    """Write what a worker did for one recording into the catalog, and release it."""
    try:
        results = future.result()
    except Exception as exc:  # the task itself died (a lost worker, an unpicklable error)
        stage = claim.stages[0]
        catalog.stage_finished(
            claim.recording_id, stage, "pending", 0.0,
            f"the Dask task failed: {type(exc).__name__}: {exc}", batch=batch,
            attempts=claim.attempts.get(stage, 0) + 1,
        )  # fmt: skip
        catalog.release(claim.recording_id)
        return
    for r in results:
        catalog.stage_finished(
            claim.recording_id, r.stage, r.status, r.seconds, r.error, batch=batch,
            attempts=claim.attempts.get(r.stage, 0) + r.attempts,
        )  # fmt: skip
    duration = recorded_duration(str(catalog.archive.root), claim.recording_id)
    catalog.release(claim.recording_id, duration)
