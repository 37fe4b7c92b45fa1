"""Speakers: transcript schema version 2, import from each format, exports, citations, search."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from transcribe.transcript import (
    Provenance,
    Recording,
    Segment,
    Speaker,
    Track,
    Word,
    recording_from_dict,
    recording_to_dict,
    track_from_dict,
    track_to_dict,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "transcribe" / "transcript.schema.json").read_text())
V1 = "https://navar.invalid/schema/transcript/1"
V2 = "https://navar.invalid/schema/transcript/2"
REC_ID = "0123456789ab"


def _track(speakers=False) -> Track:
    segs = [
        Segment(
            "s00001",
            0.5,
            1.6,
            "بزرگترین جنایت",
            [Word(0.5, 1.0, "بزرگترین"), Word(1.0, 1.6, "جنایت")],
        ),  # fmt: skip
        Segment("s00002", 2.0, 3.0, "پاسخ داد"),
    ]
    if speakers:
        segs[0].speaker, segs[1].speaker = "spk1", "spk2"
    return Track("fa.reference", REC_ID, "fa", "reference", Provenance(software="t"), segs)


def _recording(speakers=()) -> Recording:
    return Recording(REC_ID, REC_ID + "0" * 52, "جلسه ۱۳۶۷", f"{REC_ID}.wav", 10.0,
                     speakers=list(speakers))  # fmt: skip


def test_a_version_1_track_file_loads_unchanged_and_stays_version_1():
    v1 = {
        "schema": V1, "type": "track", "id": "fa.asr", "recording_id": REC_ID, "language": "fa",
        "kind": "asr", "created": "2026-01-01T00:00:00Z", "source_track": None,
        "provenance": {"software": "navar 0.1.0"},
        "segments": [{"id": "s00001", "start": 0.0, "end": 1.0, "text": "سلام", "words": []}],
    }  # fmt: skip
    jsonschema.validate(v1, SCHEMA)
    track = track_from_dict(v1)
    assert track.segments[0].speaker is None and track.version == 1
    again = track_to_dict(track)
    assert again["schema"] == V1
    assert "speaker" not in again["segments"][0] and "version" not in again
    jsonschema.validate(again, SCHEMA)


def test_a_track_with_speakers_is_written_as_version_2_and_round_trips():
    track = _track(speakers=True)
    data = json.loads(json.dumps(track_to_dict(track), ensure_ascii=False))
    assert data["schema"] == V2
    assert [s["speaker"] for s in data["segments"]] == ["spk1", "spk2"]
    jsonschema.validate(data, SCHEMA)
    assert track_from_dict(data) == track


def test_a_second_version_of_a_track_is_version_2():
    track = _track()
    track.version = 3
    data = track_to_dict(track)
    assert data["schema"] == V2 and data["version"] == 3
    jsonschema.validate(data, SCHEMA)
    assert track_from_dict(data).version == 3


def test_the_speaker_list_lives_on_the_recording_and_round_trips():
    plain = recording_to_dict(_recording())
    assert plain["schema"] == V1 and "speakers" not in plain
    rec = _recording([Speaker("spk1", "مهدی بازرگان", "نخست‌وزیر دولت موقت"),
                      Speaker("spk2", "Ali")])  # fmt: skip
    data = json.loads(json.dumps(recording_to_dict(rec), ensure_ascii=False))
    assert data["schema"] == V2
    jsonschema.validate(data, SCHEMA)
    assert recording_from_dict(data) == rec
    assert rec.speaker_name("spk1") == "مهدی بازرگان"
    assert recording_from_dict(plain).speakers == []


def test_the_schema_refuses_a_speaker_without_a_name():
    data = recording_to_dict(_recording([Speaker("spk1", "Ali")]))
    del data["speakers"][0]["name"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


# --- import ---------------------------------------------------------------------------------------

from transcribe import speakers, subtitles  # noqa: E402


def test_plain_text_names_persian_and_latin_speakers():
    raw = (
        "مهدی بازرگان: ما باید حقیقت را بنویسیم.\n"
        "Ali Rezaei: بله، درست است.\n"
        "مهدی بازرگان: پس شروع کنیم.\n"
        "Ali Rezaei: موافقم.\n"
    )
    segs = subtitles.parse_text(raw)
    assert [s.speaker for s in segs] == ["مهدی بازرگان", "Ali Rezaei"] * 2
    assert segs[0].text == "ما باید حقیقت را بنویسیم."
    assert segs[1].text == "بله، درست است."


def test_a_colon_inside_a_sentence_is_not_a_speaker():
    raw = (
        "او در جلسه به همه حاضران گفت: باید حقیقت را بنویسیم.\n"  # too long to be a name
        "ساعت ۱۰:۳۰ جلسه شروع شد.\n"  # a time, not a name
        "او گفت: نه.\n"  # short, but used once in a file that has no speaker convention
        "بعد همه رفتند.\n"
    )
    segs = subtitles.parse_text(raw)
    assert [s.speaker for s in segs] == [None] * 4
    assert segs[0].text.startswith("او در جلسه")
    assert segs[2].text == "او گفت: نه."


def test_the_full_width_colon_and_a_single_line_file():
    assert [(s.speaker, s.text) for s in subtitles.parse_text("طالقانی： سلام بر همه")] == [
        ("طالقانی", "سلام بر همه")
    ]


def test_a_known_speaker_is_recognised_even_once():
    raw = "علی: سلام.\nاین یک جمله است.\nو این هم یکی دیگر.\n"
    assert subtitles.parse_text(raw)[0].speaker is None
    assert subtitles.parse_text(raw, ("علي",))[0].speaker == "علی"  # Arabic yeh matches


def test_webvtt_voice_spans_name_speakers():
    raw = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.500\n<v مهدی بازرگان>ما باید حقیقت را بنویسیم.\n\n"
        "00:00:04.000 --> 00:00:06.000\n<v.loud Ali>بله &amp; درست است.\n\n"
        "00:00:06.000 --> 00:00:07.000\nبدون گوینده\n"
    )
    segs = subtitles.parse_captions(raw, "vtt")
    assert [(s.speaker, s.text) for s in segs] == [
        ("مهدی بازرگان", "ما باید حقیقت را بنویسیم."),
        ("Ali", "بله & درست است."),
        (None, "بدون گوینده"),
    ]
    assert segs[0].start == 1.0 and segs[0].end == 3.5


def test_srt_name_prefixes_name_speakers():
    raw = (
        "1\n00:00:01,000 --> 00:00:03,000\nBAZARGAN: ما باید حقیقت را بنویسیم.\n\n"
        "2\n00:00:03,500 --> 00:00:05,000\nTALEGHANI: بله.\n\n"
        "3\n00:00:05,500 --> 00:00:07,250\nBAZARGAN: پس شروع کنیم.\n"
    )
    segs = subtitles.parse_captions(raw, "srt")
    assert [s.speaker for s in segs] == ["BAZARGAN", "TALEGHANI", "BAZARGAN"]
    assert segs[1].text == "بله." and segs[2].end == 7.25


def test_attach_turns_names_into_the_recordings_speaker_ids():
    rec = _recording([Speaker("spk1", "مهدی بازرگان")])
    segs = subtitles.parse_text("مهدی  بازرگان: یک\nAli: دو\nALI: سه\n")
    added = speakers.attach(rec, segs)
    assert [s.speaker for s in segs] == ["spk1", "spk2", "spk2"]
    assert [(s.id, s.name) for s in added] == [("spk2", "Ali")]
    assert [s.id for s in rec.speakers] == ["spk1", "spk2"]


def test_cli_import_saves_speakers_on_the_recording(archive, fa_speech, tmp_path):
    from click.testing import CliRunner

    from navar.cli import main

    rec = archive.add(fa_speech[0]).recording
    src = tmp_path / "meeting.txt"
    src.write_text("بازرگان: امروز هوا آفتابی است.\nطالقانی: کتابخانه باز است.\n", "utf-8")
    result = CliRunner().invoke(main, ["--archive", str(archive.root), "import", rec.id,
                                       str(src)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rec = archive.recording(rec.id)
    assert [s.name for s in rec.speakers] == ["بازرگان", "طالقانی"]
    track = archive.track(rec.id, "fa.reference")
    assert [s.speaker for s in track.segments] == ["spk1", "spk2"]
    assert track.segments[0].text == "امروز هوا آفتابی است."
    saved = json.loads((archive.transcripts_dir / rec.id / "recording.json").read_text())
    jsonschema.validate(saved, SCHEMA)


# --- exports, citations, search -------------------------------------------------------------------


def _named_recording():
    return _recording([Speaker("spk1", "مهدی بازرگان"), Speaker("spk2", "Ali <Reza>")])


def test_exports_carry_speakers_and_read_back():
    rec, track = _named_recording(), _track(speakers=True)
    vtt = subtitles.export(track, "vtt", rec)
    assert "<v مهدی بازرگان>\u200fبزرگترین جنایت" in vtt
    assert "<v Ali &lt;Reza&gt;>" in vtt
    back = subtitles.parse_captions(vtt, "vtt")
    assert [(s.speaker, s.text) for s in back] == [("مهدی بازرگان", "بزرگترین جنایت"),
                                                   ("Ali <Reza>", "پاسخ داد")]  # fmt: skip
    srt = subtitles.export(track, "srt", rec)
    assert "\u200fمهدی بازرگان: بزرگترین جنایت" in srt
    txt = subtitles.export(track, "txt", rec)
    assert "] مهدی بازرگان: بزرگترین جنایت" in txt
    assert [(s.speaker, s.text) for s in subtitles.parse_text(txt, ("Ali <Reza>",))][0] == (
        "مهدی بازرگان",
        "بزرگترین جنایت",
    )
    data = json.loads(subtitles.export(track, "json", rec))
    assert [s["speaker"] for s in data["segments"]] == ["spk1", "spk2"]


def test_srt_export_reads_back_its_speakers():
    rec = _recording([Speaker("spk1", "Bazargan"), Speaker("spk2", "Taleghani")])
    track = _track(speakers=True)
    back = subtitles.parse_captions(subtitles.export(track, "srt", rec), "srt")
    assert [(s.speaker, s.text) for s in back] == [("Bazargan", "بزرگترین جنایت"),
                                                   ("Taleghani", "پاسخ داد")]  # fmt: skip


def _speaker_archive(player_archive_root, fa_speech):
    from conftest import build_player_archive

    archive, rec = build_player_archive(player_archive_root, fa_speech)
    rec.speakers = [Speaker("spk1", "مهدی بازرگان"), Speaker("spk2", "Ali")]
    archive.save_recording(rec)
    asr = archive.track(rec.id, "fa.asr")
    for seg, who in zip(asr.segments, ["spk1", "spk2", "spk1", "spk2"], strict=True):
        seg.speaker = who
    archive.save_track(asr)
    return archive, rec


def test_a_citation_names_the_speaker(tmp_path, fa_speech):
    from align import citation

    archive, rec = _speaker_archive(tmp_path / "a", fa_speech)
    seg = archive.track(rec.id, "fa.asr").segments[1]
    cit = citation.cite_span(archive, rec.id, seg.start + 0.1, seg.end - 0.1)
    fa = cit.text_in("fa")
    assert fa.speakers == ["Ali"]
    assert "spoken by Ali" in cit.text
    # the English sentence renders the Persian one: the same speaker
    assert cit.text_in("en").speakers == ["Ali"]
    again = citation.Citation.from_dict(json.loads(cit.to_json()))
    assert again.text_in("fa").speakers == ["Ali"]
    # an older citation without speakers still loads
    old = json.loads(cit.to_json())
    for t in old["texts"]:
        del t["speakers"]
    assert citation.Citation.from_dict(old).text_in("fa").speakers == []


def test_search_limited_to_a_speaker(tmp_path, fa_speech):
    from conftest import FA_LINES

    from align import archive_search

    archive, rec = _speaker_archive(tmp_path / "a", fa_speech)
    word = "است"  # in lines 1 and 2 (spk1, spk2)
    everyone = archive_search.search(archive, word, language="fa")
    assert {h.speaker for h in everyone} >= {"مهدی بازرگان", "Ali"}
    ali = archive_search.search(archive, word, language="fa", speaker="ali")
    assert ali and {h.speaker for h in ali} == {"Ali"}
    assert {h.text for h in ali} <= {FA_LINES[1], FA_LINES[3]}
    assert archive_search.search(archive, word, speaker="nobody") == []
    # the English translation follows its source's speakers
    en = archive_search.search(archive, "library", language="en", speaker="Ali")
    assert en and en[0].speaker == "Ali"

    from web.app import create_app

    client = create_app(archive.root, {"TESTING": True}).test_client()
    hits = client.get("/api/search", query_string={"q": word, "speaker": "Ali"}).get_json()
    assert hits and {h["speaker"] for h in hits} == {"Ali"}


def test_align_reference_keeps_each_lines_speaker(archive, fa_speech, tmp_path):
    from click.testing import CliRunner
    from conftest import FA_LINES

    from navar.cli import main

    rec = archive.add(fa_speech[0]).recording
    src = tmp_path / "meeting.txt"
    names = ["مهدی بازرگان", "Ali", "مهدی بازرگان", "Ali"]
    src.write_text("".join(f"{n}: {t}\n" for n, t in zip(names, FA_LINES, strict=True)), "utf-8")
    result = CliRunner().invoke(main, ["--archive", str(archive.root), "align", rec.id,
                                       "--reference", str(src)])  # fmt: skip
    assert result.exit_code == 0, result.output
    track = archive.track(rec.id, "fa.reference")
    rec = archive.recording(rec.id)
    assert [rec.speaker_name(s.speaker) for s in track.segments] == names
    assert [s.text for s in track.segments] == FA_LINES  # the names are not aligned as speech
    assert all(s.timed for s in track.segments)
