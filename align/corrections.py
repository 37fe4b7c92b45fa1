"""A person's corrections of a track, made a new version of it: only what changed is aligned.

Given the edited track and the lines of its edit (``transcribe.edit_text``):

- a line that is one whole segment with the same words keeps that segment exactly: its times,
  its word times, its flags; only its speaker may change;
- a changed line gets new word times by teacher-forced alignment (``Spotter``) of its text on
  the audio of its old segment's window, widened by ``margin_s`` on each side but never into
  the neighbouring segments; the lines a segment was split into share its window and are
  aligned together, in order; a merged line gets the union of its segments' windows;
- a translation's changed line (no audio in its language) keeps its old window as its span and
  has no word times;
- a line with edges a person set (``EditLine.span``) takes them: its words keep their times
  inside them, or, if its text changed, are aligned inside exactly those edges.

A function of its inputs: the caller decodes audio (``decode(start, seconds)``) and builds the
model.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from transcribe.edit_text import EditLine
from transcribe.errors import NavarError
from transcribe.transcript import Segment, Track, Word

from .energy import Energy
from .session import WindowSession
from .spotting import SAMPLE_RATE, WINDOW_S, Spotter

TRANSLATION_KINDS = ("mt", "reference-translation")


class EditError(NavarError):
    """An edit file cannot be applied to the track."""


@dataclass
class EditOptions:
    # Seconds of audio either side of a changed segment's old window: the old edges came from
    # the recogniser and may clip a word that the corrected text now includes.
    margin_s: float = 0.5

    def settings(self) -> dict:
        return {"edit_margin_s": self.margin_s}


@dataclass
class EditResult:
    segments: list[Segment]
    unchanged: list[str] = field(default_factory=list)  # ids of segments kept exactly
    changed: list[str] = field(default_factory=list)  # ids of segments aligned again
    dropped: list[str] = field(default_factory=list)  # ids of segments the edit deleted


@dataclass
class _Group:
    parents: list[str]  # ids of the old segments whose window the lines share
    lines: list[EditLine]


def apply_edit(
    track: Track,
    lines: Sequence[EditLine],
    decode: Callable[[float, float], np.ndarray] | None,
    scorer=None,
    options: EditOptions | None = None,
) -> EditResult:
    """The segments of the edited track (speakers still as the lines give them). ``scorer``
    (align.scorer.Scorer) force-aligns changed lines in the audio ``decode`` gives."""
    options = options or EditOptions()
    order = {s.id: i for i, s in enumerate(track.segments)}
    groups = _groups(lines)
    seen: set[str] = set()
    for g in groups:
        again = seen & set(g.parents)
        if again:
            n = g.lines[0].number
            raise EditError(f"line {n}: segment {sorted(again)[0]} appears twice in the edit")
        seen |= set(g.parents)
    result = EditResult([])
    taken = set(order)
    for g in groups:
        parents = sorted((track.segments[order[p]] for p in g.parents), key=lambda s: order[s.id])
        line = g.lines[0]
        span = _span(g.lines)
        if len(g.lines) == 1 and len(parents) == 1 and _same(line.text, parents[0].text):
            seg = copy.deepcopy(parents[0])
            seg.speaker = line.speaker
            result.segments.append(seg)
            if span is None or (seg.start, seg.end) == span:
                result.unchanged.append(seg.id)
            else:  # the same words with new edges: their times stay, inside the edges
                _move_edges(seg, span)
                result.changed.append(seg.id)
            continue
        ids = _new_ids(parents[0].id, len(g.lines), taken)
        translation = track.kind in TRANSLATION_KINDS  # keeps its old span, not widened
        # Edges a person set are the window exactly: they heard where the speech is.
        window = span or _window(track, parents, order, 0.0 if translation else options.margin_s)
        if window is None or translation or decode is None:
            segs = _untimed(g, ids, window)
        else:
            segs = _aligned(g, ids, window, decode, scorer, track.language)
        if span is not None and len(segs) == 1:
            _move_edges(segs[0], span)
        result.segments += segs
        result.changed += [s.id for s in segs]
    result.dropped = [s.id for s in track.segments if s.id not in seen]
    return result


def _groups(lines: Sequence[EditLine]) -> list[_Group]:
    groups: list[_Group] = []
    for line in lines:
        if not line.ids or (groups and line.ids == groups[-1].parents):
            if not groups:
                raise EditError(
                    f"line {line.number} has no segment id and no line above it to continue"
                )
            if line.speaker is None:  # the rest of a split line: the same speaker
                line.speaker = groups[-1].lines[-1].speaker
            groups[-1].lines.append(line)  # a split: it shares the segment above
        else:
            groups.append(_Group(list(dict.fromkeys(line.ids)), [line]))
    return groups


def _span(lines: Sequence[EditLine]) -> tuple[float, float] | None:
    spans = [line.span for line in lines if line.span is not None]
    if not spans:
        return None
    return round(min(a for a, _ in spans), 3), round(max(b for _, b in spans), 3)


def _move_edges(seg: Segment, span: tuple[float, float]) -> None:
    lo, hi = span
    seg.start, seg.end = lo, hi
    for w in seg.words:  # a word the new edges cut keeps what is left of it inside them
        w.start = min(max(w.start, lo), hi)
        w.end = min(max(w.end, w.start), hi)
    if "edges-edited" not in seg.flags:
        seg.flags.append("edges-edited")


def _same(a: str, b: str) -> bool:
    return a.split() == b.split()


def _new_ids(first: str, n: int, taken: set[str]) -> list[str]:
    ids = [first]
    k = 1
    while len(ids) < n:
        candidate = f"{first}-{k}"
        k += 1
        if candidate not in taken:
            taken.add(candidate)
            ids.append(candidate)
    return ids


def _window(track, parents, order, margin) -> tuple[float, float] | None:
    timed = [s for s in parents if s.timed]
    if not timed:
        return None
    start, end = min(s.start for s in timed), max(s.end for s in timed)
    lo, hi = max(0.0, start - margin), end + margin
    first, last = order[parents[0].id], order[parents[-1].id]
    before = [s for s in track.segments[:first] if s.timed and s.end <= start]
    after = [s for s in track.segments[last + 1 :] if s.timed and s.start >= end]
    if before:
        lo = max(lo, before[-1].end)  # never into a neighbour's words
    if after:
        hi = min(hi, after[0].start)
    return round(lo, 3), round(hi, 3)


def _untimed(g: _Group, ids, window) -> list[Segment]:
    start, end = window if window else (None, None)
    return [
        Segment(sid, start, end, line.text, speaker=line.speaker, flags=["edited"])
        for sid, line in zip(ids, g.lines, strict=True)
    ]


def _aligned(g: _Group, ids, window, decode, scorer, language) -> list[Segment]:
    lo, hi = window
    if hi - lo > WINDOW_S - 0.5:  # longer than one alignment window: keep the span only
        segs = _untimed(g, ids, window)
        for s in segs:
            s.flags.append("words-untimed")
        return segs
    samples = decode(lo, hi - lo)
    spotter = _spotter(samples, scorer, language)
    session = spotter.session
    energy = session.energy
    aligned = spotter.align_pieces([line.text for line in g.lines], 0.0)
    duration = len(samples) / SAMPLE_RATE
    per_line = [
        [
            Word(round(lo + min(w.start, duration), 3), round(lo + min(w.end, duration), 3),
                 w.text, w.probability)
            for w in a.words
        ]
        for a in aligned
    ]  # fmt: skip
    everything = [w for words in per_line for w in words]
    if everything:  # only the group's outer edges: inside it the path's times are what we have
        _sharpen(everything, energy, lo)
    out = []
    for sid, line, words in zip(ids, g.lines, per_line, strict=True):
        if words:
            out.append(Segment(sid, words[0].start, words[-1].end, line.text, words=words,
                               speaker=line.speaker, flags=["edited"]))  # fmt: skip
        else:
            out.append(Segment(sid, lo, hi, line.text, speaker=line.speaker,
                               flags=["edited", "words-untimed"]))  # fmt: skip
    return out


def _spotter(samples: np.ndarray, scorer, language: str) -> Spotter:
    session = WindowSession(samples)  # only the window: the words cannot leave it
    return Spotter(scorer.for_task(language, "transcribe"), session)


def window_of(
    track: Track, ids: Sequence[str], options: EditOptions | None = None
) -> tuple[float, float] | None:
    """The audio window a changed line of the segments ``ids`` would be aligned in; None when
    it would not be aligned (a translation, untimed segments, a window over 30 s)."""
    options = options or EditOptions()
    order = {s.id: i for i, s in enumerate(track.segments)}
    if track.kind in TRANSLATION_KINDS or not ids or any(i not in order for i in ids):
        return None
    parents = sorted((track.segments[order[i]] for i in dict.fromkeys(ids)),
                     key=lambda s: order[s.id])  # fmt: skip
    window = _window(track, parents, order, options.margin_s)
    if window is None or window[1] - window[0] > WINDOW_S - 0.5:
        return None
    return window


def prepare_window(
    track: Track,
    ids: Sequence[str],
    decode: Callable[[float, float], np.ndarray],
    scorer,
    options: EditOptions | None = None,
) -> tuple[float, float] | None:
    """Encode the window of ``ids`` now, while a person is still correcting the segment: with
    a scorer that remembers what it encoded (``web.editing``), the save then skips the encoder,
    the slow part of aligning it. Returns the window, or None if there is none to align."""
    window = window_of(track, ids, options)
    if window is not None:
        lo, hi = window
        spotter = _spotter(decode(lo, hi - lo), scorer, track.language)
        spotter.encode(spotter.clamp(0.0))  # the call align_pieces makes first
    return window


def _sharpen(words: list[Word], energy: Energy, offset: float) -> None:
    """The path starts at the window's first frame, so the first word takes any silence before
    it: move its start to the speech onset, and end the last word with its last voiced frame."""
    w0, wn = words[0], words[-1]
    limit = max(w0.start, w0.end - 0.05) - offset
    w0.start = round(offset + energy.onset(w0.start - offset, limit=limit), 3)
    wn.end = round(offset + energy.offset(wn.end - offset, limit=wn.start - offset), 3)
    for w in words:
        w.end = max(w.end, w.start)
