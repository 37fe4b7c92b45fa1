"""Transcription through a worn cassette channel keeps the speech and keeps no loop (issue 12).

A 30 s stretch of real read Persian (four marked sentences of recording 1) is cut from the
shared data and put through navar.synthetic.cassette's worn channel at test time. Whisper base
loops on most sentences of such audio at temperature 0 (MODELS.md); Navar must catch each loop
(the project's own detector, transcribe.guards, is the oracle), retry the stretch, and keep most
of what it hears on the clean copy. Exact text differs from CPU to CPU (CTranslate2 int8), so
the floor on kept characters is set well below what GENERIC, AVX2 and native decoding give.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from align.normalize import normalize
from navar.synthetic import cassette
from transcribe import engine, guards

pytestmark = pytest.mark.model

MARKS = Path(__file__).parent / "data" / "read_speech_sentences.json"
CLIP = (5.5, 38.4)  # recording 1: sentences 0-3 (5.75-38.11 s)
# Worn/clean kept characters measured here (2026-11-30): 0.96 natively (AVX-512), 0.91 with
# CT2_FORCE_CPU_ISA=GENERIC, 0.90 with AVX2; the loop-prone settings below gave 0.96 natively
# and with AVX2 (after retrying six looping segments) and 0.94 with GENERIC. The floor leaves
# room for another CPU's decoding while failing if whole sentences are thrown away again.
KEPT_FLOOR = 0.75
# Plain temperature 0 with the previous text as context: the settings under which Whisper base
# loops on this audio (MODELS.md), so the retries are exercised, not just the defaults.
LOOP_PRONE = {"temperature": [0.0], "condition_on_previous_text": True}


@pytest.fixture(scope="module")
def clips(tmp_path_factory, request):
    data = Path(__file__).resolve().parents[2] / "shared" / "data" / "persian-read-speech"
    if not data.is_dir():
        pytest.skip("../shared/data/persian-read-speech is not here (only CI and dev machines)")
    folder = tmp_path_factory.mktemp("cassette")
    clean = folder / "clean.wav"
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-ss", str(CLIP[0]), "-t", str(CLIP[1] - CLIP[0])]
    cmd += ["-i", str(data / "audios" / "1.mp3"), "-ac", "1", "-ar", "16000", str(clean)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    worn = cassette(clean, folder / "worn.wav", "worn")
    runs = {"clean": (clean, {}), "worn": (worn, {}), "worn, loop-prone": (worn, LOOP_PRONE)}
    return {
        name: engine.run(None, path, "0" * 12, engine.TranscribeOptions(**changes))
        for name, (path, changes) in runs.items()
    }


def _chars(track) -> int:
    return len(normalize(" ".join(s.text for s in track.segments)).replace(" ", ""))


@pytest.mark.parametrize("run", ["worn", "worn, loop-prone"])
def test_the_worn_channel_keeps_no_loop(clips, run):
    track, info = clips[run]
    for seg in track.segments:
        assert not guards.check(seg.text, "fa"), (seg.start, seg.text)
        assert not guards.collapse_loops([w.text for w in seg.words])[1], seg.text
    assert info.stopped_at is None


@pytest.mark.parametrize("run", ["worn", "worn, loop-prone"])
def test_the_worn_channel_keeps_the_speech(clips, run):
    clean, worn = clips["clean"][0], clips[run][0]
    marks = json.loads(MARKS.read_text(encoding="utf-8"))["recordings"]["1"]["sentences"]
    spoken = [s for s in marks if s["start"] >= CLIP[0] and s["end"] <= CLIP[1]]
    assert len(spoken) == 4
    assert _chars(clean) > 0.5 * sum(len(normalize(s["text"])) for s in spoken)
    assert _chars(worn) >= KEPT_FLOOR * _chars(clean), (_chars(worn), _chars(clean))
    # And it is spread over the clip, not one sentence kept and the rest lost: every marked
    # sentence has words in it.
    words = [w for s in worn.segments for w in s.words]
    for s in spoken:
        a, b = s["start"] - CLIP[0], s["end"] - CLIP[0]
        assert any(a <= (w.start + w.end) / 2 <= b for w in words), s["text"]


def test_the_front_end_and_energy_model_are_recorded(clips):
    settings = clips["worn"][0].provenance.settings
    assert settings["denoise"] == "none" and settings["denoise_filter"] is None
    assert settings["energy"]["band_hz"] == "measured"
    assert settings["energy"]["band_min_hz"] == 300.0
