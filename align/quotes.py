"""Find where a quote is spoken: fuzzy text search over the tracks, checked against the audio.

1. Candidates: a fuzzy local alignment of the normalised quote against every timed track in the
   quote's language (``textmatch``); for Persian also the windows where the quote's tokens score
   best under teacher forcing (``spotting``), so a quote the recogniser mangled is still found.
2. Verification: each candidate is scored by forcing the quote's tokens onto the audio around
   it. The score is the mean token log probability minus a null score for the same tokens: the
   median over the recording's other windows and over time-reversed copies of them (speech-like
   audio in the same voice and room that says nothing). Below ``present_gap`` (less for a long
   quote: its mean strays less by chance) there is no match.
3. Sharpening: the quote is aligned again in a window starting just before it, with the words
   the track heard before the quote as a prefix, and its edges are repaired by the same code as
   forced alignment's (``align.edges``: stretched first words, the speech onset and offset).

Every threshold is a field of ``QuoteOptions``; the values used are recorded in each match's
``provenance`` and in ``QuoteResult.provenance`` (also when nothing is found).

English quotes are found in the English tracks (machine or human translation) by text, and
their span is mapped back to the Persian words it covers.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
from dataclasses import asdict, dataclass, field, replace

from transcribe.archive import Archive
from transcribe.errors import NavarError
from transcribe.subtitles import timestamp
from transcribe.transcript import Track

from . import paraphrase, textmatch
from .edges import EdgeOptions, ran_on, repair_end, repair_start
from .normalize import normalize
from .scorer import Scorer, open_scorer
from .session import AudioSession
from .spotting import WINDOW_S, Spotter
from .wordtiming import (
    estimated_start,
    held_over_speech,
    spoken_length,
    squeezed_run,
    unsound_lead,
    unsound_tail,
)

log = logging.getLogger(__name__)

# The order in which timed tracks are trusted for a match's text and span.
TRACK_PREFERENCE = ("reference", "asr", "reference-translation", "mt")
_PERSIAN = re.compile("[\u0600-\u06ff]")


class QuoteError(NavarError):
    """The quote cannot be searched for (empty, or nothing to search in)."""


@dataclass
class QuoteMatch:
    start: float
    end: float
    text: str  # the matched words as the track has them
    language: str
    track: str
    score: float  # 0..1; 0.5 is the threshold of presence
    segment_ids: list[str]
    context: str = ""
    # English matches: the Persian words the span covers, and their track.
    source_text: str = ""
    source_track: str | None = None
    details: dict = field(default_factory=dict, repr=False)
    provenance: dict = field(default_factory=dict, repr=False)  # how it was found (options...)

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "language": self.language,
            "track": self.track,
            "score": self.score,
            "segment_ids": self.segment_ids,
            "context": self.context,
        } | ({"evidence": e} if (e := _evidence(self.details)) else {})


def _evidence(details: dict) -> dict:
    """What a match checked against the audio rests on: its gap over the null, the gap it
    needed, its weakest stretch of words, the longest its path holds a word over speech beyond
    the word's length (``held_speech_s``); for a long quote, per piece."""
    if "pieces" in details:
        return {"pieces": [_evidence(p) for p in details["pieces"]]}
    return {k: details[k] for k in ("gap", "needed", "weakest_stretch", "held_s") if k in details}


def guess_language(text: str) -> str:
    return "fa" if _PERSIAN.search(text) else "en"


@dataclass(frozen=True)
class QuoteOptions:
    """Every tunable of quote search; the values used go into each result's provenance."""

    limit: int = 5  # at most this many matches
    # The gap, in mean log probability per token, between the quote's score at its place and
    # its null score (the same tokens on time-reversed audio) for the quote to count as spoken
    # there. On clean speech (bench/align_quotes.py, BENCHMARKS.md) exact quotes score 1.3 to
    # 2.9, changed ones 1.1 to 1.9, absent ones never above 0.3; hiss lowers a present quote's
    # gap (0.78 for an exact quote through the worn cassette channel, bench/quote_tapes.py), so
    # 0.8 became 0.7.
    present_gap: float = 0.7
    # ... for a quote of up to present_words words. The gap is a mean over the quote's words,
    # and the mean of more words strays less far by chance: above present_words the gap needed
    # falls as present_gap * sqrt(present_words / words), to no less than present_gap_min.
    # Absent quotes (46 on the short tapes, bench/quote_tapes.py): 6-9 words up to 0.50, 15-17
    # words up to 0.29, 25-32 words up to 0.20; present ones on the 40-minute tape that 0.7
    # missed: 15-30 words at 0.67-0.69.
    present_words: int = 12
    present_gap_min: float = 0.4
    # Every stretch of the quote must be heard, not most of it. The mean is carried by the
    # words that are there: the first half of one sentence and the second half of another
    # scored like an exact quote where only the first half was spoken (bench/quote_tapes.py,
    # spliced quotes). So each run of stretch_share of the quote's words (at least
    # stretch_words), scored per word against the null and trimmed like the whole, must beat
    # the null by stretch_gap; the weakest run is recorded with each match. Spliced quotes on
    # the short and 40-minute tapes: 21 of 30 matched without this, 7 with runs of 0.4 of the
    # words, 3 with 0.3 (a run that fits inside the unheard part has fewer heard words at its
    # edges to lift it). Weakest runs (0.3) of present quotes found there within 0.3 s: exact
    # 0.3 and up, changed 0.15 and up but one at -0.17 (three changed words in one run).
    stretch_share: float = 0.3
    # And the path must not skip words: squeezed_words or more in a row given less than
    # squeezed_s each (under three 20 ms path frames; no spoken word is that short) were
    # not heard there. Spliced quotes on the held-out tape whose weakest run still passed
    # had their unheard half squeezed into one frame (3-6 words); of 53 present quotes found
    # within 0.3 s on the other tapes, none had more than 2 such words in a row.
    squeezed_words: int = 3
    squeezed_s: float = 0.05
    # Nor hold a word over other speech: an inner word of the path held more than
    # held_speech_s beyond its own spoken length, over audio at least held_voiced of whose
    # frames are speech (a pause is mostly quiet; talk on the worn tapes is 0.46-0.54), means
    # speech the quote leaves out is said between its words (the halves of two sentences said
    # in one window, laid over one of them: the path holds a word over the rest of that
    # sentence). A short interjection the quote spans stays under it; a quote that leaves
    # words out (an ellipsis) is not said as quoted, and the note says where the speech is.
    held_speech_s: float = 1.5
    held_voiced: float = 0.3
    # And the words at its ends must not be heard somewhere else instead. A quote whose first
    # or last split_words or more words are heard here less than split_weak_gap over their
    # null (on average) is checked where the tracks have those words (split_hits text matches
    # per track, away from here): if they beat their null there by split_gap, the quote joins
    # words said in two places, and is refused here and wherever overlaps here (the answer's
    # notes say where each part is). Spliced quotes that matched before this check
    # (bench/quote_tapes.py): their unheard part scored 1.35-2.7 at its own place; the weak
    # end runs of present quotes found within 0.3 s scored at most 0.5 at their best text
    # match elsewhere, except three words: the first three of an exact quote (0.08 here)
    # scored 1.9 where they are said in another sentence. Hence four words at least.
    # On a place about to be returned, the words are also judged with the audio
    # silenced after the quote's end + split_crop_s (rounded up to window_grid_s): the
    # decoder hears the whole window, so words said just after the place (the other half of a
    # quote joined from two sentences in one window) scored as if heard here. Silenced, those
    # halves fell to -0.65-0.07 on the short worn tape, where 6 of 20 such quotes matched. The
    # run then looked for is the end run under split_weak_gap that stands out most from the
    # rest (the longest could take in most of the quote, which is said together nowhere).
    split_words: int = 4
    split_weak_gap: float = 0.3
    split_gap: float = 1.0
    split_hits: int = 3
    split_crop_s: float = 0.3
    stretch_words: int = 4
    stretch_gap: float = 0.1
    # Scores leave out this share of the quote's worst tokens (and the null's): a fifth of the
    # words changed lowers the full mean by 0.1 to 0.25 more than it does an absent quote's
    # (bench/quote_tapes.py, worn tape: changed 0.34-0.94 -> 0.41-1.17, absent at most 0.17
    # -> 0.18).
    trim_worst: float = 0.2
    # What is left out: "words" (the worst trim_worst share of the words, all their tokens: a
    # changed word of four tokens costs four, which a share of tokens left in) or "tokens".
    # Words: worn tape, changed quotes 6 -> 8 of 10 within 0.3 s; the nearest absent quote of 23
    # 0.50 (tokens 0.59 on the clean tape), bench/quote_tapes.py, BENCHMARKS.md.
    trim_unit: str = "words"
    null_windows: int = 3  # reversed windows, spread over the recording, whose median is the null
    # Text candidates: the best fuzzy matches in the timed tracks, at most text_guesses + limit
    # - 1 of them, at least guess_apart_s apart, each verified in the audio.
    text_guesses: int = 3
    guess_apart_s: float = 1.0
    # When no text candidate verifies, every window (scan_hop_s apart, 30 s long) is scored and
    # the best one, if it beats the null by sweep_gap, is searched at starts sweep_step_s apart.
    scan_hop_s: float = 10.0
    sweep_gap: float = 0.3
    sweep_step_s: float = 1.5
    # The sweep begins this far before the best window: a quote whose first word that window
    # cuts off may still score best there.
    sweep_back_s: float = 3.0
    # A candidate is aligned from this far before its guessed start (window starts are on a
    # window_grid_s grid, so nearby guesses share one encoded window), and, when promising
    # (sweep_gap), again from prefix_back_s before it with the words heard there as a prefix.
    lead_s: float = 0.5
    window_grid_s: float = 0.5
    prefix_back_s: float = 1.5
    # A verified match whose place a timed track spells this closely takes that text's span;
    # an aligned human transcript (fa.reference) this close is trusted without the audio.
    snap_similarity: float = 0.9
    # A path whose first word starts more than early_start_s before where the bulk of its
    # words put the start (wordtiming.estimated_start) is aligned again from there, and taken
    # if it scores at least as well: the 40-minute worn tape, a 9-word quote 0.8 s early (its
    # second word stretched 2.6 x) and one 4.3 s early (its first three words on the sentence
    # before, the fourth stretched over 4 s), bench/quote_tapes.py.
    early_start_s: float = 0.5
    # Quotes whose spoken length is estimated above long_quote_s are searched as pieces of about
    # long_piece_s (teacher forcing sees 30 s at a time), each starting at most chain_gap_s
    # after the one before ends.
    long_quote_s: float = 20.0
    long_piece_s: float = 14.0
    chain_gap_s: float = 3.0
    # Text only (--no-verify): a Persian match needs this similarity, and short_query_extra more
    # under short_query_chars letters (short queries match something by chance more easily).
    # English quotes use paraphrase.EN_PARAPHRASE_THRESHOLD.
    text_only_similarity: float = 0.75
    short_query_chars: int = 20
    short_query_extra: float = 0.1
    # The start/end repair. Without the trail: a quote's end follows into the next sentence
    # when it starts within 0.1 s (+0.36 s on the clean tape), and on the worn tape into the
    # hiss (+0.53 s); the pullback to the path's end covers the faint final sounds instead.
    edges: EdgeOptions = field(default_factory=lambda: EdgeOptions(end_trail_s=0.0))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> QuoteOptions:
        d = dict(d)
        if isinstance(d.get("edges"), dict):
            d["edges"] = EdgeOptions(**d["edges"])
        return cls(**d)


@dataclass
class QuoteResult:
    """A search's matches (best first; empty when the quote is not in the recording) and how
    they were found: the options, model and audio front end, as recorded provenance."""

    matches: list[QuoteMatch]
    provenance: dict
    # Places refused for a reason the user should see (describe_note): {"kind": "elsewhere",
    # "words": [first, last] (1-based), "at": where those words are heard instead, "gap": how
    # well, "here": [start, end] of the place refused}, for a quote that joins words said in
    # two places; {"kind": "apart", "words": [before, after], "speech_s": seconds of other
    # speech between those two words, "between": [start, end] of it, "here": ...}.
    notes: list[dict] = field(default_factory=list)


def describe_note(note: dict) -> str:
    """One line for a user: where each part of a quote that joins two places is said, or
    what other speech comes between its words."""
    first, last = note["words"]
    here = f"{timestamp(note['here'][0])}–{timestamp(note['here'][1])}"
    if note.get("kind") == "apart":
        a, b = (timestamp(t) for t in note["between"])
        return (f"between its words {first} and {last}, about {note['speech_s']:.1f} s of other "
                f"speech ({a}–{b}) at {here}: the quote leaves out what is said there")  # fmt: skip
    return (f"its words {first}-{last} are said at {timestamp(note['at'])}, the rest at {here}: "
            "the quote joins words said in two places")  # fmt: skip


def provenance(options: QuoteOptions, scorer: Scorer | None = None, session=None, **more) -> dict:
    """What a quote search's result records of how it was made."""
    from transcribe import __version__

    out = {"software": f"navar {__version__}", "options": options.to_dict()}
    if scorer is not None:
        out["model"] = scorer.name
    if session is not None:
        out |= session.provenance()
    return out | more


def find(
    query: str,
    tracks: list[Track],
    session: AudioSession,
    scorer: Scorer,
    options: QuoteOptions,
    notes: list[dict] | None = None,
) -> list[QuoteMatch]:
    """Where a Persian ``query`` is spoken in the session's audio, checked by teacher forcing;
    ``tracks`` are the recording's timed Persian tracks (text candidates and context). Pure:
    no archive, no model loading. Every match records the options in its ``provenance``;
    ``notes``, if given, gets the places refused for words heard elsewhere (``QuoteResult``)."""
    matches = _find_in_reference(query, tracks, options)
    method = "aligned reference transcript"
    if not matches:
        method = "teacher-forced verification"
        spotter = Spotter(scorer.for_task("fa", "transcribe"), session)
        search = _Search(spotter, tracks, options)
        pieces = _pieces(query, options)
        if len(pieces) > 1:
            matches = _find_long(search, pieces)
        else:
            matches = _find_in_audio(search, query, options.limit)
        if notes is not None and not matches:
            notes += search.notes
    record = provenance(options, scorer, session, method=method)
    for m in matches:
        m.provenance = record
    return matches


def open_session(archive: Archive, recording_id: str) -> AudioSession:
    """The caller's audio session for a recording (cache outside the archive)."""
    from .session import default_cache_dir

    rec = archive.recording(recording_id)
    return AudioSession(archive.media_path(rec.id), rec.sha256, cache_dir=default_cache_dir())


def find_quotes(
    archive: Archive,
    recording_id: str,
    query: str,
    language: str | None = None,
    limit: int | None = None,
    model: str | None = None,
    verify: bool = True,
    session: AudioSession | None = None,
    scorer: Scorer | None = None,
    options: QuoteOptions | None = None,
) -> list[QuoteMatch]:
    """Ranked places where ``query`` is spoken; an empty list when it is not in the recording
    (``search_quotes`` gives the provenance of that answer too)."""
    return search_quotes(
        archive, recording_id, query, language, limit, model, verify, session, scorer, options
    ).matches


def search_quotes(
    archive: Archive,
    recording_id: str,
    query: str,
    language: str | None = None,
    limit: int | None = None,
    model: str | None = None,
    verify: bool = True,
    session: AudioSession | None = None,
    scorer: Scorer | None = None,
    options: QuoteOptions | None = None,
) -> QuoteResult:
    """The caller's entry point: it reads the tracks from the archive and, unless given, opens
    the audio session and loads the scorer, then calls ``find``. ``limit`` overrides
    ``options.limit``."""
    options = options or QuoteOptions()
    if limit is not None:
        options = replace(options, limit=limit)
    rec = archive.recording(recording_id)
    if not normalize(query):
        raise QuoteError("the quote is empty (no letters or digits to search for)")
    language = language or guess_language(query)
    tracks = _timed_tracks(archive, rec.id, language)
    if language != "fa" and not tracks:
        raise QuoteError(
            f"recording {rec.id} has no timed {language} track to search; transcribe it, or "
            "align a translation with: navar align ID --translation FILE"
        )
    if language != "fa" or not verify:
        method = "text only" if language == "fa" else "text only (paraphrase search)"
        matches = _find_by_text(archive, rec.id, query, language, tracks, options)
        record = provenance(options, method=method)
        if language == "en":
            record["en_paraphrase_threshold"] = paraphrase.EN_PARAPHRASE_THRESHOLD
        return QuoteResult(matches, record)
    in_reference = _find_in_reference(query, tracks, options)
    if in_reference:  # no audio needed: the human transcript's own forced times
        record = provenance(options, method="aligned reference transcript")
        for m in in_reference:
            m.provenance = record
        return QuoteResult(in_reference, record)
    session = session or _recent_session(archive, rec.id, rec.sha256)
    scorer = scorer or open_scorer(model)
    notes: list[dict] = []
    matches = find(query, tracks, session, scorer, options, notes)
    method = "teacher-forced verification"
    return QuoteResult(matches, provenance(options, scorer, session, method=method), notes)


_RECENT: dict = {}  # the caller side's last session, so repeated finds reuse its encodings


def _recent_session(archive: Archive, rec_id: str, sha256: str) -> AudioSession:
    key = (str(archive.media_path(rec_id)), sha256)
    if key not in _RECENT:
        for old in _RECENT.values():
            old.close()
        _RECENT.clear()
        _RECENT[key] = open_session(archive, rec_id)
    return _RECENT[key]


# --- Persian: text candidates verified against the audio ---------------------------------------


class _Search:
    """What one query's helpers share: the spotter, the tracks' timed words, the options."""

    def __init__(self, spotter: Spotter, tracks: list[Track], options: QuoteOptions):
        self.spotter = spotter
        self.tracks = tracks
        self.words = {t.id: textmatch.timed_words(t) for t in tracks}
        self.o = options
        self.notes: list[dict] = []  # places refused: a part heard elsewhere, speech left out
        self.split_places: list[tuple[str, float, float]] = []  # (text, start, end) of those
        # _run_elsewhere's answers: _candidate and _said_after often ask about the same end
        # run of the same place, and each asking costs a null and a forced pass per text hit.
        self.elsewhere: dict[tuple, tuple[float, float] | None] = {}

    def score(self, a) -> float:
        """Mean log probability of the quote's tokens without the worst ``trim_worst`` share
        (of words or tokens, ``trim_unit``): a changed word costs its tokens a lot, and no more
        than that share should decide."""
        lp = a.token_logprobs
        if self.o.trim_unit == "words" and a.word_tokens:
            return self._trimmed([lp[i:j] for i, j in a.word_tokens if j > i])
        x = sorted(lp, reverse=True)
        if not x:
            return -math.inf
        return statistics.fmean(x[: max(1, math.ceil(len(x) * (1 - self.o.trim_worst)))])

    def _dropped(self, n: int) -> int:
        """How many of n words the trimmed means leave out (``trim_worst``, one kept)."""
        return min(n - 1, math.floor(n * self.o.trim_worst + 0.5))

    def _trimmed(self, words: list[list[float]]) -> float:
        """Mean of the words' tokens without the worst ``trim_worst`` share of the words."""
        words = sorted(words, key=statistics.fmean)
        return statistics.fmean(x for w in words[self._dropped(len(words)) :] for x in w)

    def word_scores(self, a) -> list[float]:
        """Each of the quote's words' mean token log probability."""
        lp = a.token_logprobs
        return [statistics.fmean(lp[i:j]) for i, j in a.word_tokens if j > i]

    def weakest_stretch(self, gaps: list[float]) -> tuple[int, int, float]:
        """(first, end, gap): the run of words (``stretch_share`` of them) heard least well, by
        the mean of their word gaps without the worst ``trim_worst`` share."""
        n = len(gaps)
        if not n:
            return 0, 0, -math.inf
        w = min(n, max(self.o.stretch_words, math.ceil(n * self.o.stretch_share)))
        drop = self._dropped(w)
        return min(((i, i + w, statistics.fmean(sorted(gaps[i : i + w])[drop:]))
                    for i in range(n - w + 1)), key=lambda x: x[2])  # fmt: skip

    def needed(self, query: str) -> float:
        """The gap a quote of this many words needs to count as spoken (``present_gap``)."""
        o, n = self.o, len(query.split())
        if n <= o.present_words:
            return o.present_gap
        return max(o.present_gap_min, o.present_gap * math.sqrt(o.present_words / n))

    def window(self, t: float) -> float:
        # On a grid, so that nearby guesses share one encoded window.
        g = self.o.window_grid_s
        return self.spotter.clamp(round(t / g) * g)


def _find_in_audio(search: _Search, query: str, limit: int) -> list[QuoteMatch]:
    spotter, o = search.spotter, search.o
    hits = []  # (similarity, estimated start)
    exact = []  # (similarity, track, first word, last word) of near-exact text matches
    for t in search.tracks:
        words = search.words[t.id]
        for hit in textmatch.search(query, words, limit=limit + 1):
            hits.append((hit.similarity, words[hit.first].start))
            # Only words with their own times give a span to snap to.
            guessed = words[hit.first].estimated or words[hit.last].estimated
            if hit.similarity >= o.snap_similarity and not guessed:
                exact.append((hit.similarity, t, words[hit.first], words[hit.last]))
    guesses: list[float] = []  # the best text matches' starts
    for _, g in sorted(hits, reverse=True):
        far = all(abs(g - x) > o.guess_apart_s for x in guesses)
        if far and len(guesses) < o.text_guesses + limit - 1:
            guesses.append(g)
    windows = spotter.windows(o.scan_hop_s)
    nulls = _null_score(search, query, windows)
    null = nulls.mean

    found = [_candidate(search, query, g, nulls) for g in guesses]
    matches = _accepted(search, query, found, nulls, limit)
    if not matches:
        # The recogniser may have mangled the quote beyond recognition: ask the audio where
        # the quote's tokens fit best and, if that window is promising, try starts every
        # sweep_step_s inside it. Every window is scored: no place is skipped.
        scores = [(w, search.score(spotter.align(query, w))) for w in windows]
        win, best = max(scores, key=lambda x: x[1])
        if best - null >= o.sweep_gap:
            stop = min(win + WINDOW_S - 4, spotter.duration - 1)
            covered = -math.inf  # a start inside a quote already found finds it again, cut
            first = max(0.0, win - o.sweep_back_s) + o.lead_s
            for g in _frange(first, stop, o.sweep_step_s):
                if g < covered:
                    continue
                c = _candidate(search, query, g, nulls, prefix=False)
                found.append(c)
                if c and c[1] is not None:
                    covered = c[1].end - o.lead_s
            matches = _accepted(search, query, found, nulls, limit)
    return _snap_to_text(search, matches, exact)


def _accepted(search: _Search, query: str, found: list, nulls: _Null, limit: int) -> list:
    """The best candidates that beat the gap needed, at most ``limit`` places apart, each
    checked last for end words heard only with the audio after it (``split_crop_s``): one
    encoder pass each, so only for a place about to be returned."""
    need = search.needed(query)
    matches: list[QuoteMatch] = []
    for gap, m in sorted((c for c in found if c), key=lambda c: -c[0]):
        if gap < need:
            break
        if m is None or any(_overlap(m, k) for k in matches):
            continue  # a part of the quote not heard there, or a place already taken
        if _split_place(search, query, m.start, m.end) or _said_after(search, query, m, nulls):
            continue
        m.score = round(1 / (1 + math.exp(-3 * (gap - need))), 3)
        matches.append(m)
        if len(matches) >= limit:
            break
    return matches


def _split_place(search: _Search, query: str, start: float, end: float) -> bool:
    """Was a place overlapping [start, end] refused for this quote, its words said in two
    places? It stays refused, however another alignment of the quote scores its words."""
    return any(q == query and a < end and start < b for q, a, b in search.split_places)


def _refuse_split(search: _Search, query: str, start: float, end: float, elsewhere) -> None:
    """Note that the quote joins words said in two places (``_heard_elsewhere``'s answer) and
    refuse [start, end] for it from now on."""
    a, b, at, there = elsewhere
    log.debug("%.2f-%.2f: words %d-%d are heard at %.2f (%.2f), not here",
              start, end, a + 1, b, at, there)  # fmt: skip
    note = {"kind": "elsewhere", "words": [a + 1, b], "at": round(at, 3), "gap": round(there, 3),
            "here": [round(start, 3), round(end, 3)]}  # fmt: skip
    search.split_places.append((query, start, end))
    _note(search, note)


def _note(search: _Search, note: dict) -> None:
    if note not in search.notes:
        search.notes.append(note)


def _said_after(search: _Search, query: str, m: QuoteMatch, nulls: _Null) -> bool:
    """Are the quote's end words, forced again with the audio silenced after the place
    (``split_crop_s``, rounded up to the window grid), barely heard there and heard well
    elsewhere (``_weak_end``, ``_heard_elsewhere``)? Whisper hears a 30 s window at once, so
    words said just after the place lifted them. Refused and noted if so."""
    o = search.o
    if not search.tracks:
        return False  # no text says where else the words might be
    until = math.ceil((m.end + o.split_crop_s) / o.window_grid_s) * o.window_grid_s
    heard = search.spotter.align(query, search.window(m.start - o.lead_s), until=until)
    here = _word_gaps(search, [heard], nulls) if heard.words else []
    run = _weak_end(here, o) if len(here) == len(query.split()) else None
    elsewhere = _heard_elsewhere(search, query, run, m.start, m.end)
    if elsewhere is not None:
        _refuse_split(search, query, m.start, m.end, elsewhere)
    return elsewhere is not None


def _pieces(query: str, o: QuoteOptions) -> list[str]:
    """A quote too long for one 30 s window, cut into consecutive pieces that each fit."""
    words = query.split()
    est = sum(spoken_length(w) for w in words)
    n = math.ceil(est / o.long_piece_s) if est > o.long_quote_s else 1
    size = math.ceil(len(words) / n)
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def _find_long(search: _Search, pieces: list[str]) -> list[QuoteMatch]:
    """Each piece found on its own; a match is a chain of them, in order, each starting where
    the one before ended (within ``chain_gap_s``). Every piece must be heard: a long quote
    with a missing middle is not the quote."""
    o = search.o
    chains = [[m] for m in _find_in_audio(search, pieces[0], limit=3)]
    before = len(pieces[0].split())  # words of the quote before this piece (for the notes)
    for piece in pieces[1:]:
        if not chains:  # a piece is missing: no need to search for the rest
            break
        noted = len(search.notes)
        matches = _find_in_audio(search, piece, limit=3)
        for note in search.notes[noted:]:  # numbered by the quote's words, not the piece's
            note["words"] = [k + before for k in note["words"]]
        before += len(piece.split())
        chains = [c + [m] for c in chains for m in matches
                  if c[-1].end - 1.0 <= m.start <= c[-1].end + o.chain_gap_s]  # fmt: skip
    out: list[QuoteMatch] = []
    for c in sorted(chains, key=lambda c: -min(m.score for m in c)):
        start, end = c[0].start, c[-1].end
        track, seg_ids, text, context = _describe(search.tracks, search.words, start, end)
        m = QuoteMatch(
            start=start,
            end=end,
            text=text or " ".join(x.text for x in c),
            language="fa",
            track=track,
            score=min(x.score for x in c),
            segment_ids=seg_ids,
            context=context,
            details={"pieces": [x.details | {"start": x.start, "end": x.end} for x in c]},
        )
        if not any(_overlap(m, k) for k in out):
            out.append(m)
    return out[: o.limit]


def _find_in_reference(query: str, tracks: list[Track], o: QuoteOptions) -> list[QuoteMatch]:
    """Places where a human transcript aligned to the audio has the quote (almost) verbatim.

    Its word times already come from forcing that text onto the audio, and a person wrote it:
    scoring the quote against the audio again would only add the recogniser's doubts (names
    and rare words score low under a small model even where they are clearly spoken)."""
    matches: list[QuoteMatch] = []
    for t in tracks:
        if t.kind != "reference":
            continue
        words = textmatch.timed_words(t)
        for h in textmatch.search(query, words, limit=o.limit):
            if h.similarity < o.snap_similarity:
                continue
            span = words[h.first : h.last + 1]
            start, end = textmatch.known_span(span, t)
            m = QuoteMatch(
                start=start,
                end=end,
                text=_join(span),
                language=t.language,
                track=t.id,
                score=round(h.similarity, 3),
                segment_ids=_seg_ids(span),
                context=_context(words, h.first, h.last),
                details={"source": "aligned reference transcript",
                         "text_similarity": round(h.similarity, 3)},
            )  # fmt: skip
            if not any(_overlap(m, k) for k in matches):
                matches.append(m)
    matches.sort(key=lambda m: -m.score)
    return matches[: o.limit]


def _snap_to_text(search: _Search, matches, exact) -> list[QuoteMatch]:
    """Where a timed track has the quote's words (almost) verbatim at a verified place, take the
    span from those words' times: the audio-only path can run on to a later repeat of the last
    word. Matches backed by such text rank first; the others keep their place after them."""
    backed = []
    for m in matches:
        near = [e for e in exact if e[2].start < m.end + 1.0 and m.start - 1.0 < e[3].end]
        if near:
            sim, t, w0, wn = max(near, key=lambda e: (e[0], -TRACK_PREFERENCE.index(e[1].kind)))
            m.start, m.end = round(w0.start, 3), round(wn.end, 3)
            m.track, m.segment_ids, m.text, m.context = _describe([t], search.words, m.start, m.end)
            m.details["text_similarity"] = round(sim, 3)
        backed.append((not near, -m.score, m))
    backed.sort(key=lambda x: (x[0], x[1]))
    out: list[QuoteMatch] = []
    for _, _, m in backed:
        if not any(_overlap(m, k) for k in out):  # a snapped span can now overlap another
            out.append(m)
    return out


@dataclass(frozen=True)
class _Null:
    """The quote's score on time-reversed audio (same voice and room, no words): of the whole
    quote and of each of its words."""

    mean: float
    words: list[float]


def _null_score(search: _Search, query: str, windows: list[float]) -> _Null:
    n = max(1, search.o.null_windows)
    picks = windows[:: max(1, len(windows) // n)][:n]
    aligned = [search.spotter.align(query, w, reverse=True) for w in picks]
    words = [search.word_scores(a) for a in aligned]
    return _Null(
        statistics.median(search.score(a) for a in aligned),
        [statistics.median(w) for w in zip(*words, strict=True)],
    )


def _word_gaps(search: _Search, alignments, null: _Null) -> list[float]:
    """Each word's gap over its null: the lowest the given alignments give it."""
    got = [search.word_scores(a) for a in alignments if a.words]
    got = [w for w in got if len(w) == len(null.words)]
    if not got:
        return [-math.inf]
    return [min(w[k] for w in got) - n for k, n in enumerate(null.words)]


def _candidate(search: _Search, query: str, guess: float, nulls: _Null, prefix=True):
    """(gap, QuoteMatch) for the quote aligned from just before ``guess``, or None."""
    spotter, o = search.spotter, search.o
    null = nulls.mean
    need = search.needed(query)
    win = search.window(guess - o.lead_s)
    best = (spotter.align(query, win), win, "")
    # A promising guess is tried again from further back, with the words heard there as a
    # prefix (a garbled prefix can hurt a short quote, so the better of the two counts).
    if prefix and search.score(best[0]) - null >= o.sweep_gap:
        win = search.window(guess - o.prefix_back_s)
        a, heard = _align_after_heard(search, query, win, guess - 0.15)
        if heard and a.words and search.score(a) > search.score(best[0]):
            best = (a, win, heard)
    aligned, win, prefix = best
    if not aligned.words:
        return None
    gap = search.score(aligned) - null
    if gap < need:
        return gap, None
    w0 = aligned.words[0]
    if not prefix:
        # The alignment path starts at the window's first frame, so without a prefix the first
        # word soaks up everything before it: estimate its start from its end, and align again
        # from just before that with the words heard there as a prefix.
        est = w0.end - spoken_length(w0.text)  # may be before the window: it cut the quote
        win2 = search.window(est - 1.0)
        prefix2 = _heard_before(search, win2, est - 0.15)
        if prefix2 or win2 != win:  # an earlier window too: the quote may start before this one
            again = spotter.align(query, win2, prefix=prefix2)
            # Unless that path is broken: its first word may soak up only the lead-in.
            sound = again.words and _lead_in_ok(again.words[0], win2 if not prefix2 else None)
            again_gap = search.score(again) - null if sound else -math.inf
            if again_gap >= need:
                aligned, gap, win, prefix = again, max(gap, again_gap), win2, prefix2
    again = _reanchor(search, query, aligned)
    if again and search.score(again[0]) - null >= need:
        aligned, win, prefix = again
        gap = max(gap, search.score(aligned) - null)
    energy = spotter.energy
    words = aligned.words
    # Judged on the path as forced: the repairs below share the words' time out again.
    held_at, held = held_over_speech(words, energy, o.held_voiced)
    if held_at >= 0:
        held_span = [round(words[held_at].start, 3), round(words[held_at].end, 3)]
    # With a prefix the path gives a real boundary (it absorbs the silence before the word);
    # without one the first word took the window's lead-in (align.edges).
    start = repair_start(words, energy, o.edges, anchored=bool(prefix))
    # Nothing after the quote bounds its path's end, as the next line bounds a line's in forced
    # alignment: it may have run on over the talk after it.
    end = ran_on(words, energy, o.edges) or repair_end(words, energy, o.edges)
    said = sum(spoken_length(w) for w in query.split())
    if end - start > 2 * said + 2.0:
        # No quote takes that long to say: its start ran back over other speech (changed
        # words let the path do that). It begins after the last clear pause within reach.
        after_pause = energy.last_onset(
            end - 2 * said - 2.0, end - 0.6 * said, pause=o.edges.lead_pause_s
        )
        start = after_pause if after_pause is not None else end - 1.2 * said
    if end <= start or end - start > WINDOW_S:
        return None
    # Judge presence without a prefix (which lifts any text a little), from just before the start.
    # This also rejects a window that caught only the tail of a quote spoken earlier.
    plain_win = search.window(start - o.lead_s)
    judged = [aligned]
    if prefix or plain_win != win:
        plain = spotter.align(query, plain_win)
        judged.append(plain)
        gap = min(gap, search.score(plain) - null) if plain.words else gap
        # Near the end of a recording windows are clamped to start earlier, so the plain
        # alignment may have found the quote somewhere else in that window. Its last word must
        # begin inside this span (its end is no guide: the path runs on to the window's end).
        # (Unless its last words are unsound: stretched or squeezed, they are no guide.)
        inside = plain.words and start - 0.5 <= plain.words[-1].start <= end + 0.5
        if plain.words and not inside and not unsound_tail(plain.words):
            return None
    if gap < need:
        return gap, None
    skipped = max(squeezed_run(a.words, o.squeezed_s) for a in judged)
    if skipped >= o.squeezed_words:
        log.debug("%.2f-%.2f: gap %.2f, but the path skips %d words", start, end, gap, skipped)
        return gap, None
    if held > o.held_speech_s:
        log.debug("%.2f-%.2f: word %d is held over %.1f s of speech", start, end, held_at + 1, held)
        _note(search, {"kind": "apart", "words": [held_at, held_at + 2], "speech_s": round(held, 1),
                       "between": held_span, "here": [round(start, 3), round(end, 3)]})  # fmt: skip
        return gap, None
    word_gaps = _word_gaps(search, judged, nulls)
    first, last, weakest = search.weakest_stretch(word_gaps)
    if weakest < o.stretch_gap:
        log.debug("%.2f-%.2f: gap %.2f, but words %d-%d of the quote are not heard (%.2f)",
                  start, end, gap, first + 1, last, weakest)  # fmt: skip
        return gap, None
    if _split_place(search, query, start, end):
        return gap, None
    # The end words barely heard (the longest such run): heard elsewhere instead? (Then once
    # more, with the audio after the place silenced, for a place about to be returned:
    # _said_after.)
    n = len(query.split())  # a path whose words are not the quote's as written names no run
    longest = _longest_weak_end(word_gaps, o) if len(word_gaps) == n else None
    elsewhere = _heard_elsewhere(search, query, longest, start, end)
    if elsewhere is not None:
        _refuse_split(search, query, start, end, elsewhere)
        return gap, None
    track, seg_ids, text, context = _describe(search.tracks, search.words, start, end)
    m = QuoteMatch(
        start=round(start, 3),
        end=round(end, 3),
        text=text or " ".join(w.text for w in aligned.words),
        language="fa",
        track=track,
        score=0.0,
        segment_ids=seg_ids,
        context=context,
        details={"gap": round(gap, 3), "logprob": round(search.score(aligned), 3),
                 "null": round(null, 3), "needed": round(need, 3),
                 "weakest_stretch": {"words": [first + 1, last], "gap": round(weakest, 3)},
                 "held_s": round(held, 2), "window": win, "prefix": prefix},
    )  # fmt: skip
    return gap, m


def _heard_elsewhere(search: _Search, query: str, run, start: float, end: float):
    """(first, end, at, gap) when ``run`` ((first, end) of words at one end of the quote,
    barely heard here; None for none) is heard well at ``at``, away from [start, end]: the
    quote joins words said in two places. Where those words might be is taken from the tracks'
    text; the audio decides (``split_*``)."""
    if run is None:
        return None
    found = _run_elsewhere(search, query.split()[run[0] : run[1]], start, end)
    return None if found is None else (*run, *found)


def _run_elsewhere(search: _Search, words: list[str], start: float, end: float):
    """(at, gap) where ``words`` beat their null by ``split_gap``, at one of the tracks' best
    text matches for them away from [start, end]; else None. Asked once per place and run."""
    key = (tuple(words), round(start, 3), round(end, 3))
    if key not in search.elsewhere:
        search.elsewhere[key] = _look_elsewhere(search, words, start, end)
    return search.elsewhere[key]


def _look_elsewhere(search: _Search, words: list[str], start: float, end: float):
    o, run = search.o, " ".join(words)
    null = None
    for t in search.tracks:
        timed = search.words[t.id]
        for hit in textmatch.search(run, timed, limit=o.split_hits):
            at = timed[hit.first].start
            if timed[hit.last].end > start - o.lead_s and at < end + o.lead_s:
                continue  # those words here: the place being judged
            if null is None:
                null = _null_score(search, run, search.spotter.windows(o.scan_hop_s)).mean
            there = search.spotter.align(run, search.window(at - o.lead_s))
            if not there.words:
                continue
            at = max(there.words[0].start, estimated_start(there.words))
            if start - o.lead_s < at < end + o.lead_s:
                continue  # the path came back here after all
            heard = search.score(there) - null
            if heard >= o.split_gap:
                return at, heard
    return None


def _longest_weak_end(gaps: list[float], o: QuoteOptions) -> tuple[int, int] | None:
    """(first, end) of the longest run of at least ``split_words`` words at either end of the
    quote that beats its null by less than ``split_weak_gap`` on average (one word's noisy
    null must not cut it short)."""
    n, a, b = len(gaps), 0, 0
    for k in range(o.split_words, n):
        if k > b - a and statistics.fmean(gaps[:k]) < o.split_weak_gap:
            a, b = 0, k
        if k > b - a and statistics.fmean(gaps[n - k :]) < o.split_weak_gap:
            a, b = n - k, n
    return (a, b) if b else None


def _weak_end(gaps: list[float], o: QuoteOptions) -> tuple[int, int] | None:
    """(first, end) of the run of at least ``split_words`` words at either end of the quote
    that beats its null by less than ``split_weak_gap`` on average and by its median (one
    word's noisy null must not decide) and stands out most from the rest: the difference of
    the two means, weighted as a two-sample test weighs it (a run of two or three words
    differs by chance)."""
    n, best = len(gaps), None
    for k in range(o.split_words, n):
        for a, b in ((0, k), (n - k, n)):
            run, rest = gaps[a:b], gaps[:a] + gaps[b:]
            mean = statistics.fmean(run)
            # Most of its words weak too: two changed words beside two heard ones are no run
            # of words said elsewhere (and changed words may be said elsewhere on the tape).
            if mean >= o.split_weak_gap or statistics.median(run) >= o.split_weak_gap:
                continue
            stands_out = (statistics.fmean(rest) - mean) * math.sqrt(k * (n - k) / n)
            if best is None or stands_out > best[0]:
                best = (stands_out, a, b)
    return best and best[1:]


def _align_after_heard(search: _Search, query: str, win: float, until: float):
    """(alignment, prefix): the quote forced onto the window at ``win`` after the words the
    track heard between ``win`` and ``until``. Recognised word times are rough, so the last
    one or two of those words may be the quote's own first words, garbled: the prefix that
    leaves the quote its best score is taken."""
    spotter = search.spotter
    heard = _heard_before(search, win, until).split()
    best = None
    for k in range(min(3, len(heard) + 1)):
        prefix = " ".join(heard[: len(heard) - k])
        a = spotter.align(query, win, prefix=prefix)
        if a.words and (best is None or search.score(a) > search.score(best[0])):
            best = (a, prefix)
    return best or (spotter.align(query, win), "")


def _reanchor(search: _Search, query: str, aligned):
    """Align again when the quote's first words are squeezed or stretched, or start well
    before where the bulk of its words put the start (``early_start_s``).

    Forced alignment with a window that starts too late squeezes the first words into a few
    frames; one that starts too early (or a changed first word) stretches them over seconds of
    other speech. Both show as words whose length is far from a spoken word's. The first run
    of three plausibly long words anchors the quote: the words before it are given their
    spoken length back from there, and the quote is aligned again from just before that.
    Returns (alignment, window, prefix), or None when the start looks sound."""
    lead = unsound_lead(aligned.words)
    if lead is not None:
        i, est = lead
        start = aligned.words[i].start - 1.2 * est
    else:
        # First words of plausible length can run back over the speech before the quote too,
        # with one word stretched after them: the bulk of the words says where it starts.
        start = estimated_start(aligned.words)
        if aligned.words[0].start >= start - search.o.early_start_s:
            return None
        i = len(aligned.words) - 1
    win = search.window(start - 1.0)
    a, prefix = _align_after_heard(search, query, win, start - 0.15)
    # The anchor word must stay where it was: a path that moved it elsewhere found something
    # else in the new window (the quote's words spoken again later, or a near miss).
    if len(a.words) <= i or abs(a.words[i].start - aligned.words[i].start) > 1.0:
        return None
    if lead is None and search.score(a) < search.score(aligned):
        return None  # a slow speaker's start, not a stretched one
    return a, win, prefix


def _lead_in_ok(w0, window: float | None) -> bool:
    """A first word may take the silence before it (from the window's start when there is no
    prefix) but not seconds of other speech: then the path has gone astray."""
    start = w0.start if window is None else max(w0.start, window + 1.5)
    return w0.end - start <= 1.0 + 2 * spoken_length(w0.text)


def _frange(a: float, b: float, step: float) -> list[float]:
    out = []
    while a < b:
        out.append(a)
        a += step
    return out


def _heard_before(search: _Search, a: float, b: float) -> str:
    for t in search.tracks:
        words = [w.text for w in search.words[t.id] if w.start >= a and w.end <= b]
        if words:
            return " ".join(words)
    return ""


def _describe(tracks, words_by_track, start, end):
    """(track id, segment ids, words, context) of the best track's words inside [start, end]."""
    for t in tracks:
        words = words_by_track[t.id]
        inside = [i for i, w in enumerate(words) if (w.start + w.end) / 2 >= start - 0.05
                  and (w.start + w.end) / 2 <= end + 0.05]  # fmt: skip
        if inside:
            a, b = inside[0], inside[-1]
            ids = _seg_ids(words[a : b + 1])
            if any(w.estimated for w in words[a : b + 1]):
                # Timed only by segment: its whole text, never a slice guessed by length.
                a = min(i for i, w in enumerate(words) if w.segment_id == ids[0])
                b = max(i for i, w in enumerate(words) if w.segment_id == ids[-1])
            return t.id, ids, _join(words[a : b + 1]), _context(words, a, b)
    return (tracks[0].id if tracks else "audio"), [], "", ""


# --- text only (English, or verify=False) ------------------------------------------------------


def _find_by_text(archive, rec_id, query, language, tracks, o: QuoteOptions) -> list[QuoteMatch]:
    limit = o.limit
    hits = []
    for t in tracks:
        words = textmatch.timed_words(t)
        if language == "en":  # word-level: finds paraphrases and other translations too
            found = paraphrase.search_paraphrase(query, words, limit=limit)
            threshold = paraphrase.EN_PARAPHRASE_THRESHOLD
        else:
            found = textmatch.search(query, words, limit=limit)
            short = len(normalize(query).replace(" ", "")) < o.short_query_chars
            threshold = o.text_only_similarity + (o.short_query_extra if short else 0.0)
        hits += [(h.similarity, t, words, h) for h in found if h.similarity >= threshold]
    hits.sort(key=lambda x: (-x[0], TRACK_PREFERENCE.index(x[1].kind)))
    fa_tracks = _timed_tracks(archive, rec_id, "fa") if language != "fa" else []
    matches: list[QuoteMatch] = []
    for sim, t, words, h in hits:
        span = words[h.first : h.last + 1]
        # A translation timed by sentence gives the sentence's span, not a share of it.
        start, end = textmatch.known_span(span, t)
        timed_by = "segments" if any(w.estimated for w in span) else "words"
        m = QuoteMatch(
            start=start,
            end=end,
            text=_join(span),
            language=language,
            track=t.id,
            score=round(sim, 3),
            segment_ids=_seg_ids(span),
            context=_context(words, h.first, h.last),
            details={"timed_by": timed_by},
            provenance=provenance(o, method="text only"),
        )
        if fa_tracks:  # map back to the Persian words spoken in that span
            fa_words = {f.id: textmatch.timed_words(f) for f in fa_tracks}
            ft, _, ftext, _ = _describe(fa_tracks, fa_words, m.start, m.end)
            m.source_text, m.source_track = ftext, ft if ftext else None
        if not any(_overlap(m, k) for k in matches):
            matches.append(m)
    return matches[:limit]


# --- helpers -----------------------------------------------------------------------------------


def _timed_tracks(archive: Archive, rec_id: str, language: str) -> list[Track]:
    tracks = [
        t
        for t in archive.tracks(rec_id)
        if t.language == language and any(s.timed for s in t.segments)
    ]
    return sorted(tracks, key=lambda t: TRACK_PREFERENCE.index(t.kind))


def _overlap(a: QuoteMatch, b: QuoteMatch) -> bool:
    return a.start < b.end and b.start < a.end


def _seg_ids(words) -> list[str]:
    return list(dict.fromkeys(w.segment_id for w in words))


def _join(words) -> str:
    return " ".join(w.text for w in words)


def _context(words, a: int, b: int, n: int = 8) -> str:
    before = _join(words[max(0, a - n) : a])
    after = _join(words[b + 1 : b + 1 + n])
    return " ".join(x for x in (before, "«" + _join(words[a : b + 1]) + "»", after) if x)
