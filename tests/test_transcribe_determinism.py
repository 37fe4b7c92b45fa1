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


def test_only_the_model_that_sampled_is_loaded_again():
    """A model that has sampled is replaced on the next load; another model kept loaded beside
    it (here the same weights on another thread count) is not reloaded with it."""
    from transcribe import speech_model

    one, two = speech_model.load(None, cpu_threads=1), speech_model.load(None, cpu_threads=2)
    speech_model.note_sampled(one)
    fresh = speech_model.load(None, cpu_threads=1)
    assert fresh is not one and speech_model.load(None, cpu_threads=1) is fresh
    assert speech_model.load(None, cpu_threads=2) is two
