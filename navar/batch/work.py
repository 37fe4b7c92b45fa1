"""The work a batch does for one recording, stage by stage; the same on a local worker or Dask.

Stages, in order: ``add`` (copy the original into the archive), ``transcribe`` (the asr track),
``translate`` (en.mt) and ``align`` (a reference transcript with the same base name, put in
time). Each stage writes its tracks atomically, and the transcription pipeline keeps a track
that already exists with the same model and settings, so a stage interrupted after its write
costs nothing when it runs again.

Errors that say the input is bad (``NavarError``: not audio, truncated, an unreadable
transcript) fail the stage at once; errors that may be transient (``TRANSIENT``: a full disk, a
crashed decoder, memory) are retried, up to ``catalog.MAX_ATTEMPTS`` tries in all; anything else
is a bug, reported once.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import subprocess
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from align import forced
from align.session import AudioSession, default_cache_dir
from transcribe import denoise, engine, pipeline, speech_model
from transcribe.archive import Archive
from transcribe.errors import AudioError, NavarError

from .catalog import MAX_ATTEMPTS

log = logging.getLogger(__name__)

STAGES = ("add", "transcribe", "translate", "align")
_INCOMING = re.compile(r"[^\s(]*/\.incoming\.[^/\s:]+")  # archive.add's temporary copy
# Errors that may go away on their own: a full or unreachable disk, a busy database, memory,
# a decoder or CTranslate2 failure (RuntimeError), a subprocess that died.
TRANSIENT = (
    OSError, MemoryError, RuntimeError, sqlite3.OperationalError, subprocess.SubprocessError,
)  # fmt: skip
RETRY_PAUSE = 1.0  # seconds before the second try; doubled for each further try


@dataclass
class WorkOptions:
    model: str | None = None
    language: str = "fa"
    translate: bool | None = None  # None: only with a model big enough to translate
    allow_damaged: bool = False
    cpu_threads: int = 0  # 0: all cores; a local batch divides the cores between its workers
    device: str = "auto"  # cpu, cuda or auto, on whichever machine the worker runs
    compute_type: str = "default"
    # A named front end (transcribe/denoise.py) for every stage; None: each stage's default
    # (transcription none, alignment afftdn: what the cassette measurements chose).
    denoise: str | None = None

    def stages(self, has_reference: bool) -> list[str]:
        out = ["add", "transcribe"]
        translate = self.translate
        if translate is None:  # the bundled base cannot translate: only when asked (README)
            translate = not speech_model.too_small_to_translate(self.model)
        if translate:
            out.append("translate")
        if has_reference:
            out.append("align")
        return out


@dataclass
class StageResult:
    stage: str
    status: str  # done, failed
    attempts: int  # tries made by this run
    seconds: float
    error: str | None = None
    notes: list[str] = field(default_factory=list)


class Reporter:
    """Told what happens as stages run; the local runner writes it to the catalog."""

    def started(self, stage: str) -> None: ...

    def progress(self, stage: str, fraction: float) -> None: ...

    def finished(self, result: StageResult, retrying: bool) -> None: ...


def run_recording(
    archive_root: str,
    recording_id: str,
    source: str,
    reference: str | None,
    stages: list[str],
    options: WorkOptions,
    attempts: dict[str, int] | None = None,
    reporter: Reporter | None = None,
) -> list[StageResult]:
    """Run ``stages`` for one recording; stop at the first stage that fails for good.

    A plain function of plain arguments, so Dask can ship it to a worker on another machine.
    """
    archive = Archive(archive_root)
    reporter = reporter or Reporter()
    attempts = dict(attempts or {})
    # This (worker) process's model loads follow the batch's choices, align's included.
    speech_model.set_defaults(options.device, options.compute_type, options.cpu_threads)
    results = []
    for stage in stages:
        result = _run_with_retries(
            archive, stage, recording_id, source, reference, options, attempts.get(stage, 0),
            reporter,
        )  # fmt: skip
        results.append(result)
        if result.status != "done":
            break
    return results


def _run_with_retries(archive, stage, rec_id, source, reference, options, tried, reporter):
    began = time.monotonic()
    made = 0
    while True:
        made += 1
        reporter.started(stage)
        try:
            notes = run_stage(
                archive, stage, rec_id, source, reference, options,
                lambda f, s=stage: reporter.progress(s, f),
            )  # fmt: skip
        except NavarError as exc:  # bad input: trying again will not help
            result = StageResult(stage, "failed", made, time.monotonic() - began, str(exc))
            reporter.finished(result, retrying=False)
            return result
        except Exception as exc:
            if not isinstance(exc, TRANSIENT):  # a bug: report it plainly, do not repeat it
                log.error("stage %s of %s:\n%s", stage, rec_id, traceback.format_exc())
                error = f"internal error: {type(exc).__name__}: {exc}"
                result = StageResult(stage, "failed", made, time.monotonic() - began, error)
                reporter.finished(result, retrying=False)
                return result
            log.debug("stage %s of %s failed:\n%s", stage, rec_id, traceback.format_exc())
            error = f"{type(exc).__name__}: {exc}"
            retrying = tried + made < MAX_ATTEMPTS
            if not retrying:
                error = f"{error} (after {tried + made} tries)"
            result = StageResult(stage, "failed", made, time.monotonic() - began, error)
            reporter.finished(result, retrying=retrying)
            if not retrying:
                return result
            time.sleep(RETRY_PAUSE * 2 ** (made - 1))
            continue
        result = StageResult(stage, "done", made, time.monotonic() - began, notes=notes)
        reporter.finished(result, retrying=False)
        return result


def run_stage(
    archive: Archive,
    stage: str,
    rec_id: str,
    source: str,
    reference: str | None,
    options: WorkOptions,
    progress: Callable[[float], None],
) -> list[str]:
    """Do one stage; returns notes worth showing. Raises on failure."""
    if stage == "add":
        try:
            result = archive.add(
                Path(source), language=options.language, allow_damaged=options.allow_damaged
            )
        except AudioError as exc:
            # The archive checks its temporary copy; name the file the archivist knows instead.
            raise AudioError(_INCOMING.sub(Path(source).name, str(exc))) from exc
        if result.recording.id != rec_id:
            raise NavarError(f"{source} changed since the batch found it; run the batch again")
        return result.warnings
    if stage in ("transcribe", "translate"):
        rec = archive.recording(rec_id)

        def report(done: float, total: float) -> None:
            progress(min(1.0, done / (total or rec.duration or 1.0)))

        opts = engine.TranscribeOptions(
            device=options.device,
            compute_type=options.compute_type,
            denoise=options.denoise or denoise.DEFAULT,
        )
        pipeline.transcribe_recording(
            archive, rec_id, model=options.model, language=options.language,
            translate=stage == "translate", progress=report, say=log.info, options=opts,
        )  # fmt: skip
        return []
    if stage == "align":
        return align_reference(archive, rec_id, Path(reference), options, progress)
    raise ValueError(f"unknown stage {stage!r}")


def align_reference(
    archive: Archive,
    rec_id: str,
    reference: Path,
    options: WorkOptions,
    progress: Callable[[float], None],
) -> list[str]:
    """Put the reference transcript in time against the recording, and save it as a track."""
    session = None
    front_end = options.denoise or denoise.DEFAULT_ALIGN
    if front_end != "none":
        rec = archive.recording(rec_id)
        path, cache = archive.media_path(rec_id), default_cache_dir()
        session = AudioSession(path, rec.sha256, cache_dir=cache, front_end=front_end)
    try:
        result = forced.align_reference(
            archive, rec_id, reference, language=options.language, model=options.model,
            progress=progress, session=session,
        )  # fmt: skip
    finally:
        if session is not None:
            session.close()
    device, compute_type = speech_model.device_settings()
    result.track.provenance.settings.update(device=device, compute_type=compute_type)
    archive.save_track(result.track, event="aligned", inputs=[reference])  # logged with its hash
    notes = [f"aligned {result.track.id} from {reference.name}"]
    if result.unplaced:
        notes.append(f"{len(result.unplaced)} line(s) of the reference could not be placed")
    return notes


def recorded_duration(archive_root: str, recording_id: str) -> float | None:
    """The decoded duration the archive measured on adding, once the add stage has run."""
    try:
        return Archive(archive_root).recording(recording_id).duration
    except NavarError:
        return None
