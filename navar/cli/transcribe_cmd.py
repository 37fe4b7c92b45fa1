"""navar transcribe: machine transcription (and translation) of a recording."""

from __future__ import annotations

from pathlib import Path

import click

from transcribe import denoise, engine, pipeline
from transcribe.progress import ProgressReporter

from . import archive_of
from .model_options import denoise_option, device_options, use_device


@click.command()
@click.argument("target")
@click.option("--model", default=None, help="base (bundled, default), a model name, or a folder.")
@click.option(
    "--language",
    default="fa",
    show_default=True,
    help="Spoken language (a code such as fa or en), or auto to detect it.",
)
@click.option(
    "--translate/--no-translate",
    default=None,
    help="Also make an English machine-translation track (en.mt). Default: only with a model "
    "big enough to translate; the bundled base is not, so with it en.mt is made only when "
    "--translate is given (with a warning).",
)
@click.option("--force", is_flag=True, help="Redo tracks even if they exist with these settings.")
@click.option("--title", default=None, help="Title when TARGET is a file added first.")
@click.option(
    "--allow-damaged",
    is_flag=True,
    help="Add and transcribe a file even if part of its audio does not decode.",
)
@denoise_option(denoise.DEFAULT)
@device_options
@click.pass_context  # fmt: skip
def transcribe(ctx, target, model, language, translate, force, title, allow_damaged, denoise,
               device, compute_type):  # fmt: skip
    """Transcribe a recording: TARGET is an id in the archive, or a file to add first.

    Writes <lang>.asr (machine transcription with word times) and, with --translate (or by
    default with a model big enough to translate), en.mt (machine translation, each segment
    pointing at the source segments it renders).
    Tracks that exist with the same model and settings are kept unless --force.

    \b
    Examples:
      navar transcribe interview.mp3 --title "Witness 12"
      navar transcribe 3f9a2c --language auto --device cuda
      navar transcribe 3f9a2c --model /models/faster-whisper-small --force
    """
    archive = archive_of(ctx)
    quiet = ctx.meta.get("quiet", False)
    progress = ProgressReporter(label="transcribing")

    def say(message: str) -> None:
        if not quiet or message.startswith("warning"):
            progress.write(f"navar: {message}")

    use_device(device, compute_type)  # fail before adding anything if CUDA is not there
    if Path(target).is_file():
        added = archive.add(Path(target), title=title, allow_damaged=allow_damaged)
        rec = added.recording
        say(("added" if added.added else "found") + f" recording {rec.id} ({rec.title})")
        for warning in added.warnings:
            say(f"warning: {warning}")
    else:
        rec = archive.recording(archive.resolve_id(target))
    options = engine.TranscribeOptions(device=device, compute_type=compute_type, denoise=denoise)
    with progress:
        tracks = pipeline.transcribe_recording(
            archive,
            rec.id,
            model=model,
            language=language,
            translate=translate,
            force=force,
            progress=None if quiet else progress,
            options=options,
            say=say,
        )
    for track in tracks:
        click.echo(f"{rec.id}/{track.id}\t{len(track.segments)} segments\t{track.label}")


COMMANDS = [transcribe]
