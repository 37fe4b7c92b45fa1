"""Errors a user can act on. The CLI prints their message as one line; nothing else is shown."""

import errno


class NavarError(Exception):
    """Base class: the message is complete, plain and says what to do."""


class AudioError(NavarError):
    """A file is not usable audio (empty, truncated, not audio, unreadable)."""


class ModelLoadError(NavarError):
    """A speech model could not be found, assembled or loaded."""


class ArchiveError(NavarError):
    """The archive has no such recording or track, or a write could not be completed."""


class FormatError(NavarError):
    """A transcript file (VTT, SRT, text, JSON) could not be read."""


class DamagedFile(NavarError):
    """A file in the archive (recording.json, a track) cannot be read or has the wrong shape.

    ``path`` is the file, ``reason`` what is wrong with it, in plain words. Readers that list the
    archive skip such a file and report it; the rest of the archive keeps working.
    """

    ADVICE = (
        "Navar skips this file; restore it from a backup or fix it by hand "
        "(README: 'Damaged files and hand-edited archives')"
    )

    def __init__(self, path, reason: str, advice: str | None = None):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}. {advice or self.ADVICE}")


def write_failure(where, exc: OSError, what: str = "the archive", atomic: bool = True):
    """An OSError as one line: where, why and what to do. ``atomic``: the failed operation was
    an atomic write, so nothing was changed (and the line says so)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "the disk is full; free some space and try again"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = (
            f"{what} cannot be written here (read-only or no permission); "
            "use a writable copy or ask its keeper"
        )
    else:
        advice = "check the disk and try again"
    done = ". Nothing was changed" if atomic else ""
    verb = "cannot write" if atomic else "failed"
    return ArchiveError(f"{where}: {verb} ({exc.strerror or exc}): {advice}{done}")
