"""A translation is paired with Persian segments that Whisper may have cut anywhere.

Where Whisper ends a segment depends on the CPU: on one machine in CI it put the second sentence
and the start of the third in one segment, and the English of the third sentence was cited over
the second. Segments are now cut at clear pauses (``boundaries.split_at_pauses``, run by the
transcription engine), so a line of the translation can be paired with its own sentence. Here,
in a run that sampled, Whisper cut the third sentence in two with no pause between the pieces,
and its English went with the second piece alone: a line now ends between segments only at a
pause, unless the lengths leave no other way (``TranslationOptions.unpaused_cut``).
"""

from __future__ import annotations

from conftest import EN_LINES, FA_LINES, build_player_archive

from align.translation import TranslationOptions, align_translation
from transcribe import boundaries, engine
from transcribe.transcript import Provenance, Segment, Track, Word


def _w(a, b, text="واژه"):
    return Word(a, b, text)


def test_a_segment_is_cut_at_a_clear_pause_and_keeps_its_words_and_flags():
    words = [_w(0.5, 0.9, "او"), _w(0.92, 1.4, "گفت."), _w(2.3, 2.7, "باید"), _w(2.75, 3.1, "نوشت")]
    seg = Segment("s00001", 0.5, 3.1, "او گفت. باید نوشت", words, flags=["retried:loop"])
    a, b = boundaries.split_at_pauses([seg], 0.6)
    assert (a.start, a.end, a.text) == (0.5, 1.4, "او گفت.")
    assert (b.start, b.end, b.text) == (2.3, 3.1, "باید نوشت")
    assert a.words + b.words == words and a.flags == b.flags == ["retried:loop"]
    # Gaps shorter than the pause (between words, a stop's closure) leave it whole.
    assert boundaries.split_at_pauses([seg], 1.0) == [seg]
    assert boundaries.split_at_pauses([seg], None) == [seg]


def test_the_engine_cuts_at_pauses_by_default_and_records_it():
    assert engine.settings_of(engine.TranscribeOptions())["split_pause_s"] == 0.6


def _spread(words: list[str], a: float, b: float) -> list[Word]:
    """Words over [a, b], each taking time by its length."""
    step, t, out = (b - a) / sum(len(w) for w in words), a, []
    for w in words:
        out.append(_w(round(t, 3), round(t + step * len(w), 3), w))
        t += step * len(w)
    return out


def _segment(i: int, words: list[Word]) -> Segment:
    return Segment(f"s{i:05d}", words[0].start, words[-1].end, " ".join(w.text for w in words),
                   words)  # fmt: skip


def _paired(tmp_path, fa_speech, asr: list[Segment], options=None) -> list[Segment]:
    """EN_LINES aligned to ``asr`` as fa.asr (no machine translation: the small model's is no
    help), on the player archive's recording of FA_LINES."""
    archive, rec = build_player_archive(tmp_path, fa_speech)
    archive.save_track(Track("fa.asr", rec.id, "fa", "asr", Provenance(software="test"), asr))
    archive.delete_track(rec.id, "en.mt")
    lines = Track(
        "en.reference-translation",
        rec.id,
        "en",
        "reference-translation",
        Provenance(software="test"),
        [Segment(f"s{i + 1:05d}", None, None, t) for i, t in enumerate(EN_LINES)],
    )
    track = align_translation(archive, rec.id, lines, options=options)
    assert track.provenance.settings["options"] == (options or TranslationOptions()).to_dict()
    return track.segments


def _as_whisper_cut_it(spans, cut_pause: float | None) -> list[Segment]:
    """fa.asr as Whisper gave it on that machine: sentence 2 and the first half of sentence 3
    in one segment (across the pause between them), then the rest of 3, then 4; words spread by
    length over each sentence's true span."""
    words = [w for text, span in zip(FA_LINES, spans, strict=True)
             for w in _spread(text.split(), span.start, span.end)]  # fmt: skip
    n1, n2 = len(FA_LINES[0].split()), len(FA_LINES[1].split())
    half = n1 + n2 + len(FA_LINES[2].split()) // 2
    groups = [words[:n1], words[n1:half], words[half : half + 4], words[half + 4 :]]
    segs = [_segment(i + 1, g) for i, g in enumerate(groups)]
    return boundaries.split_at_pauses(segs, cut_pause)


def test_the_english_of_a_sentence_whisper_joined_to_the_one_before_takes_its_own_span(
    tmp_path, fa_speech
):
    spans = fa_speech[1]
    for cut, holds in ((None, False), (0.6, True)):
        got = [(s.start, s.end) for s in _paired(tmp_path / f"a{cut}", fa_speech,
                                                 _as_whisper_cut_it(spans, cut))]  # fmt: skip
        fine = all(abs(a - s.start) < 0.3 and abs(b - s.end) < 0.3
                   for (a, b), s in zip(got, spans, strict=True))  # fmt: skip
        assert fine == holds, (cut, got, spans)


def _as_a_sampled_run_cut_it(spans) -> list[Segment]:
    """fa.asr as a run that sampled gave it: four words of the second sentence lost, and the
    third cut in two with 0.1 s between the pieces (no pause: Whisper's cut, not the speaker's)."""
    one, two, three, four = (line.split() for line in FA_LINES)
    cut = (spans[2].start + spans[2].end) / 2
    pieces = [(one, spans[0].start, spans[0].end), (two[:-4], spans[1].start, spans[1].end - 0.9),
              (three[:4], spans[2].start, cut - 0.05), (three[4:], cut + 0.05, spans[2].end),
              (four, spans[3].start, spans[3].end)]  # fmt: skip
    return [_segment(i + 1, _spread(*p)) for i, p in enumerate(pieces)]


def test_a_sentence_whisper_cut_in_two_without_a_pause_keeps_its_english(tmp_path, fa_speech):
    spans = fa_speech[1]
    asr = _as_a_sampled_run_cut_it(spans)
    for options, holds in ((TranslationOptions(unpaused_cut=0.0), False), (None, True)):
        third = _paired(tmp_path / f"a{holds}", fa_speech, asr, options)[2]
        covers = third.start <= spans[2].start + 0.3 and third.end >= spans[2].end - 0.3
        assert covers == holds, (options, third)
