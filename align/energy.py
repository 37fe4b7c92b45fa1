"""Speech onsets and offsets from short-time energy, to sharpen Whisper's word boundaries.

Whisper's alignment puts a word's start where the silence before it begins (errors of 0.2 to
0.75 s); its ends are good. Moving a start forward to the first frame loud enough to be speech
fixes most of that. The threshold adapts to the recording's own noise floor.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
FRAME_S = 0.01


class Energy:
    def __init__(self, samples: np.ndarray):
        n = len(samples) // int(SAMPLE_RATE * FRAME_S)
        frames = samples[: n * int(SAMPLE_RATE * FRAME_S)].reshape(n, -1) if n else np.zeros((0, 1))
        rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
        self.db = 20 * np.log10(rms + 1e-9)
        if n:
            floor = float(np.percentile(self.db, 10))
            peak = float(np.percentile(self.db, 95))
            # Speech: well above the floor, but never more than 30 dB below the loud parts.
            self.threshold = max(floor + 0.25 * (peak - floor), peak - 30.0)
        else:
            self.threshold = 0.0
        self.voiced = self.db > self.threshold

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
