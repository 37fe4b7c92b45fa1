"""Forced alignment: put a human transcript's lines and words in time, window by window.

The transcript (plain text, one sentence or paragraph per line, or VTT/SRT with rough or no
times) is cut into pieces of at most ``MAX_WORDS`` words. A cursor walks through the audio: the
pieces that plausibly fit are forced onto the window (``window_s``) at the cursor with Whisper's
``align()``; the pieces that ended well inside the window are kept, and the cursor moves to the
end of the last one. So the work is linear in the length of the recording and the result is
monotonic.

A piece is placed when its tokens score clearly better than a null. On clean audio the null
is the same tokens on time-reversed audio (same voice and room, no words). Hiss lowers both and
the gap between them shrinks below any usable threshold (a worn tape placed 2 of 18 lines), so
the default null is textual: other Persian text of the same length forced onto the same window
in the same place. Noise then lowers the piece and its null alike, and what is left is the
acoustic evidence for this text over another. A piece that does not beat the null is looked
for a few windows further on, since the audio may hold speech that the transcript leaves out; if
it is not found there, its line is marked "unplaced" and left untimed rather than smeared over
whatever audio is nearby.

The cursor stays where it was after an unplaced line (the line may be one the audio leaves out,
and the next line may start right there), but the lines left unplaced since the last placed one
owe their estimated length: the next piece is looked for that much further on, nearest where
they put it first. So after a stretch the walk could not hear it catches up, instead of trying
every later line where it stopped and placing repeated text on an earlier copy (what sank the
40-minute tape, whose filler repeats its recordings).

Talk the transcript leaves out (a spoken title, an aside) lets the path put a line on it, since
teacher forcing must place every token somewhere. Three checks look for that: a line whose last
words are squeezed is forced again onto the window that ends just after it; a line stretched
far past its spoken length is forced again, alone, from where it would start if its end is
right; and after the walk, a line followed by a long gap is forced again where it was put, and
looked for in the gap if it is not heard there.

``align(lines, session, scorer, options)`` is the algorithm: no archive, no model loading.
``align_reference`` is the callers' helper that reads a transcript file, opens the session and
loads the scorer.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transcribe import __version__, subtitles
from transcribe.archive import Archive
from transcribe.transcript import Provenance, Segment, Track, Word

from .edges import EdgeOptions, repair_end, repair_start
from .energy import Energy
from .scorer import Scorer, open_scorer
from .session import AudioSession, default_cache_dir
from .spotting import Spotter
from .wordtiming import estimated_start, plausible, squeezed_tail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForcedOptions:
    """Every tunable of forced alignment; the values used go into the track's provenance."""

    language: str = "fa"
    # Seconds of audio per encoded window (Whisper's 30 s at most). A 24 s window (fill_s 17)
    # costs two thirds of the encoder's CPU and the walk 15-25 % less, but placed 57 of 60
    # lines on the 40-minute worn tape (bench/tape_align.py, BENCHMARKS.md): 30 is the default.
    window_s: float = 30.0
    max_words: int = 18  # per piece: a piece must fit well inside one window
    fill_s: float = 22.0  # estimated seconds of speech to force onto one window
    keep_margin_s: float = 2.0  # pieces ending this close to the window's end are redone
    # "text": other text in the same place on the same audio (holds up in hiss);
    # "reversed": the same text on time-reversed audio (the clean-audio null before the
    # cassette work; costs a second encoder pass per window).
    null: str = "text"
    # Slices of NULL_TEXT averaged for the text null (each one forced alignment per window):
    # one sentence's fluency should not decide.
    null_slices: int = 2
    # ... in the walk, only the first where every piece beats it by null_sure_gap: one slice
    # differs from the slices' mean by at most 0.44 (bench/tape_align.py, real-clean and
    # real-worn), so such a piece also beats the mean by more than placed_gap.
    null_sure_gap: float = 1.0
    # Mean log probability per token above the null for a piece to count as spoken here.
    # reversed: 0.5 (bench/align_quotes.py on clean speech); text: see BENCHMARKS.md.
    placed_gap: float = 0.5
    # Between unsure_gap and placed_gap (hiss lowers a spoken piece's gap to 0.2, and an
    # unspoken sentence over other speech can reach 0.4, bench/tape_align.py) the piece must
    # also beat the next piece forced onto the same place (a skip), by skip_margin.
    unsure_gap: float = 0.0
    skip_margin: float = 0.0
    lookahead_windows: int = 3  # how far (in lookahead_step_s steps) to look for a piece
    lookahead_step_s: float = 10.0
    lookahead_extra_gap: float = 0.3  # a piece found further on must beat the null by more
    # A kept piece whose last words the path squeezed into no time may have been put on other
    # speech before where it is spoken: it is forced again onto the window that ends
    # verify_after_s after that place, and kept only if it beats the null there too.
    verify_squeezed: bool = True
    verify_after_s: float = 1.0
    # The mirror: a line put over talk the transcript leaves out before it (the path stretches
    # it back over that talk: 2.2-2.5 x its estimated length on the 40-minute tape, where no
    # spoken line takes more than 1.6 x, bench/tape_align.py) is forced again, alone, onto the
    # window from refit_factor x its length + refit_lead_s before its end; that place is taken
    # if the line beats the null there by at least as much and ends within refit_end_s of
    # where it ended (the transcript's last line may end earlier: no text after it bounds it).
    verify_stretched: bool = True
    stretch_factor: float = 1.9
    stretch_s: float = 0.5
    refit_factor: float = 1.5
    refit_lead_s: float = 1.0
    refit_end_s: float = 1.0
    # A line of one piece followed by more than gap_check_s of audio before the next placed
    # line may have been put on talk before it while it is spoken at the end of the window
    # (the 40-minute tape: 23 s early, nothing squeezed or stretched). After the walk it is
    # forced again onto the window that ends verify_after_s after it; if it does not beat the
    # null there, it is looked for in the gap, as a stretched line is (refit_*).
    verify_gaps: bool = True
    gap_check_s: float = 8.0
    # Before looking ahead for a piece the window does not hold, try the next piece in the
    # same (already encoded) window: if it is placed there, starting before the look-ahead's
    # first window, the piece cannot be spoken later in order, and the look-ahead (a new
    # encoder pass per step, most of the cost of an unspoken line) is not run.
    next_first: bool = True
    # A recording may open with talk the transcript leaves out. When the first batch does not
    # fit at the start, it is forced onto the windows up to start_search_s further on (once,
    # lookahead_step_s apart) and the walk starts at the best, if it beats the start by
    # lookahead_extra_gap: otherwise the next line is tried at the start, fits the untranscribed
    # talk about as well as anything, and the first lines land on it.
    start_search_s: float = 120.0
    # Lines left unplaced since the last placed one owe their estimated length of audio: the
    # next piece is looked for up to that far on (plus this margin), so the walk catches up
    # after lines it missed instead of trying every later line where it stopped; and no
    # further (catch_up_max_s), so repeated text far ahead is not taken for it (the 40-minute
    # tape repeats its recordings as filler, bench/tapes.py).
    catch_up_margin_s: float = 30.0
    catch_up_max_s: float = 240.0
    # The skip test (see unsure_gap) keeps an unsure piece whose next piece, forced alone onto the
    # same window, lands after it (starts no earlier than this before the piece's end): the
    # next piece is then spoken after this one, not in its place.
    skip_after_s: float = 0.5
    # Share of the piece's span that must be speech for that: 0.32-0.40 for spoken lines through
    # the worn channel (hiss lifts the speech threshold), 0.07 for an unspoken line squeezed
    # into a pause (bench/tapes.py, real-worn and short two-voice).
    skip_after_voiced: float = 0.2
    min_length_fraction: float = 0.3  # of its estimated spoken length, or it was squeezed in
    hint_lead_s: float = 3.0  # a rough cue time moves the cursor to this much before it
    default_chars_per_s: float = 13.0  # Persian read speech, with no track to measure the rate
    cursor_step_s: float = 0.5  # the cursor always moves on at least this much
    end_pause_s: float = 0.1  # a line running into the next ends at the first pause this long
    lead_pause_s: float = 0.3  # stretched first words: the line starts after a pause this long
    # A line's end follows its fading last sound down to this far over the local background
    # (hiss hides weak final consonants under the speech threshold), at most end_trail_s.
    end_trail_db: float = 6.0
    end_trail_s: float = 0.3

    def to_dict(self) -> dict:
        return asdict(self)


# Text for the textual null: plain Persian prose that no recording is expected to say, cut to
# each piece's word count (``null_slices`` slices of it).
NULL_TEXT = {
    "fa": "گزارش جلسه‌ی دیروز درباره‌ی بودجه‌ی مدرسه و تعمیر سقف کتابخانه بود و کسی با آن مخالفت "
    "نکرد. قطار شب با تأخیر به ایستگاه رسید و مسافران خسته چمدان‌هایشان را به سوی خیابان "
    "کشیدند. در باغ پدربزرگ درختان انار و انجیر کنار جوی آب ردیف شده بودند و بوی خاک نم خورده "
    "همه‌جا پیچیده بود. دانشجویان برای امتحان فیزیک تا نیمه‌شب در سالن مطالعه ماندند و "
    "درباره‌ی مسئله‌های دشوار بحث کردند. بازار ماهی‌فروشان صبح زود شلوغ می‌شود و فروشندگان با "
    "صدای بلند قیمت‌ها را اعلام می‌کنند."
}


@dataclass
class Piece:
    line: int  # index of the transcript line
    text: str
    hint: float | None = None  # rough start from a VTT/SRT cue
    words: list[Word] = field(default_factory=list)
    placed: bool = False
    gap: float | None = None  # score above the null where it was tried last


@dataclass
class ForcedResult:
    track: Track
    unplaced: list[tuple[int, str]]  # (line number from 1, text)
    seconds: float = 0.0
    gaps: list[float | None] = field(default_factory=list)  # per piece, for benchmarks


def align_reference(
    archive: Archive,
    recording_id: str,
    source: Path | Track,
    language: str = "fa",
    model: str | None = None,
    progress: Callable[[float], None] | None = None,
    options: ForcedOptions | None = None,
    session: AudioSession | None = None,
    scorer: Scorer | None = None,
) -> ForcedResult:
    """The callers' helper: align a transcript file (or an untimed/rough track) to a recording
    of the archive, opening its audio session and loading the scorer unless given."""
    rec = archive.recording(recording_id)
    if isinstance(source, Track):
        ref = source
    else:
        ref = subtitles.read_track(Path(source), rec.id, language, "reference")
    options = options or ForcedOptions(
        language=language, default_chars_per_s=_chars_per_second(archive, rec.id, language)
    )
    own = session is None
    session = session or AudioSession(
        archive.media_path(rec.id), rec.sha256, cache_dir=default_cache_dir()
    )
    try:
        scorer = scorer or open_scorer(model, language)
        result = align(ref, session, scorer, options, progress)
    finally:
        if own:
            session.close()
    result.track.recording_id = rec.id
    if not isinstance(source, Track):
        result.track.provenance.source = Path(source).name
    return result


def align(
    ref: Track,
    session: AudioSession,
    scorer: Scorer,
    options: ForcedOptions,
    progress: Callable[[float], None] | None = None,
) -> ForcedResult:
    """Put ``ref``'s lines (timed roughly or not at all) in time against the session's audio."""
    scorer = scorer.for_task(options.language, "transcribe")
    spotter = Spotter(scorer, session, options.window_s)
    energy = session.energy
    pieces = _pieces(ref.segments, options.max_words)
    _walk(spotter, energy, pieces, options, progress)
    if options.verify_gaps:
        _recheck_before_gaps(spotter, energy, pieces, options)

    segments, unplaced = [], []
    for i, seg in enumerate(ref.segments):
        own = [p for p in pieces if p.line == i]
        words = [w for p in own if p.placed for w in p.words]
        if not own or not all(p.placed for p in own) or not words:
            segments.append(Segment(seg.id, None, None, seg.text, flags=["unplaced"]))
            unplaced.append((i + 1, seg.text))
            continue
        segments.append(Segment(seg.id, words[0].start, words[-1].end, seg.text, words=words))
    _end_before_next(segments, energy, options)
    language = options.language
    track = Track(
        id=f"{language}.reference",
        recording_id=ref.recording_id,
        language=language,
        kind="reference",
        provenance=Provenance(
            software=f"navar {__version__}",
            model=scorer.name,
            settings={
                "method": f"whisper teacher-forced alignment over {options.window_s:g} s windows",
                **options.to_dict(),
                "energy": getattr(energy, "options", None) and energy.options.to_dict(),
                **session.provenance(),
            },
            source=ref.provenance.source,
            notes=[f"line {n} could not be placed in the audio: {t}" for n, t in unplaced],
        ),
        segments=segments,
    )
    return ForcedResult(track, unplaced, gaps=[p.gap for p in pieces])


def _end_before_next(segments: list[Segment], energy: Energy, options: ForcedOptions) -> None:
    """A line whose last word runs into the next line (no pause between them, so the end was
    taken from the next line's voice) ends where the speech first stops before the next line,
    or just before it."""
    timed = [s for s in segments if s.timed]
    for seg, nxt in zip(timed, timed[1:], strict=False):
        if seg.end <= nxt.start - 0.05:
            continue
        last = seg.words[-1]
        stop = energy.first_offset(last.start + 0.05, nxt.start, pause=options.end_pause_s)
        end = stop if stop is not None else nxt.start - 0.05
        last.end = seg.end = round(max(last.start, end), 3)


def _pieces(segments: list[Segment], max_words: int) -> list[Piece]:
    """Lines cut into pieces of at most ``max_words``, of equal size: a tail of two or three
    words scores too noisily to be told from a line that is not spoken."""
    out = []
    for i, seg in enumerate(segments):
        words = seg.text.split()
        size = math.ceil(len(words) / max(1, math.ceil(len(words) / max_words))) if words else 1
        for k in range(0, len(words), size):
            hint = seg.start if k == 0 else None
            out.append(Piece(i, " ".join(words[k : k + size]), hint))
    return out


def _walk(spotter: Spotter, energy: Energy, pieces: list[Piece], o: ForcedOptions, progress):
    rate = o.default_chars_per_s
    cursor, k = 0.0, 0
    owed = 0.0  # estimated seconds of the pieces left unplaced since the last placed one
    start_searched = o.start_search_s <= 0 or pieces[0].hint is not None
    # No placed line ends at the cursor (the recording's start, or where the start search put
    # it): the window's first word soaked up whatever came before it, talk the transcript
    # leaves out included, so its start is no boundary (align.edges, anchored).
    unanchored = True
    while k < len(pieces):
        if progress:
            progress(min(1.0, cursor / max(spotter.duration, 1e-6)))
        if pieces[k].hint is not None and pieces[k].hint - o.hint_lead_s > cursor:
            cursor = pieces[k].hint - o.hint_lead_s  # a rough cue time says the text starts later
        if cursor >= spotter.duration - 0.3:
            break  # out of audio: the rest stays unplaced
        batch = _batch(pieces, k, rate, o)
        win = spotter.clamp(cursor)
        # Near the end a window starts before the cursor: what was placed there goes first.
        before = " ".join(
            w.text for p in pieces[:k] if p.placed for w in p.words if w.start >= win - 0.05
        )
        texts = [p.text for p in batch]
        aligned = _force(spotter, before, texts, win)
        # A piece run into the window's end may be cut short or stretched there: it is redone
        # at the start of the next window (unless it is the transcript's last), and so are the
        # ones after it; only the pieces before it are scored here.
        nulls = _scored_nulls(spotter, before, aligned, texts, win, k, pieces, o)
        tried = batch[: len(nulls)]
        kept = 0
        moved = None  # where the cursor goes if a piece turned out not to be where placed
        for p, a, n in zip(tried, aligned[: len(tried)], nulls, strict=True):
            last = k + kept == len(pieces) - 1
            p.gap = round(a.logprob - n, 3)
            log.debug("line %d at %.1f: gap %.2f", p.line, win, p.gap)
            if not _plausible(a, n, p, rate, o, unsure=True):
                break  # try it afresh as the first piece of the next window
            nxt = pieces[k + kept + 1] if k + kept + 1 < len(pieces) else None
            # A line is spoken or not as a whole: the rest of a line whose start was placed
            # just before needs no skip test.
            prev = pieces[k + kept - 1] if k + kept > 0 else None
            continues = prev is not None and prev.line == p.line and prev.placed
            if p.gap < o.placed_gap and nxt is not None and not continues:
                prior = " ".join([before, *texts[:kept]]).strip()
                skip = _force(spotter, prior, [nxt.text], win)[0]
                skip_gap = skip.logprob - _null(spotter, prior, [nxt.text], win, o)[0]
                log.debug("line %d at %.1f: gap %.2f, skip %.2f", p.line, win, p.gap, skip_gap)
                # ... and only if the piece itself sits on speech: text that is not spoken
                # gets squeezed into the pause before the next line, which also lands after.
                # (From where its words put it: the first word also takes the pause before.)
                lead = max(a.words[0].start, estimated_start(a.words))
                span = energy.speech_fraction(lead, a.words[-1].end)
                # Text squeezed in at the next line's onset lands before it too: most of a
                # kept piece's words must take a plausible time.
                sound = sum(map(plausible, a.words)) >= len(a.words) / 2
                after = sound and span >= o.skip_after_voiced
                after = after and estimated_start(skip.words) >= a.words[-1].end - o.skip_after_s
                log.debug("line %d: lands after: %s (speech %.2f)", p.line, after, span)
                if p.gap < skip_gap + o.skip_margin and not after:
                    break  # the next piece fits here better: this one is not spoken here
            if (
                o.verify_squeezed
                and squeezed_tail(a.words)
                and not _there(spotter, pieces, k + kept, a, o)
            ):
                # Placed on other speech before where it is spoken (untranscribed talk or music
                # before a line lets the path put the line there and squeeze its last words):
                # look for it after that stretch.
                log.debug("line %d: not at %.1f after all", p.line, a.words[0].start)
                moved = max(cursor + o.cursor_step_s, a.words[-1].end)
                break
            p.words = _words(a, energy, o, anchored=not (unanchored and kept == 0 and not before))
            if o.verify_stretched and not continues and _stretched(p.words, p, rate, o):
                # Still stretched after the edge repair: over talk the transcript leaves out?
                refit = _refit(spotter, p, p.words[-1].end, rate, o, bounded=not last)
                log.debug("line %d stretched at %.1f: %s", p.line, p.words[0].start, bool(refit))
                if refit is not None:
                    # Forced alone from before its place, the first word took the lead-in.
                    b, p.gap = refit
                    p.words = _words(b, energy, o, anchored=False)
            p.placed = True
            kept += 1
        if kept == 0 and moved is not None:
            cursor = moved
            continue
        if kept == 0 and not start_searched and not any(p.placed for p in pieces[:k]):
            # Nothing placed yet: the recording may open with talk the transcript leaves out
            # (a title, an archivist's announcement), onto which the next line would fit as
            # well as anywhere. Look once for this batch further on before trying the next.
            start_searched = True
            # Scored here as the search scores each window: the whole batch, every slice.
            here = _joint_gap(aligned, _null(spotter, before, texts, win, o))
            found = _find_start(spotter, batch, win, here, o)
            log.debug("line %d not at %.1f; the start is at %s", batch[0].line, win, found)
            if found is not None:
                cursor = found
                continue
        if kept == 0:
            nxt = k + 1 < len(pieces) and o.next_first
            if nxt and _spoken_here(spotter, before, pieces, k + 1, win, rate, o):
                log.debug("line %d not at %.1f; the next is spoken there", batch[0].line, win)
                owed += len(batch[0].text) / rate
                k += 1
                continue
            reach = min(o.catch_up_max_s, owed + o.catch_up_margin_s)
            reach = max(reach, o.lookahead_windows * o.lookahead_step_s)
            found = _look_ahead(spotter, batch[0], win, rate, o, reach, win + owed)
            log.debug("line %d not at %.1f; further on: %s", batch[0].line, win, found)
            if found is None:
                # Unplaced; the cursor stays (the line may be one the audio leaves out), the
                # next piece tries here, and may be looked for further on by its length.
                owed += len(batch[0].text) / rate
                k += 1
            else:
                cursor = found
            continue
        owed, unanchored = 0.0, False
        k += kept
        cursor = max(cursor + o.cursor_step_s, tried[kept - 1].words[-1].end + 0.05)


def _force(spotter: Spotter, before: str, texts: list[str], win: float):
    texts = [before, *texts] if before else texts
    aligned = spotter.align_pieces(texts, win)
    return aligned[1:] if before else aligned


def _null(
    spotter: Spotter, before: str, texts: list[str], win: float, o: ForcedOptions, scores=None
):
    """Each piece's null score in this window (see the module's docstring). Given the pieces'
    own ``scores``, the slices after the first are forced only if some piece does not beat the
    first by ``null_sure_gap``."""
    pool = NULL_TEXT.get(o.language, "").split()
    if o.null == "reversed" or not pool:
        return [a.logprob for a in _force_reversed(spotter, before, texts, win)]
    slices = []
    for s in range(o.null_slices):
        others = [_null_slice(pool, len(t.split()), s * 17 + 11 * i) for i, t in enumerate(texts)]
        slices.append([a.logprob for a in _force(spotter, before, others, win)])
        if scores and all(x - n >= o.null_sure_gap for x, n in zip(scores, slices[0], strict=True)):
            break
    return [statistics.fmean(x) for x in zip(*slices, strict=True)]


def _force_reversed(spotter: Spotter, before: str, texts: list[str], win: float):
    texts = [before, *texts] if before else texts
    aligned = spotter.align_pieces(texts, win, reverse=True)
    return aligned[1:] if before else aligned


def _null_slice(pool: list[str], n: int, at: int) -> str:
    return " ".join(pool[(at + i) % len(pool)] for i in range(n))


def _plausible(
    a, null: float, piece: Piece, rate: float, o: ForcedOptions, extra=0.0, unsure=False
) -> bool:
    """Could the piece be spoken where the path put it? (``unsure``: down to unsure_gap.)"""
    if not a.words or a.logprob - null < (o.unsure_gap if unsure else o.placed_gap) + extra:
        return False
    # Text that is not in the audio gets squeezed into a sliver between its neighbours.
    return a.words[-1].end - a.words[0].start >= o.min_length_fraction * len(piece.text) / rate


def _there(spotter, pieces: list[Piece], k: int, a, o: ForcedOptions) -> bool:
    """Is piece ``k`` spoken where ``a`` put it? Forced onto the window that ends just after
    that place (what was placed before it in that window as a prefix), it must beat the null
    there as a placed piece does; spoken later, that window does not hold it."""
    end = a.words[-1].end + o.verify_after_s
    win = spotter.clamp(max(0.0, end - spotter.window_s))
    start = a.words[0].start
    before = " ".join(
        w.text for p in pieces[:k] if p.placed for w in p.words if win - 0.05 <= w.start < start
    )
    piece = pieces[k]
    b = _force(spotter, before, [piece.text], win)[0]
    n = _null(spotter, before, [piece.text], win, o)[0]
    log.debug(
        "line %d: at %.1f in the window ending there: gap %.2f", piece.line, start, b.logprob - n
    )
    return b.logprob - n >= o.placed_gap


def _recheck_before_gaps(spotter, energy: Energy, pieces: list[Piece], o: ForcedOptions) -> None:
    """Lines of one piece followed by a gap of more than ``gap_check_s``: are they where the walk
    put them? If not, they move into the gap when they are found there (see ForcedOptions)."""
    rate = o.default_chars_per_s
    placed = [k for k, p in enumerate(pieces) if p.placed]
    for k, nxt in zip(placed, placed[1:], strict=False):
        p, q = pieces[k], pieces[nxt]
        alone = all(x.line != p.line for x in pieces[k - 1 : k] + pieces[k + 1 : k + 2])
        if not alone or q.words[0].start - p.words[-1].end <= o.gap_check_s:
            continue
        if _there(spotter, pieces, k, p, o):
            continue
        # Where it would start if it ended just before the next line, forced with the next
        # line after it (which bounds its end, as in the walk).
        end = q.words[0].start
        win = end - o.refit_factor * len(p.text) / rate - o.refit_lead_s
        win = spotter.clamp(max(win, p.words[-1].end))
        b = _force(spotter, "", [p.text, q.text], win)[0]
        n = _null(spotter, "", [p.text], win, o)[0]  # its own null: q's would not change it
        log.debug("line %d not where it was put: in the gap %.2f", p.line, b.logprob - n)
        if _plausible(b, n, p, rate, o) and b.words[-1].end <= end + o.refit_end_s:
            p.gap = round(b.logprob - n, 3)
            p.words = _words(b, energy, o, anchored=False)


def _stretched(words: list[Word], piece: Piece, rate: float, o: ForcedOptions) -> bool:
    """Does the piece take far more time than it takes to say?"""
    said = len(piece.text) / rate
    return words[-1].end - words[0].start > o.stretch_factor * said + o.stretch_s


def _refit(spotter, piece: Piece, end: float, rate: float, o: ForcedOptions, bounded=True):
    """(alignment, gap) of a stretched piece forced alone onto the window from where it would
    start if its ``end`` is right, when that fits it at least as well; else None (a line that
    really takes that long loses its first words there, and scores worse). The transcript's
    last piece (not ``bounded``: no text after it held its end) may also end earlier: talk after
    it lets its last word run on (a stretch ending 2 s after its last line: 1.6 s)."""
    win = spotter.clamp(max(0.0, end - o.refit_factor * len(piece.text) / rate - o.refit_lead_s))
    b = _force(spotter, "", [piece.text], win)[0]
    n = _null(spotter, "", [piece.text], win, o)[0]
    if not b.words or b.words[-1].end - end > o.refit_end_s:
        return None
    if bounded and end - b.words[-1].end > o.refit_end_s:
        return None
    gap = round(b.logprob - n, 3)
    log.debug("line %d alone from %.1f: gap %.2f (was %s)", piece.line, win, gap, piece.gap)
    better = piece.gap is not None and gap >= piece.gap
    return (b, gap) if better and _plausible(b, n, piece, rate, o, unsure=True) else None


def _batch(pieces: list[Piece], k: int, rate: float, o: ForcedOptions) -> list[Piece]:
    """The pieces from ``k`` on that are forced onto one window together: about ``fill_s``
    seconds of speech, at least one piece."""
    batch, need = [], 0.0
    while k + len(batch) < len(pieces) and (not batch or need < o.fill_s):
        p = pieces[k + len(batch)]
        need += len(p.text) / rate
        if batch and need > o.fill_s:
            break
        batch.append(p)
    return batch


def _spoken_here(spotter, before: str, pieces: list[Piece], k: int, win: float, rate, o) -> bool:
    """Is piece ``k`` placed in the window at ``win``, starting before the look-ahead's first
    window would (so nothing before it in the transcript can be spoken after it)? Its batch is
    forced, and its nulls scored, as the walk's next step will (the spotter keeps the results):
    the pieces after it hold the first one's path in place."""
    batch = _batch(pieces, k, rate, o)
    texts = [p.text for p in batch]
    aligned = _force(spotter, before, texts, win)
    a = aligned[0]
    n = _scored_nulls(spotter, before, aligned, texts, win, k, pieces, o)[0]
    early = estimated_start(a.words) < win + o.lookahead_step_s
    return early and _plausible(a, n, batch[0], rate, o)


def _scored_nulls(spotter, before: str, aligned, texts, win: float, k: int, pieces, o) -> list:
    """The nulls of the pieces of the batch forced at ``win`` (``texts``, pieces from ``k`` on)
    that the walk scores there: the first, and the ones after it up to the first that runs into
    the window's end (redone in the next window). Only their null text is forced: the decoder
    scores each token from the tokens before it, so leaving the rest out changes none of their
    scores."""
    end = win + spotter.window_s - o.keep_margin_s
    n = next(
        (
            i
            for i, a in enumerate(aligned[1:], start=1)
            if a.words and a.words[-1].end > end and k + i != len(pieces) - 1
        ),
        len(aligned),
    )
    scores = [a.logprob for a in aligned[:n]]
    return _null(spotter, before, texts[:n], win, o, scores)


def _look_ahead(
    spotter: Spotter,
    piece: Piece,
    win: float,
    rate: float,
    o: ForcedOptions,
    reach: float,
    expect: float,
):
    """Where the piece starts if it is spoken further on, within ``reach`` seconds (audio the
    transcript leaves out, or lines before it that were missed). Windows are tried nearest
    ``expect`` (where the missed lines say it should be) first; the first where it is found
    and its neighbours (it may start astride them) decide, so a copy of the same text
    further from there (repeated recordings) is not taken for it."""
    starts = []
    for step in range(1, max(1, int(reach // o.lookahead_step_s)) + 1):
        w = spotter.clamp(win + o.lookahead_step_s * step)
        if w > win and w not in starts:
            starts.append(w)
    best, near = None, None
    for w in sorted(starts, key=lambda x: abs(x - expect)):
        if near is not None and w not in near:
            continue
        a = _force(spotter, "", [piece.text], w)[0]
        n = _null(spotter, "", [piece.text], w, o)[0]
        if _plausible(a, n, piece, rate, o, extra=o.lookahead_extra_gap):
            gap = a.logprob - n
            if near is None:
                i = starts.index(w)
                near = starts[max(0, i - 1) : i + 2]
            if best is None or gap > best[0]:
                best = (gap, a.words[0].end - 1.0)
    return None if best is None else max(win + o.cursor_step_s, best[1])


def _joint_gap(aligned, nulls) -> float:
    """The pieces' gap over their nulls together, weighted by their tokens."""
    n = sum(len(a.token_logprobs) for a in aligned)
    if not n or not all(a.words for a in aligned):
        return -math.inf
    pairs = zip(aligned, nulls, strict=True)
    return sum(len(a.token_logprobs) * (a.logprob - x) for a, x in pairs) / n


def _find_start(spotter, batch: list[Piece], win: float, here: float, o: ForcedOptions):
    """Where the transcript starts when its first piece is not at the recording's start: the
    window within ``start_search_s`` after ``win`` where the first batch, forced together,
    beats its null best, if that beats what it scored at ``win`` (``here``) and the placed
    gap by ``lookahead_extra_gap``; None otherwise."""
    texts = [p.text for p in batch]
    best, last = None, None
    for step in range(1, int(o.start_search_s // o.lookahead_step_s) + 1):
        w = spotter.clamp(win + step * o.lookahead_step_s)
        if w <= win or w == last:  # clamped at the recording's end
            break
        last = w
        aligned = _force(spotter, "", texts, w)
        gap = _joint_gap(aligned, _null(spotter, "", texts, w, o))
        log.debug("line %d: the batch at %.1f: gap %.2f", batch[0].line, w, gap)
        if best is None or gap > best[0]:
            best = (gap, w, aligned[0])
    if best is None or best[0] < max(here, o.placed_gap) + o.lookahead_extra_gap:
        return None
    a = best[2]  # the first piece's path: its first word took the lead-in, the bulk did not
    return max(win + o.cursor_step_s, min(a.words[0].end, estimated_start(a.words)) - 1.0)


def _words(a, energy: Energy, o: ForcedOptions, anchored: bool = True) -> list[Word]:
    words = [Word(w.start, w.end, w.text, w.probability) for w in a.words]
    # The shared edge repair (align/edges.py): stretched first words, a first word that
    # swallowed other speech, speech onset; the last word's end at its last voiced frame.
    edge = EdgeOptions(
        lead_pause_s=o.lead_pause_s, end_trail_db=o.end_trail_db, end_trail_s=o.end_trail_s
    )
    repair_start(words, energy, edge, anchored=anchored)
    repair_end(words, energy, edge)
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
    return ForcedOptions.default_chars_per_s
