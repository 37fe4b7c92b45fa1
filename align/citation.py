"""Citations: a span of a recording, named by the SHA-256 of the original, with its words.

A citation carries everything a third party needs to check it with nothing but the audio: the
recording's title and SHA-256, the span in seconds and as HH:MM:SS.mmm, the Persian and English
words of the span with the tracks (and their kind: machine or human) they came from, and a
permalink ``/r/<id>#t=<start>,<end>`` (W3C Media Fragments).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transcribe.archive import Archive, sha256_of
from transcribe.errors import NavarError
from transcribe.subtitles import timestamp
from transcribe.transcript import Track

from . import textmatch
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
        except TypeError as exc:
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


def load_citation(path: Path) -> Citation:
    try:
        return Citation.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise CitationError(f"{path}: not a readable citation file ({exc})") from exc


def verify_file(citation: Citation, path: Path) -> Verification:
    """Does ``path`` hold the cited recording's exact bytes? Says where the span is if so."""
    path = Path(path)
    if not path.is_file():
        raise CitationError(f"{path}: no such file")
    sha = sha256_of(path)
    if sha != citation.sha256:
        return Verification(
            False,
            sha,
            f"{path.name} is NOT the cited recording: its SHA-256 is {sha}, the citation names "
            f"{citation.sha256}",
        )
    lines = [f"{path.name} is the cited recording «{citation.title}» (SHA-256 {sha})."]
    lines.append(
        f"Play {citation.start_time} to {citation.end_time} "
        f"({citation.start:.3f}–{citation.end:.3f} s); the citation says it contains:"
    )
    lines += [f"  {t.language} ({t.track}): {t.text}" for t in citation.texts]
    return Verification(True, sha, "\n".join(lines))
