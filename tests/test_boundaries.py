"""Start refinement and quiet cuts on signals whose sound and silence are known exactly."""

from __future__ import annotations

import numpy as np

from transcribe import boundaries
from transcribe.transcript import Segment, Word

SR = boundaries.SAMPLE_RATE


def _signal(bursts, length, noise=0.0, seed=0):
    """Tone bursts (start, end) in seconds over a floor of white noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, noise, int(length * SR)).astype(np.float32)
    for a, b in bursts:
        t = np.arange(int(a * SR), int(b * SR))
        x[t] += 0.3 * np.sin(2 * np.pi * 220 * t / SR).astype(np.float32)
    return x


def _seg(words):
    ws = [Word(a, b, f"واژه{i}") for i, (a, b) in enumerate(words)]
    return Segment("s00001", ws[0].start, ws[-1].end, " ".join(w.text for w in ws), ws)


def test_starts_move_to_onsets_after_silence():
    # Speech at 1.0-1.6 and 2.4-3.0; Whisper-like starts 0.6 s and 0.5 s early.
    en = boundaries.energy(_signal([(1.0, 1.6), (2.4, 3.0)], 4.0))
    seg = _seg([(0.4, 1.6), (1.9, 3.0)])
    moved = boundaries.refine_starts([seg], en)
    assert moved == 2
    assert abs(seg.words[0].start - 1.0) <= 0.01
    assert abs(seg.words[1].start - 2.4) <= 0.01
    assert seg.start == seg.words[0].start
    assert seg.words[1].end == 3.0  # ends are left alone


def test_works_over_tape_hiss():
    en = boundaries.energy(_signal([(1.0, 1.6)], 3.0, noise=0.01))
    seg = _seg([(0.3, 1.6)])
    boundaries.refine_starts([seg], en)
    assert abs(seg.start - 1.0) <= 0.02


def test_start_inside_running_speech_is_kept():
    en = boundaries.energy(_signal([(0.5, 2.0)], 2.5))
    seg = _seg([(0.5, 1.0), (1.0, 2.0)])
    boundaries.refine_starts([seg], en)
    assert [w.start for w in seg.words] == [0.5, 1.0]


def test_start_in_the_previous_words_tail_skips_the_pause():
    # The span 1.0-2.2 catches the end of the word before (till 1.1), a pause, then the word.
    en = boundaries.energy(_signal([(0.2, 1.1), (1.6, 2.2)], 2.5))
    seg = _seg([(0.2, 1.0), (1.0, 2.2)])
    boundaries.refine_starts([seg], en)
    assert abs(seg.words[1].start - 1.6) <= 0.01


def test_a_short_stop_closure_is_not_a_pause():
    # 80 ms of silence inside a word (a stop consonant) must not move its start.
    en = boundaries.energy(_signal([(0.5, 0.9), (0.98, 1.5)], 2.0))
    seg = _seg([(0.5, 1.5)])
    boundaries.refine_starts([seg], en)
    assert seg.start == 0.5


def test_energy_offset_is_recording_time():
    en = boundaries.energy(_signal([(1.0, 1.5)], 2.0), offset=600.0)
    seg = _seg([(600.5, 601.5)])
    boundaries.refine_starts([seg], en)
    assert abs(seg.start - 601.0) <= 0.01


def test_quietest_cut_falls_in_the_pause():
    x = _signal([(0.0, 5.0), (5.8, 10.0)], 10.0, noise=0.005)
    cut = boundaries.quietest_cut(x, 3 * SR, 9 * SR)
    assert 5.0 * SR < cut < 5.8 * SR


def test_ends_come_back_out_of_trailing_silence():
    en = boundaries.energy(_signal([(1.0, 1.6)], 3.0, noise=0.005))
    seg = _seg([(1.0, 2.2)])  # the last word runs 0.6 s into the pause
    boundaries.refine([seg], en)
    assert abs(seg.words[0].end - 1.6) <= 0.02 and seg.end == seg.words[0].end


def test_end_inside_sound_is_kept():
    en = boundaries.energy(_signal([(0.5, 2.0)], 2.5))
    seg = _seg([(0.5, 1.0), (1.0, 1.5)])
    boundaries.refine([seg], en)
    assert [w.end for w in seg.words] == [1.0, 1.5]


def test_a_word_stranded_in_silence_goes_back_to_the_sound():
    en = boundaries.energy(_signal([(1.0, 1.6)], 3.0))
    seg = _seg([(1.0, 1.5), (1.9, 1.9)])  # Whisper put the last word, zero length, in the pause
    boundaries.refine([seg], en)
    assert abs(seg.words[1].start - 1.6) <= 0.02 and seg.words[1].end == seg.words[1].start
    assert seg.end <= 1.62


def test_a_word_astride_the_end_of_speech_ends_with_it():
    # Seen on GENERIC: a word set 40 ms before the end of speech and 220 ms past it; no sound
    # after its first moments, so it used to keep its end in the pause.
    en = boundaries.energy(_signal([(1.0, 1.6)], 3.0, noise=0.005))
    seg = _seg([(1.0, 1.5), (1.56, 1.82)])
    boundaries.refine([seg], en)
    assert seg.words[1].start == 1.56 and seg.words[1].end <= 1.62 and seg.end <= 1.62
