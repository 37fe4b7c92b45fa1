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
            timeout=120,  # one line of speech takes well under a second
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


# --- a cassette channel -------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """What a copied cassette does to speech (issue 12's two strengths)."""

    low_hz: float  # band-limit: high-pass here ...
    high_hz: float  # ... and low-pass here (tape heads, phone lines)
    hiss_db: float  # broadband hiss this far below the speech level
    hum_db: float | None  # 50 Hz mains hum this far below speech (None: no hum) ...
    harmonic_db: float | None  # ... and its 150 Hz harmonic
    mp3_kbps: int  # a lossy round trip, as the archive copies were made


CHANNELS = {
    "decent": Channel(100.0, 7000.0, 20.0, None, None, 48),
    "worn": Channel(250.0, 3400.0, 12.0, 20.0, 26.0, 24),
}
_CHANNEL_SEED = 1988  # the noise is the same on every run, so results repeat


def cassette(src: Path, dst: Path, strength: str = "worn") -> Path:
    """Write ``src`` as heard through a cassette channel (``decent`` or ``worn``) to ``dst``.

    Deterministic: band-limit with ffmpeg, add seeded white hiss and mains hum at levels set
    against the speech's own level (the mean power of its loudest half of 20 ms frames), then
    an MP3 round trip. ``dst`` is 16 kHz mono in the format its suffix names (.wav, .mp3, ...).
    The original is only read.
    """
    import numpy as np

    channel = CHANNELS[strength]
    band = f"highpass=f={channel.low_hz}:poles=2,lowpass=f={channel.high_hz}:poles=2"
    samples = _ffmpeg_f32(["-i", str(src)], f"{band},{band}")  # two passes: steeper skirts
    frames = samples[: len(samples) // 320 * 320].reshape(-1, 320)
    power = np.sort((frames**2).mean(axis=1))
    level = float(np.sqrt(power[len(power) // 2 :].mean())) if len(power) else 0.0
    rng = np.random.default_rng(_CHANNEL_SEED)
    mixed = samples + rng.standard_normal(len(samples)).astype(np.float32) * level * _db(
        channel.hiss_db
    )
    t = np.arange(len(samples), dtype=np.float32) / SAMPLE_RATE
    for hz, below in ((50.0, channel.hum_db), (150.0, channel.harmonic_db)):
        if below is not None:  # a sine's RMS is its amplitude / sqrt 2
            mixed += np.sqrt(2) * level * _db(below) * np.sin(2 * np.pi * hz * t)
    peak = float(np.max(np.abs(mixed))) if len(mixed) else 0.0
    if peak > 0.99:
        mixed *= 0.99 / peak
    dst = Path(dst)
    with tempfile.TemporaryDirectory() as tmp:
        mp3 = Path(tmp) / "copy.mp3"
        raw = ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
        _ffmpeg(raw, ["-b:a", f"{channel.mp3_kbps}k", str(mp3)], mixed.astype(np.float32))
        _ffmpeg(["-i", str(mp3)], ["-ar", str(SAMPLE_RATE), "-ac", "1", str(dst)])
    return dst


def _db(below: float) -> float:
    return float(10 ** (-below / 20))


def _ffmpeg(inputs: list[str], outputs: list[str], data=None) -> None:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", *inputs, *outputs]
    if data is not None:
        cmd.remove("-nostdin")
    proc = subprocess.run(
        cmd,
        input=None if data is None else data.tobytes(),
        capture_output=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise NavarError(f"ffmpeg failed making the cassette copy: {proc.stderr.decode()[-300:]}")


def _ffmpeg_f32(inputs: list[str], filters: str):
    import numpy as np

    cmd = ["ffmpeg", "-nostdin", "-v", "error", *inputs, "-af", filters]
    cmd += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise NavarError(f"ffmpeg could not read {inputs[-1]}: {proc.stderr.decode()[-300:]}")
    return np.frombuffer(proc.stdout, dtype=np.float32).copy()


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
