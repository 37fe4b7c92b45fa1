"""Read access to the archive for the web app: safe lookups by URL parts, cached track reads.

Every id that comes from a URL is checked against the archive's own id patterns before it
touches a path, and every media access (player, waveform, clip, quote search) goes through one
check, ``verified_media_path``: a plain file inside ``media/``. Caches of what is derived from
the audio are keyed on the SHA-256 of the bytes actually read, never on what recording.json
claims. A recording.json or track file that cannot be read or has the wrong shape is skipped
(logged, and listed as unreadable) so the rest of the archive keeps working. Tracks are parsed
once and kept (with their JSON) until the file changes, so a 3-hour transcript is not re-read
on every request.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import json
import logging
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import Conflict, NotFound

from transcribe.archive import Archive, sha256_of, valid_recording_id, valid_track_id
from transcribe.errors import ArchiveError, NavarError
from transcribe.subtitles import is_rtl
from transcribe.transcript import (
    KIND_LABELS,
    SCHEMA_IDS,
    Provenance,
    Recording,
    Track,
    Word,
    recording_from_dict,
    track_from_dict,
)

from .peaks import PeakCache

log = logging.getLogger(__name__)

_MAX_CACHED_TRACKS = 32
_PREWARM_WAVEFORMS = 8  # decoding is the slow part: only the newest few
# What reading a hand-edited or damaged JSON file can raise: bad UTF-8 and bad JSON are
# ValueErrors, a wrong shape is a KeyError/TypeError/AttributeError, 100,000 "[" a
# RecursionError, an unreadable file an OSError (or the archive's ArchiveError).
DAMAGE = (NavarError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError)
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_WORD_KEYS = {f.name for f in dataclasses.fields(Word)}
_WORD_NEEDS = {"start", "end", "text"}
_PROV_KEYS = {f.name for f in dataclasses.fields(Provenance)}


def safe_recording_id(value: str) -> bool:
    # The archive's patterns end in `$`, which also matches before a final newline.
    return valid_recording_id(value) and not value.endswith("\n")


def safe_track_id(value: str) -> bool:
    return valid_track_id(value) and not value.endswith("\n")


class UnreadableFile(ArchiveError):
    """A recording.json or track file that cannot be read or has the wrong shape.

    The message names the file relative to the archive, never by its absolute path."""

    def __init__(self, rel_path: str, reason: str):
        super().__init__(f"{rel_path} could not be read ({reason})")
        self.rel_path = rel_path
        self.reason = reason


@dataclass(frozen=True)
class Unreadable:
    """A recording or track skipped because its file could not be read."""

    recording_id: str
    track_id: str | None
    path: str  # relative to the archive
    reason: str


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply to be JSON this archive writes"
    if isinstance(exc, UnreadableFile):
        return exc.reason
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} field" if exc.args else "a field is missing"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"(?<![\w.])/\S+", "<path>", text)[:200]  # an OSError text may name the file


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_recording(rec: Recording, rec_id: str) -> None:
    """Raise ValueError unless ``rec`` has the shape the archive writes, for folder ``rec_id``."""
    if rec.id != rec_id:
        raise ValueError(f"its id {rec.id!r} is not its folder's name")
    if not isinstance(rec.sha256, str) or not _SHA256_RE.fullmatch(rec.sha256):
        raise ValueError("sha256 is not a SHA-256 digest")
    for name in ("title", "media", "language", "source_notes", "added"):
        if not isinstance(getattr(rec, name), str):
            raise ValueError(f"{name} is not text")
    if not _number(rec.duration) or rec.duration < 0:
        raise ValueError("duration is not a number of seconds")
    if not isinstance(rec.format, dict):
        raise ValueError("format is not an object")
    if rec.original_name is not None and not isinstance(rec.original_name, str):
        raise ValueError("original_name is not text")


def check_track(data, rec_id: str, track_id: str) -> None:
    """Raise ValueError unless ``data`` is a track of this schema, for this recording and file."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("schema") not in SCHEMA_IDS or data.get("type") != "track":
        raise ValueError("not a track of this schema")
    if data.get("recording_id") != rec_id or data.get("id") != track_id:
        raise ValueError("its ids do not match its place in the archive")
    if data.get("kind") not in KIND_LABELS:
        raise ValueError("unknown kind")
    if not isinstance(data.get("language"), str) or not data["language"]:
        raise ValueError("no language")
    if not isinstance(data.get("segments"), list):
        raise ValueError("no segments")
    for s in data["segments"]:
        if not isinstance(s, dict) or not isinstance(s.get("text"), str):
            raise ValueError("a segment has no text")
        if not isinstance(s.get("id"), str):
            raise ValueError("a segment has no id")
        for key in ("start", "end"):
            if s.get(key) is not None and not _number(s[key]):
                raise ValueError(f"a segment's {key} is not a number")
        words = s.get("words", [])
        if not isinstance(words, list):
            raise ValueError("a segment's words are not a list")
        for w in words:  # each becomes a Word(**w) on export
            if not isinstance(w, dict) or not _WORD_NEEDS <= w.keys() <= _WORD_KEYS:
                raise ValueError("a word has the wrong fields")
    provenance = data.get("provenance")
    if not isinstance(provenance, dict) or not {"software"} <= provenance.keys() <= _PROV_KEYS:
        raise ValueError("no provenance of this schema")
    if not isinstance(data.get("created"), str):
        raise ValueError("no creation time")


def verified_media_path(archive: Archive, rec: Recording) -> Path:
    """The one check every media access goes through: a regular file directly inside media/.

    recording.json names the file; a name that leads out of media/ (``../..``, an absolute
    path, a symlink to elsewhere) or to something that is not a regular file (a FIFO would hang
    ffmpeg) is refused with ArchiveError, whose message names no server path."""
    media_dir = archive.media_dir.resolve()
    name = rec.media
    if isinstance(name, str) and name and "/" not in name and "\\" not in name and "\0" not in name:
        path = (media_dir / name).resolve()
        if path.parent == media_dir and path.is_file():
            return path
    raise ArchiveError(f"The audio of recording {rec.id} is missing from the archive.")


class ServedArchive(Archive):
    """The archive as the web app reads it: damaged files skipped, media paths verified.

    The align functions the app calls (quote search, citations) receive this object, so they
    see the same recordings and tracks as the pages and open audio only through
    ``verified_media_path``."""

    def __init__(self, root: Path | str):
        super().__init__(root)
        self._reported: set[tuple] = set()
        self._report_lock = threading.Lock()

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return path.name

    def report(self, item: Unreadable, stamp) -> None:
        """Log an unreadable file once per version of it, not on every page view."""
        key = (item.path, stamp)
        with self._report_lock:
            if key in self._reported:
                return
            self._reported.add(key)
        log.warning("skipping %s: it could not be read (%s)", item.path, item.reason)

    def recording(self, rec_id: str) -> Recording:
        if not safe_recording_id(rec_id):
            raise ArchiveError(f"no recording {rec_id!r} in this archive")
        path = self.transcripts_dir / rec_id / "recording.json"
        if not path.exists():
            raise ArchiveError(f"no recording {rec_id!r} in this archive")
        try:
            if not path.is_file():  # reading a FIFO would wait forever
                raise ValueError("not a regular file")
            rec = recording_from_dict(json.loads(path.read_bytes()))
            check_recording(rec, rec_id)
        except DAMAGE as exc:
            raise UnreadableFile(self._rel(path), _reason(exc)) from exc
        return rec

    def scan(self) -> tuple[list[Recording], list[Unreadable]]:
        """Every readable recording (oldest first) and the ones that could not be read."""
        if not self.transcripts_dir.is_dir():
            return [], []
        good, bad = [], []
        for d in sorted(self.transcripts_dir.iterdir()):
            if not safe_recording_id(d.name) or not (d / "recording.json").exists():
                continue
            try:
                good.append(self.recording(d.name))
            except UnreadableFile as exc:
                item = Unreadable(d.name, None, exc.rel_path, exc.reason)
                self.report(item, _stamp(d / "recording.json"))
                bad.append(item)
            except ArchiveError:  # removed while we looked
                continue
        return sorted(good, key=lambda r: (r.added, r.id)), bad

    def recordings(self) -> list[Recording]:
        return self.scan()[0]

    def media_path(self, rec_id: str) -> Path:
        return verified_media_path(self, self.recording(rec_id))

    def track_data(self, rec_id: str, track_id: str) -> tuple[bytes, dict]:
        """The track file's bytes and checked JSON; UnreadableFile when it cannot be used."""
        self.recording(rec_id)
        if not safe_track_id(track_id):
            raise ArchiveError(f"{track_id!r} is not a track id (like fa.asr or en.mt)")
        path = self.transcripts_dir / rec_id / "tracks" / f"{track_id}.json"
        if not path.exists():
            raise ArchiveError(f"recording {rec_id} has no track {track_id!r}")
        try:
            if not path.is_file():  # reading a FIFO would wait forever
                raise ValueError("not a regular file")
            raw = path.read_bytes()
            data = json.loads(raw)
            check_track(data, rec_id, track_id)
        except DAMAGE as exc:
            raise UnreadableFile(self._rel(path), _reason(exc)) from exc
        return raw, data

    def track(self, rec_id: str, track_id: str) -> Track:
        _raw, data = self.track_data(rec_id, track_id)
        return build_track(data, self._rel(self.transcripts_dir / rec_id / "tracks" / track_id))

    def tracks(self, rec_id: str) -> list[Track]:
        out = []
        for t in self.track_ids(rec_id):
            try:
                out.append(self.track(rec_id, t))
            except UnreadableFile as exc:
                path = self.transcripts_dir / rec_id / "tracks" / f"{t}.json"
                self.report(Unreadable(rec_id, t, exc.rel_path, exc.reason), _stamp(path))
            except ArchiveError:  # removed while we looked
                continue
        return out

    def track_ids(self, rec_id: str) -> list[str]:
        return [t for t in super().track_ids(rec_id) if safe_track_id(t)]


def build_track(data: dict, rel_path: str) -> Track:
    try:
        return track_from_dict(data)
    except DAMAGE as exc:
        raise UnreadableFile(f"{rel_path}.json", _reason(exc)) from exc


def _stamp(path: Path):
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


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
            try:
                self._track = build_track(self.data, "track")
            except UnreadableFile as exc:
                rec_id, track_id = self.data["recording_id"], self.data["id"]
                raise NotFound(f"Track {track_id} of recording {rec_id} cannot be read.") from exc
        return self._track


class Library:
    def __init__(self, archive: ServedArchive, peaks: PeakCache):
        self.archive = archive
        self.peaks = peaks
        self._tracks: OrderedDict[Path, tuple[tuple[int, int], CachedTrack]] = OrderedDict()
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        self._loading: dict[Path, threading.Lock] = {}
        self._digests: dict[Path, tuple[tuple, str]] = {}
        self._digest_lock = threading.Lock()

    # --- recordings ---------------------------------------------------------------------------

    def recordings(self) -> list[Recording]:
        return self.archive.recordings()

    def scan(self) -> tuple[list[Recording], list[Unreadable]]:
        """Readable recordings and the ones skipped because they could not be read."""
        return self.archive.scan()

    def recording(self, rec_id: str) -> Recording:
        if not safe_recording_id(rec_id):
            raise NotFound(f"There is no recording {rec_id!r} in this archive.")
        try:
            return self.archive.recording(rec_id)
        except UnreadableFile as exc:
            raise NotFound(f"Recording {rec_id} could not be read ({exc.reason}).") from exc
        except NavarError as exc:
            raise NotFound(f"There is no recording {rec_id!r} in this archive.") from exc

    def media_path(self, rec: Recording) -> Path:
        try:
            return verified_media_path(self.archive, rec)
        except ArchiveError as exc:
            raise NotFound(str(exc)) from exc

    def media_sha256(self, path: Path) -> str:
        """The SHA-256 of the bytes at ``path`` (a verified media path), computed once per
        version of the file. Caches of what is derived from the audio are keyed on this, not on
        what recording.json claims, so a lying recording.json cannot poison them."""
        st = path.stat()
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        with self._digest_lock:  # one hashing at a time: a 2 GB file is read once
            hit = self._digests.get(path)
            if hit and hit[0] == stamp:
                return hit[1]
            digest = sha256_of(path)
            self._digests[path] = (stamp, digest)
        return digest

    def peaks_of(self, rec: Recording):
        path = self.media_path(rec)
        sha = self.media_sha256(path)
        if sha != rec.sha256:
            log.warning("recording %s: its audio file does not match the SHA-256 in its "
                        "recording.json (navar verify says more)", rec.id)  # fmt: skip
        return self.peaks.get(sha, path, rec.duration)

    def cited_media_path(self, rec: Recording) -> Path:
        """The media path, for what names the recording by its SHA-256 (clips, citations):
        409 when the file's bytes are not the ones recording.json names."""
        path = self.media_path(rec)
        if self.media_sha256(path) != rec.sha256:
            log.warning("recording %s: its audio file does not match the SHA-256 in its "
                        "recording.json; refusing to cite it", rec.id)  # fmt: skip
            raise Conflict(
                f"The audio file of recording {rec.id} does not match the SHA-256 its "
                "recording.json names, so it cannot be cited; run `navar verify` on it."
            )
        return path

    # --- tracks -------------------------------------------------------------------------------

    def track_ids(self, rec_id: str) -> list[str]:
        return self.archive.track_ids(rec_id)

    def cached_track(self, rec_id: str, track_id: str) -> CachedTrack:
        rec = self.recording(rec_id)
        if not safe_track_id(track_id):
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
            raw, data = self.archive.track_data(rec_id, track_id)
        except UnreadableFile as exc:
            self.archive.report(Unreadable(rec_id, track_id, exc.rel_path, exc.reason), stamp)
            raise NotFound(f"Track {track_id} of recording {rec_id} cannot be read.") from exc
        except NavarError as exc:
            raise NotFound(f"There is no track {track_id!r} for recording {rec_id}.") from exc
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
        return self.summaries_and_unreadable(rec_id)[0]

    def summaries_and_unreadable(self, rec_id: str) -> tuple[list[dict], list[str]]:
        """Summaries of the readable tracks, and the ids of those that could not be read."""
        out, bad = [], []
        for t in self.track_ids(rec_id):
            try:
                out.append(self.cached_track(rec_id, t).summary)
            except NotFound:  # unreadable or being replaced: list the others
                if (self.archive.transcripts_dir / rec_id / "tracks" / f"{t}.json").exists():
                    bad.append(t)
        return out, bad

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
                    self.peaks_of(rec)


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


def recording_summary(rec: Recording, tracks: list[dict], unreadable: list[str] = ()) -> dict:
    """``tracks``: summaries from ``Library.summaries``; ``unreadable``: ids of track files
    that could not be read."""
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
        "unreadable_tracks": list(unreadable),
    }
