"""What changed between two versions of a track: the kept versions, and a word-level diff.

Versions are the files ``Archive.keep_version`` wrote under ``versions/`` (oldest first) and the
track as it is now (key ``current``). The diff compares the words of the two texts in order,
segment by segment as read, and marks each run of words as kept, added or removed; speakers
that changed on a segment are listed too.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from transcribe.archive import Archive
from transcribe.transcript import Track

CURRENT = "current"


def versions(archive: Archive, rec_id: str, track_id: str) -> list[dict]:
    """Every version of the track a diff may name: the kept ones, oldest first, then now."""
    out = []
    for path in archive.versions(rec_id, track_id):
        out.append({"key": path.name, **_about(path)})
    current = archive.transcripts_dir / rec_id / "tracks" / f"{track_id}.json"
    out.append({"key": CURRENT, **_about(current)})
    return out


def version_path(archive: Archive, rec_id: str, track_id: str, key: str) -> Path:
    if key == CURRENT:
        return archive.transcripts_dir / rec_id / "tracks" / f"{track_id}.json"
    for path in archive.versions(rec_id, track_id):  # only a name the listing gave
        if path.name == key:
            return path
    raise KeyError(key)


def _about(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        settings = (data.get("provenance") or {}).get("settings") or {}
        return {
            "version": data.get("version", 1),
            "kind": data.get("kind"),
            "editor": settings.get("editor"),
            "edited": settings.get("edited") or data.get("created"),
        }
    except (OSError, ValueError, AttributeError, RecursionError):
        return {"version": None, "kind": None, "editor": None, "edited": None, "damaged": True}


def word_diff(old: Track, new: Track) -> dict:
    """Runs of words kept, added or removed from ``old`` to ``new`` (``{"op", "text"}``), and
    counts of each."""
    a, b = _words(old), _words(new)
    ops: list[dict] = []
    counts = {"same": 0, "added": 0, "removed": 0}

    def put(op: str, words: list[str]) -> None:
        if not words:
            return
        counts[op] += len(words)
        if ops and ops[-1]["op"] == op:
            ops[-1]["text"] += " " + " ".join(words)
        else:
            ops.append({"op": op, "text": " ".join(words)})

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            put("same", a[i1:i2])
        else:  # a replacement reads as the old words removed, then the new ones added
            put("removed", a[i1:i2])
            put("added", b[j1:j2])
    return {
        "from": {"track": old.id, "version": old.version},
        "to": {"track": new.id, "version": new.version},
        "ops": ops,
        "counts": counts,
        "speakers_changed": _speakers_changed(old, new),
    }


def _words(track: Track) -> list[str]:
    return [w for seg in track.segments for w in seg.text.split()]


def _speakers_changed(old: Track, new: Track) -> list[dict]:
    before = {s.id: s.speaker for s in old.segments}
    return [
        {"segment": s.id, "from": before[s.id], "to": s.speaker}
        for s in new.segments
        if s.id in before and before[s.id] != s.speaker
    ]
