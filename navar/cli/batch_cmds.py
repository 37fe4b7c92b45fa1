"""navar batch, status and search: process folders of recordings, and search the archive."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from align import archive_search
from navar.batch import status as batch_status
from navar.batch.runner import BatchOptions, run_batch
from navar.batch.work import WorkOptions

from . import archive_of
from .model_options import denoise_option, device_options, use_device


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes on this machine (ignored with --scheduler).",
)
@click.option(
    "--translate/--no-translate",
    default=None,
    help="Also make the English machine-translation track. Default: only with a model big "
    "enough to translate (not the bundled base).",
)
@click.option(
    "--reference-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of reference transcripts (.vtt, .srt, .txt) named like the audio.",
)
@click.option("--model", default=None, help="base (bundled, default), a model name, or a folder.")
@click.option("--language", default="fa", show_default=True, help="Spoken language.")
@click.option("--allow-damaged", is_flag=True, help="Archive truncated or damaged files as is.")
@click.option("--retry-failed", is_flag=True, help="Try recordings that failed before again.")
@click.option(
    "--scheduler",
    metavar="tcp://HOST:8786",
    help="Run on this Dask scheduler's workers (the archive must be on a shared path).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@denoise_option(None)
@device_options
@click.pass_context
def batch(ctx, folders, workers, translate, reference_dir, model, language, allow_damaged,
          retry_failed, scheduler, as_json, denoise, device, compute_type):  # fmt: skip
    """Add, transcribe, translate and align every recording under FOLDERS.

    Files already in the archive (same SHA-256) are not processed again. Safe to interrupt
    at any moment (even kill -9): run the same command again to finish the work. Exits with
    status 1 when a file failed (each is listed with its error; see also `navar status`).
    """
    archive = archive_of(ctx)
    if not scheduler:  # Dask workers run elsewhere: they check their own device
        use_device(device, compute_type)
    options = BatchOptions(
        work=WorkOptions(model=model, language=language, translate=translate,
                         allow_damaged=allow_damaged, device=device,
                         compute_type=compute_type, denoise=denoise),
        workers=workers, reference_dir=reference_dir, scheduler=scheduler,
        retry_failed=retry_failed, progress=not ctx.meta.get("quiet"),
    )  # fmt: skip
    quiet = ctx.meta.get("quiet")
    summary = run_batch(
        archive, list(folders), options, command=" ".join(sys.argv),
        say=(lambda m: None) if quiet else (lambda m: click.echo(m, err=True)),
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(
            f"processed {summary.processed}, skipped {summary.skipped} (done before), "
            f"failed {len(summary.failed)}"
            + (f", {summary.elsewhere} left to another batch" if summary.elsewhere else "")
        )
        click.echo(
            f"audio {summary.audio_hours:.3f} h in {summary.wall_seconds:.0f} s wall time "
            f"({summary.audio_hours_per_hour:.2f} audio hours per hour)"
        )
        for f in summary.failed:
            click.echo(f"  failed {f['recording_id']}  {f['source']}: {f['error']}")
    if summary.failed:
        ctx.exit(1)  # scripts can tell that something needs attention


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="List every recording, not just a count.")
@click.pass_context
def status(ctx, as_json, show_all):
    """Show the batch catalog: what is done, running and failed."""
    report = batch_status.report(archive_of(ctx))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    click.echo(batch_status.render(report, show_all=show_all, now=time.time()))


@click.command()
@click.argument("text")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000),
              help="At most this many hits.")  # fmt: skip
@click.option("--language", default=None, help="Only tracks in this language (fa, en, ...).")
@click.option(
    "--speaker",
    default=None,
    help="Only what this speaker says (a display name, as the transcript gives).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def search(ctx, text, limit, language, speaker, as_json):
    """Search every track of every recording (Persian normalised, typo-tolerant).

    Each hit gives the recording, the track, the time span and a permalink for the player.
    """
    archive = archive_of(ctx)
    hits = archive_search.search(archive, text, limit=limit, language=language, speaker=speaker)
    if as_json:
        click.echo(archive_search.hits_json(hits))
        return
    if not hits:
        click.echo(f"no matches for {text!r}")
        return
    for h in hits:
        span = f"{_clock(h.start)}-{_clock(h.end)}" if h.start is not None else "untimed"
        click.echo(f"{h.score:.2f}  {h.recording_id}  {span}  {h.track}  {h.title}")
        click.echo(f"      {h.speaker + ': ' if h.speaker else ''}{h.text}")
        click.echo(f"      {h.permalink}")


def _clock(seconds: float) -> str:
    tenths = int(round(seconds * 10))
    s, t = divmod(tenths, 10)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}.{t}"


COMMANDS = [batch, status, search]
