"""The forced-alignment walk over a long recording, driven by a scorer whose scores the test
chooses (no model): lines it cannot hear, an unspoken line, and a line spoken twice.

The fake scorer "hears" a script of words at known times: a word forced onto a window scores
high where the script has it (after the words before it) and low anywhere else, as teacher
forcing does. So the walk's decisions (where the cursor goes after lines it could not place,
how far it looks ahead, which copy of repeated text it takes) are tested exactly and fast.
"""

import math

import numpy as np

from align.forced import NULL_TEXT, ForcedOptions, Piece, _refit, align
from align.scorer import Forced
from align.session import WindowSession
from align.spotting import Spotter
from transcribe.transcript import Provenance, Segment, Track

LETTERS = "ابپتجچخدرزسشفقکگلمنوهی"
WORD_S = 0.42  # spoken length of a five-letter word (align.wordtiming.spoken_length: 0.45)
HEARD, MISSED = 0.7, 0.02  # token probabilities where the script has the word, and elsewhere


def _line(n: int, words: int = 12) -> str:
    """A line of made-up five-letter Persian words, none shared with another line."""
    k = len(LETTERS)
    return " ".join(
        "".join(LETTERS[(n * 7 + i * 3 + j * (n + 2)) % k] for j in range(5)) + LETTERS[n % k]
        for i in range(words)
    )


class _Session(WindowSession):
    """Silent samples (the energy model then leaves the word times alone) that remember
    which window the scorer is encoding."""

    def samples(self, start, end):
        self.asked = start
        return super().samples(start, end)


class ScriptScorer:
    """Hears ``script`` ([(line text, start)]: its words one after another from ``start``;
    a third item is how clearly, HEARD unless given)."""

    name = "script (test)"
    eot = -1

    def __init__(self, session: _Session, script: list[tuple[str, float]]):
        self.session = session
        self.vocab: dict[str, int] = {}
        self.heard = []  # (token, start, end, probability) in time order
        for text, start, *prob in script:
            t = start
            for w in text.split():
                self.heard.append((self._id(w), t, t + WORD_S, prob[0] if prob else HEARD))
                t += WORD_S + 0.08
        self.heard.sort(key=lambda h: h[1])

    def _id(self, word: str) -> int:
        return self.vocab.setdefault(word, len(self.vocab))

    def for_task(self, language, task):
        return self

    def tokens(self, text: str) -> list[int]:
        return [self._id(w) for w in text.split()]

    def encode(self, samples, window_s=30.0):
        return self.session.asked, min(int(window_s * 100), len(samples) * 100 // 16000)

    def force(self, window: float, frames: int, tokens: list[int]) -> Forced:
        """Each token at the next place after the one before where the script has it, within
        the window and up to one look-ahead step (10 s) on (the decoder follows the speech, and
        the look-ahead's windows are that far apart); squeezed into two frames after the token
        before where it is not heard."""
        t, probs, path = window, [], []
        end = window + frames / 100
        for i, tok in enumerate(tokens):
            hit = next(
                (h for h in self.heard if h[0] == tok and t - 0.01 <= h[1] < min(end, t + 10)),
                None,
            )
            if hit:
                start, t = hit[1], hit[2]
            else:
                start = t = min(t + 0.04, end)
            probs.append(hit[3] if hit else MISSED)
            path.append((i, round((start - window) * 50)))
        path.append((len(tokens), round((t - window) * 50)))
        return Forced(np.array(probs), path)

    def split_words(self, tokens):
        names = {v: k for k, v in self.vocab.items()}
        words = [" " + names[t] for t in tokens if t != self.eot]
        return words + [""], [[t] for t in tokens if t != self.eot] + [[self.eot]]


def _near(t: float | None, truth: float) -> bool:
    return t is not None and math.isclose(t, truth, abs_tol=0.02)  # one encoder frame


def _align(
    lines: list[str], script: list[tuple[str, float]], seconds: float, scorer_class=None, **options
):
    session = _Session(np.zeros(int(seconds * 16000), np.float32))
    scorer = (scorer_class or ScriptScorer)(session, script)
    segs = [Segment(f"s{i}", None, None, x) for i, x in enumerate(lines)]
    ref = Track("fa.reference", "t", "fa", "reference", Provenance(software="test"), segs)
    # A line: 83 characters in 6 s.
    return align(ref, session, scorer, ForcedOptions(default_chars_per_s=14.0, **options)).track


def _starts(*args, **kwargs) -> list[float | None]:
    return [s.start for s in _align(*args, **kwargs).segments]


def test_the_walk_catches_up_after_lines_it_cannot_hear_and_never_falls_back():
    """A line spoken twice (first, and again after a minute of speech the scorer cannot hear
    and a line that is not spoken at all): the second copy is placed at the second place,
    and the lines after it are placed too. Before the walk owed the missed lines their
    length, it looked for them only 30 s past where it stopped, and left the rest unplaced."""
    repeated, other, after = _line(0), _line(1), _line(2)
    unheard = [_line(10 + i) for i in range(6)]  # six lines, about 7 s each: 40 s and more
    absent = _line(30)
    lines = [repeated, other, *unheard, absent, repeated, after]
    script = [(repeated, 1.0), (other, 8.0)]  # the unheard lines fill 15-60 s: not in it
    script += [(repeated, 62.0), (after, 69.0)]
    track = _align(lines, script, 80.0)
    got = [(s.start, s.end) for s in track.segments]
    assert _near(got[0][0], 1.0) and _near(got[1][0], 8.0), got
    assert all("unplaced" in s.flags for s in track.segments[2:9]), got
    assert _near(got[9][0], 62.0), got  # the second copy, not the first
    assert _near(got[10][0], 69.0) and _near(got[10][1], 69.0 + 12 * 0.5 - 0.08), got
    starts = [s.start for s in track.segments if s.timed]
    assert starts == sorted(starts)


def test_an_unspoken_line_before_a_repeated_one_keeps_the_cursor_moving_on():
    """An unspoken line leaves the cursor where it was (what follows may start right there);
    the line after it is then placed where it is spoken next, never on the earlier copy."""
    a, b, c = _line(0), _line(1), _line(2)
    lines = [a, b, _line(30), a, c]
    script = [(a, 1.0), (b, 8.0), (a, 15.5), (c, 22.0)]
    track = _align(lines, script, 40.0)
    got = [s.start for s in track.segments]
    assert got[2] is None and "unplaced" in track.segments[2].flags, got
    truth = [1.0, 8.0, None, 15.5, 22.0]
    assert all(_near(g, t) for g, t in zip(got, truth, strict=True) if t), got


def test_an_unspoken_line_with_the_next_line_right_there_costs_no_look_ahead():
    """The next line placed where the unspoken one was looked for: the walk goes on without
    encoding the windows further on (the look-ahead's cost), and places the same lines."""
    a, b, c = _line(0), _line(1), _line(2)
    lines = [a, _line(30), b, c]
    script = [(a, 1.0), (b, 8.0), (c, 15.0)]
    session = _Session(np.zeros(int(60 * 16000), np.float32))
    scorer = ScriptScorer(session, script)
    encoded = []
    scorer_encode = scorer.encode
    scorer.encode = lambda samples, w: encoded.append(session.asked) or scorer_encode(samples, w)
    segs = [Segment(f"s{i}", None, None, x) for i, x in enumerate(lines)]
    ref = Track("fa.reference", "t", "fa", "reference", Provenance(software="test"), segs)
    track = align(ref, session, scorer, ForcedOptions(default_chars_per_s=14.0)).track
    got = [s.start for s in track.segments]
    assert got[1] is None and "unplaced" in track.segments[1].flags, got
    assert all(_near(g, t) for g, t in zip(got, [1.0, None, 8.0, 15.0], strict=True) if t), got
    # Only windows at the cursor (this session keeps no encoder cache, so a window may be
    # encoded again): none 10, 20 or 30 s past where the unspoken line was tried.
    assert len(set(encoded)) == 2, sorted(set(encoded))


class EarlyPathScorer(ScriptScorer):
    """Like the decoder's attention, hears a text anywhere in the window; and like its path
    after untranscribed talk, may start a text that is spoken more than 10 s in at the
    window's first frame, squeezing its last two words into nothing."""

    def force(self, window, frames, tokens):
        end = window + frames / 100
        at = {h[0]: h[1] for h in self.heard if window <= h[1] < end}
        if not tokens or not all(t in at for t in tokens) or at[tokens[0]] < window + 10:
            return super().force(window, frames, tokens)
        t, path = window, []
        for i in range(len(tokens)):
            path.append((i, round((t - window) * 50)))
            t += WORD_S + 0.08 if i < len(tokens) - 2 else 0.0
        path.append((len(tokens), round((t - window) * 50)))
        return Forced(np.full(len(tokens), HEARD), path)


def test_a_line_put_on_the_talk_before_it_is_looked_for_after_that_talk():
    """Untranscribed talk before a line (here 28-45 s): the path puts the line at the window's
    start with its last words squeezed. Forced again onto the window that ends just after that
    place, it is not heard there, so the walk looks for it further on and finds it at 45 s."""
    x, y, z, a, b = (_line(i) for i in range(5))
    script = [(x, 1.0), (y, 8.0), (z, 15.0), (a, 22.0), (b, 45.0)]

    got = _starts([x, y, z, a, b], script, 80.0, EarlyPathScorer)
    assert all(_near(g, t) for g, t in zip(got, [1.0, 8.0, 15.0, 22.0, 45.0], strict=True)), got
    # Without the check the line stays on the talk before it.
    unchecked = _starts([x, y, z, a, b], script, 80.0, EarlyPathScorer, verify_squeezed=False)
    assert unchecked[4] is not None and unchecked[4] < 40, unchecked


class StretchingScorer(ScriptScorer):
    """Like the path after untranscribed talk that sounds like the text's first words: a text
    spoken more than 5 s after the token before it (or the window's start) gets its first
    three words put right there, each of a plausible length, and its fourth stretched over
    the rest of the talk up to where the fifth is spoken."""

    def force(self, window, frames, tokens):
        base = super().force(window, frames, tokens)
        path = list(base.path)
        starts = [p[1] / 50 + window for p in path]
        for k in range(len(tokens) - 4):
            before = starts[k - 1] + WORD_S if k else window
            if starts[k] - before > 5 and base.token_probs[k] == HEARD:
                for j in range(4):
                    path[k + j] = (k + j, round((before + 0.5 * j - window) * 50))
                break
        return Forced(base.token_probs, path)


def test_a_line_stretched_back_over_the_talk_before_it_is_forced_again_from_its_end():
    """Untranscribed talk before a line (28-45 s) takes its first words, each of a plausible
    length, and the fourth spans the rest of the talk: the edge repair sees nothing wrong word
    by word, but the line takes 23 s to say 6 s of text. Forced again, alone, from where it
    would start if its end is right, it starts at 45 s."""
    x, y, z, a, b = (_line(i) for i in range(5))
    script = [(x, 1.0), (y, 8.0), (z, 15.0), (a, 22.0), (b, 45.0)]

    got = _starts([x, y, z, a, b], script, 80.0, StretchingScorer)
    assert all(_near(g, t) for g, t in zip(got, [1.0, 8.0, 15.0, 22.0, 45.0], strict=True)), got
    # Without the check the line starts on the talk before it.
    unchecked = _starts([x, y, z, a, b], script, 80.0, StretchingScorer, verify_stretched=False)
    assert unchecked[4] is not None and unchecked[4] < 40, unchecked


class CutAtTheEndScorer(ScriptScorer):
    """Like the decoder when a text is spoken at the very end of the window that begins where
    talk the transcript leaves out begins (``talk``): it hears the text (it scores high) but
    the path puts it at the window's start, each word at a plausible length (nothing squeezed,
    nothing stretched); the texts after it, not in the window, are squeezed in after it."""

    talk = 28.0

    def force(self, window, frames, tokens):
        end = window + frames / 100
        at = {h[0]: h for h in self.heard if window <= h[1] < end}
        run = next((i for i, t in enumerate(tokens) if t not in at), len(tokens))
        astray = run and abs(window - self.talk) < 0.5 and at[tokens[run - 1]][2] > end - 4
        if not astray:
            return super().force(window, frames, tokens)
        step = WORD_S + 0.08
        path = [(i, round(step * i * 50)) for i in range(run)]
        path += [
            (i, round((step * run + 0.04 * (i - run)) * 50)) for i in range(run, len(tokens) + 1)
        ]
        probs = [HEARD] * run + [MISSED] * (len(tokens) - run)
        return Forced(np.array(probs), path)


def test_a_line_followed_by_a_long_gap_is_checked_where_it_was_put_and_moved_into_the_gap():
    """Untranscribed talk (28-50 s) before a line spoken at the end of the window the walk
    forces it onto: the path puts it at the window's start, at plausible lengths, and the next
    line is then found where it is spoken, 22 s later. Forced again onto the window that ends
    just after where it was put, the line is not heard there, so it is looked for in the gap."""
    x, y, z, a, b, c = (_line(i) for i in range(6))
    script = [(x, 1.0), (y, 8.0), (z, 15.0), (a, 22.0), (b, 52.0), (c, 60.0)]

    truth = [1.0, 8.0, 15.0, 22.0, 52.0, 60.0]
    unchecked = _starts([x, y, z, a, b, c], script, 90.0, CutAtTheEndScorer, verify_gaps=False)
    assert unchecked[4] is not None and unchecked[4] < 40 and _near(unchecked[5], 60.0), unchecked
    got = _starts([x, y, z, a, b, c], script, 90.0, CutAtTheEndScorer)
    assert all(_near(g, t) for g, t in zip(got, truth, strict=True)), got


def test_a_recording_that_opens_with_untranscribed_talk_starts_the_walk_where_the_text_does():
    """The recording opens with 9 s of talk the transcript leaves out (an announcement), which
    sounds a little like the second line (as fluent text fits any speech a little), then a
    pause; the transcript starts at 22 s. The first line does not fit at the start, and the
    second, tried there, fits the talk: without the start search it is put on it, 21.5 s
    early, and the first line is lost. The first lines forced together fit best from 20 s."""
    a, b, c, d = (_line(i) for i in range(4))
    talk = [(b, 0.5, 0.05)]  # gap over the null there: log(0.05 / 0.02) = 0.9
    script = [*talk, (a, 22.0), (b, 29.0), (c, 36.0), (d, 43.0)]

    got = _starts([a, b, c, d], script, 60.0)
    assert all(_near(g, t) for g, t in zip(got, [22.0, 29.0, 36.0, 43.0], strict=True)), got
    unsearched = _starts([a, b, c, d], script, 60.0, start_search_s=0)
    assert unsearched[0] is None and _near(unsearched[1], 0.5), unsearched


def test_the_last_line_forced_again_may_end_before_where_its_path_ran_on():
    """A stretched line is forced again, alone, from where it would start if its end is right,
    and the new place must end where it ended (within refit_end_s): the next text bounds a
    line's end. The transcript's last line has no next text, and talk after it lets its last
    word run on (1.6 s on a stretch of the 40-minute tape that ends in the next, untranscribed,
    line): forced again it ends 1.6 s earlier, which only the last line may."""
    a = _line(0)
    session = _Session(np.zeros(int(40 * 16000), np.float32))
    spotter = Spotter(ScriptScorer(session, [(a, 20.0)]), session)
    spoken_end = 20.0 + 12 * (WORD_S + 0.08) - 0.08
    piece = Piece(0, a, gap=0.2)
    o = ForcedOptions(default_chars_per_s=14.0)

    assert _refit(spotter, piece, spoken_end + 1.6, 14.0, o) is None
    b, gap = _refit(spotter, piece, spoken_end + 1.6, 14.0, o, bounded=False)
    assert _near(b.words[0].start, 20.0) and _near(b.words[-1].end, spoken_end), b.words
    assert gap > 3
    # Later than where it ended is no more allowed for the last line than for any other.
    assert _refit(spotter, piece, spoken_end - 1.6, 14.0, o, bounded=False) is None


class NullCounting(ScriptScorer):
    """Counts the forcings of null text (align.forced.NULL_TEXT) and of the transcript's."""

    last = None
    null_words = set(NULL_TEXT["fa"].split())

    def __init__(self, session, script):
        super().__init__(session, script)
        self.texts, self.nulls = 0, 0
        NullCounting.last = self

    def force(self, window, frames, tokens):
        names = {v: k for k, v in self.vocab.items()}
        null = any(names[t] in self.null_words for t in tokens)
        self.nulls, self.texts = self.nulls + null, self.texts + (not null)
        return super().force(window, frames, tokens)


def test_the_second_null_slice_is_forced_only_where_a_piece_might_not_beat_the_null():
    """Pieces heard clearly beat the first slice of null text by far more than the slices differ,
    so the walk forces only that slice; where a piece is heard faintly (0.8 over the null,
    placed all the same) it forces both, and the lines land in the same places."""
    lines = [_line(n) for n in range(4)]
    for prob, slices in ((HEARD, 1), (0.045, 2)):
        script = [(line, 1.0 + 8.0 * n, prob) for n, line in enumerate(lines)]
        starts = _starts(lines, script, 60.0, scorer_class=NullCounting)
        assert all(_near(s, x[1]) for s, x in zip(starts, script, strict=True)), (prob, starts)
        counted = NullCounting.last
        assert counted.texts >= 2 and counted.nulls == slices * counted.texts, prob
