"""Named denoisers: applied to a derived stream only, recorded in provenance, the same names
for every command."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from align.session import AudioSession
from navar.cli import main
from transcribe import denoise, engine


@pytest.fixture
def hissy(tmp_path) -> Path:
    """1 s of tone between two seconds of hiss (white noise at -35 dBFS, 10 dB under it)."""
    path = tmp_path / "hissy.wav"
    graph = (
        "anoisesrc=color=white:amplitude=0.03:seed=7:duration=3:sample_rate=16000[n];"
        "sine=frequency=440:duration=1:sample_rate=16000,volume=0.5,adelay=1000,apad=whole_dur=3[s];"
        "[n][s]amix=inputs=2:normalize=0"
    )
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-filter_complex", graph, "-ac", "1", str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_afftdn_lowers_the_hiss_in_the_stream_and_leaves_the_file(hissy):
    before = _sha(hissy)
    assert denoise.filter_for("none", hissy) is None
    measured = denoise.filter_for("afftdn", hissy)
    # The hiss's level (-35 dBFS), measured in the pauses.
    assert measured.startswith("afftdn=nr=12:nf=") and -37 <= int(measured.split("=")[-1]) <= -34
    ((_, plain),) = engine.pieces(hissy, 240.0, None)
    ((_, quiet),) = engine.pieces(hissy, 240.0, measured)
    assert len(plain) == len(quiet) == 48000
    # The hiss-only second (2.2-2.8 s) is much quieter; the tone (1.2-1.8 s) is kept.
    hiss = slice(int(2.2 * 16000), int(2.8 * 16000))
    tone = slice(int(1.2 * 16000), int(1.8 * 16000))
    assert _rms(quiet[hiss]) < 0.5 * _rms(plain[hiss])
    assert _rms(quiet[tone]) > 0.7 * _rms(plain[tone])
    assert _sha(hissy) == before


def test_the_front_end_is_recorded_by_name_and_filter():
    assert denoise.provenance("afftdn", "afftdn=nr=12:nf=-35") == {
        "denoise": "afftdn",
        "denoise_filter": "afftdn=nr=12:nf=-35",
    }
    assert engine.settings_of(engine.TranscribeOptions())["denoise"] == "none"
    with pytest.raises(ValueError, match="unknown denoiser 'rnnoise'"):
        denoise.check("rnnoise")


def test_the_floor_is_that_of_the_pauses_and_digital_silence_is_not_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.01, 16000 * 4).astype(np.float32)  # -40 dBFS hiss
    x[:1600] = 0.0  # a short join of exact zeros
    x[32000:40000] += 0.3 * np.sin(np.arange(8000) / 5)  # a loud half second
    assert abs(denoise.noise_floor_db(x) - (-40)) < 1.5
    assert denoise.noise_floor_db(np.zeros(16000, dtype=np.float32)) is None
    # Synthetic speech: sound, then digital silence (a third of the time): nothing to remove,
    # so afftdn applies nothing rather than eat into the speech.
    bursts = np.zeros(16000 * 3, dtype=np.float32)
    bursts[:32000] = 0.2 * np.sin(np.arange(32000) / 3)
    assert denoise.noise_floor_db(bursts) is None


def test_an_alignment_session_denoises_a_cached_copy(hissy, tmp_path):
    before = _sha(hissy)
    cache = tmp_path / "cache"
    with AudioSession(hissy, cache_dir=cache, front_end="afftdn") as den:
        assert den.provenance()["front_end"] == "afftdn"
        assert den.provenance()["front_end_filter"] == denoise.filter_for("afftdn", hissy)
        assert len(list(den.cache_dir.glob("16k-afftdn-*.s16"))) == 1
        quiet = den.samples(2.2, 2.8)
    with AudioSession(hissy, cache_dir=cache) as plain:
        assert plain.provenance()["front_end"] == "none"
        assert _rms(quiet) < 0.5 * _rms(plain.samples(2.2, 2.8))
    assert _sha(hissy) == before


@pytest.mark.parametrize("command", ["transcribe", "align", "find", "batch"])
def test_every_model_command_takes_the_same_denoise_names(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "--denoise [none|afftdn]" in result.output


def test_the_peers_bench_runs_navar_as_navar_align_does():
    import ast

    source = (Path(__file__).resolve().parents[1] / "bench" / "peers.py").read_text()
    (value,) = [
        n.value.value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "DEFAULT_ALIGN"
    ]
    assert value == denoise.DEFAULT_ALIGN


def test_afftdn_leaves_audio_whose_speech_stands_well_above_the_floor(tmp_path):
    quiet_room = tmp_path / "room.wav"
    graph = (
        "anoisesrc=color=white:amplitude=0.001:seed=7:duration=6:sample_rate=16000[n];"
        "sine=frequency=440:duration=2:sample_rate=16000,adelay=2000,apad=whole_dur=6[s];"
        "[n][s]amix=inputs=2:normalize=0"
    )
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-filter_complex", graph, "-ac", "1"]
    subprocess.run([*cmd, str(quiet_room)], check=True, capture_output=True, timeout=60)
    x = engine.audio.decode(quiet_room)
    assert denoise.speech_over_floor_db(x) > denoise.AFFTDN_MAX_SPEECH_OVER_FLOOR_DB
    assert denoise.filter_for("afftdn", quiet_room) is None  # nothing worth removing
