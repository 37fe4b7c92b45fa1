"""Commands over the archive itself: add, list, show, export, import, models."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from transcribe import __version__, speech_model, subtitles
from transcribe.atomic import write_text
from transcribe.errors import ArchiveError
from transcribe.transcript import TRACK_KINDS, recording_to_dict

from . import archive_of


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", help="Title for the recording (default: the file name).")
@click.option("--language", default="fa", show_default=True, help="Spoken language.")
@click.option("--notes", default="", help="Source notes: where the recording came from.")
@click.option("--allow-damaged", is_flag=True, help="Archive a truncated or damaged file as is.")
@click.pass_context
def add(ctx, files, title, language, notes, allow_damaged):
    """Copy recordings into the archive (the originals are only read).

    A recording is identified by the SHA-256 of its bytes: adding the same file twice is a
    no-op that says so. Any format ffmpeg reads is accepted.
    """
    archive = archive_of(ctx)
    if title and len(files) > 1:
        raise click.UsageError("--title applies to one file; add files one at a time")
    for f in files:
        result = archive.add(
            f, title=title, language=language, source_notes=notes, allow_damaged=allow_damaged
        )
        rec = result.recording
        if result.added:
            click.echo(f"added {rec.id}  {_duration(rec.duration)}  {rec.title}")
            for w in result.warnings:
                click.echo(f"  warning: {w}", err=True)
        else:
            click.echo(f"already in the archive as {rec.id}  {rec.title}  (nothing changed)")


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def list_(ctx, as_json):
    """List the recordings in the archive."""
    archive = archive_of(ctx)
    recs = archive.recordings()  # damaged ones are skipped and logged, one line each
    damaged = archive.damaged()
    if damaged:
        click.echo(f"navar: {len(damaged)} recording(s) skipped as damaged (above)", err=True)
    if as_json:
        out = [{**recording_to_dict(r), "tracks": archive.track_ids(r.id)} for r in recs]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    if not recs:
        if not damaged:
            click.echo(f"no recordings in {archive.root} (add one with: navar add FILE)")
        return
    for r in recs:
        tracks = ", ".join(archive.track_ids(r.id)) or "no tracks"
        click.echo(f"{r.id}  {_duration(r.duration)}  {r.language}  {r.title}  [{tracks}]")


@click.command()
@click.argument("recording_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def show(ctx, recording_id, as_json):
    """Show one recording and its tracks."""
    archive = archive_of(ctx)
    rec = archive.recording(archive.resolve_id(recording_id))
    tracks = archive.tracks(rec.id)
    if as_json:
        out = recording_to_dict(rec)
        out["tracks"] = [_track_summary(t) for t in tracks]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    click.echo(f"{rec.title}\n  id        {rec.id}\n  sha256    {rec.sha256}")
    click.echo(f"  duration  {_duration(rec.duration)}\n  language  {rec.language}")
    click.echo(f"  media     {archive.media_dir / rec.media}")
    fmt = rec.format
    click.echo(
        f"  format    {fmt.get('codec')} in {fmt.get('container')}, "
        f"{fmt.get('sample_rate')} Hz, {fmt.get('channels')} ch"
    )
    if rec.source_notes:
        click.echo("  notes     " + rec.source_notes.replace("\n", "\n            "))
    for t in tracks:
        s = _track_summary(t)
        click.echo(
            f"  track {t.id:<28} {t.label}, {s['segments']} segments, {s['words']} words, "
            f"model {t.provenance.model or '-'}"
        )


def _track_summary(t) -> dict:
    return {
        "id": t.id,
        "language": t.language,
        "kind": t.kind,
        "label": t.label,
        "segments": len(t.segments),
        "words": sum(len(s.words) for s in t.segments),
        "created": t.created,
        "provenance": asdict(t.provenance),
    }


@click.command(name="export")
@click.argument("recording_id")
@click.argument("track_id")
@click.option("--format", "fmt", type=click.Choice(subtitles.EXPORT_FORMATS), default="vtt",
              show_default=True)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically) instead of standard output.")  # fmt: skip
@click.pass_context
def export_(ctx, recording_id, track_id, fmt, output):
    """Export a track as WebVTT, SRT, plain text or JSON."""
    archive = archive_of(ctx)
    text = subtitles.export(archive.track(archive.resolve_id(recording_id), track_id), fmt)
    if output:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)


@click.command(name="import")
@click.argument("recording_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", default="fa", show_default=True)
@click.option("--kind", type=click.Choice(TRACK_KINDS), default="reference", show_default=True)
@click.option("--track", "track_id", help="Track id (default: LANGUAGE.KIND).")
@click.option("--force", is_flag=True, help="Replace a track with the same id (a human track's "
              "previous version is kept in transcripts/ID/versions/).")  # fmt: skip
@click.pass_context
def import_(ctx, recording_id, file, language, kind, track_id, force):
    """Import a VTT, SRT or text file (one sentence or paragraph per line) as a track.

    Times in VTT and SRT are kept as they are; to put a text in time use `navar align`.
    """
    from .align_cmds import save_keeping_versions

    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording_id)
    rec = archive.recording(rec_id)
    track = subtitles.read_track(
        file, rec_id, language, kind, track_id=track_id, software=f"navar {__version__}",
        duration=rec.duration,
    )  # fmt: skip
    if archive.has_track(rec_id, track.id) and not force:
        raise ArchiveError(
            f"recording {rec_id} already has a track {track.id}; nothing was changed. Use --force "
            "to replace it (a human track's current version is then kept in "
            f"{archive.transcripts_dir / rec_id / 'versions'})"
        )
    for warning in track.provenance.notes:
        click.echo(f"  warning: {warning}", err=True)
    save_keeping_versions(archive, track)
    click.echo(f"imported {len(track.segments)} segments as {rec_id}/{track.id}")


@click.command()
@click.option("--json", "as_json", is_flag=True)
def models(as_json):
    """List the speech models available without a network, and which is the default."""
    found = speech_model.available()
    if as_json:
        click.echo(json.dumps(found, indent=1))
        return
    for m in found:
        state = "ready" if m["assembled"] else ("installed" if m["installed"] else "missing")
        default = " (default)" if m["default"] else ""
        click.echo(f"{m['name']}{default}  {m['kind']}  {state}  {m['location']}")
        click.echo(f"    languages: {m['languages']}")
    click.echo(
        "Any faster-whisper model name (small, medium, large-v3, ...) or a CTranslate2 model "
        "folder also works with --model; names need a network the first time."
    )


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


COMMANDS = [add, list_, show, export_, import_, models]
