"""The transcript contract: dataclasses <-> versioned JSON, validated against the schema."""

import json
from pathlib import Path

import jsonschema
import pytest

from transcribe.transcript import (
    SCHEMA_IDS,
    Provenance,
    Recording,
    Segment,
    Track,
    Word,
    recording_from_dict,
    recording_to_dict,
    segment_id,
    track_from_dict,
    track_to_dict,
)

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "transcribe" / "transcript.schema.json").read_text()
)


def persian_track() -> Track:
    words = [
        Word(0.52, 0.91, "بزرگ‌ترین", 0.81),
        Word(0.95, 1.40, "جنایتی", 0.77),
        Word(1.42, 1.60, "که", 0.99),
    ]
    return Track(
        id="fa.asr",
        recording_id="0123456789ab",
        language="fa",
        kind="asr",
        provenance=Provenance(
            software="navar 0.1.0", model="whisper-base", settings={"beam_size": 5}
        ),
        segments=[
            Segment(segment_id(0), 0.52, 1.60, "بزرگ‌ترین جنایتی که", words),
            Segment(segment_id(1), 2.0, 3.5, "«تاریخ» ما را محکوم می‌کند؛", flags=["retried"]),
        ],
    )


def english_track() -> Track:
    return Track(
        id="en.reference-translation",
        recording_id="0123456789ab",
        language="en",
        kind="reference-translation",
        provenance=Provenance(software="navar 0.1.0", source="translation.txt"),
        segments=[Segment("s00001", 0.52, 1.6, "The greatest crime", source_ids=["s00001"])],
        source_track="fa.asr",
    )


@pytest.mark.parametrize("make", [persian_track, english_track])
def test_track_round_trips_through_json_and_validates(make):
    track = make()
    data = json.loads(json.dumps(track_to_dict(track), ensure_ascii=False))
    jsonschema.validate(data, SCHEMA)
    assert data["schema"] in SCHEMA_IDS
    assert track_from_dict(data) == track


def test_recording_round_trips_and_validates():
    rec = Recording(
        id="0123456789ab",
        sha256="0123456789ab" + "0" * 52,
        title="گواهی شماره ۱۲ — Witness 12",
        media="0123456789ab.mp3",
        duration=2400.5,
        format={"codec": "mp3"},
    )
    data = recording_to_dict(rec)
    jsonschema.validate(data, SCHEMA)
    assert recording_from_dict(data) == rec


def test_other_schema_versions_are_refused_not_misread():
    data = track_to_dict(persian_track())
    data["schema"] = "https://navar.invalid/schema/transcript/99"
    with pytest.raises(ValueError, match="unsupported transcript schema"):
        track_from_dict(data)


def test_unknown_track_kind_is_refused():
    with pytest.raises(ValueError, match="unknown track kind"):
        Track("fa.x", "0123456789ab", "fa", "guess", Provenance(software="t"))


def test_schema_rejects_a_track_with_a_bad_word():
    data = track_to_dict(persian_track())
    data["segments"][0]["words"][0]["probability"] = 3.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
