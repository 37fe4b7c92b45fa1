"""Shape checks for JSON read back from the archive, which people may have edited by hand.

``recording_from_json`` and ``track_from_json`` turn a parsed document into the dataclasses of
``transcript.py`` or raise ``DamagedFile`` saying, in plain words, what is wrong and where. Every
field is checked for its type here, so that nothing downstream meets ``None`` where a number
belongs or a list where a dict belongs.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from .errors import DamagedFile
from .transcript import (
    SCHEMA_IDS,
    TRACK_KINDS,
    Provenance,
    Recording,
    Segment,
    Speaker,
    Track,
    Word,
)

_SHA_RE = re.compile(r"[0-9a-f]{64}")
# A media name is a plain file name in media/: no folders, nothing hidden, nothing to climb out.
_MEDIA_RE = re.compile(r"[0-9A-Za-z_][0-9A-Za-z_.-]{0,200}")


class _Bad(Exception):
    """Internal: one shape problem, turned into DamagedFile with the path by the callers."""


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise _Bad(what)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _field(data: dict, key: str, check, kind: str, optional: bool = False):
    if key not in data:
        _need(optional, f"it has no {key!r}")
        return None
    value = data[key]
    if optional and value is None:
        return None
    _need(check(value), f"{key!r} is {_show(value)}, not {kind}")
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _header(data: Any, expected_type: str) -> dict:
    _need(isinstance(data, dict), f"it holds {type(data).__name__}, not a {expected_type} object")
    _need(
        data.get("schema") in SCHEMA_IDS,
        f"its schema is {_show(data.get('schema'))}; this Navar reads "
        + " or ".join(repr(k) for k in SCHEMA_IDS),
    )
    _need(data.get("type") == expected_type, f"its type is {_show(data.get('type'))}, "
          f"not {expected_type!r}")  # fmt: skip
    return data


def recording_from_json(data: Any, path: Path, rec_id: str | None = None) -> Recording:
    try:
        d = _header(data, "recording")
        rid = _field(d, "id", _is_str, "text")
        _need(rec_id is None or rid == rec_id, f"its id {rid!r} is not its folder's name")
        sha = _field(d, "sha256", lambda v: _is_str(v) and _SHA_RE.fullmatch(v), "a SHA-256")
        _need(sha.startswith(rid), "its id is not the start of its sha256")
        media = _field(d, "media", lambda v: _is_str(v) and _MEDIA_RE.fullmatch(v), "a file name")
        _need(".." not in media, f"'media' is {_show(media)}, not a file name")
        duration = _field(d, "duration", lambda v: _is_num(v) and v >= 0, "a number of seconds")
        fmt = _field(d, "format", lambda v: isinstance(v, dict), "an object", optional=True)
        original = _field(d, "original_name", _is_str, "text", optional=True)
        return Recording(
            id=rid,
            sha256=sha,
            title=_field(d, "title", _is_str, "text"),
            media=media,
            duration=float(duration),
            language=_field(d, "language", _is_str, "text"),
            format=fmt or {},
            original_name=original,
            source_notes=_field(d, "source_notes", _is_str, "text", optional=True) or "",
            added=_field(d, "added", _is_str, "a date"),
            speakers=[
                _speaker(sp, n)
                for n, sp in enumerate(
                    _field(d, "speakers", lambda v: isinstance(v, list), "a list", optional=True)
                    or [],
                    1,
                )
            ],
        )
    except _Bad as exc:
        raise DamagedFile(path, f"not a usable recording.json: {exc}") from None


def track_from_json(data: Any, path: Path, track_id: str | None = None) -> Track:
    try:
        d = _header(data, "track")
        tid = _field(d, "id", _is_str, "text")
        _need(track_id is None or tid == track_id, f"its id {tid!r} is not its file's name")
        kind = _field(d, "kind", lambda v: v in TRACK_KINDS, f"one of {', '.join(TRACK_KINDS)}")
        prov = _field(d, "provenance", lambda v: isinstance(v, dict), "an object")
        segments = _field(d, "segments", lambda v: isinstance(v, list), "a list")
        return Track(
            id=tid,
            recording_id=_field(d, "recording_id", _is_str, "text"),
            language=_field(d, "language", _is_str, "text"),
            kind=kind,
            provenance=_provenance(prov),
            segments=[_segment(s, n) for n, s in enumerate(segments, 1)],
            created=_field(d, "created", _is_str, "a date"),
            source_track=_field(d, "source_track", _is_str, "text", optional=True),
            version=_field(d, "version", _is_count, "a whole number from 1", optional=True) or 1,
        )
    except _Bad as exc:
        raise DamagedFile(path, f"not a usable track: {exc}") from None


def _provenance(p: dict) -> Provenance:
    return Provenance(
        software=_field(p, "software", _is_str, "text"),
        model=_field(p, "model", _is_str, "text", optional=True),
        settings=_field(p, "settings", lambda v: isinstance(v, dict), "an object", optional=True)
        or {},
        source=_field(p, "source", _is_str, "text", optional=True),
        notes=_field(p, "notes", _is_str_list, "a list of text", optional=True) or [],
    )


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _speaker(sp: Any, n: int) -> Speaker:
    try:
        _need(isinstance(sp, dict), f"it is {type(sp).__name__}, not an object")
        return Speaker(
            id=_field(sp, "id", _is_str, "text"),
            name=_field(sp, "name", _is_str, "text"),
            notes=_field(sp, "notes", _is_str, "text", optional=True) or "",
        )
    except _Bad as exc:
        raise _Bad(f"speaker {n}: {exc}") from None


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _segment(s: Any, n: int) -> Segment:
    try:
        _need(isinstance(s, dict), f"it is {type(s).__name__}, not an object")
        start = _field(s, "start", _is_num, "a number of seconds", optional=True)
        end = _field(s, "end", _is_num, "a number of seconds", optional=True)
        _need((start is None) == (end is None), "it has a start or an end but not both")
        words = _field(s, "words", lambda v: isinstance(v, list), "a list", optional=True) or []
        return Segment(
            id=_field(s, "id", _is_str, "text"),
            start=start,
            end=end,
            text=_field(s, "text", _is_str, "text"),
            words=[_word(w, k) for k, w in enumerate(words, 1)],
            source_ids=_field(s, "source_ids", _is_str_list, "a list of ids", optional=True) or [],
            flags=_field(s, "flags", _is_str_list, "a list of text", optional=True) or [],
            speaker=_field(s, "speaker", _is_str, "a speaker id", optional=True),
        )
    except _Bad as exc:
        raise _Bad(f"segment {n}: {exc}") from None


def _word(w: Any, k: int) -> Word:
    try:
        _need(isinstance(w, dict), f"it is {type(w).__name__}, not an object")
        start = _field(w, "start", _is_num, "a number of seconds")
        end = _field(w, "end", _is_num, "a number of seconds")
        prob = _field(w, "probability", _is_num, "a number", optional=True)
        return Word(start=start, end=end, text=_field(w, "text", _is_str, "text"), probability=prob)
    except _Bad as exc:
        raise _Bad(f"word {k}: {exc}") from None
