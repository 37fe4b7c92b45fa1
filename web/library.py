"""Read access to the archive for the web app: safe lookups by URL parts, cached track reads.

Every id that comes from a URL is checked against the archive's own id patterns before it
touches a path, and the media path is checked to stay inside ``media/``. Tracks are parsed once
and kept (with their JSON) until the file changes, so a 3-hour transcript is not re-read on
every request.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import NotFound

from transcribe.archive import Archive, valid_recording_id, valid_track_id
from transcribe.errors import NavarError
from transcribe.subtitles import is_rtl
from transcribe.transcript import Recording, Track, track_from_dict, track_to_dict

from .peaks import PeakCache

_MAX_CACHED_TRACKS = 32


@dataclass
class CachedTrack:
    track: Track
    json: bytes  # the track's contract JSON, compact, ready to send
    gzip: bytes | None = None  # the same, compressed on first request


class Library:
    def __init__(self, archive: Archive, peaks: PeakCache):
        self.archive = archive
        self.peaks = peaks
        self._tracks: OrderedDict[Path, tuple[tuple[int, int], CachedTrack]] = OrderedDict()
        self._lock = threading.Lock()

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
        with self._lock:
            hit = self._tracks.get(path)
            if hit and hit[0] == stamp:
                self._tracks.move_to_end(path)
                return hit[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            track = track_from_dict(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NotFound(f"Track {track_id} of recording {rec.id} cannot be read.") from exc
        body = json.dumps(track_to_dict(track), ensure_ascii=False, separators=(",", ":"))
        cached = CachedTrack(track, body.encode("utf-8"))
        with self._lock:
            self._tracks[path] = (stamp, cached)
            self._tracks.move_to_end(path)
            while len(self._tracks) > _MAX_CACHED_TRACKS:
                self._tracks.popitem(last=False)
        return cached

    def track(self, rec_id: str, track_id: str) -> Track:
        return self.cached_track(rec_id, track_id).track

    def tracks(self, rec_id: str) -> list[Track]:
        return [self.track(rec_id, t) for t in self.track_ids(rec_id)]


def track_summary(track: Track) -> dict:
    timed = sum(1 for s in track.segments if s.timed)
    return {
        "id": track.id,
        "language": track.language,
        "kind": track.kind,
        "label": track.label,
        "machine": track.is_machine,
        "rtl": is_rtl(track.language),
        "source_track": track.source_track,
        "segments": len(track.segments),
        "timed_segments": timed,
        "words": sum(len(s.words) for s in track.segments),
        "created": track.created,
        "model": track.provenance.model,
        "software": track.provenance.software,
    }


def recording_summary(rec: Recording, tracks: list[Track]) -> dict:
    languages = sorted({rec.language, *(t.language for t in tracks)})
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
        "tracks": [track_summary(t) for t in tracks],
    }
