"""Citations: a span of a recording, named by the SHA-256 of the original, with its words.

A citation carries everything a third party needs to check it with nothing but the audio: the
recording's title and SHA-256, the span in seconds and as HH:MM:SS.mmm, the Persian and English
words of the span with the tracks (and their kind: machine or human) they came from, and a
permalink ``/r/<id>#t=<start>,<end>`` (W3C Media Fragments).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transcribe import audio
from transcribe.archive import Archive, sha256_of, valid_track_id
from transcribe.errors import NavarError
from transcribe.shape import track_from_json
from transcribe.subtitles import timestamp
from transcribe.transcript import Track

from . import textmatch
from .normalize import tokens
from .quotes import TRACK_PREFERENCE, QuoteMatch, find_quotes

CITATION_FORMAT = "navar-citation/1"


class CitationError(NavarError):
    """A citation cannot be made or checked."""


@dataclass
class CitedText:
    language: str
    text: str
    track: str  # e.g. "fa.reference"
    kind: str  # asr, mt, reference, reference-translation
    segment_ids: list[str] = field(default_factory=list)


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
    texts: list[CitedText] = field(default_factory=list)  # Persian first, then English
    query: str | None = None
    score: float | None = None

    def text_in(self, language: str) -> CitedText | None:
        return next((t for t in self.texts if t.language == language), None)

    @property
    def text(self) -> str:
        """The human-readable citation."""
        lines = [
            f"«{self.title}», {self.start_time}–{self.end_time}",
        ]
        for t in self.texts:
            label = "machine" if t.kind in ("asr", "mt") else "human"
            lines.append(f"  {t.language} ({t.track}, {label}): {t.text}")
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


def permalink(recording_id: str, start: float, end: float) -> str:
    return f"/r/{recording_id}#t={start:.3f},{end:.3f}"


def cite_span(archive: Archive, recording_id: str, start: float, end: float) -> Citation:
    rec = archive.recording(recording_id)
    if not (0 <= start < end) or start > rec.duration:
        raise CitationError(
            f"the span {start:.3f}–{end:.3f} s is not inside the recording (0–{rec.duration:.3f})"
        )
    end = min(end, rec.duration)
    cit = Citation(
        recording_id=rec.id,
        title=rec.title,
        sha256=rec.sha256,
        start=round(start, 3),
        end=round(end, 3),
        start_time=timestamp(start),
        end_time=timestamp(end),
        permalink=permalink(rec.id, start, end),
    )
    tracks = archive.tracks(rec.id)
    for language in ("fa", "en"):
        cited = _words_in(tracks, language, start, end)
        if cited:
            cit.texts.append(cited)
    return cit


def cite_quote(
    archive: Archive,
    recording_id: str,
    query: str,
    language: str | None = None,
    model: str | None = None,
    match: QuoteMatch | None = None,
) -> Citation:
    """Cite the best place ``query`` is spoken; raises CitationError when it is not found."""
    if match is None:
        found = find_quotes(archive, recording_id, query, language=language, limit=1, model=model)
        if not found:
            raise CitationError("the quote was not found in the recording; nothing to cite")
        match = found[0]
    cit = cite_span(archive, recording_id, match.start, match.end)
    cit.query, cit.score = query, match.score
    return cit


def _words_in(tracks: list[Track], language: str, start: float, end: float) -> CitedText | None:
    candidates = sorted(
        (t for t in tracks if t.language == language),
        key=lambda t: TRACK_PREFERENCE.index(t.kind),
    )
    for t in candidates:
        words = [
            w
            for w in textmatch.timed_words(t)
            if start - 0.05 <= (w.start + w.end) / 2 <= end + 0.05
        ]
        if not words and t.kind in ("mt", "reference-translation"):
            # Translations are timed by sentence: take the sentences the span touches.
            segs = [s for s in t.segments if s.timed and s.start < end and s.end > start]
            if segs:
                return CitedText(language, " ".join(s.text for s in segs), t.id, t.kind,
                                 [s.id for s in segs])  # fmt: skip
        if words:
            ids = list(dict.fromkeys(w.segment_id for w in words))
            return CitedText(language, " ".join(w.text for w in words), t.id, t.kind, ids)
    return None


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
    lines += [f"  {t.language} ({t.track}): {t.text}" for t in citation.texts]
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
