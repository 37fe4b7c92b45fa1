"""A person's edit of a track, saved as a new version of a human track.

The one path for both ways of correcting: ``navar import --edit-of`` (an edited text file) and
the browser editor (``navar serve --edit``). The caller has read the edit into ``EditLine``s and
checked it is not stale; this re-aligns only what changed (``align.corrections``), writes the
human track (``reference`` or ``reference-translation``) with provenance saying what it was
edited from, by whom and when, and lets ``Archive.save_track`` keep the version it replaces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from transcribe import __version__, audio, speakers
from transcribe.archive import Archive
from transcribe.edit_text import EditLine
from transcribe.errors import ArchiveError, FormatError
from transcribe.transcript import Provenance, Recording, Track, utc_now

from .corrections import TRANSLATION_KINDS, EditOptions, EditResult, apply_edit

# The human track an edit of each kind becomes.
HUMAN_KIND = {
    "asr": "reference",
    "reference": "reference",
    "mt": "reference-translation",
    "reference-translation": "reference-translation",
}


class StaleEdit(ArchiveError):
    """The edited track (or the human track the edit would replace) changed since the edit
    began."""


@dataclass
class Revision:
    track: Track
    result: EditResult
    kept: Path | None  # where the replaced version was kept
    new_speakers: list


def human_track_id(source: Track) -> str:
    """The id of the human track an edit of ``source`` is saved as (fa.asr -> fa.reference)."""
    return f"{source.language}.{HUMAN_KIND[source.kind]}"


def save_revision(
    archive: Archive,
    rec: Recording,
    source: Track,
    lines: Sequence[EditLine],
    editor: str,
    digest: str,
    *,
    target_id: str | None = None,
    scorer_for: Callable[[str], object] | None = None,
    options: EditOptions | None = None,
    source_label: str | None = None,
    inputs: Sequence[Path] = (),
    decode: Callable[[float, float], object] | None = None,
) -> Revision:
    """Re-align ``lines`` (an edit of ``source``, whose file had SHA-256 ``digest``) and save
    them as ``target_id`` (default: the human track of ``source``'s language and kind).

    ``scorer_for(language)`` gives the caller's Scorer (loaded once by it); translations need
    none. ``source_label`` names where the edit came from (a file name, "browser editor");
    ``decode(start, seconds)`` gives the recording's samples (default: ffmpeg on its file)."""
    options = options or EditOptions()
    if not lines:
        raise FormatError("no lines left to save")
    target_id = target_id or human_track_id(source)
    translation = source.kind in TRANSLATION_KINDS
    scorer = scorer_for(source.language) if scorer_for and not translation else None
    if decode is None:
        media = archive.media_path(rec.id)

        def decode(start: float, seconds: float):
            return audio.decode(media, start, seconds)

    result = apply_edit(source, lines, decode if scorer else None, scorer, options)
    previous = archive.track(rec.id, target_id) if archive.has_track(rec.id, target_id) else None
    when = utc_now()
    track = Track(
        id=target_id,
        recording_id=rec.id,
        language=source.language,
        kind=HUMAN_KIND[source.kind],
        provenance=Provenance(
            software=f"navar {__version__}",
            model=getattr(scorer, "name", None),
            settings={
                "method": "edit: unchanged segments keep their times; changed ones are "
                "force-aligned inside their old segment's window",
                "edited_from": {"track": source.id, "version": source.version, "digest": digest},
                "editor": editor,
                "edited": when,
                "unchanged_segments": len(result.unchanged),
                "changed_segments": len(result.changed),
                "dropped_segments": len(result.dropped),
                **options.settings(),
            },
            source=source_label,
            notes=[f"edited by {editor} from {source.id} version {source.version}"],
        ),
        segments=result.segments,
        source_track=source.source_track,
        created=when,
        version=previous.version + 1 if previous is not None else 1,
    )
    added = speakers.attach(rec, track.segments)
    if added:
        archive.save_recording(rec)
    before = set(archive.versions(rec.id, target_id))
    archive.save_track(track, event="edited", inputs=list(inputs))  # keeps the human version
    kept = next(iter(set(archive.versions(rec.id, target_id)) - before), None)
    return Revision(track, result, kept, added)
