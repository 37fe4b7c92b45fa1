"""navar transcribe: machine transcription (and translation) of a recording."""

from __future__ import annotations

from pathlib import Path

import click

from transcribe import engine

from . import archive_of


@click.command()
@click.argument("target")
@click.option("--model", default=None, help="base (bundled, default), a model name, or a folder.")
@click.option("--language", default="fa", show_default=True, help="Spoken language, or auto.")
@click.option("--translate/--no-translate", default=True, show_default=True,
              help="Also make an English machine-translation track.")  # fmt: skip
@click.option("--force", is_flag=True, help="Redo tracks that already exist.")
@click.pass_context
def transcribe(ctx, target, model, language, translate, force):
    """Transcribe a recording (an id in the archive, or a file to add first)."""
    archive = archive_of(ctx)
    if Path(target).is_file():
        rec = archive.add(Path(target)).recording
    else:
        rec = archive.recording(archive.resolve_id(target))
    media = archive.media_dir / rec.media
    lang = None if language == "auto" else language
    tasks = [("transcribe", lang)] + ([("translate", lang)] if translate else [])
    for task, task_lang in tasks:
        track_id = "en.mt" if task == "translate" else f"{task_lang or rec.language}.asr"
        if archive.has_track(rec.id, track_id) and not force:
            click.echo(f"{rec.id}/{track_id} exists; use --force to redo it")
            continue
        opts = engine.TranscribeOptions(language=task_lang, task=task)
        track, _info = engine.run(model, media, rec.id, opts)
        archive.save_track(track)
        click.echo(f"wrote {rec.id}/{track.id}: {len(track.segments)} segments")


COMMANDS = [transcribe]
