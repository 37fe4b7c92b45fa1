"""Shared by the evidence tests: a short real audio file (ffmpeg) with Persian and English tracks
imported from WebVTT, and the navar command run in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from navar.cli import main

FA_VTT = """WEBVTT

00:00:00.200 --> 00:00:01.400
او به ما گفت که باید حقیقت را بنویسیم.

00:00:01.600 --> 00:00:02.800
کتابخانه شهر هر روز باز است.
"""
EN_VTT = """WEBVTT

00:00:00.200 --> 00:00:01.400
He told us that we must write down the truth.

00:00:01.600 --> 00:00:02.800
The city library is open every day.
"""


def tone(path: Path, seconds: float = 3.0, freq: int = 330) -> Path:
    """A real WAV made by ffmpeg's lavfi sine source."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={freq}:duration={seconds}", str(path)],
        check=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return path


def navar(archive_dir: Path, *args: str, actor: str = "Test Archivist"):
    result = CliRunner().invoke(
        main, ["--archive", str(archive_dir), *args], env={"NAVAR_ACTOR": actor}
    )
    return result


def archive_with_tracks(root: Path, tmp: Path) -> str:
    """Add a tone and import fa.reference and en.reference-translation; returns the id."""
    result = navar(root, "add", str(tone(tmp / "witness.wav")), "--title", "شاهد ۷")
    assert result.exit_code == 0, result.output
    rec_id = result.output.split()[1]
    (tmp / "fa.vtt").write_text(FA_VTT, encoding="utf-8")
    (tmp / "en.vtt").write_text(EN_VTT, encoding="utf-8")
    for lang, kind, f in (("fa", "reference", "fa.vtt"), ("en", "reference-translation", "en.vtt")):
        r = navar(root, "import", rec_id, str(tmp / f), "--language", lang, "--kind", kind)
        assert r.exit_code == 0, r.output
    return rec_id
