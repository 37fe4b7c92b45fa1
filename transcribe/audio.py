"""Read audio with ffmpeg: probe a file, check that it is whole, decode it for the models.

Everything goes through the ffmpeg and ffprobe programs, so any format ffmpeg reads is accepted.
Originals are only ever read.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import struct
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE = 16000  # what Whisper and the Silero VAD expect
_TRUNCATION_TOLERANCE_S = 0.5
# ffprobe reads headers only; a minute means it is stuck (a FIFO, a hung network mount).
PROBE_TIMEOUT_S = 60.0
_STDERR_TAIL_LINES = 20  # what is kept of ffmpeg's messages for ours (a damaged tape: 100s of KB)


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


@dataclass
class _Stderr:
    """What a finished program wrote on stderr: how many lines, the first and the last few."""

    count: int = 0
    first: str = ""
    tail: list[str] = field(default_factory=list)

    @property
    def last(self) -> str:
        return self.tail[-1] if self.tail else ""


@contextlib.contextmanager
def _program(cmd: list[str], stdout=subprocess.PIPE) -> Iterator[tuple[subprocess.Popen, _Stderr]]:
    """Run ``cmd`` with stderr going to a temporary file, never a pipe.

    A pipe holds 64 KB: ffmpeg on a damaged tape writes more than that, blocks, and a caller that
    reads only stdout waits for ever. A file never fills. On leaving the block the program is
    killed if it still runs (Ctrl-C, an error in the caller) and its stderr is summarised.
    """
    err = _Stderr()
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=errfile)
        try:
            yield proc, err
        finally:
            if proc.poll() is None:
                if proc.stdout is not None:
                    proc.stdout.close()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.5)  # a normal exit after stdout's EOF takes no time
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            elif proc.stdout is not None:
                proc.stdout.close()
            errfile.seek(0)
            tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)
            for raw in errfile:
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    err.count += 1
                    err.first = err.first or line
                    tail.append(line)
            err.tail = list(tail)


def run_program(cmd: list[str], timeout: float | None) -> tuple[int, bytes, _Stderr]:
    """Run ``cmd`` to the end; (exit status, stdout, stderr summary). AudioError on a timeout."""
    with _program(cmd) as (proc, err):
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AudioError(
                f"{cmd[0]} did not finish within {timeout:.0f} s on {cmd[-1]}; "
                "is it a regular file on a working disk?"
            ) from None
    return proc.returncode, out, err


def require_ffmpeg() -> None:
    missing = [p for p in ("ffmpeg", "ffprobe") if shutil.which(p) is None]
    if missing:
        raise AudioError(
            f"{' and '.join(missing)} not found on PATH; install ffmpeg "
            "(Debian/Ubuntu: sudo apt-get install ffmpeg)"
        )


def inspect(path: Path, name: Path | str | None = None) -> AudioInfo:
    """Probe ``path`` and decode it once to prove it is whole. Raises AudioError if unusable.

    ``name`` is what messages call the file (the user's file when ``path`` is a copy of it).
    """
    require_ffmpeg()
    path = Path(path)
    name = name or path
    if not path.is_file():
        raise AudioError(f"{name}: no such file")
    if path.stat().st_size == 0:
        raise AudioError(f"{name}: the file is empty (0 bytes)")

    probe = ffprobe(path, name)
    streams = [s for s in probe.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(f"{name}: no audio stream found; is this an audio or video file?")
    stream = streams[0]
    fmt = probe.get("format", {})
    declared = _float(stream.get("duration")) or _float(fmt.get("duration"))
    wav = _wav_data_seconds(path)
    if wav is not None:
        declared = wav[0]

    decoded_seconds, errors = _decode_length(path)
    if decoded_seconds <= 0:
        raise AudioError(f"{name}: the audio stream is zero-length (nothing decodes)")
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
    if errors.count:
        info.warnings.append(
            f"damaged: ffmpeg reported {errors.count} decoding error(s), first: {errors.first}"
        )
    if wav is not None and wav[1] - wav[0] > max(_TRUNCATION_TOLERANCE_S, 0.02 * wav[0]):
        info.warnings.append(
            f"the WAV header declares {wav[0]:.2f} s of audio but the file holds about "
            f"{wav[1]:.2f} s after it; only the declared {decoded_seconds:.2f} s are archived as "
            "audio (the bytes are kept)"
        )
    if len(streams) > 1:
        info.warnings.append(
            f"the file has {len(streams)} audio streams; only the first "
            f"({stream.get('codec_name', 'unknown')}, {stream.get('channels', '?')} ch) is used"
        )
    return info


def decode(path: Path, start: float = 0.0, duration: float | None = None) -> np.ndarray:
    """Decode (a span of) ``path`` to mono float32 at 16 kHz."""
    cmd = _decode_cmd(path, start, duration)
    code, out, err = run_program(cmd, timeout=None)  # stdout is drained; no size bound
    if code != 0 and not out:
        raise AudioError(f"{path}: ffmpeg could not decode it: {err.last}")
    return np.frombuffer(out[: len(out) & ~1], dtype=np.int16).astype(np.float32) / 32768.0


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
    with _program(cmd) as (proc, _err):
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


def ffprobe(path: Path, name: Path | str | None = None) -> dict:
    """ffprobe's view of a file (format and streams); AudioError if it cannot read it."""
    name = name or path
    cmd = ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    try:
        code, out, err = run_program(cmd, timeout=PROBE_TIMEOUT_S)
    except AudioError:
        raise AudioError(
            f"{name}: ffprobe did not finish within {PROBE_TIMEOUT_S:.0f} s; "
            "is it a regular file on a working disk?"
        ) from None
    if code != 0:
        reason = _short(err.last) or "unknown format"
        raise AudioError(f"{name}: not a readable audio file ({reason})")
    try:
        data = json.loads(out or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AudioError(f"{name}: ffprobe gave unreadable output") from None
    if not isinstance(data, dict):
        raise AudioError(f"{name}: ffprobe gave unreadable output")
    return data


def _short(line: str) -> str:
    """ffmpeg's message without the temporary path it names (messages name the user's file)."""
    head, sep, rest = line.partition(": ")
    return rest if sep and ("/" in head or "\\" in head) else line


def _decode_length(path: Path) -> tuple[float, _Stderr]:
    """Decode the whole stream, counting samples (streamed: memory stays flat on long files)."""
    cmd = _decode_cmd(path, 0.0, None)
    total = 0
    with _program(cmd) as (proc, err):
        assert proc.stdout is not None
        while block := proc.stdout.read(1 << 20):
            total += len(block)
        proc.wait()
    return total / 2 / SAMPLE_RATE, err


def _wav_data_seconds(path: Path) -> tuple[float, float] | None:
    """(seconds the RIFF data chunk declares, seconds of bytes after it), or None if not known.

    ffprobe trusts the header: a file cut short, or a header that declares less than the file
    holds, shows only here. A header that makes no sense (a fmt chunk too short, a zero byte
    rate) declares nothing; ffmpeg's own reading of the file decides then.
    """
    try:
        size_on_disk = path.stat().st_size
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
                    if len(fmt) < 12:
                        return None
                    byte_rate = struct.unpack("<I", fmt[8:12])[0]
                elif cid == b"data":
                    # Streaming writers put 0 or 0xFFFFFFFF here: nothing declared.
                    if not byte_rate or size in (0, 0xFFFFFFFF):
                        return None
                    return size / byte_rate, (size_on_disk - fh.tell()) / byte_rate
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
