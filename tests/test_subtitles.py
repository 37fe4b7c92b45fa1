"""Exports (VTT, SRT, text, JSON) and imports (VTT, SRT, text), in Persian and English."""

import json
import unicodedata

import pytest

from transcribe.errors import FormatError
from transcribe.subtitles import RLM, export, parse_captions, read_track, to_vtt
from transcribe.transcript import Provenance, Segment, Track, track_from_dict

FA = ["۱۵ اوت ۱۹۸۸: بزرگترین جنایتی که در جمهوری اسلامی شده", "Raisi و نیری؛ «تاریخ» ما را"]
EN = ["The greatest crime committed during the reign", "of the Islamic Republic, & 5 < 6"]
HOSTILE = ['<script>alert(1)</script> "onerror=x', "<b>bold</b> & more"]


def make_track(lines, language, kind="asr"):
    segs = [
        Segment(f"s{i + 1:05d}", 1.25 + 3 * i, 3.5 + 3 * i, text) for i, text in enumerate(lines)
    ]
    return Track(
        f"{language}.{kind}", "0123456789ab", language, kind, Provenance("navar"), segments=segs
    )


def first_strong_direction(text: str) -> str:
    """Unicode bidi rule P2: a paragraph's direction is that of its first strong character."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "neutral"


@pytest.mark.parametrize(("lines", "language"), [(FA, "fa"), (EN, "en")])
@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_captions_round_trip_text_and_times(lines, language, fmt):
    track = make_track(lines, language)
    segments = parse_captions(export(track, fmt), fmt)
    assert [s.text for s in segments] == lines
    assert [(s.start, s.end) for s in segments] == [(s.start, s.end) for s in track.segments]


def test_persian_cues_start_right_to_left_even_when_text_starts_with_digits_or_latin():
    vtt = to_vtt(make_track(FA, "fa"))
    cue_lines = [line for line in vtt.splitlines() if "جمهوری" in line or "نیری" in line]
    assert len(cue_lines) == 2
    for line in cue_lines:
        assert line.startswith(RLM)
        assert first_strong_direction(line) == "rtl"
    # Without the mark, these cues would be laid out left to right: the test would catch that.
    assert first_strong_direction(FA[0]) == "rtl" or FA[0][0].isdigit()
    assert first_strong_direction(FA[1]) == "ltr"


def test_english_cues_carry_no_direction_mark():
    assert RLM not in to_vtt(make_track(EN, "en"))


def test_vtt_keeps_markup_in_transcript_text_as_text():
    vtt = to_vtt(make_track(HOSTILE, "en"))
    assert "<script>" not in vtt and "<b>" not in vtt
    assert "&lt;script&gt;" in vtt and "&amp; more" in vtt
    assert [s.text for s in parse_captions(vtt, "vtt")] == HOSTILE


def test_machine_tracks_are_labelled_in_vtt():
    assert "NOTE machine transcription" in to_vtt(make_track(FA, "fa", "asr"))
    assert "NOTE" not in to_vtt(make_track(FA, "fa", "reference"))


def test_text_export_is_one_segment_per_line_and_imports_back(tmp_path):
    track = make_track(FA, "fa")
    path = tmp_path / "t.txt"
    path.write_text(export(track, "txt"), encoding="utf-8")
    back = read_track(path, "0123456789ab", "fa", "reference")
    assert [s.text for s in back.segments] == FA
    assert all(not s.timed for s in back.segments)
    assert back.kind == "reference" and back.provenance.source == "t.txt"


def test_json_export_is_the_track_document():
    track = make_track(FA, "fa")
    assert track_from_dict(json.loads(export(track, "json"))) == track


def test_text_import_skips_blank_lines_and_folds_spaces(tmp_path):
    path = tmp_path / "ref.txt"
    path.write_text("\ufeffسطر  اول\n\n   \nسطر دوم\n", encoding="utf-8")
    track = read_track(path, "0123456789ab", "fa", "reference")
    assert [s.text for s in track.segments] == ["سطر اول", "سطر دوم"]
    assert [s.id for s in track.segments] == ["s00001", "s00002"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.vtt", "this is not webvtt\n", "not a valid VTT"),
        ("empty.txt", "\n\n", "no text found"),
        ("latin1.txt", "caf\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_imports_fail_clearly(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read_track(path, "0123456789ab", "fa", "reference")


def test_unknown_export_format_is_refused():
    with pytest.raises(FormatError, match="unknown export format"):
        export(make_track(EN, "en"), "docx")
