"""Waveform peaks for the player, computed on the server from the original audio.

ffmpeg decodes the file once at a low sample rate (an envelope needs no more) and the maximum
absolute amplitude of each bucket is kept as a byte (0..255). Results are cached in memory and
in a cache folder outside the archive (shared by every archive), keyed by the SHA-256 of the
audio bytes as the caller measured them (``Library.media_sha256``), never the one a
recording.json claims, so they are computed once per distinct audio file and a lying
recording.json cannot put another file's waveform under a digest. Nothing is written into
``media/`` or ``transcripts/``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import subprocess
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from transcribe import atomic
from transcribe.audio import require_ffmpeg

log = logging.getLogger(__name__)

ENVELOPE_RATE = 8000  # Hz: plenty for an amplitude envelope, half the work of 16 kHz
MAX_PEAKS = 4000
PEAKS_PER_SECOND = 50
# 2: keyed by the measured SHA-256 (version 1 trusted recording.json; its files are ignored).
_VERSION = 2
_SHA_RE = re.compile(r"[0-9a-f]{64}")


@dataclass
class Peaks:
    duration: float
    seconds_per_peak: float
    peaks: list[int]  # 0..255, max |amplitude| per bucket
    version: int = _VERSION

    def to_dict(self) -> dict:
        return asdict(self)


def compute(path: Path, duration: float) -> Peaks:
    """Decode ``path`` in a stream (flat memory on long files) and take one peak per bucket."""
    require_ffmpeg()
    count = max(1, min(MAX_PEAKS, math.ceil(duration * PEAKS_PER_SECOND)))
    per_bucket = max(1, math.ceil(duration * ENVELOPE_RATE / count))
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
           "-ac", "1", "-ar", str(ENVELOPE_RATE), "-f", "s16le", "-"]  # fmt: skip
    peaks: list[int] = []
    carry = np.zeros(0, dtype=np.int16)
    block = per_bucket * 256 * 2  # bytes: whole buckets at a time
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        while data := proc.stdout.read(block):
            samples = np.concatenate([carry, np.frombuffer(data[: len(data) & ~1], np.int16)])
            whole = len(samples) // per_bucket * per_bucket
            peaks.extend(_bucket_max(samples[:whole], per_bucket))
            carry = samples[whole:]
    if len(carry):
        peaks.extend(_bucket_max(carry, len(carry)))
    return Peaks(duration=duration, seconds_per_peak=per_bucket / ENVELOPE_RATE, peaks=peaks)


def _bucket_max(samples: np.ndarray, size: int) -> list[int]:
    if not len(samples):
        return []
    m = np.abs(samples.astype(np.int32)).reshape(-1, size).max(axis=1)
    return np.minimum(255, (m * 255 + 16383) // 32767).astype(int).tolist()


class PeakCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._memory: dict[str, Peaks] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, sha256: str, path: Path, duration: float) -> Peaks:
        """``sha256``: of the bytes at ``path``, measured by the caller."""
        if (hit := self._memory.get(sha256)) and hit.duration == duration:
            return hit
        with self._guard:
            lock = self._locks.setdefault(sha256, threading.Lock())
        with lock:  # one computation per file even when many listeners arrive at once
            if (hit := self._memory.get(sha256)) and hit.duration == duration:
                return hit
            loaded = self._load(sha256)
            if loaded is not None and loaded.duration == duration:
                peaks = loaded
            else:  # buckets are laid out for the duration asked for
                peaks = compute(path, duration)
                self._store(sha256, peaks)
            self._memory[sha256] = peaks
            return peaks

    def _file(self, sha256: str) -> Path | None:
        # Only a real digest may become a file name.
        return self.folder / f"{sha256}.json" if _SHA_RE.fullmatch(sha256) else None

    def _load(self, sha256: str) -> Peaks | None:
        if self._file(sha256) is None:
            return None
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError, RecursionError):
            data = json.loads(self._file(sha256).read_text())
            if data.get("version") == _VERSION:
                return Peaks(**data)
        return None

    def _store(self, sha256: str, peaks: Peaks) -> None:
        if self._file(sha256) is None:
            return
        try:
            atomic.write_text(self._file(sha256), json.dumps(peaks.to_dict()))
        except OSError as exc:  # a read-only home is fine: the memory cache still works
            log.info("waveform cache not written (%s)", exc)
