"""Import a person's edit of a track (``navar import ID FILE --edit-of TRACK``).

Reads the edit file, refuses it when the track has changed since it was exported, realigns what
changed (``align.corrections``) and saves the result as a new version of a human track, keeping
the version it replaces under ``versions/``. The edit file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.corrections import TRANSLATION_KINDS, EditOptions, EditResult, apply_edit
from align.scorer import open_scorer
from transcribe import __version__, audio, edit_text, speakers
from transcribe.archive import Archive
from transcribe.errors import ArchiveError, FormatError
from transcribe.transcript import Provenance, Track, utc_now

# The human track an edit of each kind becomes.
HUMAN_KIND = {
    "asr": "reference",
    "reference": "reference",
    "mt": "reference-translation",
    "reference-translation": "reference-translation",
}


class StaleEdit(ArchiveError):
    """The edited track has changed since the edit file was exported."""


@dataclass
class EditImport:
    track: Track
    result: EditResult
    kept: Path | None  # where the replaced version was kept
    new_speakers: list


def import_edit(
    archive: Archive,
    rec_id: str,
    file: Path,
    edit_of: str,
    editor: str,
    target_id: str | None = None,
    force: bool = False,
    model: str | None = None,
    options: EditOptions | None = None,
) -> EditImport:
    options = options or EditOptions()
    rec = archive.recording(rec_id)
    source = archive.track(rec.id, edit_of)
    try:
        raw = Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    known = tuple(s.name for s in rec.speakers) + tuple(s.id for s in rec.speakers)
    edit = edit_text.parse_edit_text(raw, {s.id: s.text for s in source.segments}, known)
    if edit.recording_id != rec.id or edit.track != source.id:
        raise FormatError(
            f"{file} is an edit of {edit.recording_id}/{edit.track}, not of {rec.id}/{source.id}"
        )
    digest = archive.track_digest(rec.id, source.id)
    if digest != edit.digest:
        raise StaleEdit(
            f"{source.id} has changed since {file.name} was exported (the file edits version "
            f"{edit.version}; the track is now version {source.version}). Nothing was imported "
            f"and {file.name} is untouched: export the track again "
            f"(navar export {rec.id} {source.id} --format edit) and carry your changes over"
        )
    target_id = target_id or f"{source.language}.{HUMAN_KIND[source.kind]}"
    if archive.has_track(rec.id, target_id) and target_id != source.id and not force:
        raise ArchiveError(
            f"track {target_id} exists and is not the track this file edits; use --force to "
            "make the edit its new version (the current one is kept under versions/)"
        )
    if not edit.lines:
        raise FormatError(f"{file}: no lines left to import")

    media = archive.media_path(rec.id)
    scorer = open_scorer(model, source.language) if source.kind not in TRANSLATION_KINDS else None

    def decode(start: float, seconds: float):
        return audio.decode(media, start, seconds)

    result = apply_edit(source, edit.lines, decode, scorer, options)
    previous = archive.track(rec.id, target_id) if archive.has_track(rec.id, target_id) else None
    track = Track(
        id=target_id,
        recording_id=rec.id,
        language=source.language,
        kind=HUMAN_KIND[source.kind],
        provenance=Provenance(
            software=f"navar {__version__}",
            model=scorer.name if scorer is not None else None,
            settings={
                "method": "edit: unchanged segments keep their times; changed ones are "
                "force-aligned inside their old segment's window",
                "edited_from": {"track": source.id, "version": source.version, "digest": digest},
                "editor": editor,
                "edited": utc_now(),
                "unchanged_segments": len(result.unchanged),
                "changed_segments": len(result.changed),
                "dropped_segments": len(result.dropped),
                **options.settings(),
            },
            source=Path(file).name,
            notes=[f"edited by {editor} from {source.id} version {source.version}"],
        ),
        segments=result.segments,
        source_track=source.source_track,
        version=previous.version + 1 if previous is not None else 1,
    )
    added = speakers.attach(rec, track.segments)
    if added:
        archive.save_recording(rec)
    before = set(archive.versions(rec.id, target_id))
    archive.save_track(track, event="edited", inputs=[Path(file)])  # keeps the human version
    kept = next(iter(set(archive.versions(rec.id, target_id)) - before), None)
    return EditImport(track, result, kept, added)
