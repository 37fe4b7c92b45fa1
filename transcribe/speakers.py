"""Speakers in transcript text: "Name: text" prefixes, and names turned into recording speaker ids.

A transcript names who speaks with a short prefix: ``علی: ...``, ``ALI: ...`` (SRT), or a WebVTT
voice span ``<v Ali>``. A colon also appears inside sentences (``او گفت: ...``), so a prefix is
taken as a speaker only when it is short (at most ``MAX_NAME_WORDS`` words, no sentence
punctuation) and the file uses it as a convention: the name is already a speaker of the
recording, or it starts at least two lines, or every line of the file starts with a name.

Parsing gives segments the speaker's display name; ``attach`` turns names into ids of the
recording's speaker list (adding the new ones), which is what a saved track holds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .transcript import Recording, Segment, Speaker

MAX_NAME_WORDS = 4  # "Mehdi Bazargan", "آیت‌الله سید محمود طالقانی"; a clause is usually longer
MAX_NAME_CHARS = 40
COLONS = ":\uff1a"  # ASCII and full-width colon (Persian text uses the ASCII one)
_PREFIX = re.compile(rf"^([^{COLONS}]{{1,{MAX_NAME_CHARS}}}?)\s*[{COLONS}](?:\s+(.*))?$")
_KNOWN = re.compile(rf"^(.{{1,{2 * MAX_NAME_CHARS}}}?)\s*[{COLONS}]\s+(.+)$")
_SENTENCE_PUNCTUATION = set('.!?,;،؛؟«»"“”()[]{}<>/\\=')
_MARKS = "\u200e\u200f\u202a\u202b\u202c\ufeff"


def split_prefix(line: str) -> tuple[str | None, str]:
    """(a candidate speaker name, the rest) when ``line`` starts with a short "Name:"."""
    clean = line.strip().lstrip(_MARKS).strip()
    m = _PREFIX.match(clean)
    if not m or not (m.group(2) or "").strip():
        return None, line
    name = " ".join(m.group(1).split())
    if (
        not name
        or len(name.split()) > MAX_NAME_WORDS
        or any(ch in _SENTENCE_PUNCTUATION for ch in name)
        or not any(ch.isalpha() for ch in name)
    ):
        return None, line
    return name, m.group(2).strip()


def split_lines(lines: Sequence[str], known: Iterable[str] = ()) -> list[tuple[str | None, str]]:
    """(speaker name or None, text) for each line, by the rules in this module's docstring."""
    known_keys = {key(k) for k in known}
    candidates = [_candidate(line, known_keys) for line in lines]
    counts = Counter(key(n) for n, _ in candidates if n)
    every = bool(lines) and all(n for n, _ in candidates)
    out = []
    for line, (name, rest) in zip(lines, candidates, strict=True):
        if name and (every or counts[key(name)] >= 2 or key(name) in known_keys):
            out.append((name, rest))
        else:
            out.append((None, line))
    return out


def _candidate(line: str, known_keys: set[str]) -> tuple[str | None, str]:
    name, rest = split_prefix(line)
    if name is None:
        m = _KNOWN.match(line.strip().lstrip(_MARKS).strip())
        if m and key(m.group(1)) in known_keys:  # a known name may hold any character
            return " ".join(m.group(1).split()), m.group(2).strip()
    return name, rest


def key(name: str) -> str:
    """Names compare without case, extra spaces or Arabic/Persian letter variants."""
    name = name.replace("ي", "ی").replace("ك", "ک").replace("\u200c", " ")
    return " ".join(name.casefold().split())


def attach(recording: Recording, segments: Sequence[Segment]) -> list[Speaker]:
    """Turn the display names on ``segments`` into speaker ids of ``recording``, adding a
    speaker for each new name; returns the speakers added. An id already in the list stays."""
    by_key = {key(s.name): s for s in recording.speakers}
    by_id = {s.id: s for s in recording.speakers}
    added = []
    for seg in segments:
        if seg.speaker is None or seg.speaker in by_id:
            continue
        found = by_key.get(key(seg.speaker))
        if found is None:
            found = Speaker(id=_next_id(recording), name=seg.speaker)
            recording.speakers.append(found)
            by_key[key(found.name)] = by_id[found.id] = found
            added.append(found)
        seg.speaker = found.id
    return added


def _next_id(recording: Recording) -> str:
    taken = {s.id for s in recording.speakers}
    n = len(taken) + 1
    while f"spk{n}" in taken:
        n += 1
    return f"spk{n}"
