"""Errors a user can act on. The CLI prints their message as one line; nothing else is shown."""


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
