"""`navar transcribe` end to end: add-then-transcribe, re-runs, --force, progress, Ctrl-C."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from navar import synthetic
from navar.cli import main
from transcribe.archive import Archive

pytestmark = pytest.mark.model
NAVAR = [str(Path(sys.executable).parent / "navar")]


@pytest.fixture
def silence(tmp_path) -> Path:
    return synthetic.silence(tmp_path / "silence.wav", 4)


def _run(archive_dir, *args):
    result = CliRunner().invoke(main, ["--archive", str(archive_dir), "transcribe", *args])
    assert result.exit_code == 0, result.output
    return result


def test_file_is_added_then_transcribed_and_reruns_do_nothing(tmp_path, silence, model):
    archive_dir = tmp_path / "archive"
    first = _run(archive_dir, str(silence), "--title", "سکوت")
    (rec,) = Archive(archive_dir).recordings()
    assert rec.title == "سکوت"
    assert f"{rec.id}/fa.asr\t0 segments\tmachine transcription" in first.stdout
    assert "added recording" in first.stderr and "wrote" in first.stderr
    # Not a terminal: parseable lines. The bundled base does not translate by default, so the
    # bar covers the one transcription pass.
    assert "progress 4.0/4.0 s" in first.stderr.splitlines()
    created = Archive(archive_dir).track(rec.id, "fa.asr").created

    again = _run(archive_dir, rec.id[:6])
    assert "kept" in again.stderr and "wrote" not in again.stderr
    assert Archive(archive_dir).track(rec.id, "fa.asr").created == created

    time.sleep(1.1)  # `created` has one-second resolution
    forced = _run(archive_dir, rec.id, "--force", "--no-translate")
    assert "wrote" in forced.stderr
    assert Archive(archive_dir).track(rec.id, "fa.asr").created != created

    other = _run(archive_dir, rec.id, "--language", "en")  # different settings: a new track
    assert f"{rec.id}/en.asr" in other.stdout


def test_default_with_the_bundled_model_makes_no_translation_and_says_why(tmp_path, fa_line):
    # One spoken line: three transcription passes, and none is about what the model writes.
    archive_dir = tmp_path / "archive"
    result = _run(archive_dir, str(fa_line[0]))
    (rec,) = Archive(archive_dir).recordings()
    assert Archive(archive_dir).track_ids(rec.id) == ["fa.asr"]
    assert "too small to translate" in result.stderr and "--translate" in result.stderr

    asked = _run(archive_dir, rec.id, "--translate")
    assert f"{rec.id}/en.mt" in asked.stdout
    assert "warning:" in asked.stderr and "too small to translate" in asked.stderr
    mt = Archive(archive_dir).track(rec.id, "en.mt")
    assert any("too small to translate" in n for n in mt.provenance.notes)
    assert mt.provenance.settings["device"] == "cpu"
    assert mt.provenance.settings["denoise"] == "none"
    assert mt.provenance.settings["denoise_filter"] is None

    # A denoiser in front is recorded as applied; the original's bytes do not change.
    original = next((archive_dir / "media").iterdir())
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    _run(archive_dir, rec.id, "--denoise", "afftdn", "--no-translate")
    asr = Archive(archive_dir).track(rec.id, "fa.asr")
    assert asr.provenance.settings["denoise"] == "afftdn"
    # Synthetic speech over digital silence has no noise floor: afftdn applies nothing, and
    # the track says so (tests/test_denoise.py has the noisy case).
    assert asr.provenance.settings["denoise_filter"] is None
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before


def test_cuda_asked_without_a_gpu_is_one_clear_line(tmp_path, fa_speech):
    import ctranslate2

    if ctranslate2.get_cuda_device_count():
        pytest.skip("this machine has a CUDA device")
    for command in (["transcribe", str(fa_speech[0])], ["find", "x", "quote"],
                    ["align", "x", "--reference", str(fa_speech[0])]):  # fmt: skip
        result = CliRunner().invoke(
            main, ["--archive", str(tmp_path / "a"), *command, "--device", "cuda"]
        )
        assert result.exit_code == 1, (command, result.output)
        assert "no CUDA device" in result.stderr and result.stderr.strip().count("\n") == 0
    assert not (tmp_path / "a" / "media").exists() or not any((tmp_path / "a" / "media").iterdir())


def test_unknown_target_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["--archive", str(tmp_path), "transcribe", "nosuchthing"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "navar: error:" in result.stderr


def test_ctrl_c_leaves_no_half_written_track(tmp_path, fa_speech):
    archive_dir = tmp_path / "archive"
    cmd = [*NAVAR, "--archive", str(archive_dir), "transcribe", str(fa_speech[0])]
    # A background shell starts us with SIGINT ignored, and children inherit that: restore it.
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in proc.stderr:  # interrupt once transcription is under way
        if line.startswith("progress"):
            proc.send_signal(signal.SIGINT)
            break
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    tracks = list(archive_dir.glob("transcripts/*/tracks/*"))
    assert not [p for p in tracks if p.suffix != ".json"], tracks  # no temporary leftovers
    for p in tracks:  # whatever was finished before the interrupt is whole
        json.loads(p.read_text(encoding="utf-8"))
    assert not any(p.name == "en.mt.json" for p in tracks)
    assert len(list((archive_dir / "media").iterdir())) == 1  # the added original stays
