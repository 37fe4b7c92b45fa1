"""Find the recordings in a batch's folders, and the reference transcripts that go with them.

Audio is recognised by extension; a file with an extension we do not know (tapes digitised by
odd software, files with no extension at all) is asked of ffprobe, and kept if it has an audio
stream. Each file's SHA-256 (which names the recording) and duration are measured once and
remembered in the catalog by path, size and modification time, so a rerun does not read
hundreds of hours of audio again.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from transcribe import audio
from transcribe.archive import ID_LENGTH, sha256_of
from transcribe.errors import AudioError, NavarError

from .catalog import Catalog

AUDIO_EXTENSIONS = frozenset((
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma", ".aif", ".aiff",
    ".amr", ".mka", ".webm", ".mp4", ".m4b", ".mov", ".mkv", ".avi", ".3gp", ".caf", ".ape",
    ".wv", ".au", ".ra",
))  # fmt: skip
# Never audio: skip them without asking ffprobe.
NOT_AUDIO = frozenset((
    ".txt", ".vtt", ".srt", ".json", ".md", ".pdf", ".doc", ".docx", ".odt", ".csv", ".xml",
    ".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".zip", ".sqlite",
))  # fmt: skip
REFERENCE_EXTENSIONS = (".vtt", ".srt", ".txt")


@dataclass
class Found:
    path: Path
    sha256: str
    duration: float | None  # what ffprobe says; None when it cannot tell (a broken file)
    reference: Path | None = None

    @property
    def recording_id(self) -> str:
        return self.sha256[:ID_LENGTH]


def audio_files(
    folders: list[Path], on_skip: Callable[[Path, str], None] | None = None
) -> Iterator[Path]:
    """Audio files under ``folders`` (recursively, hidden files skipped), in a stable order.

    Anything that is not a regular file is skipped before it is opened, and ``on_skip`` is told
    why: opening a FIFO named like audio would wait for a writer for ever, and a symlink loop or
    a dangling link has nothing to read.
    """
    skip = on_skip or (lambda path, why: None)
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            why = _not_regular(folder)
            if why is None:
                yield folder.resolve()
            elif not os.path.lexists(folder):
                raise NavarError(f"{folder}: no such folder or file")
            else:
                skip(folder, why)
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath, name)
                if name.startswith("."):
                    continue
                why = _not_regular(path)
                if why is not None:
                    if path.suffix.lower() not in NOT_AUDIO:
                        skip(path, why)
                elif is_audio(path):
                    yield path.resolve()


def _not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (None: it is a regular file, links followed)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link in a loop"
        if os.path.islink(path):
            return "a symbolic link to nothing (its target is gone)"
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISFIFO(st.st_mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    return "not a regular file (a device or socket)"


def is_audio(path: Path) -> bool:
    ext = path.suffix.lower()
    if ext in AUDIO_EXTENSIONS:
        return True
    if ext in NOT_AUDIO:
        return False
    return has_audio_stream(path)


def has_audio_stream(path: Path) -> bool:
    try:
        streams = audio.ffprobe(path).get("streams", [])
    except AudioError:
        return False
    return any(s.get("codec_type") == "audio" for s in streams)


def probe_duration(path: Path) -> float | None:
    try:
        return float(audio.ffprobe(path)["format"]["duration"])
    except (AudioError, KeyError, ValueError, TypeError):
        return None


def find_reference(audio: Path, reference_dir: Path | None) -> Path | None:
    """A transcript with the audio's base name: in ``reference_dir`` first, then beside it."""
    places = [reference_dir] if reference_dir else []
    places.append(audio.parent)
    for place in places:
        for ext in REFERENCE_EXTENSIONS:
            candidate = Path(place) / (audio.stem + ext)
            if candidate.is_file():
                return candidate.resolve()
    return None


def discover(
    folders: list[Path],
    catalog: Catalog,
    reference_dir: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
    on_skip: Callable[[Path, str], None] | None = None,
) -> list[Found]:
    """Every audio file under ``folders`` with its hash, duration and reference (if any).

    A file that cannot be read is skipped and ``on_skip`` told why; the rest go on.
    """
    if reference_dir is not None and not Path(reference_dir).is_dir():
        raise NavarError(f"{reference_dir}: no such folder for --reference-dir")
    skip = on_skip or (lambda path, why: None)
    found = []
    for path in audio_files(folders, skip):
        if on_file:
            on_file(path)
        try:
            st = path.stat()
            known = catalog.known_source(str(path), st.st_size, st.st_mtime_ns)
            if known is None:
                sha = sha256_of(path)
        except OSError as exc:  # gone or unreadable since it was listed
            skip(path, f"cannot be read ({exc.strerror or exc})")
            continue
        if known is not None:
            sha, duration = known["sha256"], known["duration"]
        else:
            duration = probe_duration(path)
            catalog.remember_source(
                str(path), st.st_size, st.st_mtime_ns, sha, sha[:ID_LENGTH], duration
            )
        found.append(Found(path, sha, duration, find_reference(path, reference_dir)))
    return found
