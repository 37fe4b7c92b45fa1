"""Turn recordings into timed text: the transcript contract, audio, models and transcription."""

__version__ = "0.1.0"
