"""One recording's audio as the align algorithms see it: samples, energy, encoder outputs.

The caller opens one ``AudioSession`` per recording and passes it to forced alignment, quote
search and citation. The audio is decoded once by ffmpeg, streamed to a raw 16 kHz PCM file in
the cache folder (never in the archive) and read through a memory map, so memory does not grow
with the recording's length. The cache is keyed by the file's SHA-256, computed here while
reading (so a changed file never meets a stale cache), and by the front end applied (a denoiser
changes the samples, so it is part of the key and of the provenance).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from transcribe import denoise
from transcribe.audio import SAMPLE_RATE
from transcribe.errors import AudioError

from . import audio_cache
from .energy import Energy, EnergyOptions

DECODE_TIMEOUT_S = 3600  # ffmpeg decoding a whole recording; a hung ffmpeg must not hang us

# Front ends that may be applied before alignment: the same named denoisers as transcription
# (`--denoise`, transcribe/denoise.py). The original file is never changed; the filtered samples
# live in the cache under a key of their own filter string.
FRONT_ENDS = denoise.NAMES


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "navar" / "audio"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class AudioSession:
    """Streamed samples, one energy model and an encoder-output cache for one recording."""

    def __init__(
        self,
        path: Path,
        sha256: str | None = None,
        cache_dir: Path | None = None,
        front_end: str = "none",
        energy_options: EnergyOptions | None = None,
        encoder_cache_windows: int = 24,
        cache_limit_mb: float | None = None,
    ):
        if front_end not in FRONT_ENDS:
            raise ValueError(f"unknown front end {front_end!r} (one of {', '.join(FRONT_ENDS)})")
        self.path = Path(path)
        actual = file_sha256(self.path)
        if sha256 is not None and sha256 != actual:
            raise AudioError(f"{self.path}: its SHA-256 is not the one recorded in the archive")
        self.sha256 = actual
        self.front_end = front_end
        self._tmp = None
        if cache_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="navar-audio-")
            cache_dir = Path(self._tmp.name)
        self.cache_dir = Path(cache_dir) / self.sha256
        # The filter with its parameters measured on this recording; keyed by it, so a change of
        # parameters never meets samples filtered the old way.
        self.front_end_filter = denoise.filter_for(front_end, self.path)
        # A front end that applies nothing to this recording (clean audio) shares the plain copy.
        name = "16k-none.s16"
        if self.front_end_filter:
            tag = hashlib.sha256(self.front_end_filter.encode()).hexdigest()[:8]
            name = f"16k-{front_end}-{tag}.s16"
        self._pcm = self.cache_dir / name
        # Held while open, so another process's eviction never removes what we read.
        self._in_use = audio_cache.InUse(self.cache_dir)
        if not self._pcm.is_file():
            try:
                self._decode()
            except BaseException:
                self._in_use.release()
                raise
        # The cap (``cache_limit_mb``, else NAVAR_AUDIO_CACHE_MB): least recently used first.
        self.evicted = audio_cache.evict(
            self.cache_dir.parent, audio_cache.limit_bytes(cache_limit_mb), keep=(self.sha256,)
        )
        self._samples = np.memmap(self._pcm, dtype=np.int16, mode="r")
        self.duration = len(self._samples) / SAMPLE_RATE
        self.energy = Energy.from_session(self, energy_options or EnergyOptions())
        self._encoded: OrderedDict = OrderedDict()
        self._encoder_cache_windows = encoder_cache_windows

    def _decode(self) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(self.path), "-map", "0:a:0"]
        if self.front_end_filter:
            cmd += ["-af", self.front_end_filter]
        cmd += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le"]
        fd, part = tempfile.mkstemp(dir=self.cache_dir, suffix=".part")
        os.close(fd)
        try:
            proc = subprocess.run(
                [*cmd, "-y", part],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=DECODE_TIMEOUT_S,
                check=False,
            )
            # Like transcribe.audio.decode: a damaged tail still gives the audio before it.
            if os.path.getsize(part) == 0:
                last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
                raise AudioError(f"{self.path}: ffmpeg could not decode it: {last[0]}")
            os.replace(part, self._pcm)  # atomic: a half-written cache is never used
        finally:
            if os.path.exists(part):
                os.unlink(part)

    def samples(self, start: float, end: float) -> np.ndarray:
        """Mono float32 samples of [start, end) seconds (shorter at the end of the audio)."""
        a = max(0, int(round(start * SAMPLE_RATE)))
        b = max(a, int(round(end * SAMPLE_RATE)))
        return np.asarray(self._samples[a:b], dtype=np.float32) / 32768.0

    def blocks(self, seconds: float):
        """(offset, samples) blocks covering the recording, one in memory at a time."""
        step = int(seconds * SAMPLE_RATE)
        for a in range(0, len(self._samples), step):
            block = np.asarray(self._samples[a : a + step], dtype=np.float32) / 32768.0
            yield a / SAMPLE_RATE, block

    # --- encoder outputs -------------------------------------------------------------------

    def encoded(self, key: tuple, compute, store=None, load=None):
        """The encoder output for ``key`` ((scorer name, window start ms, reversed[, audio end
        ms when the window is silenced after it])), kept in
        memory for the last few windows (a cursor walk and a quote's sweep revisit them) and,
        when ``store``/``load`` convert it to and from an array, on disk in the cache folder
        (float16: half the size, scores unchanged to the third decimal), so that the next
        find, align or cite on the recording does not encode it again."""
        if key in self._encoded:
            self._encoded.move_to_end(key)
            return self._encoded[key]
        name, start_ms, rev = key[:3]
        tag = hashlib.sha256(str(name).encode()).hexdigest()[:12]
        until = f"-{key[3]}" if len(key) > 3 else ""
        path = self.cache_dir / "encoder" / tag / f"{start_ms}{'r' if rev else ''}{until}.npy"
        value = None
        if load is not None and path.is_file():
            try:
                value = load(np.load(path))
            except (OSError, ValueError):
                value = None  # a damaged cache file is recomputed
        if value is None:
            value = compute()
            if store is not None:
                arr = store(value)
                path.parent.mkdir(parents=True, exist_ok=True)
                part = path.with_suffix(".part.npy")
                np.save(part, arr)
                os.replace(part, path)
                # What the next run will read back (float16), so that an answer does not
                # depend on whether its windows were encoded now or found in the cache (a
                # path can tip either way on the last decimals).
                value = load(arr) if load is not None else value
        self._encoded[key] = value
        while len(self._encoded) > self._encoder_cache_windows:
            self._encoded.popitem(last=False)
        return value

    def provenance(self) -> dict:
        # The energy band actually used (measured on this recording unless fixed by options).
        return {
            "front_end": self.front_end,
            "front_end_filter": self.front_end_filter,
            "energy_band_used_hz": self.energy.provenance()["energy"]["band_used_hz"],
        }

    def close(self) -> None:
        self._encoded.clear()
        self._samples = None
        if getattr(self, "_in_use", None) is not None:
            self._in_use.release()
            self._in_use = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp.name, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WindowSession:
    """The session interface over a short stretch of samples already in memory (an edited
    segment's window): no file, no disk cache, and times counted from the stretch's start."""

    def __init__(self, samples: np.ndarray, band_hz: tuple[float, float] | None = None):
        from .energy import Energy

        self._samples = np.asarray(samples, dtype=np.float32)
        self.duration = len(self._samples) / SAMPLE_RATE
        self.energy = Energy(self._samples, band_hz)
        self.front_end = "none"

    def samples(self, start: float, end: float) -> np.ndarray:
        a = max(0, int(round(start * SAMPLE_RATE)))
        return self._samples[a : max(a, int(round(end * SAMPLE_RATE)))]

    def encoded(self, key: tuple, compute, store=None, load=None):
        return compute()  # a window is aligned once: nothing to keep

    def provenance(self) -> dict:
        band = self.energy.provenance()["energy"]["band_used_hz"]
        return {"front_end": "none", "front_end_filter": None, "energy_band_used_hz": band}
