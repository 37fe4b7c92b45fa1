"""Where quote search trusts the alignment path, with test_forced_walk's script scorer (no
model): a path that skips words."""

import math

import numpy as np
from test_forced_walk import MISSED, ScriptScorer, _line, _Session

from align.quotes import QuoteOptions, _candidate, _Null, _Search
from align.spotting import Spotter


def _found(script, query, guess, null_below=0.0, **options):
    """_candidate's (gap, match) for ``query`` looked for at ``guess``; the null scores each
    word ``null_below`` under a word the scorer does not hear."""
    session = _Session(np.zeros(60 * 16000, np.float32))
    search = _Search(Spotter(ScriptScorer(session, script), session), [], QuoteOptions(**options))
    null = math.log(MISSED) - null_below
    return _candidate(search, query, guess, _Null(null, [null] * len(query.split())))


def test_a_quote_whose_second_half_the_path_skips_is_not_heard_there():
    """The first half of one line and the second half of another spoken before it. The path
    gives the second half's words no time. Their scores are noise around the null; here the
    null fell a little under them, as it does for some words (per-word nulls of -6 to -7 on
    the bench tapes), so every stretch passes: only the skipped words say they are not there."""
    a, b = _line(1).split(), _line(2).split()
    script = [(" ".join(b), 2.0), (" ".join(a), 9.0)]
    spliced = " ".join(a[:6] + b[6:])
    gap, match = _found(script, spliced, 9.0, null_below=1.0)
    assert gap > QuoteOptions().present_gap and match is None
    skipped = _found(script, spliced, 9.0, null_below=1.0, squeezed_words=99)[1]
    assert skipped is not None and skipped.details["weakest_stretch"]["gap"] > 0.9
    whole = _found(script, " ".join(a), 9.0, null_below=1.0)[1]
    assert whole is not None and abs(whole.start - 9.0) < 0.05
