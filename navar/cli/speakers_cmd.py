"""navar speakers: name a track's speaker turns with a diarisation model the user supplies."""

from __future__ import annotations

from pathlib import Path

import click

from . import archive_of


@click.command("speakers")
@click.argument("recording")
@click.option("--diarisation-model", "model", required=True, metavar="PATH",
              type=click.Path(path_type=Path),
              help="A pyannote.audio pipeline on disk (its config.yaml or folder). None ships "
                   "with Navar; pyannote.audio must be installed.")  # fmt: skip
@click.option("--track", "track_id", default=None, help="Track to label (default: fa.asr).")
@click.pass_context
def speakers_cmd(ctx, recording, model, track_id):
    """Give each segment the speaker turn a diarisation model finds (SPEAKER_00, ...).

    Segments that already name a speaker keep it. A human track's earlier version is kept
    under versions/."""
    from transcribe import diarisation, speakers

    archive = archive_of(ctx)
    rec = archive.recording(archive.resolve_id(recording))
    track = archive.track(rec.id, track_id or f"{rec.language}.asr")
    pipeline = diarisation.load(model)  # before any work: a model that cannot load says so now
    found = diarisation.turns(pipeline, archive.media_path(rec.id))
    labels = diarisation.speakers_of(track.segments, found)
    named = 0
    for seg, label in zip(track.segments, labels, strict=True):
        if seg.speaker is None and label is not None:
            seg.speaker = label
            named += 1
    if speakers.attach(rec, track.segments):
        archive.save_recording(rec)
    track.provenance.settings["diarisation_model"] = str(model)
    archive.save_track(track, event="speakers")
    click.echo(f"{track.id}: {named} segments given a speaker from {len(found)} turns")


COMMANDS = [speakers_cmd]
