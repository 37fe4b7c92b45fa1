"""Read audio with ffmpeg: probe a file, check that it is whole, decode it for the models.

Everything goes through the ffmpeg and ffprobe programs, so any format ffmpeg reads is accepted.
Originals are only ever read.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE = 16000  # what Whisper and the Silero VAD expect
_TRUNCATION_TOLERANCE_S = 0.5


@dataclass
class AudioInfo:
    duration: float  # seconds of audio that actually decode
    container: str
    codec: str
    sample_rate: int
    channels: int
    declared_duration: float | None = None  # what the container or header claims
    warnings: list[str] = field(default_factory=list)

    def as_format(self) -> dict:
        return {
            "container": self.container,
            "codec": self.codec,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
        }


def require_ffmpeg() -> None:
    missing = [p for p in ("ffmpeg", "ffprobe") if shutil.which(p) is None]
    if missing:
        raise AudioError(
            f"{' and '.join(missing)} not found on PATH; install ffmpeg "
            "(Debian/Ubuntu: sudo apt-get install ffmpeg)"
        )


def inspect(path: Path) -> AudioInfo:
    """Probe ``path`` and decode it once to prove it is whole. Raises AudioError if unusable."""
    require_ffmpeg()
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes)")

    probe = ffprobe(path)
    streams = [s for s in probe.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(f"{path}: no audio stream found; is this an audio or video file?")
    stream = streams[0]
    fmt = probe.get("format", {})
    declared = _float(stream.get("duration")) or _float(fmt.get("duration"))
    header = _wav_declared_duration(path)
    if header is not None:
        declared = header

    decoded_seconds, errors = _decode_length(path)
    if decoded_seconds <= 0:
        raise AudioError(f"{path}: the audio stream is zero-length (nothing decodes)")
    info = AudioInfo(
        duration=round(decoded_seconds, 3),
        container=fmt.get("format_name", "unknown"),
        codec=stream.get("codec_name", "unknown"),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        declared_duration=round(declared, 3) if declared else None,
    )
    if declared and declared - decoded_seconds > max(_TRUNCATION_TOLERANCE_S, 0.02 * declared):
        info.warnings.append(
            f"truncated: the file declares {declared:.2f} s of audio but only "
            f"{decoded_seconds:.2f} s decode"
        )
    if errors:
        info.warnings.append(
            f"damaged: ffmpeg reported {len(errors)} decoding error(s), first: {errors[0]}"
        )
    return info


def decode(path: Path, start: float = 0.0, duration: float | None = None) -> np.ndarray:
    """Decode (a span of) ``path`` to mono float32 at 16 kHz."""
    cmd = _decode_cmd(path, start, duration)
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 and not proc.stdout:
        raise AudioError(f"{path}: ffmpeg could not decode it: {_last_line(proc.stderr)}")
    return np.frombuffer(proc.stdout, dtype=np.int16).astype(np.float32) / 32768.0


def iter_chunks(
    path: Path, seconds: float, filters: str | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (offset, samples) chunks of ``seconds`` each, holding one chunk in memory at a time.

    ``filters`` is an ffmpeg audio filter chain applied while decoding (e.g. a denoiser); the
    file itself is only read.
    """
    cmd = _decode_cmd(path, 0.0, None, filters)
    chunk_bytes = int(seconds * SAMPLE_RATE) * 2
    offset = 0.0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        while True:
            data = _read_exact(proc.stdout, chunk_bytes)
            if not data:
                break
            samples = np.frombuffer(data, dtype=np.int16).astype(np.float32) / 32768.0
            yield offset, samples
            offset += len(samples) / SAMPLE_RATE


def _decode_cmd(
    path: Path, start: float, duration: float | None, filters: str | None = None
) -> list[str]:
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    if start > 0:
        cmd += ["-ss", f"{start:.3f}"]
    cmd += ["-i", str(path)]
    if duration is not None:
        cmd += ["-t", f"{duration:.3f}"]
    cmd += ["-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE)]
    if filters:
        cmd += ["-af", filters]
    return [*cmd, "-f", "s16le", "-"]


def _read_exact(stream, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        block = stream.read(n - got)
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts)


def ffprobe(path: Path) -> dict:
    """ffprobe's view of a file (format and streams); AudioError if it cannot read it."""
    cmd = ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        reason = _last_line(proc.stderr) or "unknown format"
        raise AudioError(f"{path}: not a readable audio file ({reason})")
    try:
        return json.loads(proc.stdout or b"{}")
    except json.JSONDecodeError as exc:
        raise AudioError(f"{path}: ffprobe gave unreadable output") from exc


def _decode_length(path: Path) -> tuple[float, list[str]]:
    """Decode the whole stream, counting samples (streamed: memory stays flat on long files)."""
    cmd = _decode_cmd(path, 0.0, None)
    total = 0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        while block := proc.stdout.read(1 << 20):
            total += len(block)
        stderr = proc.stderr.read()
    errors = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return total / 2 / SAMPLE_RATE, errors


def _wav_declared_duration(path: Path) -> float | None:
    """Duration the RIFF header declares, which ffprobe ignores when the file is cut short."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            byte_rate = None
            while chunk := fh.read(8):
                if len(chunk) < 8:
                    return None
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = fh.read(size + (size & 1))
                    byte_rate = struct.unpack("<I", fmt[8:12])[0]
                elif cid == b"data":
                    # Streaming writers put 0 or 0xFFFFFFFF here: nothing declared.
                    if not byte_rate or size in (0, 0xFFFFFFFF):
                        return None
                    return size / byte_rate
                else:
                    fh.seek(size + (size & 1), 1)
    except OSError:
        return None
    return None


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _last_line(stderr: bytes) -> str:
    lines = [x for x in stderr.decode("utf-8", "replace").splitlines() if x.strip()]
    return lines[-1].strip() if lines else ""
