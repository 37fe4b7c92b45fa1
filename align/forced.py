"""Forced alignment: put a human transcript's lines and words in time, window by window.

The transcript (plain text, one sentence or paragraph per line, or VTT/SRT with rough or no
times) is cut into pieces of at most ``MAX_WORDS`` words. A cursor walks through the audio: the
pieces that plausibly fit are forced onto the 30 s window at the cursor with Whisper's
``align()``; the pieces that ended well inside the window are kept, and the cursor moves to the
end of the last one. So the work is linear in the length of the recording and the result is
monotonic.

A piece that does not score above the null (its tokens on time-reversed audio) is looked for a
few windows further on, since the audio may hold speech that the transcript leaves out; if it is
not found there, its line is marked "unplaced" and left untimed rather than smeared over
whatever audio is nearby.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from transcribe import __version__, audio, speech_model, subtitles
from transcribe.archive import Archive
from transcribe.transcript import Provenance, Segment, Track, Word

from .energy import Energy
from .spotting import WINDOW_S, Spotter
from .wordtiming import spoken_length, unsound_lead

log = logging.getLogger(__name__)

MAX_WORDS = 18  # per piece: a piece must fit well inside one 30 s window
FILL_S = 22.0  # estimated seconds of speech to force onto one window
KEEP_MARGIN_S = 2.0  # pieces ending this close to the window's end are redone in the next
PLACED_GAP = 0.5  # mean log probability above the reversed-audio null (bench/align_forced.py)
LOOKAHEAD_WINDOWS = 3  # how far (in 10 s steps) to look for a piece that did not fit here
DEFAULT_CHARS_PER_S = 13.0  # Persian read speech, when the recording has no track to measure


@dataclass
class Piece:
    line: int  # index of the transcript line
    text: str
    hint: float | None = None  # rough start from a VTT/SRT cue
    words: list[Word] = field(default_factory=list)
    placed: bool = False


@dataclass
class ForcedResult:
    track: Track
    unplaced: list[tuple[int, str]]  # (line number from 1, text)
    seconds: float = 0.0


def align_reference(
    archive: Archive,
    recording_id: str,
    source: Path | Track,
    language: str = "fa",
    model: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> ForcedResult:
    """Align a transcript file (or an untimed/rough track) to the recording's audio."""
    rec = archive.recording(recording_id)
    if isinstance(source, Track):
        ref = source
    else:
        ref = subtitles.read_track(Path(source), rec.id, language, "reference")
    samples = audio.decode(archive.media_path(rec.id))
    whisper = speech_model.load(model)
    spotter = Spotter(whisper, samples, language=language)
    energy = Energy(samples)
    rate = _chars_per_second(archive, rec.id, language)

    pieces = _pieces(ref.segments)
    _walk(spotter, energy, pieces, rate, progress)

    segments, unplaced = [], []
    for i, seg in enumerate(ref.segments):
        own = [p for p in pieces if p.line == i]
        words = [w for p in own if p.placed for w in p.words]
        if not own or not all(p.placed for p in own) or not words:
            segments.append(Segment(seg.id, None, None, seg.text, flags=["unplaced"]))
            unplaced.append((i + 1, seg.text))
            continue
        segments.append(Segment(seg.id, words[0].start, words[-1].end, seg.text, words=words))
    _end_before_next(segments, energy)
    source_name = ref.provenance.source if isinstance(source, Track) else Path(source).name
    track = Track(
        id=f"{language}.reference",
        recording_id=rec.id,
        language=language,
        kind="reference",
        provenance=Provenance(
            software=f"navar {__version__}",
            model=speech_model.resolve(model).description,
            settings={
                "method": "whisper teacher-forced alignment over 30 s windows",
                "max_words": MAX_WORDS,
                "placed_gap": PLACED_GAP,
            },
            source=source_name,
            notes=[f"line {n} could not be placed in the audio: {t}" for n, t in unplaced],
        ),
        segments=segments,
    )
    return ForcedResult(track, unplaced)


def _end_before_next(segments: list[Segment], energy: Energy) -> None:
    """A line whose last word runs into the next line (no pause between them, so the end was
    taken from the next line's voice) ends where the speech first stops before the next line,
    or just before it."""
    timed = [s for s in segments if s.timed]
    for seg, nxt in zip(timed, timed[1:], strict=False):
        if seg.end <= nxt.start - 0.05:
            continue
        last = seg.words[-1]
        stop = energy.first_offset(last.start + 0.05, nxt.start, pause=0.1)
        end = stop if stop is not None else nxt.start - 0.05
        last.end = seg.end = round(max(last.start, end), 3)


def _pieces(segments: list[Segment]) -> list[Piece]:
    out = []
    for i, seg in enumerate(segments):
        words = seg.text.split()
        for k in range(0, len(words), MAX_WORDS):
            hint = seg.start if k == 0 else None
            out.append(Piece(i, " ".join(words[k : k + MAX_WORDS]), hint))
    return out


def _walk(spotter, energy, pieces, rate, progress) -> None:
    cursor, k = 0.0, 0
    while k < len(pieces):
        if progress:
            progress(min(1.0, cursor / max(spotter.duration, 1e-6)))
        if pieces[k].hint is not None and pieces[k].hint - 3.0 > cursor:
            cursor = pieces[k].hint - 3.0  # a rough cue time says the text starts later
        if cursor >= spotter.duration - 0.3:
            break  # out of audio: the rest stays unplaced
        batch, need = [], 0.0
        while k + len(batch) < len(pieces) and (not batch or need < FILL_S):
            p = pieces[k + len(batch)]
            need += len(p.text) / rate
            if batch and need > FILL_S:
                break
            batch.append(p)
        win = spotter.clamp(cursor)
        # Near the end a window starts before the cursor: what was placed there goes first.
        before = " ".join(
            w.text for p in pieces[:k] if p.placed for w in p.words if w.start >= win - 0.05
        )
        texts = [p.text for p in batch]
        texts = [before, *texts] if before else texts
        aligned = spotter.align_pieces(texts, win)
        nulls = spotter.align_pieces(texts, win, reverse=True)
        if before:
            aligned, nulls = aligned[1:], nulls[1:]
        kept = 0
        window_end = win + WINDOW_S
        for p, a, n in zip(batch, aligned, nulls, strict=True):
            last = k + kept == len(pieces) - 1 or a is aligned[-1]
            if kept and a.words and a.words[-1].end > window_end - KEEP_MARGIN_S and not last:
                break
            if not _plausible(a, n, p, rate):
                break  # try it afresh as the first piece of the next window
            p.words = _words(a, energy)
            p.placed = True
            kept += 1
        if kept == 0:
            found = _look_ahead(spotter, batch[0], win, rate)
            if found is None:
                k += 1  # unplaced; the cursor stays, the next piece tries here
            else:
                cursor = found
            continue
        k += kept
        cursor = max(cursor + 0.5, batch[kept - 1].words[-1].end + 0.05)


def _plausible(a, null, piece: Piece, rate: float) -> bool:
    """Is the piece really spoken where the path put it?"""
    if not a.words or a.logprob - null.logprob < PLACED_GAP:
        return False
    # Text that is not in the audio gets squeezed into a sliver between its neighbours.
    return a.words[-1].end - a.words[0].start >= 0.3 * len(piece.text) / rate


def _look_ahead(spotter, piece: Piece, win: float, rate: float) -> float | None:
    """Where the piece starts if it is spoken in the next few windows (untranscribed audio)."""
    best = None
    for step in range(1, LOOKAHEAD_WINDOWS + 1):
        w = spotter.clamp(win + 10.0 * step)
        if w <= win:
            break
        a = spotter.align(piece.text, w)
        n = spotter.align(piece.text, w, reverse=True)
        if _plausible(a, n, piece, rate) and a.logprob - n.logprob >= PLACED_GAP + 0.3:
            gap = a.logprob - n.logprob
            if best is None or gap > best[0]:
                best = (gap, a.words[0].end - 1.0)
    return None if best is None else max(win + 0.5, best[1])


def _words(a, energy: Energy) -> list[Word]:
    words = [Word(w.start, w.end, w.text, w.probability) for w in a.words]
    lead = unsound_lead(words)
    if lead:
        # The first words were stretched over speech the text leaves out (a spoken title, an
        # aside) or squeezed: the line starts after the last clear pause within reach of the
        # first well-timed word, and the words before that word share the time up to it.
        i, est = lead
        anchor = words[i].start
        start = energy.last_onset(anchor - 1.5 * est - 0.5, anchor - 0.1, pause=0.3)
        start = start if start is not None else max(words[0].start, anchor - est)
        total = sum(spoken_length(w.text) for w in words[:i])
        t = start
        for w in words[:i]:
            w.start = round(t, 3)
            t += (anchor - start) * spoken_length(w.text) / total
            w.end = round(t, 3)
    # The path gives the first word everything since the last word before it: move its start
    # to the speech onset. Ends are already good.
    w0 = words[0]
    if w0.end - w0.start > 1.5 * spoken_length(w0.text) + 1.0:  # it swallowed other speech
        found = energy.last_onset(w0.end - spoken_length(w0.text) - 0.5, w0.end - 0.05)
        w0.start = found if found is not None else w0.end - spoken_length(w0.text)
    w0.start = energy.onset(w0.start, limit=max(w0.start, w0.end - 0.05))
    # The last word's end is where the next token starts, which may be after a pause: it ends
    # with its last voiced frame.
    wn = words[-1]
    wn.end = energy.offset(wn.end, limit=wn.start)
    for w in words:
        w.end = max(w.end, w.start)
    return words


def _chars_per_second(archive: Archive, rec_id: str, language: str) -> float:
    for tid in (f"{language}.asr",):
        if archive.has_track(rec_id, tid):
            segs = [s for s in archive.track(rec_id, tid).segments if s.timed]
            speech = sum(s.end - s.start for s in segs)
            chars = sum(len(s.text) for s in segs)
            if speech > 5 and chars:
                return max(6.0, min(25.0, chars / speech))
    return DEFAULT_CHARS_PER_S
