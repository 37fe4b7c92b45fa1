"""Read access to the archive for the web app: safe lookups by URL parts, cached track reads.

Every id that comes from a URL is checked against the archive's own id patterns before it
touches a path, and the media path is checked to stay inside ``media/``. Tracks are parsed once
and kept (with their JSON) until the file changes, so a 3-hour transcript is not re-read on
every request.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import NotFound

from transcribe.archive import Archive, valid_recording_id, valid_track_id
from transcribe.errors import NavarError
from transcribe.subtitles import is_rtl
from transcribe.transcript import KIND_LABELS, SCHEMA_IDS, Recording, Track, track_from_dict

from .peaks import PeakCache

_MAX_CACHED_TRACKS = 32
_PREWARM_WAVEFORMS = 8  # decoding is the slow part: only the newest few


@dataclass
class CachedTrack:
    raw: bytes  # the track file as written: the contract JSON, sent as it is
    data: dict  # the same, parsed and checked
    summary: dict
    _gzip: bytes | None = None
    _track: Track | None = None

    @property
    def gzip(self) -> bytes:
        if self._gzip is None:
            self._gzip = gzip.compress(self.raw, compresslevel=6, mtime=0)
        return self._gzip

    @property
    def track(self) -> Track:
        # Built only when needed (exports): 30,000 Word objects cost more than the JSON.
        if self._track is None:
            self._track = track_from_dict(self.data)
        return self._track


class Library:
    def __init__(self, archive: Archive, peaks: PeakCache):
        self.archive = archive
        self.peaks = peaks
        self._tracks: OrderedDict[Path, tuple[tuple[int, int], CachedTrack]] = OrderedDict()
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        self._loading: dict[Path, threading.Lock] = {}

    # --- recordings ---------------------------------------------------------------------------

    def recordings(self) -> list[Recording]:
        return self.archive.recordings()

    def recording(self, rec_id: str) -> Recording:
        if not valid_recording_id(rec_id):
            raise NotFound(f"There is no recording {rec_id!r} in this archive.")
        try:
            return self.archive.recording(rec_id)
        except NavarError as exc:
            raise NotFound(f"There is no recording {rec_id!r} in this archive.") from exc

    def media_path(self, rec: Recording) -> Path:
        media_dir = self.archive.media_dir.resolve()
        path = (media_dir / rec.media).resolve()
        # recording.json names the file; refuse a name that would lead out of media/.
        if path.parent != media_dir or not path.is_file():
            raise NotFound(f"The audio of recording {rec.id} is missing from the archive.")
        return path

    # --- tracks -------------------------------------------------------------------------------

    def track_ids(self, rec_id: str) -> list[str]:
        return self.archive.track_ids(rec_id)

    def cached_track(self, rec_id: str, track_id: str) -> CachedTrack:
        rec = self.recording(rec_id)
        if not valid_track_id(track_id):
            raise NotFound(f"There is no track {track_id!r} for recording {rec.id}.")
        path = self.archive.transcripts_dir / rec.id / "tracks" / f"{track_id}.json"
        try:
            st = path.stat()
        except OSError as exc:
            raise NotFound(f"There is no track {track_id!r} for recording {rec.id}.") from exc
        stamp = (st.st_mtime_ns, st.st_size)
        if hit := self._cached(path, stamp):
            return hit
        with self._guard:
            load_lock = self._loading.setdefault(path, threading.Lock())
        with load_lock:  # one parse per file, however many visitors arrive at once
            if hit := self._cached(path, stamp):
                return hit
            return self._load(path, stamp, rec.id, track_id)

    def _cached(self, path: Path, stamp: tuple[int, int]) -> CachedTrack | None:
        with self._lock:
            hit = self._tracks.get(path)
            if hit and hit[0] == stamp:
                self._tracks.move_to_end(path)
                return hit[1]
        return None

    def _load(self, path: Path, stamp: tuple[int, int], rec_id: str, track_id: str) -> CachedTrack:
        try:
            raw = path.read_bytes()
            data = json.loads(raw)
            _check_track(data, rec_id)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NotFound(f"Track {track_id} of recording {rec_id} cannot be read.") from exc
        cached = CachedTrack(raw, data, track_summary(data))
        with self._lock:
            self._tracks[path] = (stamp, cached)
            self._tracks.move_to_end(path)
            while len(self._tracks) > _MAX_CACHED_TRACKS:
                self._tracks.popitem(last=False)
        return cached

    def track(self, rec_id: str, track_id: str) -> Track:
        return self.cached_track(rec_id, track_id).track

    def summaries(self, rec_id: str) -> list[dict]:
        out = []
        for t in self.track_ids(rec_id):
            try:
                out.append(self.cached_track(rec_id, t).summary)
            except NotFound:  # unreadable or being replaced: list the others
                continue
        return out

    def prewarm(self) -> None:
        """Prepare the newest recordings ahead of the first visitor: their tracks (parsed,
        serialised, compressed; at most what the cache holds) and their waveforms."""
        loaded = 0
        for n, rec in enumerate(reversed(self.recordings())):
            for t in self.track_ids(rec.id):
                if loaded >= _MAX_CACHED_TRACKS:
                    return
                with contextlib.suppress(NotFound):
                    self.cached_track(rec.id, t).gzip  # noqa: B018 (computes and keeps it)
                    loaded += 1
            if n < _PREWARM_WAVEFORMS:
                with contextlib.suppress(NotFound, NavarError, OSError):
                    self.peaks.get(rec.sha256, self.media_path(rec), rec.duration)


def _check_track(data: dict, rec_id: str) -> None:
    if data.get("schema") not in SCHEMA_IDS or data.get("type") != "track":
        raise ValueError("not a track of this schema")
    if data.get("recording_id") != rec_id or data.get("kind") not in KIND_LABELS:
        raise ValueError("track does not belong here")
    if not isinstance(data.get("segments"), list):
        raise ValueError("no segments")


def track_summary(data: dict) -> dict:
    segments = data["segments"]
    kind, language = data["kind"], data["language"]
    provenance = data.get("provenance") or {}
    return {
        "id": data["id"],
        "language": language,
        "kind": kind,
        "label": KIND_LABELS[kind],
        "machine": kind in ("asr", "mt"),
        "rtl": is_rtl(language),
        "source_track": data.get("source_track"),
        "segments": len(segments),
        "timed_segments": sum(
            1 for s in segments if s.get("start") is not None and s.get("end") is not None
        ),
        "words": sum(len(s.get("words") or []) for s in segments),
        "created": data.get("created"),
        "model": provenance.get("model"),
        "software": provenance.get("software"),
    }


def recording_summary(rec: Recording, tracks: list[dict]) -> dict:
    """``tracks``: summaries from ``Library.summaries``."""
    languages = sorted({rec.language, *(t["language"] for t in tracks)})
    return {
        "id": rec.id,
        "sha256": rec.sha256,
        "title": rec.title,
        "duration": rec.duration,
        "language": rec.language,
        "languages": languages,
        "media": f"/media/{rec.id}",
        "player": f"/r/{rec.id}",
        "format": rec.format,
        "original_name": rec.original_name,
        "source_notes": rec.source_notes,
        "added": rec.added,
        "speakers": [{"id": s.id, "name": s.name, "notes": s.notes} for s in rec.speakers],
        "tracks": tracks,
    }
