"""The text form of a track for editing in any editor, and reading it back.

One segment per line, ``[s00003] Name: text``. The file's first line names the track, its
version and a digest of the track file as exported, so that an edit of a version that has
since changed is refused instead of silently undoing someone else's work. What a person may do:

- change words, or the speaker (``Name:`` after the id, at most four words; a new name becomes
  a new speaker);
- split a line: break it into lines; a line without an ``[id]`` continues the segment above;
- merge lines: join them; the ``[id]`` of the second line stays inside the joined line (its
  speaker prefix, if a known speaker, is dropped: the merged line has the first one's);
- delete a line, which drops its segment.

Reading gives ``EditLine``s; ``align.corrections`` turns them into a new version of the track.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import speakers
from .errors import FormatError
from .subtitles import RLM, speaker_name
from .transcript import Recording, Track

EDIT_HEADER = "# Navar edit:"
_HEADER_RE = re.compile(
    r"^# Navar edit: (?P<track>\S+) version (?P<version>\d+) of recording (?P<rec>[0-9a-f]{12}) "
    r"\(digest (?P<digest>[0-9a-f]{16,64})\)"
)
_ID = r"[A-Za-z0-9_.-]+"
_LEADING_ID = re.compile(rf"^\[({_ID})\]\s*")
_ANY_ID = re.compile(rf"\s*\[({_ID})\]\s*")


@dataclass
class EditLine:
    number: int  # line number in the file, from 1
    ids: list[str]  # segment ids on the line: none (a split), one, or several (a merge)
    text: str
    speaker: str | None = None  # a display name or speaker id, as the line gives it
    # Edges a person set (the browser editor's nudges and drags); None keeps the old ones.
    span: tuple[float, float] | None = None


@dataclass
class EditFile:
    track: str
    version: int
    recording_id: str
    digest: str
    lines: list[EditLine] = field(default_factory=list)


def to_edit_text(track: Track, recording: Recording, digest: str) -> str:
    """``track`` as editable text; ``digest`` is the SHA-256 of the track file as it is now."""
    lines = [
        f"{EDIT_HEADER} {track.id} version {track.version} of recording {recording.id} "
        f"(digest {digest})",
        f"# Recording: {recording.title}",
        f"# {track.label}. One segment per line: [id] Speaker: text. Change words or speakers;",
        "# split a line by breaking it (a line without [id] continues the segment above); merge",
        "# by joining lines (keep both [id]s); delete a line to drop it. Lines with # are notes.",
        "# Import with: navar import " + recording.id + " FILE --edit-of " + track.id,
    ]
    if recording.speakers:
        lines.append("# Speakers: " + "; ".join(f"{s.name} ({s.id})" for s in recording.speakers))
    lines.append("")
    for seg in track.segments:
        name = speaker_name(seg, recording)
        who = f"{name}: " if name else ""
        lines.append(f"[{seg.id}] {who}{' '.join(seg.text.split())}")
    return "\n".join(lines) + "\n"


def parse_edit_text(
    raw: str, segments: dict[str, str], known_speakers: tuple[str, ...] = ()
) -> EditFile:
    """Read an edit file; ``segments`` maps the edited track's segment ids to their text (only
    those count as ids in a line, so ``[inaudible]`` stays text)."""
    segment_ids = set(segments)
    known_keys = {speakers.key(k) for k in known_speakers}
    rows = raw.splitlines()
    m = _HEADER_RE.match(rows[0].replace(RLM, "").strip()) if rows else None
    if m is None:
        raise FormatError(
            "not a Navar edit file (its first line must be the '# Navar edit:' header); "
            "export one with: navar export RECORDING TRACK --format edit"
        )
    found: list[tuple[int, list[str], str]] = []
    for number, row in enumerate(rows[1:], start=2):
        line = " ".join(row.replace(RLM, "").split())
        if not line or line.startswith("#"):
            continue
        ids = []
        lead = _LEADING_ID.match(line)
        if lead and lead.group(1) in segment_ids:
            ids.append(lead.group(1))
            line = line[lead.end() :]

        parts = _ANY_ID.split(line)  # text, id, text, id, ...: ids of merged lines inside
        line = parts[0]
        for sid, rest in zip(parts[1::2], parts[2::2], strict=True):
            if sid not in segment_ids:  # [inaudible] and the like are text
                line += f" [{sid}] {rest}"
                continue
            ids.append(sid)
            name, after = speakers.split_prefix(rest)
            if name and speakers.key(name) in known_keys:  # a merged line's speaker: one is kept
                rest = after
            line += " " + rest
        found.append((number, ids, " ".join(line.split())))
    named = speakers.split_lines([text for _, _, text in found], known_speakers)
    edit = EditFile(m["track"], int(m["version"]), m["rec"], m["digest"])
    for (number, ids, line), (name, text) in zip(found, named, strict=True):
        if name is None and ids:
            # After an id the export writes only a speaker: a short "Name:" there is one,
            # unless the segment's own text already began so (a colon inside its sentence).
            candidate, rest = speakers.split_prefix(line)
            if candidate and speakers.split_prefix(segments[ids[0]])[0] != candidate:
                name, text = candidate, rest
        if text.strip():
            edit.lines.append(EditLine(number, ids, text.strip(), name))
    return edit
