"""Align a human translation (one sentence or paragraph per line) to the Persian segments.

A monotonic dynamic programme in the manner of Gale and Church: each step pairs one English line
with one to three consecutive Persian segments, or two or three lines with one segment. A pair
costs the mismatch of its length against the text's overall English/Persian length ratio, less
its similarity to what the machine translation says over the same time span (when there is an
``en.mt`` track). The lines take their times from the segments they render and record their
ids in ``source_ids``. Several lines paired with one segment all take that segment's span.

A line ends where the speaker paused. Whisper sometimes cuts a sentence in two segments with no
pause between them (where depends on the CPU and on the decoder's sampling), so ending a line
between two segments costs ``unpaused_cut``, less the more of ``pause_s`` the gap between them
holds: nothing at a clear pause.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from rapidfuzz import fuzz

from transcribe import __version__, subtitles
from transcribe.archive import Archive
from transcribe.errors import NavarError
from transcribe.transcript import Provenance, Segment, Track, segment_id

from .normalize import normalize

# (English lines, Persian segments) per step, with a small prior cost for the rarer shapes.
STEPS = {(1, 1): 0.0, (1, 2): 0.4, (2, 1): 0.4, (1, 3): 0.8, (3, 1): 0.8, (2, 2): 0.6}


@dataclass(frozen=True)
class TranslationOptions:
    """The pairing's tunables, recorded in the track's provenance."""

    mt_weight: float = 1.0  # how much likeness to the machine translation counts against length
    # Ending a line between segments that no pause separates costs this much, falling to nothing
    # at a gap of pause_s. (A sentence Whisper cut in two with 0.1 s between the pieces had its
    # English paired with the second piece alone: tests/test_translation_pauses.py.)
    unpaused_cut: float = 1.0
    pause_s: float = 0.3

    def to_dict(self) -> dict:
        return asdict(self)


class TranslationError(NavarError):
    """A translation cannot be aligned."""


def align_translation(
    archive: Archive,
    recording_id: str,
    source: Path | Track,
    language: str = "en",
    source_track: str | None = None,
    options: TranslationOptions | None = None,
) -> Track:
    o = options or TranslationOptions()
    rec = archive.recording(recording_id)
    lines = (
        source
        if isinstance(source, Track)
        else subtitles.read_track(Path(source), rec.id, language, "reference-translation")
    )
    texts = [s.text for s in lines.segments if s.text.strip()]
    fa = _source_track(archive, rec.id, source_track)
    segs = [s for s in fa.segments if s.timed and s.text.strip()]
    if not segs:
        raise TranslationError(f"track {fa.id} has no timed segments to align the translation to")
    mt = archive.track(rec.id, "en.mt") if archive.has_track(rec.id, "en.mt") else None
    pairs = _align(texts, segs, mt, o)

    out: list[Segment] = []
    for (i0, i1), (j0, j1) in pairs:
        group = segs[j0:j1]
        # Several lines for one segment each take its whole span: where one line ends inside
        # it is not known, and a time guessed by length would be cited as if it were.
        for i in range(i0, i1):
            out.append(
                Segment(
                    id=segment_id(len(out)),
                    start=group[0].start,
                    end=group[-1].end,
                    text=texts[i],
                    source_ids=[s.id for s in group],
                )
            )
    return Track(
        id=f"{language}.reference-translation",
        recording_id=rec.id,
        language=language,
        kind="reference-translation",
        provenance=Provenance(
            software=f"navar {__version__}",
            settings={
                "method": "monotonic length and machine-translation similarity alignment",
                "lines_per_segment": "several lines paired with one segment share its span",
                "options": o.to_dict(),
            },
            source=lines.provenance.source,
        ),
        segments=out,
        source_track=fa.id,
    )


def _source_track(archive: Archive, rec_id: str, wanted: str | None) -> Track:
    if wanted:
        return archive.track(rec_id, wanted)
    for tid in ("fa.reference", "fa.asr"):
        if archive.has_track(rec_id, tid):
            t = archive.track(rec_id, tid)
            if any(s.timed for s in t.segments):
                return t
    raise TranslationError(
        f"recording {rec_id} has no timed Persian track; transcribe it or align a reference first"
    )


def _align(texts: list[str], segs: list[Segment], mt: Track | None, o: TranslationOptions):
    """Best monotonic pairing: list of ((line from, to), (segment from, to))."""
    n, m = len(texts), len(segs)
    en_len = [len(normalize(t)) + 1 for t in texts]
    fa_len = [len(normalize(s.text)) + 1 for s in segs]
    ratio = sum(en_len) / sum(fa_len)
    # What ending a line after segment j - 1 costs: nothing at a clear pause or the end.
    cut = [o.unpaused_cut * max(0.0, 1 - (segs[j].start - segs[j - 1].end) / o.pause_s)
           if 0 < j < m else 0.0 for j in range(m + 1)]  # fmt: skip
    inf = math.inf
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    band = max(12, m // 8)  # long texts: stay near the diagonal, so the work stays linear
    for i in range(n + 1):
        centre = i * m / max(n, 1)
        for j in range(max(0, int(centre - band)), min(m, int(centre + band)) + 1):
            if cost[i][j] == inf:
                continue
            for (di, dj), prior in STEPS.items():
                i2, j2 = i + di, j + dj
                if i2 > n or j2 > m:
                    continue
                e = sum(en_len[i:i2])
                f = sum(fa_len[j:j2]) * ratio
                c = cost[i][j] + prior + abs(math.log(e / f)) + cut[j2]
                if mt is not None:
                    c -= o.mt_weight * _mt_similarity(" ".join(texts[i:i2]), segs[j:j2], mt)
                if c < cost[i2][j2]:
                    cost[i2][j2], back[i2][j2] = c, (i, j)
    if cost[n][m] == inf:
        raise TranslationError(
            f"cannot pair {n} translation lines with {m} Persian segments (too different in "
            "number); check that the file is the translation of this recording"
        )
    pairs, i, j = [], n, m
    while (i, j) != (0, 0):
        pi, pj = back[i][j]
        pairs.append(((pi, i), (pj, j)))
        i, j = pi, pj
    return pairs[::-1]


def _mt_similarity(text: str, group: list[Segment], mt: Track) -> float:
    a, b = group[0].start, group[-1].end
    said = " ".join(s.text for s in mt.segments if s.timed and s.start < b and s.end > a)
    if not said:
        return 0.0
    return fuzz.token_set_ratio(normalize(text), normalize(said)) / 100
