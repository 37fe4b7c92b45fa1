"""Import a person's edit of a track (``navar import ID FILE --edit-of TRACK``).

Reads the edit file, refuses it when the track has changed since it was exported, realigns what
changed (``align.corrections``) and saves the result as a new version of a human track, keeping
the version it replaces under ``versions/``. The edit file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.corrections import EditOptions, EditResult
from align.revision import StaleEdit, human_track_id, save_revision
from align.scorer import open_scorer
from transcribe import edit_text
from transcribe.archive import Archive
from transcribe.errors import ArchiveError, FormatError
from transcribe.transcript import Track

__all__ = ["EditImport", "StaleEdit", "import_edit"]


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
    target_id = target_id or human_track_id(source)
    if archive.has_track(rec.id, target_id) and target_id != source.id and not force:
        raise ArchiveError(
            f"track {target_id} exists and is not the track this file edits; use --force to "
            "make the edit its new version (the current one is kept under versions/)"
        )
    if not edit.lines:
        raise FormatError(f"{file}: no lines left to import")
    revision = save_revision(
        archive, rec, source, edit.lines, editor, digest, target_id=target_id,
        scorer_for=lambda language: open_scorer(model, language), options=options,
        source_label=Path(file).name, inputs=[Path(file)],
    )  # fmt: skip
    return EditImport(revision.track, revision.result, revision.kept, revision.new_speakers)
