"""Persian punctuation (، ؛ ؟ « ») stays attached to words and gets no time of its own."""

from __future__ import annotations

from faster_whisper.transcribe import Segment as FwSegment
from faster_whisper.transcribe import Word as FwWord
from faster_whisper.transcribe import merge_punctuations

from transcribe import engine


def _alignment(pieces):
    return [{"word": w, "tokens": [i], "start": i * 0.5, "end": i * 0.5 + 0.4}
            for i, w in enumerate(pieces)]  # fmt: skip


def test_faster_whisper_merges_persian_marks_with_our_lists():
    # How Whisper's tokens come out: marks as their own "words".
    alignment = _alignment([" «", "سلام", "،", " دوست", " من", "؛", " چرا", "؟", "»"])
    merge_punctuations(alignment, engine.PREPEND_PUNCTUATIONS, engine.APPEND_PUNCTUATIONS)
    words = [a["word"].strip() for a in alignment if a["word"]]
    assert words == ["«سلام،", "دوست", "من؛", "چرا؟»"]


def test_faster_whisper_defaults_would_leave_them_alone():
    alignment = _alignment([" «", "سلام", "،", " چرا", "؟"])
    merge_punctuations(alignment, "\"'“¿([{-", "\"'.。,，!！?？:：”)]}、")
    assert [a["word"].strip() for a in alignment if a["word"]] == ["«", "سلام", "،", "چرا", "؟"]


def test_stray_marks_are_folded_into_their_neighbours():
    words = [FwWord(0.0, 0.5, " ۔", 0.3), FwWord(0.9, 1.4, " سلام", 0.9),
             FwWord(1.4, 1.5, " ،", 0.5), FwWord(1.6, 2.0, " دنیا", 0.8)]  # fmt: skip
    raw = FwSegment(0, 0, 0.0, 2.0, " ۔ سلام ، دنیا", [], -0.3, 1.0, 0.01, words, 0.0)
    seg = engine._segment(raw, offset=10.0)
    assert [w.text for w in seg.words] == ["۔سلام،", "دنیا"]
    # The segment starts with its first spoken word, not with the stray mark's time.
    assert seg.start == seg.words[0].start == 10.9
    assert seg.end == 12.0
