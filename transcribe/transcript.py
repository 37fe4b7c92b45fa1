"""The transcript contract: plain dataclasses for recordings and their timed tracks.

A recording is identified by the SHA-256 of its original bytes. A track is one timed text in one
language, with the provenance needed to reproduce and judge it. Segments carry stable ids so that
translations and citations can point at them. ``to_dict``/``from_dict`` give the versioned JSON
form described by ``transcript.schema.json``.

Version 2 adds speakers: a recording lists its speakers (id, display name, notes), shared by all
of its tracks, and a segment may name one by id; a track has a version number, raised each time
a person's edit replaces it. Version 1 documents load unchanged. A document is written in the
lowest version that holds it, so a version 1 file stays version 1 until it gains a speaker or a
second version.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SCHEMA_VERSION = 2
_SCHEMA_BASE = "https://navar.invalid/schema/transcript/"
SCHEMA_ID = f"{_SCHEMA_BASE}{SCHEMA_VERSION}"
SCHEMA_IDS = {f"{_SCHEMA_BASE}{v}": v for v in (1, 2)}  # every version this Navar reads

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
    speaker: str | None = None  # a Speaker id from the recording's list (schema version 2)

    @property
    def timed(self) -> bool:
        return self.start is not None and self.end is not None

    def keeping(self, words: list[Word], flags: list[str] | None = None) -> Segment:
        """This segment with only ``words`` (at least one): their span and text, its id,
        speaker and flags (or ``flags``)."""
        text = " ".join(w.text for w in words)
        flags = list(self.flags if flags is None else flags)
        return Segment(self.id, words[0].start, words[-1].end, text, words, flags=flags,
                       speaker=self.speaker)  # fmt: skip


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
    # Raised by one each time an edit replaces the track; earlier versions are kept (schema 2).
    version: int = 1

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
class Speaker:
    """Someone who speaks in a recording; segments of any of its tracks name them by ``id``."""

    id: str  # e.g. "spk1"
    name: str  # the display name, as the transcript writes it
    notes: str = ""


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
    speakers: list[Speaker] = field(default_factory=list)  # schema version 2

    def speaker(self, speaker_id: str | None) -> Speaker | None:
        return next((s for s in self.speakers if s.id == speaker_id), None)

    def speaker_name(self, speaker_id: str | None) -> str | None:
        """The display name of ``speaker_id`` (the id itself if the list lacks it)."""
        if speaker_id is None:
            return None
        found = self.speaker(speaker_id)
        return found.name if found else speaker_id


def segment_id(index: int) -> str:
    """Stable, sortable segment ids: s00001, s00002, ..."""
    return f"s{index + 1:05d}"


# --- JSON ---------------------------------------------------------------------------------------


def _asdict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def recording_to_dict(rec: Recording) -> dict[str, Any]:
    data = _asdict(rec)
    version = 2 if rec.speakers else 1
    if version == 1:
        del data["speakers"]
    return {"schema": _schema_id(version), "type": "recording", **data}


def recording_from_dict(data: dict[str, Any]) -> Recording:
    _check_schema(data, "recording")
    names = {f.name for f in dataclasses.fields(Recording)}
    fields = {k: v for k, v in data.items() if k in names}
    fields["speakers"] = [Speaker(**sp) for sp in data.get("speakers", [])]
    return Recording(**fields)


def track_schema_version(track: Track) -> int:
    """The lowest schema version that holds ``track``."""
    if track.version != 1 or any(s.speaker is not None for s in track.segments):
        return 2
    return 1


def track_to_dict(track: Track) -> dict[str, Any]:
    data = _asdict(track)
    version = track_schema_version(track)
    if version == 1:
        del data["version"]
        for seg in data["segments"]:
            del seg["speaker"]
    return {"schema": _schema_id(version), "type": "track", **data}


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
            speaker=s.get("speaker"),
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
        version=int(data.get("version", 1)),
    )


def _schema_id(version: int) -> str:
    return f"{_SCHEMA_BASE}{version}"


def _check_schema(data: dict[str, Any], expected_type: str) -> None:
    schema = data.get("schema")
    if schema not in SCHEMA_IDS:
        raise ValueError(
            f"unsupported transcript schema {schema!r}; this Navar reads "
            + ", ".join(repr(k) for k in SCHEMA_IDS)
        )
    if data.get("type") != expected_type:
        raise ValueError(f"expected a {expected_type} document, got {data.get('type')!r}")
