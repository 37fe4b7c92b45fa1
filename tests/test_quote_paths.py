"""Where quote search trusts the alignment path, with test_forced_walk's script scorer (no
model): a path that skips words, and a quote whose end is said somewhere else."""

import math

import numpy as np
from test_forced_walk import MISSED, WORD_S, ScriptScorer, _line, _Session

from align.quotes import QuoteOptions, _candidate, _Null, _Search, describe_note
from align.spotting import Spotter
from transcribe.transcript import Provenance, Segment, Track, Word


def _found(script, query, guess, null_below=0.0, tracks=(), search=None, **options):
    """_candidate's (gap, match) for ``query`` looked for at ``guess``, and the search's notes;
    the null scores each word ``null_below`` under a word the scorer does not hear."""
    if search is None:
        session = _Session(np.zeros(60 * 16000, np.float32))
        scorer = ScriptScorer(session, script)
        search = _Search(Spotter(scorer, session), list(tracks), QuoteOptions(**options))
    null = math.log(MISSED) - null_below
    found = _candidate(search, query, guess, _Null(null, [null] * len(query.split())))
    return (*found, search.notes)


def _heard(script) -> Track:
    """The recogniser's track of ``script``: every word where the scorer hears it."""
    segs = []
    for i, (text, start) in enumerate(script):
        words = [Word(round(start + k * (WORD_S + 0.08), 3), 0.0, w)
                 for k, w in enumerate(text.split())]  # fmt: skip
        for w in words:
            w.end = round(w.start + WORD_S, 3)
        segs.append(Segment(f"s{i}", words[0].start, words[-1].end, text, words))
    return Track("fa.asr", "t", "fa", "asr", Provenance(software="test"), segs)


def test_a_quote_whose_second_half_the_path_skips_is_not_heard_there():
    """The first half of one line and the second half of another spoken before it. The path
    gives the second half's words no time. Their scores are noise around the null; here the
    null fell a little under them, as it does for some words (per-word nulls of -6 to -7 on
    the bench tapes), so every stretch passes: only the skipped words say they are not there."""
    a, b = _line(1).split(), _line(2).split()
    script = [(" ".join(b), 2.0), (" ".join(a), 9.0)]
    spliced = " ".join(a[:6] + b[6:])
    gap, match, _ = _found(script, spliced, 9.0, null_below=1.0)
    assert gap > QuoteOptions().present_gap and match is None
    skipped = _found(script, spliced, 9.0, null_below=1.0, squeezed_words=99)[1]
    assert skipped is not None and skipped.details["weakest_stretch"]["gap"] > 0.9
    whole = _found(script, " ".join(a), 9.0, null_below=1.0)[1]
    assert whole is not None and abs(whole.start - 9.0) < 0.05


def test_a_quote_whose_last_words_are_said_elsewhere_is_refused_and_says_where():
    """The first half of a line said at 20 s and the second half of one said at 2 s. Here the
    second half's words score just over their null, so every stretch passes (and the skipped
    words test is off): only finding those words heard well at 5 s says the quote joins two
    places. A quote whose last words are changed ones, said nowhere, is still found."""
    a, b = _line(1).split(), _line(2).split()
    script = [(" ".join(b), 2.0), (" ".join(a), 20.0)]
    track = _heard(script)
    spliced = " ".join(a[:6] + b[6:])
    loose = {"null_below": 0.2, "squeezed_words": 99, "tracks": [track]}
    gap, match, notes = _found(script, spliced, 20.0, **loose)
    assert gap > QuoteOptions().present_gap and match is None
    assert len(notes) == 1 and notes[0]["words"] == [7, 12]
    assert abs(notes[0]["at"] - (2.0 + 6 * (WORD_S + 0.08))) < 0.05
    assert abs(notes[0]["here"][0] - 20.0) < 0.05
    assert describe_note(notes[0]).startswith(
        "its words 7-12 are said at 00:00:05.000, the rest at 00:00:20.000–"
    )
    # Without the check, the same place is a match: nothing else refused it.
    assert _found(script, spliced, 20.0, split_gap=99.0, **loose)[1] is not None
    changed = " ".join(a[:8] + _line(9, 4).split())
    match, notes = _found(script, changed, 20.0, **loose)[1:]
    assert match is not None and abs(match.start - 20.0) < 0.05 and notes == []


def test_a_place_refused_for_a_part_said_elsewhere_stays_refused():
    """Another look at the same place (a guess a little later, from another text match) may
    score the quote's end words a little better, just over split_weak_gap: the place is still
    the one refused, for that quote; another quote there is judged afresh."""
    a, b = _line(1).split(), _line(2).split()
    script = [(" ".join(b), 2.0), (" ".join(a), 20.0)]
    session = _Session(np.zeros(60 * 16000, np.float32))
    options = QuoteOptions(squeezed_words=99)
    search = _Search(Spotter(ScriptScorer(session, script), session), [_heard(script)], options)
    spliced = " ".join(a[:6] + b[6:])
    assert _found(script, spliced, 20.0, null_below=0.2, search=search)[1] is None
    search.o = QuoteOptions(squeezed_words=99, split_weak_gap=0.1)  # the end words pass now
    assert _found(script, spliced, 20.2, null_below=0.2, search=search)[1] is None
    assert _found(script, " ".join(a), 20.2, null_below=0.2, search=search)[1] is not None
    fresh = _Search(search.spotter, search.tracks, search.o)
    assert _found(script, spliced, 20.2, null_below=0.2, search=fresh)[1] is not None
