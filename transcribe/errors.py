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
