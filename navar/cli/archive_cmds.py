"""Commands over the archive itself: add, list, show, export, import, models."""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from transcribe import __version__, edit_text, speakers, speech_model, subtitles
from transcribe.atomic import write_text
from transcribe.errors import ArchiveError
from transcribe.transcript import TRACK_KINDS, recording_to_dict

from . import archive_of
from .evidence_cmds import log_export


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
    if rec.speakers:
        click.echo("  speakers  " + "; ".join(f"{s.name} ({s.id})" for s in rec.speakers))
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
@click.option("--format", "fmt", type=click.Choice((*subtitles.EXPORT_FORMATS, "edit")),
              default="vtt", show_default=True,
              help="edit: one segment per line with its id and speaker, to correct in any "
              "editor and bring back with navar import --edit-of.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically) instead of standard output.")  # fmt: skip
@click.pass_context
def export_(ctx, recording_id, track_id, fmt, output):
    """Export a track as WebVTT, SRT, plain text, JSON, or text to edit (--format edit)."""
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording_id)
    rec = archive.recording(rec_id)
    track = archive.track(rec.id, track_id)
    if fmt == "edit":
        text = edit_text.to_edit_text(track, rec, archive.track_digest(rec.id, track_id))
    else:
        text = subtitles.export(track, fmt, rec)
    if output:
        write_text(output, text)
        log_export(archive, rec_id, track_id, output, text)
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
@click.option(
    "--edit-of",
    "edit_of",
    metavar="TRACK",
    help="FILE is an edit of TRACK (from navar export --format edit): save it as a new "
    "version of a human track, aligning only what changed.",
)
@click.option(
    "--editor",
    envvar="NAVAR_ACTOR",
    default=None,
    show_default="$NAVAR_ACTOR or your login name",
    help="Who made the edit (recorded in the provenance).",
)
@click.option("--model", default=None, help="Speech model for aligning edited lines.")
@click.option(
    "--margin",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 5),
    help="Seconds either side of a changed segment's old window to align it in.",
)
@click.pass_context
def import_(ctx, recording_id, file, language, kind, track_id, force, edit_of, editor, model,
            margin):  # fmt: skip
    """Import a VTT, SRT or text file (one sentence or paragraph per line) as a track.

    Times in VTT and SRT are kept as they are; to put a text in time use `navar align`.
    Speakers are read from WebVTT voice spans (<v Name>) and "Name: text" prefixes.

    With --edit-of TRACK, FILE is a corrected `navar export --format edit` of TRACK: unchanged
    lines keep their times exactly, changed ones are aligned again inside their old window, and
    the result is a new version of the human track (fa.reference for fa.asr); the version it
    replaces is kept. An edit of a version that has since changed is refused.

    \b
      navar export 3f9a2c fa.asr --format edit -o fix.txt
      navar import 3f9a2c fix.txt --edit-of fa.asr --editor "Maryam"
    """
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording_id)
    if edit_of:
        _import_edit(archive, rec_id, file, edit_of, editor, track_id, force, model, margin)
        return
    rec = archive.recording(rec_id)
    track = subtitles.read_track(
        file, rec_id, language, kind, track_id=track_id, software=f"navar {__version__}",
        duration=rec.duration, known_speakers=tuple(s.name for s in rec.speakers),
    )  # fmt: skip
    if archive.has_track(rec_id, track.id) and not force:
        raise ArchiveError(
            f"recording {rec_id} already has a track {track.id}; nothing was changed. Use --force "
            "to replace it (a human track's current version is then kept in "
            f"{archive.transcripts_dir / rec_id / 'versions'})"
        )
    for warning in track.provenance.notes:
        click.echo(f"  warning: {warning}", err=True)
    save_with_speakers(archive, rec, track, event="imported", inputs=[file])
    click.echo(f"imported {len(track.segments)} segments as {rec_id}/{track.id}")


def _import_edit(archive, rec_id, file, edit_of, editor, track_id, force, model, margin):
    from align.corrections import EditOptions
    from navar.edit_import import import_edit

    if not (editor or "").strip():
        try:
            editor = getpass.getuser()
        except (OSError, KeyError):  # no login name (some containers): say so rather than guess
            raise click.UsageError("say who made the edit: --editor NAME or NAVAR_ACTOR") from None
    editor = editor.strip()
    done = import_edit(archive, rec_id, file, edit_of, editor, target_id=track_id, force=force,
                       model=model, options=EditOptions(margin_s=margin))  # fmt: skip
    r = done.result
    click.echo(
        f"imported {file.name} as {rec_id}/{done.track.id} version {done.track.version}: "
        f"{len(r.unchanged)} segments unchanged, {len(r.changed)} aligned again, "
        f"{len(r.dropped)} dropped"
    )
    if done.kept is not None:
        click.echo(f"  the previous version is kept in {done.kept}", err=True)
    for s in done.new_speakers:
        click.echo(f"  new speaker {s.name} ({s.id})", err=True)


def save_with_speakers(archive, rec, track, **log) -> None:
    """Save ``track`` whose segments name speakers by display name: new names join the
    recording's speaker list first, so the track never names a speaker the list lacks.
    ``log`` (event, inputs) goes to the custody log with the track."""
    added = speakers.attach(rec, track.segments)
    if added:
        archive.save_recording(rec)
        names = ", ".join(f"{s.name} ({s.id})" for s in added)
        click.echo(f"new speakers of {rec.id}: {names}", err=True)
    before = archive.versions(track.recording_id, track.id)
    archive.save_track(track, **log)
    for kept in archive.versions(track.recording_id, track.id):
        if kept not in before:
            click.echo(f"the previous {track.id} is kept as {kept}", err=True)


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
