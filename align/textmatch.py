"""Fuzzy local alignment of a quote against a track's timed words, on normalised text.

Recognised Persian has about half its letters wrong and splits words differently from a human
transcript, so windows of the track's words are compared with the quote as letters without
spaces (rapidfuzz's Indel ratio). A first pass slides a window of the quote's length over the
track; the best starts are then refined over nearby starts and lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from transcribe.transcript import Track

from .normalize import normalize
from .pairing import whole


@dataclass
class TimedWord:
    text: str  # as written in the track
    norm: str  # normalised, spaces removed
    start: float
    end: float
    segment_id: str
    # The segment has no word times: this word's time is its share of the segment's span by
    # length, good enough to look near but never a time to cite (see ``known_span``).
    estimated: bool = False


@dataclass
class TextHit:
    first: int  # index of the first word
    last: int  # index of the last word (inclusive)
    similarity: float  # 0..1


def timed_words(track: Track) -> list[TimedWord]:
    """The track's words with times; segments without word times share their span by length
    (marked ``estimated``)."""
    out: list[TimedWord] = []
    for seg in track.segments:
        if not seg.timed:
            continue
        if seg.words:
            for w in seg.words:
                n = normalize(w.text).replace(" ", "")
                if n:
                    out.append(TimedWord(w.text, n, w.start, w.end, seg.id))
            continue
        parts = [(t, normalize(t).replace(" ", "")) for t in seg.text.split()]
        parts = [p for p in parts if p[1]]
        total = sum(len(n) + 1 for _, n in parts) or 1
        t = seg.start
        for text, n in parts:
            d = (seg.end - seg.start) * (len(n) + 1) / total
            out.append(TimedWord(text, n, round(t, 3), round(t + d, 3), seg.id, estimated=True))
            t += d
    return out


def known_span(words: list[TimedWord], track: Track) -> tuple[float, float]:
    """The span ``words`` are known to occupy: their own times, or, when any of them has only
    an estimated time, the whole span of the segments they are in (with any lines aligned
    together with those segments, see ``align.pairing.whole``)."""
    if not any(w.estimated for w in words):
        return words[0].start, words[-1].end
    ids = set(w.segment_id for w in words)
    segs = whole(track, [s for s in track.segments if s.id in ids])
    return round(min(s.start for s in segs), 3), round(max(s.end for s in segs), 3)


def search(query: str, words: list[TimedWord], limit: int = 5) -> list[TextHit]:
    """The ``limit`` best non-overlapping stretches of ``words`` resembling ``query``."""
    q_words = normalize(query).split()
    q = "".join(q_words)
    if not q or not words:
        return []
    n = len(q_words)
    norms = [w.norm for w in words]
    spans = [(i, min(len(words), i + n) - 1) for i in range(max(1, len(words) - n + 1))]
    choices = ["".join(norms[a : b + 1]) for a, b in spans]
    first = process.extract(q, choices, scorer=fuzz.ratio, limit=max(limit * 4, 10))
    slack = max(1, n // 4)
    hits: list[TextHit] = []
    for _, _, k in first:
        a0, _ = spans[k]
        best = TextHit(a0, spans[k][1], 0.0)
        for a in range(max(0, a0 - slack), min(len(words), a0 + slack + 1)):
            for length in range(max(1, n - slack), n + slack + 1):
                b = min(len(words), a + length) - 1
                s = fuzz.ratio(q, "".join(norms[a : b + 1])) / 100
                if s > best.similarity:
                    best = TextHit(a, b, s)
        hits.append(best)
    hits.sort(key=lambda h: -h.similarity)
    kept: list[TextHit] = []
    for h in hits:
        if all(h.last < k.first or h.first > k.last for k in kept):
            kept.append(h)
    return kept[:limit]
