"""The same recording is given the same text every time, also where Whisper samples."""

import pytest

from transcribe import engine

pytestmark = pytest.mark.model


def _said(track):
    return [(s.text, s.start, s.end) for s in track.segments]


def test_sampled_decoding_gives_the_same_text_every_time(fa_line):
    """At temperature 1.0 every window is sampled (Whisper's fallback does this where a window
    decodes badly). Two runs in one process, one after the other, must agree word for word:
    a second run on a model whose generator has drawn samples would not."""
    opts = engine.TranscribeOptions(temperature=[1.0], guards=False)
    first, _ = engine.run(None, fa_line[0], "r", opts)
    again, _ = engine.run(None, fa_line[0], "r", opts)
    assert first.segments and _said(first) == _said(again)
