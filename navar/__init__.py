"""Navar: the command line and the workflows that tie media, transcribe, align and web together."""

from transcribe import __version__

__all__ = ["__version__"]
