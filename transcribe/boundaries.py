"""Put word and segment bounds where speech is, and find quiet places to cut long audio.

Whisper's word start times absorb the silence before a word (starts 200 to 750 ms early on
clean speech, see MODELS.md), so a segment would start in the pause before its first word. The
speech is found by Navar's one energy model (speech_energy.py: levels in the recording's own
speech band against its local noise floor, breaths and clicks left out; alignment uses the same
one), and each start moves forward to the first sustained voiced frame inside the word's span.
A start already inside speech is left alone: in running speech there is no pause to absorb.
Ends get the mirror treatment.
"""

from __future__ import annotations

import numpy as np

from .speech_energy import FRAME_S, SAMPLE_RATE, Energy, EnergyOptions
from .transcript import Segment

FRAME = FRAME_S  # seconds per energy frame
_FRAME_SAMPLES = int(FRAME * SAMPLE_RATE)
_SUSTAIN = 3  # frames of speech needed to call it speech (a click is not an onset)
_MIN_WORD = 0.03  # a refined word keeps at least this much of its span
# Quiet this long inside a word's span is a pause between words, not a stop consonant's closure
# (those last well under 150 ms).
_PAUSE_FRAMES = 15
# Cuts between pieces look for the quietest stretch at all frequencies.
_BROADBAND = EnergyOptions(band_hz=None)


def energy(
    samples: np.ndarray, offset: float = 0.0, options: EnergyOptions | None = None
) -> Energy:
    """The energy model of a stretch of audio that starts at ``offset`` in the recording."""
    return Energy.from_samples(samples, options, offset)


def onset(en: Energy, start: float, limit: float) -> float | None:
    """First time in [start, limit) where speech lasts _SUSTAIN frames."""
    a, b = max(en.frame(start), 0), min(en.frame(limit), len(en.db))
    hit = _sustained(en.voiced[a:b])
    return None if hit is None else en.time(a + hit)


def refine_starts(segments: list[Segment], en: Energy) -> int:
    """Move word and segment starts to speech onsets, in place; returns how many moved."""
    moved = 0
    for seg in segments:
        if not seg.timed:
            continue
        for word in seg.words:
            new = _refined(en, word.start, word.end)
            if new is not None:
                word.start = new
                moved += 1
        if seg.words:
            seg.start = min(seg.words[0].start, seg.end)
        else:
            new = _refined(en, seg.start, seg.end)
            if new is not None:
                seg.start = new
                moved += 1
    return moved


def refine_ends(segments: list[Segment], en: Energy) -> int:
    """Pull word and segment ends back out of trailing silence, in place; returns how many moved.

    Ends are usually close already (30-130 ms), but the last word before a long pause or the
    end of a piece can run on into the silence.
    """
    moved = 0
    for seg in segments:
        if not seg.timed:
            continue
        for word in seg.words:
            new = _refined_end(en, word.start, word.end)
            if new is not None:
                word.end = new
                moved += 1
        if seg.words:
            seg.end = max(seg.words[-1].end, seg.start)
        else:
            new = _refined_end(en, seg.start, seg.end)
            if new is not None:
                seg.end = new
                moved += 1
    return moved


def refine(segments: list[Segment], en: Energy) -> int:
    """Starts to speech onsets, ends out of trailing silence, stranded words back to speech."""
    moved = refine_starts(segments, en) + refine_ends(segments, en)
    return moved + place_stranded(segments, en)


def split_at_pauses(segments: list[Segment], pause_s: float | None) -> list[Segment]:
    """``segments`` with each one cut where its words pause for ``pause_s`` seconds or more.

    Whisper sometimes puts the end of one sentence and the start of the next in one segment, and
    where it does depends on the CPU's arithmetic. A clear pause is where a sentence (and so a
    subtitle, or a line of a translation) can end, so segments are cut there; a piece keeps the
    flags of the segment it came from. Run after the bounds are refined, so a gap is silence the
    energy model measured, not Whisper's loose word times. None: no cut."""
    if not pause_s:
        return segments
    out: list[Segment] = []
    for seg in segments:
        cuts = [k for k in range(1, len(seg.words))
                if seg.words[k].start - seg.words[k - 1].end >= pause_s]  # fmt: skip
        if not cuts:
            out.append(seg)
            continue
        out += [seg.keeping(seg.words[a:b])
                for a, b in zip([0, *cuts], [*cuts, len(seg.words)], strict=True)]  # fmt: skip
    return out


def place_stranded(segments: list[Segment], en: Energy, reach: float = 1.0) -> int:
    """Words Whisper left wholly in silence (often squeezed at the end of a piece of audio) go
    to the end of the sound just before them, within ``reach`` seconds and after the previous
    word's start; with no sound there, to the start of the sound after them, within ``reach``
    and before the next word's end (a word put early in the pause before the next line, seen
    once in a clean-clone run). Their true place is unknown; this keeps them out of pauses."""
    moved = 0
    for seg in segments:
        previous = seg.start if seg.timed else 0.0
        for k, word in enumerate(seg.words):
            span_end = max(word.end, word.start + _SUSTAIN * FRAME)
            if en.speech_fraction(word.start, span_end) == 0.0:
                floor = seg.words[k - 1].start if k else max(previous - reach, 0.0)
                a = max(en.frame(max(word.start - reach, floor)), 0)
                b = min(en.frame(word.start), len(en.db))
                loud = np.flatnonzero(en.voiced[a:b]) if b > a else []
                if len(loud):
                    word.start = word.end = round(en.time(a + int(loud[-1]) + 1), 3)
                    moved += 1
                    continue
                ceiling = seg.words[k + 1].end if k + 1 < len(seg.words) else word.end + reach
                a = max(en.frame(word.start), 0)
                b = min(en.frame(min(word.start + reach, ceiling)), len(en.db))
                loud = np.flatnonzero(en.voiced[a:b]) if b > a else []
                if len(loud):
                    word.start = word.end = round(en.time(a + int(loud[0])), 3)
                    moved += 1
        if seg.words:
            seg.start = min(seg.words[0].start, seg.start)
            seg.end = max(seg.words[-1].end, seg.start)
    return moved


def _refined_end(en: Energy, start: float, end: float) -> float | None:
    a, b = max(en.frame(start + _MIN_WORD), 0), min(en.frame(end), len(en.db))
    if b - a < _SUSTAIN:
        return None
    loud = en.voiced[a:b]
    if loud[-_SUSTAIN:].all():
        return None  # the end is in sound: leave it
    hit = _sustained(loud[::-1])  # the last sustained sound, found from the end
    if hit is None:
        # No sound past the word's first moments: it is the tail of a sound that ends there
        # (a word Whisper set astride the end of speech), so it ends there too.
        t = round(en.time(a), 3)
        return t if t < end else None
    t = round(en.time(b - hit), 3)
    return t if t < end else None


def _refined(en: Energy, start: float, end: float) -> float | None:
    a, b = max(en.frame(start), 0), min(en.frame(end - _MIN_WORD), len(en.db))
    if b - a < _SUSTAIN:
        return None  # too short to judge
    loud = en.voiced[a:b]
    if loud[:_SUSTAIN].all():
        # The start is in sound: either the word really starts here (running speech), or the
        # span caught the tail of the word before. Only a real pause inside the span says which.
        quiet = np.flatnonzero(~loud)
        pause = _first_run(quiet, _PAUSE_FRAMES)
        if pause is None:
            return None
        a += pause
        loud = loud[pause:]
    hit = _sustained(loud)
    if hit is None:
        return None
    t = round(en.time(a + hit), 3)
    return t if t > start else None


def _first_run(indices: np.ndarray, length: int) -> int | None:
    """End (exclusive) of the first run of ``length`` consecutive values in sorted ``indices``."""
    run = 1
    for k in range(1, len(indices)):
        run = run + 1 if indices[k] == indices[k - 1] + 1 else 1
        if run >= length:
            # Extend to the end of this run: the onset comes after the whole pause.
            j = k
            while j + 1 < len(indices) and indices[j + 1] == indices[j] + 1:
                j += 1
            return int(indices[j]) + 1
    return None


def _sustained(loud: np.ndarray) -> int | None:
    """Index of the first frame that starts _SUSTAIN loud frames in a row."""
    if len(loud) < _SUSTAIN:
        return None
    run = np.convolve(loud.astype(int), np.ones(_SUSTAIN, dtype=int), mode="valid")
    hits = np.flatnonzero(run == _SUSTAIN)
    return int(hits[0]) if len(hits) else None


def quietest_cut(samples: np.ndarray, lo: int, hi: int, window: float = 0.5) -> int:
    """Sample index in [lo, hi) at the centre of the quietest ``window`` seconds of audio."""
    lo, hi = max(lo, 0), min(hi, len(samples))
    win = max(int(window / FRAME), 1)
    en = energy(samples[lo:hi], options=_BROADBAND)
    if len(en.db) <= win:
        return hi
    # Mean energy of each window, by a running sum over frames.
    smooth = np.convolve(en.db, np.ones(win) / win, mode="valid")
    best = int(np.argmin(smooth))
    return lo + (best + win // 2) * _FRAME_SAMPLES
