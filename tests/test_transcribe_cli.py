"""`navar transcribe` end to end: add-then-transcribe, re-runs, --force, progress, Ctrl-C."""

from __future__ import annotations

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
    # Not a terminal: parseable lines, over both passes (transcription, then translation).
    assert "progress 8.0/8.0 s" in first.stderr.splitlines()
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
