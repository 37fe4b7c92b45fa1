"""Speech onsets and offsets from short-time energy, to sharpen Whisper's word boundaries.

Whisper's alignment puts a word's start where the silence before it begins (errors of 0.2 to
0.75 s); its ends are good. Moving a start forward to the first frame loud enough to be speech
fixes most of that. The threshold adapts to the recording's own noise floor.
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


@dataclass(frozen=True)
class EnergyOptions:
    """How speech is told from background. Recorded in the provenance of what uses it."""

    # Energy above the mains hum only: a worn tape's 50/150 Hz hum carries no speech but raises
    # a broadband floor (bench/tapes.py worn). Not capped at 3.4 kHz: the burst of a final
    # stop (ت in نیست) lives above it and an end cut there is 0.4 s early on clean speech
    # (tests/test_real_speech.py). None: broadband, as before the cassette work.
    band_hz: tuple[float, float] | None = (300.0, 8000.0)
    block_s: float = 60.0  # samples are read in blocks this long (memory stays flat)

    def to_dict(self) -> dict:
        return asdict(self)


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
    high_db: np.ndarray | None = None  # level above the speech band, when one is set
    high_floor: np.ndarray | None = None

    def __init__(self, samples: np.ndarray, band_hz: tuple[float, float] | None = None):
        self._set(frame_db(samples, band_hz))

    @classmethod
    def from_session(cls, session, options: EnergyOptions) -> Energy:
        """Frame levels read block by block from a session's streamed samples."""
        parts, high = [], []
        for _, x in session.blocks(options.block_s):
            parts.append(frame_db(x, options.band_hz))
            if options.band_hz is not None and options.band_hz[1] < SAMPLE_RATE / 2 - 100:
                high.append(frame_db(x, (options.band_hz[1], SAMPLE_RATE / 2)))
        self = cls.__new__(cls)
        self._set(np.concatenate(parts) if parts else np.zeros(0))
        if high:  # above the speech band: fricatives (س, ش) that end a line on clean audio
            self.high_db = np.concatenate(high)
            self.high_floor = _local_floors(self.high_db)
        self.options = options
        return self

    def _set(self, db: np.ndarray) -> None:
        self.db = db
        self.threshold = _local_thresholds(self.db)
        self.floor = _local_floors(self.db)
        self.voiced = _drop_faint_runs(self.db, self.threshold)

    def _frame(self, t: float) -> int:
        return int(np.clip(round(t / FRAME_S), 0, max(len(self.db) - 1, 0)))

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
            return round(rises[0] * FRAME_S, 3)
        if v[a]:
            while a > 0 and v[a - 1] and a > self._frame(start - 2 * back):
                a -= 1
            return round(a * FRAME_S, 3)
        return start

    def quiet(self, a: float, b: float) -> bool:
        """No speech at all in [a, b]."""
        return not len(self.voiced) or not self.voiced[self._frame(a) : self._frame(b) + 1].any()

    def voiced_fraction(self, a: float, b: float) -> float:
        """The share of [a, b] that is speech."""
        if not len(self.voiced) or b <= a:
            return 0.0
        return float(self.voiced[self._frame(a) : self._frame(b) + 1].mean())

    def last_onset(self, a: float, b: float, pause: float = 0.08) -> float | None:
        """The last point in [a, b] where speech resumes after at least ``pause`` of quiet."""
        n = max(1, int(round(pause / FRAME_S)))
        i0, i1 = max(self._frame(a), n), self._frame(b)
        for i in range(i1, i0 - 1, -1):
            if self.voiced[i] and not self.voiced[i - n : i].any():
                return round(i * FRAME_S, 3)
        return None

    def first_offset(self, a: float, b: float, pause: float = 0.15) -> float | None:
        """The first point in [a, b] where speech stops for at least ``pause``."""
        n = max(1, int(round(pause / FRAME_S)))
        for i in range(max(self._frame(a), 1), self._frame(b) + 1):
            if self.voiced[i - 1] and not self.voiced[i : i + n].any():
                return round(i * FRAME_S, 3)
        return None

    def offset(self, end: float, limit: float, ahead: float = 0.08) -> float:
        """Last voiced frame in [limit, end + ahead] (plus one frame); ``end`` when none."""
        if not len(self.voiced):
            return end
        a, b = self._frame(limit), self._frame(end + ahead)
        hits = np.flatnonzero(self.voiced[a : b + 1])
        return round((a + int(hits[-1]) + 1) * FRAME_S, 3) if len(hits) else end

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
        return round(max(end, i * FRAME_S), 3)
