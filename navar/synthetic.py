"""Synthetic speech with exactly known boundaries, and plain signals, for the demo, tests and
benchmarks.

espeak-ng speaks each line to its own WAV; the lines are joined with set silences, and the
start and end of the speech inside each line (past espeak's own padding) are measured, so every
line's true time span in the result is known to a few milliseconds. Silence, tones and chords
come from ffmpeg's lavfi sources (ffmpeg is installed anyway; sox is not).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from transcribe.audio import require_ffmpeg
from transcribe.errors import NavarError

SAMPLE_RATE = 16000


@dataclass
class SpokenLine:
    text: str
    start: float  # seconds: where speech begins
    end: float  # seconds: where speech ends


def require_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise NavarError(
            "espeak-ng is not installed; it makes the synthetic demo speech "
            "(Debian/Ubuntu: sudo apt-get install espeak-ng)"
        )
    return exe


def speak(text: str, voice: str = "fa", speed: int = 150) -> AudioSegment:
    """One line of speech, trimmed to the speech itself, mono 16 kHz."""
    exe = require_espeak()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(
            [exe, "-v", voice, "-s", str(speed), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        seg = AudioSegment.from_wav(wav).set_channels(1).set_frame_rate(SAMPLE_RATE)
    lead = detect_leading_silence(seg, silence_threshold=-50.0)
    tail = detect_leading_silence(seg.reverse(), silence_threshold=-50.0)
    return seg[lead : len(seg) - tail]


def synthesize(
    lines: list[str], voice: str = "fa", gap: float = 0.8, lead: float = 0.5, speed: int = 150
) -> tuple[AudioSegment, list[SpokenLine]]:
    """Speak ``lines`` with ``gap`` seconds of silence between them; return audio and spans."""
    audio = AudioSegment.silent(duration=int(lead * 1000), frame_rate=SAMPLE_RATE)
    spans = []
    for i, text in enumerate(lines):
        if i:
            audio += AudioSegment.silent(duration=int(gap * 1000), frame_rate=SAMPLE_RATE)
        start = len(audio) / 1000
        audio += speak(text, voice, speed)
        spans.append(SpokenLine(text, round(start, 3), round(len(audio) / 1000, 3)))
    audio += AudioSegment.silent(duration=int(lead * 1000), frame_rate=SAMPLE_RATE)
    return audio, spans


def lavfi(path: Path, source: str, seconds: float, filters: str | None = None) -> Path:
    """Write ``seconds`` of an ffmpeg lavfi ``source`` (through ``filters``) as mono 16 kHz."""
    require_ffmpeg()
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source,
           "-t", f"{seconds:g}", *(["-af", filters] if filters else []),
           "-ac", "1", "-ar", str(SAMPLE_RATE), str(path)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return Path(path)


def silence(path: Path, seconds: float) -> Path:
    """Digital silence."""
    return lavfi(path, f"anullsrc=r={SAMPLE_RATE}:cl=mono", seconds)


def tones(
    path: Path, frequencies: list[float], seconds: float, tremolo: float | None = None
) -> Path:
    """Sine tones played together (one: a tone; several: a chord), at half of full scale.

    ``tremolo`` (Hz) makes the loudness swing by 40 %, so the sound changes like music does.
    """
    waves = "+".join(f"sin(2*PI*{f:g}*t)" for f in frequencies)
    source = f"aevalsrc=0.5*({waves})/{len(frequencies)}:s={SAMPLE_RATE}:d={seconds:g}"
    filters = f"tremolo=f={tremolo:g}:d=0.4" if tremolo else None
    return lavfi(path, source, seconds, filters)
