"""The archive folder: originals in ``media/``, everything derived under ``transcripts/<id>/``.

Layout::

    media/<id>.<ext>                      the original bytes, read-only, never modified
    transcripts/<id>/recording.json       what the recording is (title, SHA-256, duration, ...)
    transcripts/<id>/tracks/<track>.json  one file per track (fa.asr, en.mt, ...)
    transcripts/<id>/custody.jsonl        the chain-of-custody log (transcribe/custody.py)
    transcripts/<id>/versions/<track>.v<N>.<time>.json  earlier versions of replaced human tracks

A recording's id is the first 12 hex digits of the SHA-256 of its original bytes, so adding the
same bytes twice finds the recording that is already there. Every write is atomic.
"""

from __future__ import annotations

import atexit
import errno
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import atomic, audio, custody
from .digest import sha256_of
from .errors import ArchiveError, AudioError, DamagedFile, write_failure
from .shape import recording_from_json, track_from_json
from .transcript import Provenance, Recording, Track, recording_to_dict, track_to_dict, utc_now

__all__ = ["Archive", "AddResult", "DamagedFile", "sha256_of"]

log = logging.getLogger(__name__)

ID_LENGTH = 12
# Used with fullmatch: "$" would also accept a trailing newline.
_ID_RE = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
_TRACK_RE = re.compile(r"[a-z]{2,3}\.[a-z-]+(\.[a-z0-9-]+)?")
_EXT_RE = re.compile(r"\.[a-z0-9]{1,8}")


def valid_recording_id(value: str) -> bool:
    return isinstance(value, str) and bool(_ID_RE.fullmatch(value))


def valid_track_id(value: str) -> bool:
    return isinstance(value, str) and bool(_TRACK_RE.fullmatch(value))


@dataclass
class AddResult:
    recording: Recording
    added: bool  # False: these bytes were already in the archive
    warnings: list[str]


class Archive:
    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()
        self.media_dir = self.root / "media"
        self.transcripts_dir = self.root / "transcripts"
        self._reported: set[tuple[str, str]] = set()

    # --- recordings ---------------------------------------------------------------------------

    def add(
        self,
        source: Path,
        title: str | None = None,
        language: str = "fa",
        source_notes: str = "",
        allow_damaged: bool = False,
    ) -> AddResult:
        """Copy ``source`` into the archive and register it; the source is only read.

        The source is probed before anything is copied, so a file that is not audio (or a 5 GB
        file of nothing) is refused at once. An interrupted or failed add leaves nothing behind.
        """
        source = Path(source)
        if not source.exists():
            raise AudioError(f"{source}: no such file")
        if not source.is_file():
            raise AudioError(
                f"{source}: not a regular file (a folder, pipe or device); nothing added"
            )
        audio.ffprobe(source)
        ext = source.suffix.lower()
        if not _EXT_RE.fullmatch(ext):
            ext = ".bin"
        try:
            self.media_dir.mkdir(parents=True, exist_ok=True)
            # Copy to a temporary file while hashing, so the hash is of exactly the bytes we keep.
            fd, tmp_name = tempfile.mkstemp(prefix=".incoming.", suffix=ext, dir=self.media_dir)
        except OSError as exc:
            raise write_failure(self.media_dir, exc) from None
        tmp = Path(tmp_name)
        _incoming.add(tmp)
        target = None
        try:
            digest = hashlib.sha256()
            try:
                with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        out.write(block)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:
                if exc.filename == str(source) or not exc.filename and _is_read_error(exc):
                    raise AudioError(f"{source}: cannot be read ({exc.strerror or exc})") from None
                raise write_failure(self.media_dir, exc) from None
            sha = digest.hexdigest()
            rec_id = sha[:ID_LENGTH]
            existing = self._find(rec_id)
            if existing is not None:
                tmp.unlink()
                return AddResult(existing, added=False, warnings=[])

            info = audio.inspect(tmp, name=source)
            problems = [w for w in info.warnings if w.startswith(("truncated", "damaged"))]
            if problems and not allow_damaged:
                raise AudioError(
                    f"{source}: {problems[0]}. Nothing was added; "
                    "use --allow-damaged to archive it as it is"
                )
            target = self.media_dir / f"{rec_id}{ext}"
            try:
                os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # originals: read-only
                os.replace(tmp, target)
            except OSError as exc:
                raise write_failure(self.media_dir, exc) from None
            notes = "\n".join(x for x in [source_notes, *info.warnings] if x)
            rec = Recording(
                id=rec_id,
                sha256=sha,
                title=title or source.stem,
                media=target.name,
                duration=info.duration,
                language=language,
                format=info.as_format(),
                original_name=source.name,
                source_notes=notes,
            )
            self.save_recording(rec)
        except BaseException:
            tmp.unlink(missing_ok=True)
            if target is not None and self._find_quietly(rec_id) is None:
                target.unlink(missing_ok=True)  # no recording.json: do not keep orphaned media
            raise
        finally:
            _incoming.discard(tmp)
        self.log_event(
            rec.id,
            "added",
            inputs=[custody.file_ref(self.root, source, sha)],
            outputs=[
                self.file_ref(target, sha),
                self.file_ref(self._recording_dir(rec.id) / "recording.json"),
            ],
        )
        return AddResult(rec, added=True, warnings=info.warnings)

    def save_recording(self, rec: Recording) -> None:
        path = self._recording_dir(rec.id) / "recording.json"
        _write(path, _dumps(recording_to_dict(rec)))

    def recording(self, rec_id: str) -> Recording:
        rec = self._find(rec_id)
        if rec is None:
            raise ArchiveError(f"no recording {rec_id!r} in the archive at {self.root}")
        return rec

    def recordings(self) -> list[Recording]:
        """The readable recordings, oldest first. Damaged ones are skipped and logged once each;
        ``damaged()`` lists them."""
        good, bad = self._scan()
        self._report(bad)
        return good

    def damaged(self) -> list[DamagedFile]:
        """The recording.json files that cannot be read or have the wrong shape."""
        return self._scan()[1]

    def _scan(self) -> tuple[list[Recording], list[DamagedFile]]:
        if not self.transcripts_dir.is_dir():
            return [], []
        good, bad = [], []
        for d in sorted(self.transcripts_dir.iterdir()):
            if valid_recording_id(d.name) and (d / "recording.json").is_file():
                try:
                    good.append(self.recording(d.name))
                except DamagedFile as exc:
                    bad.append(exc)
        return sorted(good, key=lambda r: (r.added, r.id)), bad

    def _report(self, damaged: list[DamagedFile]) -> None:
        # Once per file and reason for this Archive object, so a server does not log every request.
        for exc in damaged:
            key = (str(exc.path), exc.reason)
            if key not in self._reported:
                self._reported.add(key)
                log.warning("skipped %s", exc)

    def resolve_id(self, prefix: str) -> str:
        """Accept a full id or an unambiguous prefix of one (at least 4 hex digits)."""
        if valid_recording_id(prefix):
            return prefix
        if not re.fullmatch(r"[0-9a-f]{4,12}", prefix or ""):
            raise ArchiveError(f"{prefix!r} is not a recording id (12 hex digits, or a prefix)")
        hits = [r.id for r in self.recordings() if r.id.startswith(prefix)]
        if not hits:  # a damaged recording with that id: say what is wrong with it
            for bad in self.damaged():
                if Path(bad.path).parent.name.startswith(prefix):
                    raise bad
        if len(hits) != 1:
            what = "no recording" if not hits else f"{len(hits)} recordings"
            raise ArchiveError(f"{what} with an id starting {prefix!r}")
        return hits[0]

    def media_path(self, rec_id: str) -> Path:
        return self.media_dir / self.recording(rec_id).media

    # --- tracks -------------------------------------------------------------------------------

    def save_track(self, track: Track, event: str | None = None, inputs: list[Path] = ()) -> Path:
        """Write a track and log it: ``event`` defaults by kind, ``inputs`` are files read.

        A human track (or an unreadable file) it replaces is kept first in ``versions/``
        (see keep_version): a person's work is never lost."""
        if not valid_track_id(track.id):
            raise ArchiveError(f"invalid track id {track.id!r}")
        rec = self.recording(track.recording_id)  # refuse tracks for unknown recordings
        path = self._recording_dir(track.recording_id) / "tracks" / f"{track.id}.json"
        self.start_custody_log(rec.id)  # before the write, so a late start shows the old state
        replaced = path.is_file()
        if replaced and not self._is_machine_track(path):
            self.keep_version(rec.id, track.id)
        text = _dumps(track_to_dict(track))
        _write(path, text)
        refs = [self.file_ref(self.media_dir / rec.media, rec.sha256)]
        if track.source_track and self.has_track(rec.id, track.source_track):
            refs.append(self.file_ref(self._track_path(rec.id, track.source_track)))
        refs += [custody.file_ref(self.root, p) for p in inputs]
        written = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.log_event(
            rec.id,
            event or _TRACK_EVENTS[track.kind],
            inputs=refs,
            outputs=[self.file_ref(path, written)],
            note=f"replaces the earlier {track.id}" if replaced else "",
        )
        return path

    def human_track(self, rec_id: str, track_id: str) -> Track | None:
        """The track if it exists and a person made it (a reference or reference translation),
        for refusing to replace it without --force. A damaged file counts as a person's work."""
        path = self._track_path(rec_id, track_id)
        if not path.is_file() or self._is_machine_track(path):
            return None
        try:
            return self.track(rec_id, track_id)
        except DamagedFile:
            return Track(track_id, rec_id, "?", "reference", Provenance(software="?"))

    def versions(self, rec_id: str, track_id: str) -> list[Path]:
        """Earlier versions of a track kept when it was replaced, oldest first."""
        d = self._recording_dir(rec_id) / "versions"
        if not valid_track_id(track_id) or not d.is_dir():
            return []
        return sorted(d.glob(f"{track_id}.*.json"))

    def _is_machine_track(self, path: Path) -> bool:
        try:
            return json.loads(path.read_text(encoding="utf-8")).get("kind") in ("asr", "mt")
        except (OSError, ValueError, RecursionError, AttributeError):
            return False

    def keep_version(self, rec_id: str, track_id: str) -> Path | None:
        """Copy the track file as it is now to ``versions/<track>.v<N>.<UTC time>.json`` before
        it is replaced (N is the track's version; "damaged" for a file that cannot be read).
        Never overwrites an earlier copy. None when there is no track."""
        path = self._track_path(rec_id, track_id)
        if not path.is_file():
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot be read to keep a copy ({exc.strerror})") from None
        try:
            version = f"v{self.track(rec_id, track_id).version}"
        except DamagedFile:
            version = "damaged"
        stamp = utc_now().replace("-", "").replace(":", "")  # 20261130T045000Z
        d = self._recording_dir(rec_id) / "versions"
        target, n = d / f"{track_id}.{version}.{stamp}.json", 1
        while target.exists():
            n += 1
            target = d / f"{track_id}.{version}.{stamp}-{n}.json"
        try:
            atomic.write_bytes(target, data)
        except OSError as exc:
            raise write_failure(target, exc) from None
        log.info("kept the previous %s as %s", track_id, target)
        return target

    def track(self, rec_id: str, track_id: str) -> Track:
        path = self._track_path(rec_id, track_id)
        if not path.is_file():
            have = ", ".join(self.track_ids(rec_id)) or "none"
            raise ArchiveError(f"recording {rec_id} has no track {track_id!r} (tracks: {have})")
        return track_from_json(_loads(path), path, track_id)

    def track_digest(self, rec_id: str, track_id: str) -> str:
        """The SHA-256 of the track file as it is now: an edit names it, to be refused if the
        track has changed since."""
        path = self._track_path(rec_id, track_id)
        if not path.is_file():
            raise ArchiveError(f"recording {rec_id} has no track {track_id!r}")
        return sha256_of(path)

    def track_ids(self, rec_id: str) -> list[str]:
        d = self._recording_dir(rec_id) / "tracks"
        if not d.is_dir():
            return []
        return sorted(p.stem for p in d.glob("*.json") if valid_track_id(p.stem))

    def tracks(self, rec_id: str) -> list[Track]:
        """The readable tracks of a recording; damaged ones are skipped and logged once each."""
        good, bad = self._scan_tracks(rec_id)
        self._report(bad)
        return good

    def damaged_tracks(self, rec_id: str) -> list[DamagedFile]:
        """The track files of a recording that cannot be read or have the wrong shape."""
        return self._scan_tracks(rec_id)[1]

    def _scan_tracks(self, rec_id: str) -> tuple[list[Track], list[DamagedFile]]:
        good, bad = [], []
        for t in self.track_ids(rec_id):
            try:
                good.append(self.track(rec_id, t))
            except DamagedFile as exc:
                bad.append(exc)
        return good, bad

    def has_track(self, rec_id: str, track_id: str) -> bool:
        return self._track_path(rec_id, track_id).is_file()

    def delete_track(self, rec_id: str, track_id: str) -> None:
        path = self._track_path(rec_id, track_id)
        if path.is_file():
            self.start_custody_log(rec_id)
            path.unlink()
            self.log_event(rec_id, "deleted", outputs=[self.file_ref(path)])

    # --- custody ------------------------------------------------------------------------------

    def custody_path(self, rec_id: str) -> Path:
        return self._recording_dir(rec_id) / custody.LOG_NAME

    def log_event(self, rec_id: str, event: str, inputs=(), outputs=(), note="", details=None):
        """Append to the recording's custody log; a failure warns, never undoes the work.

        A recording archived before custody logs existed first gets an entry saying the log
        starts late, with the hashes of its files as they are now.
        """
        path = self.custody_path(rec_id)
        try:
            if event != "added":
                self.start_custody_log(rec_id)
            return custody.append(path, rec_id, event, inputs, outputs, note, details)
        except (OSError, ValueError) as exc:  # the work is done and kept; the log says what it can
            log.warning("custody log %s not written: %s", path, exc)
            return None

    def start_custody_log(self, rec_id: str) -> None:
        path = self.custody_path(rec_id)
        if path.is_file():
            return
        try:
            custody.append(
                path,
                rec_id,
                "log started late",
                outputs=[self.file_ref(p) for p in self.custody_files(rec_id)],
                note="this recording was archived before its custody log was started; "
                "earlier events are not recorded",
            )
        except OSError as exc:
            log.warning("custody log %s not started: %s", path, exc)

    def custody_files(self, rec_id: str) -> list[Path]:
        """The recording's files the custody log must account for (original, record, tracks)."""
        rec = self.recording(rec_id)
        rec_dir = self._recording_dir(rec_id)
        files = [self.media_dir / rec.media, rec_dir / "recording.json"]
        files += [self._track_path(rec_id, t) for t in self.track_ids(rec_id)]
        return [p for p in files if p.is_file()]

    def verify_custody(self, rec_id: str) -> custody.Check:
        return custody.verify(self.root, self.custody_path(rec_id), self.custody_files(rec_id))

    def file_ref(self, path: Path, sha: str | None = None) -> dict:
        """How a custody entry names a file; an original's known hash is reused, not recomputed."""
        if sha is None and self.media_dir in Path(path).parents:
            rec_id = Path(path).stem
            found = self._find(rec_id)  # the original's hash is known: never rehash gigabytes
            sha = found.sha256 if found else None
        return custody.file_ref(self.root, path, sha)

    # --- helpers ------------------------------------------------------------------------------

    def _find(self, rec_id: str) -> Recording | None:
        if not valid_recording_id(rec_id):
            return None
        path = self.transcripts_dir / rec_id / "recording.json"
        if not path.is_file():
            return None
        return recording_from_json(_loads(path), path, rec_id)

    def _find_quietly(self, rec_id: str) -> Recording | None:
        try:
            return self._find(rec_id)
        except DamagedFile:
            return None

    def _recording_dir(self, rec_id: str) -> Path:
        if not valid_recording_id(rec_id):
            raise ArchiveError(f"{rec_id!r} is not a recording id")
        return self.transcripts_dir / rec_id

    def _track_path(self, rec_id: str, track_id: str) -> Path:
        if not valid_track_id(track_id):
            raise ArchiveError(f"{track_id!r} is not a track id (like fa.asr or en.mt)")
        return self._recording_dir(rec_id) / "tracks" / f"{track_id}.json"


_TRACK_EVENTS = {
    "asr": "transcribed",
    "mt": "translated",
    "reference": "aligned",
    "reference-translation": "aligned",
}


# Temporary copies of an add in progress, removed at exit if a signal cut the add short before
# its own clean-up ran (the CLI turns SIGTERM into an exception, so this is the last resort).
_incoming: set[Path] = set()


@atexit.register
def _remove_incoming() -> None:
    for tmp in list(_incoming):
        tmp.unlink(missing_ok=True)


def _is_read_error(exc: OSError) -> bool:
    return exc.errno in (errno.EIO, errno.EISDIR)


def _write(path: Path, text: str) -> None:
    try:
        atomic.write_text(path, text)
    except OSError as exc:
        raise write_failure(path, exc) from None


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _loads(path: Path):
    """Parse a JSON file of the archive, or raise DamagedFile saying why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DamagedFile(path, "it is not UTF-8 text") from None
    except OSError as exc:
        raise DamagedFile(path, f"it cannot be read ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        what = "it is empty" if not text.strip() else f"it is not valid JSON ({exc})"
        raise DamagedFile(path, what) from None
    except RecursionError:  # e.g. 100,000 "[": nesting deeper than Python's parser goes
        raise DamagedFile(path, "it is not valid JSON (nested too deeply)") from None
