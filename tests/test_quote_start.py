"""Where a quote starts when the path runs its first words back onto the sentence before it.

The scorer is test_forced_walk's script scorer: it "hears" words at known times, and forcing
puts each token at the next place after the token before where the script has it. The sentence
before the quote ends with the quote's first four words, so a window that opens before both
puts those words there, each of a plausible length, and the fourth runs on over seconds to
where the rest of the quote is heard: the shape of a 9-word quote on the 40-minute worn tape
that was found 4.3 s early (bench/quote_tapes.py).
"""

import numpy as np
from test_forced_walk import WORD_S, ScriptScorer, _line, _Session

from align.quotes import QuoteOptions, _reanchor, _Search
from align.spotting import Spotter

STEP_S = WORD_S + 0.08  # the script scorer's words follow each other this far apart


def _search(script):
    session = _Session(np.zeros(60 * 16000, np.float32))
    return _Search(Spotter(ScriptScorer(session, script), session), [], QuoteOptions())


def test_a_quote_whose_first_words_ran_back_over_the_sentence_before_starts_where_it_is_said():
    quote = _line(1, 10)
    before = " ".join([*_line(2, 6).split(), *quote.split()[:4]])
    said_at = 12.0
    search = _search([(before, 2.0), (quote, said_at)])

    early = search.spotter.align(quote, 1.0)
    assert early.words[0].start < said_at - 3.0  # the shape above, as the path gives it
    again = _reanchor(search, quote, early)
    assert again is not None
    aligned, window, prefix = again
    assert abs(aligned.words[0].start - said_at) < 0.05 and prefix == ""
    assert [round(w.start, 2) for w in aligned.words] == [
        round(said_at + STEP_S * i, 2) for i in range(10)
    ]


def test_a_quote_aligned_where_it_is_said_is_left_alone():
    quote = _line(1, 10)
    search = _search([(_line(2, 6), 2.0), (quote, 12.0)])
    assert _reanchor(search, quote, search.spotter.align(quote, 11.0)) is None
