"""Named denoising front ends: what `--denoise NAME` puts between the original and the models.

A front end is an ffmpeg audio filter chain applied while decoding, so it only ever changes a
derived stream (the samples Whisper reads, the cached 16 kHz copy alignment reads); the original
file's bytes are never touched. Transcription, alignment, quote search and batch take the same
names from this one table, and what they write records the name and the exact filter string,
with the parameters measured on the recording.

``afftdn`` is ffmpeg's FFT denoiser told where the recording's noise floor is. Its own noise
tracking (``tn=1``) does not find a hiss louder than the starting floor it is given: with
``nf=-40:tn=1`` (Navar's setting before 2026-11-30) it lowered a worn tape's hiss by 0.8 dB,
so it did almost nothing. The floor is therefore measured first: the ``FLOOR_PERCENTILE``th
percentile of 10 ms frame levels over the first ``PROBE_S`` seconds (the pauses between words,
where only hiss is left); on the worn bench tape that is -38 dBFS, and the filter then lowers
the hiss by 6 to 7 dB and leaves the speech level alone. It acts only on noisy audio: where loud
speech stands at least ``AFFTDN_MAX_SPEECH_OVER_FLOOR_DB`` above the floor (a clean or decent
recording) nothing is applied, and the provenance says so (no filter string). Measured with and
without on the cassette tapes in BENCHMARKS.md, which is where the defaults below come from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Defaults per use, from the measurements (BENCHMARKS.md): afftdn made Whisper base's text
# worse on every cassette channel, so transcription runs without it; forced alignment through
# the worn channel placed every line with it (20 of 20 against 17), so alignment runs with it.
DEFAULT = "none"  # transcription (and quote search: not measured with a denoiser)
DEFAULT_ALIGN = "afftdn"  # forced alignment of a transcript
NAMES = ("none", "afftdn")

PROBE_S = 120.0  # seconds decoded from the start to measure the noise floor
FLOOR_PERCENTILE = 10  # the quiet frames: pauses, where only the background is
SILENT_FLOOR_DB = -70.0  # a floor below this is (near) digital silence: nothing to denoise
# afftdn acts only where loud speech stands less than this far above the floor. Measured on the
# bench tapes: clean 29 dB, decent 25, worn 16.5 (the four clean recordings 26.5 to 51); on the
# clean tape afftdn moved line edges (median 0.01 -> 0.03 s) for nothing, on the worn one it
# placed 20 lines of 20 against 17 (BENCHMARKS.md).
AFFTDN_MAX_SPEECH_OVER_FLOOR_DB = 20.0
AFFTDN_NR_DB = 12  # how much afftdn lowers the noise (its nr)
AFFTDN_FLOOR_RANGE = (-80, -20)  # afftdn accepts nf in this range (dB)
FRAME_S = 0.01


def check(name: str | None) -> str:
    """``name`` as a known front end (None means none); ValueError with the choices if not."""
    name = name or DEFAULT
    if name not in NAMES:
        raise ValueError(f"unknown denoiser {name!r} (one of: {', '.join(NAMES)})")
    return name


def _frame_levels(samples: np.ndarray, rate: int) -> np.ndarray:
    size = int(rate * FRAME_S)
    n = len(samples) // size
    frames = samples[: n * size].reshape(n, size).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-18)


def noise_floor_db(samples: np.ndarray, rate: int = 16000) -> float | None:
    """The background level in dBFS: a low percentile of 10 ms frame levels (the pauses); None
    when that is digital silence or near it (below ``SILENT_FLOOR_DB``): synthetic or
    digitally cleaned audio has no noise to remove, and its quiet frames are speech."""
    db = _frame_levels(samples, rate)
    if not len(db):
        return None
    floor = float(np.percentile(db, FLOOR_PERCENTILE))
    return None if floor < SILENT_FLOOR_DB else floor


def speech_over_floor_db(samples: np.ndarray, rate: int = 16000) -> float | None:
    """How far loud speech (95th percentile of frame levels) stands above the floor, in dB."""
    floor = noise_floor_db(samples, rate)
    if floor is None:
        return None
    return float(np.percentile(_frame_levels(samples, rate), 95)) - floor


def afftdn_filter(floor_db: float) -> str:
    lo, hi = AFFTDN_FLOOR_RANGE
    nf = int(round(min(max(floor_db, lo), hi)))
    return f"afftdn=nr={AFFTDN_NR_DB}:nf={nf}"


def filter_for(name: str | None, media: Path) -> str | None:
    """The ffmpeg filter chain ``name`` applies to ``media`` (None for none), its parameters
    measured on the recording (one short extra decode of its start)."""
    name = check(name)
    if name == "none":
        return None
    from .audio import decode

    x = decode(Path(media), 0.0, PROBE_S)
    floor, above = noise_floor_db(x), speech_over_floor_db(x)
    if floor is None or above > AFFTDN_MAX_SPEECH_OVER_FLOOR_DB:
        return None  # no noise worth removing: nothing is applied (recorded as no filter)
    return afftdn_filter(floor)


def provenance(name: str | None, applied: str | None) -> dict:
    """What is recorded of the front end in the provenance of what it produced: the name and
    the exact filter string applied (with its measured parameters)."""
    return {"denoise": check(name), "denoise_filter": applied}
