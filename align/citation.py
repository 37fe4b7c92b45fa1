"""Citations: a span of a recording, named by the SHA-256 of the original, with its words.

A citation carries everything a third party needs to check it with nothing but the audio: the
recording's title and SHA-256, the span in seconds and as HH:MM:SS.mmm, the Persian and English
words of the span with the tracks (and their kind: machine or human) they came from, and a
permalink ``/r/<id>#t=<start>,<end>`` (W3C Media Fragments).

Each cited text says how it is tied to the audio (``align.pairing``): its own words' aligned
times, or only whole segments, which are then cited whole with their own span ("translation of
the sentence 00:00:24.970–00:00:32.800"). Nothing is sliced by proportion.

A cited text names who speaks it: the speakers of its segments (for a translation without
speakers of its own, those of the segments it renders, else those of the text it is paired
with), by the recording's display names.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transcribe import audio
from transcribe.archive import Archive, sha256_of, valid_track_id
from transcribe.errors import NavarError
from transcribe.shape import track_from_json
from transcribe.subtitles import timestamp
from transcribe.transcript import KIND_LABELS, Recording, Track

from . import pairing
from .normalize import tokens
from .pairing import SEGMENTS, WORDS, CitedText
from .quotes import TRACK_PREFERENCE, QuoteMatch, QuoteOptions, search_quotes

__all__ = ["CitedText", "Citation", "SEGMENTS", "WORDS", "cite_quote", "cite_span", "cite_text"]

CITATION_FORMAT = "navar-citation/1"
TRANSLATION_KINDS = ("mt", "reference-translation")


class CitationError(NavarError):
    """A citation cannot be made or checked."""


@dataclass
class Citation:
    recording_id: str
    title: str
    sha256: str
    start: float
    end: float
    start_time: str  # HH:MM:SS.mmm
    end_time: str
    permalink: str
    # The quoted text first (Persian first for a span), then its counterparts.
    texts: list[CitedText] = field(default_factory=list)
    query: str | None = None
    score: float | None = None
    # How the quote was found (search method, options, model, audio front end): a quote's
    # place depends on them. None for a span or a track's text cited as asked.
    found_by: dict | None = None

    def text_in(self, language: str) -> CitedText | None:
        return next((t for t in self.texts if t.language == language), None)

    @property
    def text(self) -> str:
        """The human-readable citation."""
        head = f"«{self.title}», {self.start_time}–{self.end_time}"
        first = self.texts[0] if self.texts else None
        if first is not None and first.segments_text is not None:
            head += " (the whole sentence the quote is in: its words have no times of their own)"
        lines = [head] + ["  " + describe(t) for t in self.texts]
        if any(t.match == SEGMENTS for t in self.texts):
            lines.append(
                "  (a sentence is cited whole where its words have no times of their own: "
                "which of its words go with the quote is not known)"
            )
        lines.append(f"  recording SHA-256 {self.sha256}")
        lines.append(f"  {self.permalink}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {"format": CITATION_FORMAT, **d}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> Citation:
        if data.get("format") != CITATION_FORMAT:
            raise CitationError(f"not a Navar citation (format {data.get('format')!r})")
        try:
            texts = [CitedText(**t) for t in data.get("texts", [])]
            fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "texts"}
            return cls(texts=texts, **fields)
        except (TypeError, ValueError, AttributeError) as exc:
            raise CitationError(f"the citation is incomplete ({exc})") from exc


def describe(t: CitedText) -> str:
    """One cited text, labelled with its track, its kind, who speaks it and how it is tied to
    the audio."""
    head = f"{t.language} ({t.track}, {KIND_LABELS.get(t.kind, t.kind)})"
    if t.speakers:
        head += ", spoken by " + " and ".join(t.speakers)
    if t.match != SEGMENTS or t.start is None or t.end is None:
        return f"{head}: {t.text}"
    noun = "sentence" if len(t.segment_ids) == 1 else "sentences"
    span = f"{noun} {timestamp(t.start)}–{timestamp(t.end)}"
    if t.segments_text is not None:
        return f"{head}: {t.text}\n    quoted from the {span}: {t.segments_text}"
    if t.kind in TRANSLATION_KINDS:
        return f"{head}, translation of the {span}: {t.text}"
    return f"{head}, the whole {span}: {t.text}"


def permalink(recording_id: str, start: float, end: float) -> str:
    return f"/r/{recording_id}#t={start:.3f},{end:.3f}"


def _citation(rec: Recording, start: float, end: float) -> Citation:
    return Citation(
        recording_id=rec.id,
        title=rec.title,
        sha256=rec.sha256,
        start=round(start, 3),
        end=round(end, 3),
        start_time=timestamp(start),
        end_time=timestamp(end),
        permalink=permalink(rec.id, start, end),
    )


def ranked(tracks: Sequence[Track], language: str, prefer: Sequence[str] = ()) -> list[Track]:
    """The timed tracks in ``language``: those in ``prefer`` first, then human before machine."""
    timed = [t for t in tracks if t.language == language and any(s.timed for s in t.segments)]
    return sorted(
        timed,
        key=lambda t: (
            prefer.index(t.id) if t.id in prefer else len(prefer),
            TRACK_PREFERENCE.index(t.kind),
        ),
    )


def _languages(rec: Recording, tracks: list[Track]) -> list[str]:
    others = sorted({t.language for t in tracks} - {rec.language})
    return [rec.language, *others]


def cite_span(
    archive: Archive, recording_id: str, start: float, end: float, prefer: Sequence[str] = ()
) -> Citation:
    """Cite [start, end]: what each language says there (tracks in ``prefer`` first)."""
    rec = archive.recording(recording_id)
    if not (0 <= start < end) or start > rec.duration:
        raise CitationError(
            f"the span {start:.3f}–{end:.3f} s is not inside the recording (0–{rec.duration:.3f})"
        )
    end = min(end, rec.duration)
    cit = _citation(rec, start, end)
    tracks = archive.tracks(rec.id)
    anchor: tuple[CitedText, Track] | None = None
    for language in _languages(rec, tracks):
        for t in ranked(tracks, language, prefer):
            if anchor is None:
                cited = pairing.text_in_span(t, start, end)
            else:  # the recording's own language said something: pair with that
                cited = pairing.counterpart(t, *anchor)
            if cited:
                cit.texts.append(cited)
                anchor = anchor or (cited, t)
                break
    _name_speakers(cit, rec, tracks)
    return cit


def _name_speakers(cit: Citation, rec: Recording, tracks: Sequence[Track]) -> None:
    """Fill in who speaks each cited text, from its segments (or the segments they render)."""
    by_id = {t.id: t for t in tracks}
    for cited in cit.texts:
        track = by_id.get(cited.track)
        if track is None:
            continue
        segs = [s for s in track.segments if s.id in set(cited.segment_ids)]
        ids = [s.speaker for s in segs if s.speaker]
        source = by_id.get(track.source_track or "")
        if not ids and source is not None:
            rendered = {sid for s in segs for sid in s.source_ids}
            ids = [s.speaker for s in source.segments if s.id in rendered and s.speaker]
        cited.speakers = list(dict.fromkeys(rec.speaker_name(i) for i in ids))
    # A text paired with the quoted one says what it says: the same speakers, when it names none.
    for cited in cit.texts[1:]:
        cited.speakers = cited.speakers or list(cit.texts[0].speakers)


def cite_text(
    archive: Archive,
    recording_id: str,
    track_id: str,
    quote: str,
    start: float | None = None,
    end: float | None = None,
    segment_ids: Sequence[str] | None = None,
    prefer: Sequence[str] = (),
) -> Citation:
    """Cite ``quote`` as track ``track_id`` writes it (within [start, end] or the segments
    named, when given), with what the other languages pair with it.

    The span is the quoted words' own times when the track has them, else the whole segments
    the quote is in. Raises CitationError when the track does not say it there."""
    rec = archive.recording(recording_id)
    tracks = archive.tracks(rec.id)
    track = next((t for t in tracks if t.id == track_id), None)
    if track is None:
        raise CitationError(f"recording {rec.id} has no track {track_id!r}")
    located = pairing.locate(track, quote, start, end, segment_ids)
    if located is None:
        where = ""
        if start is not None and end is not None:
            where = f" between {timestamp(start)} and {timestamp(end)}"
        raise CitationError(f"{track_id} does not say «{quote}»{where}; nothing to cite")
    cit = _citation(rec, located.start, located.end)
    cit.query = quote
    cit.texts.append(located)
    for language in _languages(rec, tracks):
        if language == track.language:
            continue
        for t in ranked(tracks, language, prefer):
            cited = pairing.counterpart(t, located, track)
            if cited:
                cit.texts.append(cited)
                break
    _name_speakers(cit, rec, tracks)
    return cit


def cite_quote(
    archive: Archive,
    recording_id: str,
    query: str,
    language: str | None = None,
    model: str | None = None,
    match: QuoteMatch | None = None,
    options: QuoteOptions | None = None,
) -> Citation:
    """Cite the best place ``query`` is spoken; raises CitationError when it is not found.

    A quote found in the audio is cited over the span where it is heard. A quote found in a
    translation is cited as that track writes it: over its words' own times if it has them,
    else over the whole sentence(s) it is in, paired with the source sentence(s)."""
    found_by = match.provenance if match is not None else None
    if match is None:
        result = search_quotes(
            archive, recording_id, query, language, limit=1, model=model, options=options
        )
        if not result.matches:
            raise CitationError("the quote was not found in the recording; nothing to cite")
        match, found_by = result.matches[0], result.provenance
    if match.language != archive.recording(recording_id).language:
        cit = cite_text(
            archive, recording_id, match.track, match.text, segment_ids=match.segment_ids
        )
    else:
        cit = cite_span(archive, recording_id, match.start, match.end)
    cit.query, cit.score = query, match.score
    cit.found_by = found_by or None
    return cit


# --- checking a citation against a file --------------------------------------------------------


@dataclass
class Verification:
    matches: bool
    sha256: str
    message: str


# A span may end this far past the end ffprobe declares (its duration is rounded, and encoders
# pad the last frame) before the citation counts as pointing outside the recording.
SPAN_TOLERANCE_S = 0.5
# start_time is start printed to the millisecond; they must agree to within rounding.
_TIME_TOLERANCE_S = 0.0015
_SHA_RE = re.compile(r"[0-9a-f]{64}")
_TIME_RE = re.compile(r"(\d+):([0-5]\d):([0-5]\d)\.(\d{3})")


def load_citation(path: Path) -> Citation:
    """Read a citation file, refusing anything that is not a whole, self-consistent citation."""
    path = Path(path)
    if not path.is_file():  # a FIFO would wait for a writer for ever
        raise CitationError(f"{path}: not a regular file (a folder, pipe or device)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CitationError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CitationError(f"{path}: not a citation (not UTF-8 text; is it the audio?)") from None
    except (json.JSONDecodeError, RecursionError):
        raise CitationError(f"{path}: not a citation (not valid JSON)") from None
    problem = citation_problem(data)
    if problem:
        raise CitationError(f"{path}: not a usable citation: {problem}")
    try:
        return Citation.from_dict(data)
    except CitationError as exc:
        raise CitationError(f"{path}: {exc}") from None


def citation_problem(data) -> str | None:
    """What makes ``data`` not a consistent citation, in plain words; None if nothing."""
    if not isinstance(data, dict):
        return f"it holds {type(data).__name__}, not a citation object"
    if data.get("format") != CITATION_FORMAT:
        return f"its format is {str(data.get('format'))[:40]!r}, not {CITATION_FORMAT!r}"
    for key in ("recording_id", "title", "sha256"):
        if not isinstance(data.get(key), str):
            return f"{key!r} is missing or not text"
    if not _SHA_RE.fullmatch(data["sha256"]):
        return "'sha256' is not a SHA-256 (64 hex digits)"
    for key in ("start", "end"):
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return f"{key!r} is {str(v)[:40]!r}, not a number of seconds"
    start, end = data["start"], data["end"]
    if start < 0 or start >= end:
        return f"the span {start}–{end} s is empty or backwards"
    for key, seconds in (("start_time", start), ("end_time", end)):
        if key in data:
            told = _parse_time(data[key])
            if told is None:
                return f"{key!r} is {str(data[key])[:40]!r}, not HH:MM:SS.mmm"
            if abs(told - seconds) > _TIME_TOLERANCE_S:
                return f"{key!r} says {data[key]} but {key[:-5]!r} says {seconds} s"
    texts = data.get("texts", [])
    if not isinstance(texts, list) or not all(
        isinstance(t, dict)
        and all(isinstance(t.get(k), str) for k in ("language", "text", "track"))
        for t in texts
    ):
        return "'texts' is not a list of cited texts (language, text, track)"
    return None


def _parse_time(value) -> float | None:
    m = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if not m:
        return None
    h, mi, sec, ms = (int(x) for x in m.groups())
    return h * 3600 + mi * 60 + sec + ms / 1000


def verify_file(citation: Citation, path: Path, archive: Archive | None = None) -> Verification:
    """Does ``path`` hold the cited recording's exact bytes, and is the span inside it? With an
    ``archive`` that holds the recording, are the cited words what its tracks say there?"""
    path = Path(path)
    if not path.exists():
        raise CitationError(f"{path}: no such file")
    if not path.is_file():  # a FIFO would wait for a writer for ever
        raise CitationError(f"{path}: not a regular file (a folder, pipe or device)")
    sha = sha256_of(path)
    if sha != citation.sha256:
        return Verification(
            False,
            sha,
            f"{path.name} is NOT the cited recording: its SHA-256 is {sha}, the citation names "
            f"{citation.sha256}",
        )
    duration = _declared_duration(path)
    if duration is not None and citation.end > duration + SPAN_TOLERANCE_S:
        return Verification(
            False,
            sha,
            f"{path.name} is the cited recording, but the citation's span "
            f"{citation.start_time}–{citation.end_time} is not inside it (it lasts "
            f"{timestamp(duration)}): the citation is wrong",
        )
    checked = _check_words(citation, archive) if archive is not None else None
    if checked is not None and checked[0] is False:
        return Verification(False, sha, f"{path.name} is the cited recording, but {checked[1]}")
    lines = [f"{path.name} is the cited recording «{citation.title}» (SHA-256 {sha})."]
    lines.append(
        f"Play {citation.start_time} to {citation.end_time} "
        f"({citation.start:.3f}–{citation.end:.3f} s); the citation says it contains:"
    )
    lines += ["  " + describe(t) for t in citation.texts]
    lines.append(checked[1] if checked else "(no archive holds this recording here: the words "
                 "were not checked against its tracks)")  # fmt: skip
    return Verification(True, sha, "\n".join(lines))


def _declared_duration(path: Path) -> float | None:
    try:
        value = audio.ffprobe(path).get("format", {}).get("duration")
        return float(value)
    except (NavarError, TypeError, ValueError):
        return None


def _check_words(citation: Citation, archive: Archive) -> tuple[bool, str] | None:
    """(True, what was checked) or (False, what differs); None if the archive lacks the
    recording. A cited track is compared as it is now and as kept in its earlier versions."""
    rec_id = citation.sha256[:12]
    try:
        rec = archive.recording(rec_id)
    except NavarError:
        return None
    if rec.sha256 != citation.sha256:
        return None
    if citation.end > rec.duration + SPAN_TOLERANCE_S:
        return False, (
            f"its span ends after the recording ({timestamp(rec.duration)}): the citation is wrong"
        )
    for cited in citation.texts:
        versions = [archive.transcripts_dir / rec_id / "tracks" / f"{cited.track}.json"]
        versions += archive.versions(rec_id, cited.track) if valid_track_id(cited.track) else []
        said = []
        for v in versions:
            try:
                track = track_from_json(json.loads(v.read_text(encoding="utf-8")), v)
            except (OSError, ValueError, RecursionError, NavarError):
                continue
            segs = [
                s for s in track.segments
                if s.timed and s.start < citation.end + 0.05 and s.end > citation.start - 0.05
            ]  # fmt: skip
            said.append(" " + " ".join(tokens(" ".join(s.text for s in segs))) + " ")
        if not said:
            return False, f"the archive has no readable track {cited.track!r} to check its words"
        words = " " + " ".join(tokens(cited.text)) + " "
        if not any(words in text for text in said):
            return False, (
                f"its {cited.language} words are not what track {cited.track} says at "
                f"{citation.start_time}–{citation.end_time}: the citation was altered or is wrong"
            )
    return True, f"The words match the archive's tracks ({archive.root})."
