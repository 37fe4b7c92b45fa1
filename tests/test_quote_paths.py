"""Where quote search trusts the alignment path, with test_forced_walk's script scorer (no
model): a path that skips words, and one drawn to similar words later in the window."""

import math

import numpy as np
from test_forced_walk import HEARD, MISSED, ScriptScorer, _line, _Session

from align.quotes import QuoteOptions, _candidate, _Null, _Search
from align.scorer import Forced
from align.spotting import Spotter


def _found(scorer_class, script, query, guess, null_below=0.0, **options):
    """_candidate's (gap, match) for ``query`` looked for at ``guess``; the null scores each
    word ``null_below`` under a word the scorer does not hear."""
    session = _Session(np.zeros(60 * 16000, np.float32))
    search = _Search(Spotter(scorer_class(session, script), session), [], QuoteOptions(**options))
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
    gap, match = _found(ScriptScorer, script, spliced, 9.0, null_below=1.0)
    assert gap > QuoteOptions().present_gap and match is None
    skipped = _found(ScriptScorer, script, spliced, 9.0, null_below=1.0, squeezed_words=99)[1]
    assert skipped is not None and skipped.details["weakest_stretch"]["gap"] > 0.9
    whole = _found(ScriptScorer, script, " ".join(a), 9.0, null_below=1.0)[1]
    assert whole is not None and abs(whole.start - 9.0) < 0.05


class LatePathScorer(ScriptScorer):
    """Every token the script has anywhere in the window scores HEARD (Whisper's decoder hears
    the whole window); the path puts each token at the last place in the window after the
    token before where the script has it (drawn to similar words later on), and squeezes it
    into two frames where there is none."""

    def force(self, window: float, frames: int, tokens: list[int]) -> Forced:
        end = window + frames / 100
        t, probs, path = window, [], []
        for i, tok in enumerate(tokens):
            hits = [h for h in self.heard if h[0] == tok and t - 0.01 <= h[1] < end]
            start, t = (hits[-1][1], hits[-1][2]) if hits else (min(t + 0.04, end),) * 2
            in_window = any(h[0] == tok and window <= h[1] < end for h in self.heard)
            probs.append(HEARD if in_window else MISSED)
            path.append((i, round((start - window) * 50)))
        path.append((len(tokens), round((t - window) * 50)))
        return Forced(np.array(probs), path)


def test_a_path_drawn_to_similar_words_later_in_the_window_is_placed_where_the_quote_is():
    """The quote at 2 s; 18 s later a sentence with two of its words. The path settles on
    those and skips the rest (the held-out tape's shape, bench/quote_tapes.py). Heard only up
    to where a quote said at 2 s could end, the window puts it at 2 s."""
    quote = _line(3, 7).split()
    script = [(" ".join(quote), 2.0), (" ".join(quote[:2]), 20.0)]
    gap, match = _found(LatePathScorer, script, " ".join(quote), 2.0)
    assert match is not None and abs(match.start - 2.0) < 0.05, (gap, match)
    assert abs(match.end - (2.0 + 7 * 0.5 - 0.08)) < 0.05
    # Without the second look the path's skipped words refuse the quote at its place.
    assert _found(LatePathScorer, script, " ".join(quote), 2.0, path_factor=99.0)[1] is None
