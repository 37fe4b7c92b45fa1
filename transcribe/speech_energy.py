"""Navar's one energy model: where speech is, from short-time energy in the speech's band.

Whisper's alignment puts a word's start where the silence before it begins (errors of 0.2 to
0.75 s); its ends are good. Moving a start forward to the first frame loud enough to be speech
fixes most of that. The threshold adapts to the recording's own noise floor, block by block.

Used by transcription (transcribe/boundaries.py: refining Whisper's word times, per piece) and
by alignment (align/session.py: one per recording, for forced alignment and quote edges), so
both read speech edges the same way (align/energy.py re-exports it; align may import from
transcribe, not the reverse).

The band follows the channel: by default it is measured on the recording (``band_for``) as the
frequencies where the level rises well above its own background, so a cassette's mains hum
below the speech and the hiss above a band-limited channel do not count as speech, while clean
audio keeps its whole spectrum (the burst of a final stop lives above 3.4 kHz).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SAMPLE_RATE = 16000
FRAME_S = 0.01


CONTEXT_S = 30.0  # the noise floor and speech level are measured over this much audio around
BLOCK_S = 5.0  # each stretch of this length
DIGITAL_SILENCE_DB = -100.0  # exact zeros (synthetic speech, edits, joins, padding)


def _threshold(db: np.ndarray) -> float:
    """Speech: well above the floor, but never more than 30 dB below the loud parts."""
    floor = float(np.percentile(db, 10))
    peak = float(np.percentile(db, 95))
    return max(floor + 0.25 * (peak - floor), peak - 30.0)


def _local_floors(db: np.ndarray) -> np.ndarray:
    """The background level per frame: the 10th percentile of the 30 s around it."""
    return _per_block(db, lambda around: float(np.percentile(around, 10)))


def _local_thresholds(db: np.ndarray) -> np.ndarray:
    """A threshold per frame from the audio around it. Tapes change level and background
    (a quieter room, music under a title, recordings joined together), and one threshold for
    the whole recording lets a noisy stretch's background count as speech."""
    return _per_block(db, _threshold)


def _per_block(db: np.ndarray, stat) -> np.ndarray:
    """``stat`` of the CONTEXT_S of audio around each BLOCK_S block, for every frame in it."""
    if not len(db):
        return np.zeros(0)
    # Exact zeros would put the floor at -180 dB; as a floor they count as -100 dB.
    db = np.maximum(db, DIGITAL_SILENCE_DB)
    block, half = int(BLOCK_S / FRAME_S), int(CONTEXT_S / FRAME_S) // 2
    out = np.empty(len(db))
    for a in range(0, len(db), block):
        mid = a + block // 2
        out[a : a + block] = stat(db[max(0, mid - half) : mid + half])
    return out


# A stretch that never rises this far above the threshold is not speech. Measured on the shared
# read speech: an inhale before a sentence peaks 4.3 dB above it, the frication of a first
# consonant (چ) 5.8 dB; a crude line between two that only the spectrum would tell apart well.
BREATH_DB = 5.0
CLICK_S = 0.06  # nor is one shorter than this


def _drop_faint_runs(db: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Frames above the threshold, without the runs that are breaths, hum or clicks: an
    inhale before a sentence would otherwise start the sentence early."""
    voiced = db > threshold
    edges = np.flatnonzero(np.diff(np.concatenate(([0], voiced.astype(np.int8), [0]))))
    loud = db - threshold
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a < CLICK_S / FRAME_S or loud[a:b].max() < BREATH_DB:
            voiced[a:b] = False
    return voiced


MEASURED = "measured"


@dataclass(frozen=True)
class EnergyOptions:
    """How speech is told from background. Recorded in the provenance of what uses it."""

    # The band whose energy counts: "measured" (the recording's own, see band_for), a fixed
    # (low, high) in Hz, or None for broadband. A fixed (300, 8000) was the cassette work's
    # first answer: above a worn tape's 50/150 Hz hum, not capped at 3.4 kHz (the burst of a
    # final stop, ت in نیست, lives above it: an end cut there is 0.4 s early on clean speech).
    band_hz: tuple[float, float] | str | None = MEASURED
    block_s: float = 60.0  # samples are read in blocks this long (memory stays flat)
    # A 100 Hz bin belongs to the band when its level's spread (95th minus 10th percentile of
    # 10 ms frames) reaches this many dB. Background alone spreads about 14.5 dB (one bin of
    # noise is exponentially distributed); on the bench tapes speech bins spread 21-70 dB and
    # hiss-only ones 15-19 (BENCHMARKS.md, "One energy model").
    band_spread_db: float = 20.0
    # Never below: mains hum (50 Hz, its third harmonic 150 Hz) carries no speech, and on clean
    # speech a band from 100 Hz let voicing run on past line ends (real-clean tape: edge p95
    # 0.45 s against 0.35 s from 300 Hz; BENCHMARKS.md).
    band_min_hz: float = 300.0
    band_min_s: float = 2.0  # shorter audio is too little to measure a band on: broadband

    def to_dict(self) -> dict:
        d = asdict(self)
        d["band_hz"] = list(self.band_hz) if isinstance(self.band_hz, tuple) else self.band_hz
        return d


def _bin_spread(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per 100 Hz bin: its centre in Hz and the spread of its level over 10 ms frames (dB)."""
    size = int(SAMPLE_RATE * FRAME_S)
    n = len(samples) // size
    frames = samples[: n * size].reshape(n, size).astype(np.float64)
    spec = np.abs(np.fft.rfft(frames * np.hanning(size), axis=1)) ** 2
    db = 10 * np.log10(spec + 1e-18)
    spread = np.percentile(db, 95, axis=0) - np.percentile(db, 10, axis=0)
    return np.fft.rfftfreq(size, 1 / SAMPLE_RATE), spread


def band_for(blocks, options: EnergyOptions) -> tuple[float, float] | None:
    """The speech band measured on ``blocks`` (an iterable of sample arrays): the run of 100 Hz
    bins around the most modulated one whose spread reaches ``band_spread_db`` (the median over
    blocks). None (broadband) when the audio is too short to say."""
    spreads, hz = [], None
    for x in blocks:
        if len(x) >= options.band_min_s * SAMPLE_RATE:
            hz, spread = _bin_spread(x)
            spreads.append(spread)
    if not spreads:
        return None
    spread = np.median(np.array(spreads), axis=0)
    ok = (spread >= options.band_spread_db) & (hz >= options.band_min_hz)
    if not ok.any():
        return None
    peak = int(np.argmax(np.where(hz >= options.band_min_hz, spread, -np.inf)))
    lo = hi = peak
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < len(ok) - 1 and ok[hi + 1]:
        hi += 1
    half = (hz[1] - hz[0]) / 2  # a bin covers its centre +- 50 Hz
    return (float(max(hz[lo] - half, options.band_min_hz)), float(hz[hi] + half))


def resolve_band(blocks, options: EnergyOptions) -> tuple[float, float] | None:
    if options.band_hz == MEASURED:
        return band_for(blocks, options)
    if isinstance(options.band_hz, str):
        raise ValueError(f"band_hz: {options.band_hz!r} is not 'measured', (low, high) or None")
    return None if options.band_hz is None else tuple(options.band_hz)


def frame_db(samples: np.ndarray, band_hz: tuple[float, float] | None) -> np.ndarray:
    """Level in dB of each 10 ms frame, broadband or within ``band_hz``."""
    size = int(SAMPLE_RATE * FRAME_S)
    n = len(samples) // size
    if not n:
        return np.zeros(0)
    frames = samples[: n * size].reshape(n, size).astype(np.float64)
    if band_hz is None:
        power = np.mean(frames**2, axis=1)
    else:
        # 10 ms frames give 100 Hz bins: coarse, but the band edges need no more.
        spec = np.abs(np.fft.rfft(frames * np.hanning(size), axis=1)) ** 2
        hz = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
        keep = (hz >= band_hz[0]) & (hz <= band_hz[1])
        # Scaled so that a full-band signal reads about the same as its broadband power.
        power = spec[:, keep].sum(axis=1) * 2 / (size * np.sum(np.hanning(size) ** 2))
    return 10 * np.log10(power + 1e-18)


class Energy:
    """Frame levels, local floors and thresholds, and the voiced frames of a stretch of audio.

    Times are recording seconds: ``origin`` is where the stretch starts (0 for a whole
    recording; a piece's start when transcription refines one piece at a time)."""

    high_db: np.ndarray | None = None  # level above the speech band, when one is set
    high_floor: np.ndarray | None = None
    origin: float = 0.0
    band_hz: tuple[float, float] | None = None  # the band used (measured or given)

    def __init__(self, samples: np.ndarray, band_hz: tuple[float, float] | None = None):
        self.band_hz = band_hz
        self._set(frame_db(samples, band_hz))

    @classmethod
    def from_samples(
        cls, samples: np.ndarray, options: EnergyOptions | None = None, offset: float = 0.0
    ) -> Energy:
        """The energy model of samples in memory (a piece being transcribed) at ``offset``."""
        options = options or EnergyOptions()
        step = int(options.block_s * SAMPLE_RATE)
        blocks = [samples[a : a + step] for a in range(0, len(samples), step)] or [samples]
        return cls._from_blocks(lambda: iter(blocks), options, offset)

    @classmethod
    def from_session(cls, session, options: EnergyOptions) -> Energy:
        """Frame levels read block by block from a session's streamed samples."""
        return cls._from_blocks(
            lambda: (x for _, x in session.blocks(options.block_s)), options, 0.0
        )

    @classmethod
    def _from_blocks(cls, blocks, options: EnergyOptions, offset: float) -> Energy:
        band = resolve_band(blocks(), options)  # one pass to measure, one to read (flat memory)
        parts, high = [], []
        for x in blocks():
            parts.append(frame_db(x, band))
            if band is not None and band[1] < SAMPLE_RATE / 2 - 100:
                high.append(frame_db(x, (band[1], SAMPLE_RATE / 2)))
        self = cls.__new__(cls)
        self.band_hz, self.origin, self.options = band, offset, options
        self._set(np.concatenate(parts) if parts else np.zeros(0))
        if high:  # above the speech band: fricatives (س, ش) that end a line on clean audio
            self.high_db = np.concatenate(high)
            self.high_floor = _local_floors(self.high_db)
        return self

    def provenance(self) -> dict:
        """The options and the band actually used, for the provenance of what used them."""
        band = None if self.band_hz is None else [round(x) for x in self.band_hz]
        options = getattr(self, "options", None)
        return {"energy": {**(options.to_dict() if options else {}), "band_used_hz": band}}

    def frame(self, t: float) -> int:
        """The frame holding recording time ``t`` (not clipped)."""
        return int(round((t - self.origin) / FRAME_S))

    def time(self, i: int) -> float:
        return self.origin + i * FRAME_S

    def speech_fraction(self, start: float, end: float) -> float:
        """Share of frames in [start, end) that are voiced."""
        a, b = max(self.frame(start), 0), min(self.frame(end), len(self.voiced))
        return float(np.mean(self.voiced[a:b])) if b > a else 0.0

    def peak_db(self, start: float, end: float) -> float:
        """The loudest frame in [start, end) (dB); -inf for an empty stretch."""
        a, b = max(self.frame(start), 0), min(self.frame(end), len(self.db))
        return float(np.max(self.db[a:b])) if b > a else float("-inf")

    def over_floor_db(self, start: float, end: float) -> float:
        """Mean level over the local floor in [start, end) (dB, in the speech band): near 0 in
        a pause, a few dB for a faint sound under the speech threshold; -inf if empty."""
        a, b = max(self.frame(start), 0), min(self.frame(end), len(self.db))
        return float(np.mean(self.db[a:b] - self.floor[a:b])) if b > a else float("-inf")

    def _set(self, db: np.ndarray) -> None:
        self.db = db
        self.threshold = _local_thresholds(self.db)
        self.floor = _local_floors(self.db)
        self.voiced = _drop_faint_runs(self.db, self.threshold)

    def _frame(self, t: float) -> int:
        return int(np.clip(self.frame(t), 0, max(len(self.db) - 1, 0)))

    def onset(self, start: float, limit: float, back: float = 0.08, pause: float = 0.08) -> float:
        """Where speech begins near ``start``: the first rise after ``pause`` of quiet in
        [start - back, limit].

        With no rise there (speech throughout), the start of the voiced stretch, at most
        ``2 * back`` earlier; ``start`` itself when there is no speech at all.
        """
        if not len(self.voiced):
            return start
        a, b = self._frame(start - back), self._frame(limit)
        v = self.voiced
        n = max(1, int(round(pause / FRAME_S)))
        rises = [i for i in range(max(a, n), b + 1) if v[i] and not v[i - n : i].any()]
        if rises:
            return round(self.time(rises[0]), 3)
        # Inside speech: where that stretch began. A start in a pause just after a sound stays
        # (that sound ended before it: the tail of what came before).
        if v[a] and v[self._frame(start)]:
            while a > 0 and v[a - 1] and a > self._frame(start - 2 * back):
                a -= 1
            return round(self.time(a), 3)
        return start

    def quiet(self, a: float, b: float) -> bool:
        """No speech at all in [a, b]."""
        return not len(self.voiced) or not self.voiced[self._frame(a) : self._frame(b) + 1].any()

    def last_onset(self, a: float, b: float, pause: float = 0.08) -> float | None:
        """The last point in [a, b] where speech resumes after at least ``pause`` of quiet."""
        n = max(1, int(round(pause / FRAME_S)))
        i0, i1 = max(self._frame(a), n), self._frame(b)
        for i in range(i1, i0 - 1, -1):
            if self.voiced[i] and not self.voiced[i - n : i].any():
                return round(self.time(i), 3)
        return None

    def first_offset(self, a: float, b: float, pause: float = 0.15) -> float | None:
        """The first point in [a, b] where speech stops for at least ``pause``."""
        n = max(1, int(round(pause / FRAME_S)))
        for i in range(max(self._frame(a), 1), self._frame(b) + 1):
            if self.voiced[i - 1] and not self.voiced[i : i + n].any():
                return round(self.time(i), 3)
        return None

    def offset(self, end: float, limit: float, ahead: float = 0.08) -> float:
        """Last voiced frame in [limit, end + ahead] (plus one frame); ``end`` when none."""
        if not len(self.voiced):
            return end
        a, b = self._frame(limit), self._frame(end + ahead)
        hits = np.flatnonzero(self.voiced[a : b + 1])
        return round(self.time(a + int(hits[-1]) + 1), 3) if len(hits) else end

    def trail(self, end: float, reach: float, above_floor_db: float) -> float:
        """Where a fading end (a weak last consonant, sunk in hiss below the speech threshold)
        meets the background: ``end`` moved on while the level stays ``above_floor_db`` over
        the local floor (smoothed over 30 ms), at most ``reach`` seconds."""
        if not len(self.db):
            return end
        i, stop = self._frame(end), self._frame(end + reach)
        a = max(0, i - 2)
        box = np.ones(3) / 3
        level = np.convolve(self.db[a : stop + 2], box, mode="same") - self.floor[a : stop + 2]
        high = self.high_db
        if high is not None:  # a fricative above the band also keeps the end going
            up = np.convolve(high[a : stop + 2], box, mode="same") - self.high_floor[a : stop + 2]
            level = np.maximum(level, up)
        while i < stop and level[i - a] > above_floor_db:
            i += 1
        return round(max(end, self.time(i)), 3)
