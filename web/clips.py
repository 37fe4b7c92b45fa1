"""Cut the audio of a cited span out of an original, as MP3, without touching the original.

ffmpeg seeks in the file and decodes only the span, so a clip from a 3-hour recording costs
no more than one from a short one (align.clip's pydub route decodes the whole file, which a
server cannot afford per request). Like align.clip, the citation travels in the clip's
``comment`` tag, so ``align.clip.clip_citation`` reads it back.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from transcribe.audio import require_ffmpeg
from transcribe.errors import AudioError


def cut_mp3(path: Path, start: float, end: float, tags: dict[str, str] | None = None) -> bytes:
    if not end - start >= 0.001:  # ffmpeg reads "-t 0.000" as no limit: the whole rest
        raise AudioError(f"a clip of {end - start:.4f} s cannot be cut")
    require_ffmpeg()
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{start:.3f}",
           "-t", f"{end - start:.3f}", "-i", str(path), "-map", "0:a:0", "-map_metadata", "-1",
           "-c:a", "libmp3lame", "-q:a", "4"]  # fmt: skip
    for key, value in (tags or {}).items():
        cmd += ["-metadata", f"{key}={value}"]
    cmd += ["-f", "mp3", "-"]
    proc = subprocess.run(cmd, capture_output=True, check=False, timeout=120)
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no audio"]
        raise AudioError(f"the clip could not be cut ({reason[0]})")
    return proc.stdout
