"""Which words of each track a citation may pair, at the granularity the track knows.

A citation must never put words in anyone's mouth. Two texts are paired only where the pairing
is known:

- words with their own aligned times (a recogniser's words, a force-aligned transcript): the
  words whose times fall in a span are the words spoken there;
- whole aligned segments (a human translation is placed in time sentence by sentence): a
  segment renders the source segments in its ``source_ids``, or, without them, the span its own
  times give. Nothing is known about which of its words go with which part of that span, so it
  is cited whole, with its own span, and says so.

No text is ever cut at a time guessed by proportion. Lines of a translation aligned together
with one source segment are only ever cited together, over the span of the segments they
render (older tracks shared that span out among them by length; ``align.translation`` now gives
each the whole span).

These are functions of the tracks; opening the archive is the caller's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from transcribe.transcript import Segment, Track

from .normalize import compact

# How a cited text is tied to the audio.
WORDS = "words"  # each word has its own aligned time; start/end are those words' times
SEGMENTS = "segments"  # only whole segments are in time; start/end are the segments' span
# Word times are rounded to the millisecond and a selection's ends to a word boundary: a word
# belongs to a span when its middle is inside the span widened by this much (seconds).
WORD_TOLERANCE = 0.05
# A segment belongs to a span when it overlaps it by more than this (or by half the span, for a
# shorter span): touching at an edge is not rendering it.
SEGMENT_TOLERANCE = 0.05


@dataclass
class CitedText:
    """Text cited from one track, with how it is tied to the audio."""

    language: str
    text: str
    track: str  # e.g. "fa.reference"
    kind: str  # asr, mt, reference, reference-translation
    segment_ids: list[str] = field(default_factory=list)
    # WORDS or SEGMENTS (see above); None in citations made before Navar recorded it.
    match: str | None = None
    start: float | None = None  # the span this text is known to occupy
    end: float | None = None
    # When ``text`` is a quoted part of segments that are only timed whole: those segments'
    # whole text, whose span ``start``/``end`` is.
    segments_text: str | None = None
    # Who speaks the cited segments (display names, in order); empty when the track names none.
    speakers: list[str] = field(default_factory=list)

    @property
    def whole_segments(self) -> bool:
        return self.match == SEGMENTS


# --- tracks and their pieces -------------------------------------------------------------------


def overlaps(seg: Segment, start: float, end: float) -> bool:
    if not seg.timed:
        return False
    shared = min(seg.end, end) - max(seg.start, start)
    return shared > min(SEGMENT_TOLERANCE, (end - start) / 2)


def whole(track: Track, segs: Sequence[Segment]) -> list[Segment]:
    """``segs`` with every segment of ``track`` that renders one of the same source segments.

    Lines aligned together to one source segment have only their group's span for certain (their
    own times split it by length), so they are cited together over that span."""
    chosen = {s.id for s in segs}
    sources = {sid for s in segs for sid in s.source_ids}
    while sources:
        more = {s.id for s in track.segments
                if s.timed and s.id not in chosen and sources & set(s.source_ids)}  # fmt: skip
        if not more:
            break
        chosen |= more
        sources |= {sid for s in track.segments if s.id in more for sid in s.source_ids}
    return [s for s in track.segments if s.id in chosen]


def _segments_text(track: Track, segs: Sequence[Segment], **extra) -> CitedText:
    segs = whole(track, segs)
    return CitedText(
        language=track.language,
        text=" ".join(" ".join(s.text.split()) for s in segs),
        track=track.id,
        kind=track.kind,
        segment_ids=[s.id for s in segs],
        match=SEGMENTS,
        start=round(min(s.start for s in segs), 3),
        end=round(max(s.end for s in segs), 3),
        **extra,
    )


# --- a span of the recording -------------------------------------------------------------------


def text_in_span(track: Track, start: float, end: float) -> CitedText | None:
    """What ``track`` says in [start, end]: its words there when every segment the span touches
    has word times, else the whole segments the span overlaps; None when it says nothing."""
    segs = [s for s in track.segments if overlaps(s, start, end)]
    if not segs:
        return None
    if any(not s.words for s in segs):
        return _segments_text(track, segs)
    words = [
        (w, s)
        for s in track.segments
        if s.timed
        for w in s.words
        if w.text.strip()
        and start - WORD_TOLERANCE <= (w.start + w.end) / 2 <= end + WORD_TOLERANCE
    ]
    if not words:  # a pause between words
        return None
    return CitedText(
        language=track.language,
        text=" ".join(w.text.strip() for w, _ in words),
        track=track.id,
        kind=track.kind,
        segment_ids=list(dict.fromkeys(s.id for _, s in words)),
        match=WORDS,
        start=round(words[0][0].start, 3),
        end=round(words[-1][0].end, 3),
    )


# --- a quoted text -----------------------------------------------------------------------------


def locate(
    track: Track,
    quote: str,
    start: float | None = None,
    end: float | None = None,
    segment_ids: Sequence[str] | None = None,
) -> CitedText | None:
    """``quote`` as ``track`` writes it (normalised, ignoring spaces), extended to whole words.

    Looks only in the segments named, or overlapping [start, end], when given. The result has
    the words' own times when they all have them; otherwise it is the quoted words inside the
    whole segments they belong to, with those segments' span. None when the track does not say
    it there."""
    target = compact(quote)
    if not target:
        return None
    segs = [s for s in track.segments if s.timed]
    if segment_ids:
        wanted = set(segment_ids)
        segs = [s for s in segs if s.id in wanted]
    elif start is not None and end is not None:
        segs = [s for s in segs if overlaps(s, start, end)]
    pieces = []  # (text, segment, word or None)
    for s in segs:
        if s.words:
            pieces += [(w.text.strip(), s, w) for w in s.words if w.text.strip()]
        else:
            pieces += [(p, s, None) for p in s.text.split()]
    joined, owner = "", []
    for i, (text, _, _) in enumerate(pieces):
        c = compact(text)
        joined += c
        owner += [i] * len(c)
    at = joined.find(target)
    if at < 0:
        return None
    found = pieces[owner[at] : owner[at + len(target) - 1] + 1]
    text = " ".join(p[0] for p in found)
    if all(w is not None for _, _, w in found):
        return CitedText(
            language=track.language,
            text=text,
            track=track.id,
            kind=track.kind,
            segment_ids=list(dict.fromkeys(s.id for _, s, _ in found)),
            match=WORDS,
            start=round(found[0][2].start, 3),
            end=round(found[-1][2].end, 3),
        )
    in_segs = list({s.id: s for _, s, _ in found}.values())
    cited = _segments_text(track, in_segs)
    cited.segments_text, cited.text = cited.text, text
    return cited


# --- the other language ------------------------------------------------------------------------


def counterpart(track: Track, anchor: CitedText, anchor_track: Track) -> CitedText | None:
    """What ``track`` (another language) pairs with ``anchor``, a text cited from
    ``anchor_track``.

    Words with their own times pair with the words of ``track`` spoken in the same span, if
    ``track`` has word times and words there. Otherwise the pairing is known only for whole
    segments: the segments of ``track`` that render the anchor's segments (or that they
    render), else those its span overlaps, each cited whole."""
    if anchor.start is None or anchor.end is None:
        return None
    if anchor.match == WORDS:
        cited = text_in_span(track, anchor.start, anchor.end)
        if cited is not None and cited.match == WORDS:
            return cited
    ids = set(anchor.segment_ids)
    segs: list[Segment] = []
    if track.source_track == anchor_track.id:  # track translates the anchor's track
        segs = [s for s in track.segments if s.timed and ids & set(s.source_ids)]
    elif anchor_track.source_track == track.id:  # the anchor's track translates this one
        sources = {sid for s in anchor_track.segments if s.id in ids for sid in s.source_ids}
        segs = [s for s in track.segments if s.timed and s.id in sources]
    if not segs:
        segs = [s for s in track.segments if overlaps(s, anchor.start, anchor.end)]
    return _segments_text(track, segs) if segs else None
