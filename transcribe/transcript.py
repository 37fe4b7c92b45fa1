"""The transcript contract: plain dataclasses for recordings and their timed tracks.

A recording is identified by the SHA-256 of its original bytes. A track is one timed text in one
language, with the provenance needed to reproduce and judge it. Segments carry stable ids so that
translations and citations can point at them. ``to_dict``/``from_dict`` give the versioned JSON
form described by ``transcript.schema.json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SCHEMA_VERSION = 1
SCHEMA_ID = f"https://navar.invalid/schema/transcript/{SCHEMA_VERSION}"

TRACK_KINDS = ("asr", "mt", "reference", "reference-translation")
MACHINE_KINDS = ("asr", "mt")  # not checked by a person: not to be quoted unchecked
KIND_LABELS = {
    "asr": "machine transcription",
    "mt": "machine translation",
    "reference": "human transcript",
    "reference-translation": "human translation",
}


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float | None = None


@dataclass
class Segment:
    id: str
    start: float | None  # None only for imported text that has not been aligned yet
    end: float | None
    text: str
    words: list[Word] = field(default_factory=list)
    # For translations: ids of the source-track segments this segment renders.
    source_ids: list[str] = field(default_factory=list)
    # What the guards or aligner noticed about this segment (e.g. "retried", "unplaced").
    flags: list[str] = field(default_factory=list)

    @property
    def timed(self) -> bool:
        return self.start is not None and self.end is not None


@dataclass
class Provenance:
    """What made a track: enough to reproduce it and to judge how far to trust it."""

    software: str  # e.g. "navar 0.1.0"
    model: str | None = None  # model name or path, with its checksum where known
    settings: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # for imports: the file name the text came from
    notes: list[str] = field(default_factory=list)


@dataclass
class Track:
    id: str  # e.g. "fa.asr", "en.mt", "fa.reference"
    recording_id: str
    language: str
    kind: str
    provenance: Provenance
    segments: list[Segment] = field(default_factory=list)
    created: str = field(default_factory=utc_now)
    source_track: str | None = None  # for translations: the track whose segments they render

    def __post_init__(self) -> None:
        if self.kind not in TRACK_KINDS:
            raise ValueError(f"unknown track kind {self.kind!r}; expected one of {TRACK_KINDS}")

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def is_machine(self) -> bool:
        return self.kind in MACHINE_KINDS

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)

    def segment(self, segment_id: str) -> Segment:
        for s in self.segments:
            if s.id == segment_id:
                return s
        raise KeyError(segment_id)


@dataclass
class Recording:
    id: str
    sha256: str
    title: str
    media: str  # file name under media/
    duration: float
    language: str = "fa"
    format: dict[str, Any] = field(default_factory=dict)  # container, codec, rate, channels
    original_name: str | None = None
    source_notes: str = ""
    added: str = field(default_factory=utc_now)


def segment_id(index: int) -> str:
    """Stable, sortable segment ids: s00001, s00002, ..."""
    return f"s{index + 1:05d}"


# --- JSON ---------------------------------------------------------------------------------------


def _asdict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def recording_to_dict(rec: Recording) -> dict[str, Any]:
    return {"schema": SCHEMA_ID, "type": "recording", **_asdict(rec)}


def recording_from_dict(data: dict[str, Any]) -> Recording:
    _check_schema(data, "recording")
    names = {f.name for f in dataclasses.fields(Recording)}
    return Recording(**{k: v for k, v in data.items() if k in names})


def track_to_dict(track: Track) -> dict[str, Any]:
    return {"schema": SCHEMA_ID, "type": "track", **_asdict(track)}


def track_from_dict(data: dict[str, Any]) -> Track:
    _check_schema(data, "track")
    segments = [
        Segment(
            id=s["id"],
            start=s["start"],
            end=s["end"],
            text=s["text"],
            words=[Word(**w) for w in s.get("words", [])],
            source_ids=list(s.get("source_ids", [])),
            flags=list(s.get("flags", [])),
        )
        for s in data["segments"]
    ]
    return Track(
        id=data["id"],
        recording_id=data["recording_id"],
        language=data["language"],
        kind=data["kind"],
        provenance=Provenance(**data["provenance"]),
        segments=segments,
        created=data["created"],
        source_track=data.get("source_track"),
    )


def _check_schema(data: dict[str, Any], expected_type: str) -> None:
    schema = data.get("schema")
    if schema != SCHEMA_ID:
        raise ValueError(
            f"unsupported transcript schema {schema!r}; this Navar reads {SCHEMA_ID!r}"
        )
    if data.get("type") != expected_type:
        raise ValueError(f"expected a {expected_type} document, got {data.get('type')!r}")
