"""The shared edge repair (align/edges.py) on synthetic audio whose speech times are known.

The "speech" is bursts of a 200 Hz tone over faint white noise, so the energy model's onsets and
offsets are exact to a frame; the words are what a teacher-forced path gives at an edge."""

import numpy as np
import pytest

from align.edges import EdgeOptions, ran_on, repair_end, repair_start, swallowed
from align.energy import Energy
from align.spotting import AlignedWord
from transcribe.transcript import Word

RATE = 16000
# (start, end) of the bursts: a sentence heard before the text, then the text's words.
BEFORE = (0.5, 2.0)
TEXT = [(3.0, 3.5), (3.6, 4.1), (4.2, 4.7), (4.8, 5.4)]


def _energy(bursts, seconds=8.0) -> Energy:
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.002, int(seconds * RATE)).astype(np.float32)
    t = np.arange(len(x)) / RATE
    for a, b, *amp in bursts:  # an amplitude may be given: a faint sound
        on = (t >= a) & (t < b)
        x[on] += (amp[0] if amp else 0.3) * np.sin(2 * np.pi * 200 * t[on])
    return Energy(x, band_hz=(100, 8000))


def _words(times, kind=AlignedWord):
    texts = ["کتابخانه", "شهر", "هر", "روز"]
    if kind is AlignedWord:
        return [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    return [Word(a, b, w) for w, (a, b) in zip(texts, times, strict=True)]


@pytest.fixture(scope="module")
def energy():
    return _energy([BEFORE, *TEXT])


def test_a_first_word_that_took_the_windows_lead_in_starts_at_its_onset(energy):
    # No prefix: the path began at the window's start (2.4 s) and the first word soaked up the
    # pause before the text.
    words = _words([(2.4, 3.5), *TEXT[1:]])
    assert repair_start(words, energy, EdgeOptions(), anchored=False) == pytest.approx(
        3.0, abs=0.02
    )
    assert words[0].start == pytest.approx(3.0, abs=0.02)


def test_a_first_word_that_swallowed_other_speech_starts_after_the_last_pause(energy):
    # The first word runs from inside the sentence before (1.0 s) to its own end: 2.5 s for a
    # word of 0.66 s spoken length, so it swallowed the other speech.
    words = _words([(1.0, 3.5), *TEXT[1:]], kind=Word)
    assert swallowed(words[0], EdgeOptions())
    start = repair_start(words, energy, EdgeOptions(), anchored=True)
    assert start == pytest.approx(3.0, abs=0.02)


def test_a_sound_start_only_moves_to_the_speech_onset(energy):
    words = _words([(2.9, 3.5), *TEXT[1:]])  # 0.1 s of the pause before it
    assert not swallowed(words[0], EdgeOptions())
    assert repair_start(words, energy, EdgeOptions()) == pytest.approx(3.0, abs=0.02)


def test_stretched_first_words_are_given_their_spoken_length_back(energy):
    # The first two words stretched from 0.6 s (the sentence before) to the third word's start;
    # the third and fourth are well timed. The text starts after the last clear pause.
    times = [(0.6, 2.5), (2.5, 4.2), TEXT[2], TEXT[3]]
    words = _words(times) + [AlignedWord("است", 5.5, 5.9, 0.9)]
    start = repair_start(words, energy, EdgeOptions(), anchored=True)
    assert start == pytest.approx(3.0, abs=0.05)
    assert words[0].start < words[0].end <= words[1].start < words[1].end <= words[2].start


def test_first_words_hugging_the_speech_before_across_a_pause_start_after_it(energy):
    # A short first word put at the end of the sentence before (1.9 s), the next one stretched
    # over the pause to the third word's start: not far enough from their spoken length to
    # look unsound, but the pause leaves them room after it. They start where speech resumes.
    texts = ["تو", "کمال", "ناباوری", "دیدیم", "که"]
    times = [(1.9, 1.96), (1.96, 3.6), (3.6, 4.2), (4.2, 4.8), (4.8, 5.4)]
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    start = repair_start(words, energy, EdgeOptions(), anchored=True)
    assert start == pytest.approx(3.0, abs=0.02)
    assert words[1].start >= words[0].end and words[1].end <= 3.6


def test_an_end_that_ran_into_the_pause_ends_with_the_last_voiced_frame(energy):
    words = _words([*TEXT[:3], (4.8, 5.9)])
    end = repair_end(words, energy, EdgeOptions(end_trail_s=0))
    assert end == pytest.approx(5.4, abs=0.02)


def test_a_last_word_that_swallowed_seconds_ends_at_the_first_pause():
    energy = _energy([*TEXT, (5.6, 7.5)])  # more speech right after the text
    words = _words([*TEXT[:3], (4.8, 7.4)])
    end = repair_end(words, energy, EdgeOptions(end_trail_s=0))
    assert end == pytest.approx(5.4, abs=0.02)


def test_the_trail_follows_a_fading_end_only_as_far_as_allowed():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.002, 6 * RATE).astype(np.float32)
    t = np.arange(len(x)) / RATE
    on = (t >= 3.0) & (t < 4.0)
    x[on] += 0.3 * np.sin(2 * np.pi * 200 * t[on])
    fade = (t >= 4.0) & (t < 4.5)  # a weak final sound, well above the hiss, below speech
    x[fade] += 0.007 * np.sin(2 * np.pi * 3000 * t[fade])
    energy = Energy(x, band_hz=(100, 8000))
    words = [AlignedWord("کتاب", 3.0, 4.05, 0.9)]
    assert repair_end(list(words), energy, EdgeOptions(end_trail_s=0)) == pytest.approx(
        4.0, abs=0.03
    )
    words = [AlignedWord("کتاب", 3.0, 4.05, 0.9)]
    wide = EdgeOptions(end_trail_s=0.3, end_trail_db=6.0, end_push_s=1.0)
    assert 4.2 < repair_end(words, energy, wide) <= 4.36  # into the fade, at most 0.3 s
    # By default no further than end_push_s after the path's end: hiss and a low-bitrate codec
    # smear a fading end on (a worn tape's ends came out 0.4 s late), and Whisper's are good.
    words = [AlignedWord("کتاب", 3.0, 4.05, 0.9)]
    assert repair_end(words, energy, EdgeOptions(end_trail_s=0.3)) == pytest.approx(4.2, abs=0.01)


def test_a_start_in_the_pause_after_a_sound_is_not_moved_back_into_it(energy):
    # The window began just after the sentence before ended (2.0 s) and the path stretched a
    # short first word over the pause; the sound before is not the text's.
    texts = ["تو", "شهر", "هر", "روز"]
    times = [(2.05, 3.0), *TEXT[1:]]
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    assert repair_start(words, energy, EdgeOptions()) == pytest.approx(3.0, abs=0.02)


def test_first_words_stretched_over_a_silence_start_where_the_speech_resumes():
    # A worn tape breaks the first words into blobs with pauses between them (4.0-4.4, then
    # 0.4 s of quiet); the path stretched them back over the silence (1.5-4.0 s) before.
    bursts = [(1.0, 1.5), (4.0, 4.15), (4.25, 4.4), (4.8, 5.1), (5.2, 5.6), (5.7, 6.0)]
    energy = _energy([*bursts, (6.1, 6.4)])
    texts = ["و", "هیچوقت", "ورزش", "روزانه", "کرد", "خوب"]
    times = [(1.6, 2.0), (2.0, 3.0), (3.0, 5.15), (5.2, 5.6), (5.7, 6.0), (6.1, 6.4)]
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    # Not after the last 0.3 s pause (4.8 s): after the silence.
    assert repair_start(words, energy, EdgeOptions()) == pytest.approx(4.0, abs=0.02)


def test_squeezed_first_words_start_after_the_short_pause_not_at_a_breath_before_it():
    # A breath (2.3-2.55 s) 0.22 s before the text (2.77 s); the path squeezed the first three
    # words into 0.4 s before the first well-timed one.
    energy = _energy([BEFORE, (2.3, 2.55), (2.77, 3.2), (3.3, 3.7), (3.8, 4.2), (4.3, 4.8)])
    texts = ["چشمم", "که", "به", "داخل", "کافه", "افتاد"]
    times = [(2.9, 3.07), (3.07, 3.29), (3.29, 3.29), (3.3, 3.7), (3.8, 4.2), (4.3, 4.8)]
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    assert repair_start(words, energy, EdgeOptions()) == pytest.approx(2.77, abs=0.02)


def test_an_end_on_the_next_sounds_onset_ends_before_the_pause():
    # The path ran the last word on to where the next line starts (5.7 s, after 0.3 s quiet).
    energy = _energy([*TEXT, (5.7, 6.5)])
    words = _words([*TEXT[:3], (4.8, 5.7)])
    assert repair_end(words, energy, EdgeOptions()) == pytest.approx(5.4, abs=0.02)


def test_no_words_is_an_error(energy):
    with pytest.raises(ValueError):
        repair_start([], energy, EdgeOptions())
    with pytest.raises(ValueError):
        repair_end([], energy, EdgeOptions())


def test_a_first_word_on_a_faint_murmur_starts_after_it():
    # A murmur 20 dB below the speech (2.6-2.9 s), a pause, then the line (3.1 s on): the path
    # began the first word on the murmur. A murmur as loud as the speech is a word: it stays.
    rng = np.random.default_rng(2)
    t = np.arange(6 * RATE) / RATE
    for level, expected in ((0.03, 3.1), (0.3, 2.6)):
        x = rng.normal(0, 0.0005, len(t)).astype(np.float32)
        for (a, b), amp in (((0.5, 2.0), 0.3), ((2.6, 2.9), level), ((3.1, 4.0), 0.3)):
            on = (t >= a) & (t < b)
            x[on] += amp * np.sin(2 * np.pi * 200 * t[on])
        energy = Energy(x, band_hz=(100, 8000))
        words = [AlignedWord("چشم", 2.6, 3.4, 0.9), AlignedWord("چرخاندم", 3.4, 4.0, 0.9)]
        assert repair_start(words, energy, EdgeOptions()) == pytest.approx(expected, abs=0.03)


def test_last_words_that_drifted_over_the_next_sentence_end_at_the_pause():
    # A changed word let the path drift: it stretched over the next sentence (6.0-9.0 s) and
    # squeezed the last two words at its far end. The end comes back to the pause after the
    # text (5.4 s), and the words after the last well-timed one share the time up to it.
    energy = _energy([*TEXT, (6.0, 9.0)], seconds=10.0)
    texts = ["کتابخانه", "شهر", "هر", "روزها", "باز", "است"]
    times = [*TEXT[:3], (4.8, 8.0), (8.0, 8.0), (8.0, 8.0)]
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    end = repair_end(words, energy, EdgeOptions(end_trail_s=0))
    assert end == pytest.approx(5.4, abs=0.03)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(words, words[1:], strict=False))
    assert words[-1].start < end


def test_first_words_put_on_the_speech_before_and_one_swallowing_the_pause_start_after_it(energy):
    # No prefix: the first three words went onto the sentence before (0.5-2.0 s), each at a
    # plausible length; the fourth swallowed the rest of it and the pause, up to where the
    # text's fifth word is spoken. Word by word only the fourth looks wrong, and the first
    # three look sound; the text starts at 3.0 s.
    texts = ["هر", "شهر", "روز", "کتابخانه", "هر", "شهر", "روز", "هر"]
    times = [(0.5, 0.8), (0.8, 1.3), (1.3, 1.8), (1.8, 4.2), (4.2, 4.7), (4.8, 5.4),
             (5.5, 5.8), (5.8, 6.1)]  # fmt: skip
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    assert swallowed(words[3], EdgeOptions())
    assert repair_start(words, energy, EdgeOptions(), anchored=False) == pytest.approx(
        3.0, abs=0.02
    )
    assert all(w.start >= 3.0 - 0.02 and w.end <= 4.2 for w in words[:4])


def test_first_words_stretched_over_other_speech_start_after_a_pause_that_leaves_them_room():
    # The worn 40-minute tape from 1000 s: talk the transcript leaves out (0.5-1.64 s), a pause,
    # the first word (2.4-2.75 s), a 0.34 s pause, the second word (3.09-3.44 s). The path put
    # the first word back over the talk and squeezed the second. The last 0.3 s pause before
    # the first sound word (3.09 s) leaves 0.35 s for two words of 0.8 s: the line starts after
    # the pause before that (0.76 s late before).
    bursts = [(0.5, 1.64), (2.4, 2.75), (3.09, 3.44), (3.46, 3.72), (3.75, 4.1), (4.12, 4.7)]
    energy = _energy([*bursts, (4.72, 5.2)])
    texts = ["پدرش", "کنار", "میز", "گرد", "غذاخوری", "ایستاد"]
    times = [(1.0, 3.31), (3.31, 3.44), (3.44, 3.72), (3.72, 4.1), (4.1, 4.7), (4.7, 5.2)]
    words = [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]
    assert repair_start(words, energy, EdgeOptions()) == pytest.approx(2.4, abs=0.02)


@pytest.mark.parametrize("faint", [True, False])
def test_a_last_word_the_energy_cuts_short_keeps_the_paths_end_only_over_a_faint_sound(faint):
    # The energy hears only 0.06 s of a last word the path puts at 4.8-5.4 s. A final nasal
    # under the hiss (faint: above the floor, under the speech threshold, to 5.4 s) leaves the
    # path's end right; with nothing there the path ran on into the pause (40-minute worn
    # tape: 0.25-0.6 s late), and the end is where the sound stops.
    tail = [(4.86, 5.4, 0.004)] if faint else []
    energy = _energy([*TEXT[:3], (4.8, 4.86), *tail])
    assert energy.speech_fraction(4.9, 5.4) == 0  # the faint sound is no speech to the energy
    words = _words([*TEXT[:3], (4.8, 5.4)])
    end = repair_end(words, energy, EdgeOptions())
    assert end == pytest.approx(5.4 if faint else 4.86, abs=0.03)


def _line_words(times):
    texts = ["کتابها", "دیروز", "بازار", "شلوغی", "مردمان", "خسته", "خانه", "رفتند"]
    return [AlignedWord(w, a, b, 0.9) for w, (a, b) in zip(texts, times, strict=True)]


# Eight words of 0.45 s (about their spoken length) from 1.0 s, 0.05 s apart: the text ends at
# 4.95 s. The path of a quote forced alone gives its first five their times.
SAID = [(1.0 + 0.5 * i, 1.45 + 0.5 * i) for i in range(8)]


def test_a_quote_whose_path_ran_on_over_the_talk_after_it_ends_at_the_pause():
    """The sixth word swallowed the rest of the quote and 5 s of the talk after a pause, and the
    last two were squeezed in at the end (changed last words let a path do that)."""
    energy = _energy([(1.0, 4.95), (5.55, 12.0)], seconds=14.0)
    words = _line_words([*SAID[:5], (3.5, 10.0), (10.0, 10.04), (10.04, 10.06)])
    end = ran_on(words, energy, EdgeOptions())
    assert end == pytest.approx(4.95, abs=0.03)
    assert words[-1].end == pytest.approx(end, abs=0.01)
    assert all(a.end <= b.start + 0.001 for a, b in zip(words, words[1:], strict=False))


def test_a_quote_that_spans_a_pause_or_an_interjection_is_not_cut():
    """The same swallowed seconds with the last words well timed after them (another voice cut
    in, and the quote went on), or over a pause the speaker made: the path is right."""
    after = [(7.5 + 0.5 * i, 7.95 + 0.5 * i) for i in range(3)]
    interjection = _energy([(1.0, 3.45), (3.7, 7.1), (7.5, 8.95)], seconds=10.0)
    words = _line_words([*SAID[:5], (3.5, 7.95), *after[1:]])
    assert ran_on(words, interjection, EdgeOptions()) is None
    pause = _energy([(1.0, 3.45), (6.5, 7.0)], seconds=10.0)
    words = _line_words([*SAID[:5], (3.5, 7.0), (7.0, 7.02), (7.02, 7.04)])
    assert ran_on(words, pause, EdgeOptions()) is None
