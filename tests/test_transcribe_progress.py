"""Progress: parseable lines off a terminal, a tqdm bar with ETA on one."""

from __future__ import annotations

import io
import re

from transcribe.progress import ProgressReporter


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    with ProgressReporter(out, tty=False) as progress:
        for done in range(0, 301, 1):
            progress(float(done), 300.0)
    lines = out.getvalue().splitlines()
    assert all(re.fullmatch(r"progress \d+\.\d/\d+\.\d s", line) for line in lines)
    assert lines[0] == "progress 0.0/300.0 s" and lines[-1] == "progress 300.0/300.0 s"
    assert len(lines) <= 52  # throttled to every 2 percent, not one per call


def test_bar_with_eta_on_a_terminal():
    out = io.StringIO()
    with ProgressReporter(out, label="transcribing", tty=True) as progress:
        progress(30.0, 120.0)
        progress.write("navar: a message")
        progress(120.0, 120.0)
    text = out.getvalue()
    assert "transcribing" in text and "s audio" in text
    assert "<" in text  # tqdm's elapsed<remaining, the ETA
    assert "navar: a message" in text
    assert "progress " not in text
