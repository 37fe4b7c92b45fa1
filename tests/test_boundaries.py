"""Start refinement and quiet cuts on signals whose sound and silence are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_a_word_stranded_long_after_the_sound_before_goes_on_to_the_sound_after():
    # Seen once natively: a zero-length word 0.58 s before the next line, the line before it
    # ended 5 s earlier (beyond reach): it goes to where the next sound begins.
    en = boundaries.energy(_signal([(0.5, 1.5), (4.0, 5.0)], 6.0))
    seg = _seg([(0.5, 1.5), (3.42, 3.42), (4.0, 5.0)])
    boundaries.refine([seg], en)
    assert abs(seg.words[1].start - 4.0) <= 0.02 and seg.words[1].end == seg.words[1].start
    assert seg.words[1].end <= seg.words[2].start


def test_a_word_astride_the_end_of_speech_ends_with_it():
    # Seen on GENERIC: a word set 40 ms before the end of speech and 220 ms past it; no sound
    # after its first moments, so it used to keep its end in the pause.
    en = boundaries.energy(_signal([(1.0, 1.6)], 3.0, noise=0.005))
    seg = _seg([(1.0, 1.5), (1.56, 1.82)])
    boundaries.refine([seg], en)
    assert seg.words[1].start == 1.56 and seg.words[1].end <= 1.62 and seg.end <= 1.62


# --- one energy model for transcription and alignment -------------------------------------------


def _channel(band, hum=0.0, hiss=0.0, seconds=12.0, seed=1):
    """Speech-like bursts (broadband noise shaped to ``band``, 0.6 s on, 0.6 s off) over mains
    hum at 50 Hz and white hiss: a cassette channel whose band is known."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    spec = np.fft.rfft(rng.normal(0, 1, n))
    hz = np.fft.rfftfreq(n, 1 / SR)
    spec[(hz < band[0]) | (hz > band[1])] = 0
    speech = np.fft.irfft(spec, n)
    speech *= 0.1 / np.std(speech)
    on = (np.arange(n) // int(0.6 * SR)) % 2 == 1
    t = np.arange(n) / SR
    x = speech * on + hum * np.sin(2 * np.pi * 50 * t) + rng.normal(0, hiss, n)
    return x.astype(np.float32), on


def test_the_band_follows_the_channel():
    from transcribe.speech_energy import Energy, EnergyOptions

    clean, _ = _channel((100, 7900))
    worn, _ = _channel((250, 3400), hum=0.03, hiss=0.02)
    lo, hi = Energy.from_samples(clean).band_hz
    assert lo == 300 and hi >= 7800  # clean: the whole spectrum above the hum region counts
    lo, hi = Energy.from_samples(worn).band_hz
    assert lo == 300 and 3000 <= hi <= 3600  # worn: not the hiss above the channel's band
    fixed = Energy.from_samples(worn, EnergyOptions(band_hz=(300.0, 8000.0)))
    assert fixed.band_hz == (300.0, 8000.0)
    assert Energy.from_samples(worn[: SR // 2]).band_hz is None  # too short to measure: broadband


def test_transcription_and_alignment_read_the_same_edges():
    # The same model serves both: a piece refined by transcription at an offset and the whole
    # recording read by an alignment session find the same voiced frames.
    from align.energy import Energy as AlignEnergy
    from transcribe.speech_energy import Energy

    assert AlignEnergy is Energy
    x, on = _channel((250, 3400), hum=0.03, hiss=0.02)
    whole = Energy.from_samples(x)
    piece = boundaries.energy(x, offset=600.0)
    assert np.array_equal(whole.voiced, piece.voiced)
    assert piece.time(piece.frame(603.0)) == 603.0
    # And its voiced frames are the bursts, not the hum or the hiss between them.
    truth = on[: len(whole.voiced) * 160].reshape(-1, 160).mean(axis=1) > 0.5
    assert np.mean(whole.voiced == truth) > 0.95
    assert whole.onset(1.5, limit=2.1) == pytest.approx(1.8, abs=0.03)  # bursts from 0.6 s on
    assert piece.onset(601.5, limit=602.1) == pytest.approx(601.8, abs=0.03)


def test_the_band_used_is_recorded(tmp_path):
    import subprocess

    from align.session import AudioSession

    x, _ = _channel((250, 3400), hum=0.03, hiss=0.02)
    wav = tmp_path / "worn.wav"
    pcm = (x * 32767).astype(np.int16).tobytes()
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-f", "s16le", "-ar", "16000", "-ac", "1"]
    subprocess.run([*cmd, "-i", "-", str(wav)], input=pcm, check=True, timeout=60)
    with AudioSession(wav, cache_dir=tmp_path / "cache") as session:
        lo, hi = session.provenance()["energy_band_used_hz"]
        assert lo == 300 and 3000 <= hi <= 3600
        assert session.energy.options.to_dict()["band_hz"] == "measured"
