"""Search every track of every recording: SQLite FTS5 on normalised text, re-ranked fuzzily.

The index is a derived file, ``transcripts/.search.sqlite``, that can be deleted and rebuilt at
any time. ``refresh`` brings it up to date by comparing each recording's files (recording.json
and its tracks) with the sizes and modification times recorded at the last indexing, so it is
cheap when nothing changed; ``search`` calls it first, and so does the CLI after each command.

Matching works on ``align.normalize`` text, so Arabic and Persian letter forms, diacritics,
ZWNJ and digits do not matter. FTS5 finds candidates by words (any word, with prefixes, since
Persian suffixes such as ها and ی attach to words); rapidfuzz then scores each candidate against
the whole query, which also survives the misspellings of machine transcription. When FTS finds
too few candidates, a fuzzy scan over all segments fills in.

Each indexed segment keeps its speaker's display name (a translation's segment, the speaker of
the segments it renders), so a search can be limited to one speaker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from transcribe.archive import Archive, valid_recording_id
from transcribe.errors import DamagedFile, NavarError
from transcribe.speakers import key as speaker_key

from .normalize import normalize

log = logging.getLogger(__name__)

INDEX_NAME = ".search.sqlite"
INDEX_VERSION = "3"  # bump when the schema or align.normalize changes (3: speakers, hamza)
MIN_SCORE = 0.6  # fuzzy score (0..1) below which a hit is not worth showing
_CANDIDATES_PER_HIT = 10
_FULL_SCAN_LIMIT = 200_000  # segments; beyond this only FTS candidates are scored

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS indexed (recording_id TEXT PRIMARY KEY, signature TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS segments USING fts5(
    norm,
    recording_id UNINDEXED, title UNINDEXED, track UNINDEXED, language UNINDEXED,
    kind UNINDEXED, segment_id UNINDEXED, start UNINDEXED, "end" UNINDEXED, text UNINDEXED,
    speaker UNINDEXED, speaker_key UNINDEXED,
    tokenize = "unicode61 remove_diacritics 0"
);
"""


@dataclass
class SearchHit:
    recording_id: str
    title: str
    track: str
    language: str
    kind: str
    segment_id: str
    start: float | None
    end: float | None
    text: str
    score: float  # 0..1, how closely the segment matches the query
    permalink: str  # /r/<id>#t=<start>,<end>, the player's address for this span
    speaker: str | None = None  # who speaks the segment, when the track says

    def to_dict(self) -> dict:
        return asdict(self)


class SearchError(NavarError):
    """The search index could not be opened or built."""


def index_path(archive: Archive) -> Path:
    return archive.transcripts_dir / INDEX_NAME


def permalink(recording_id: str, start: float | None, end: float | None) -> str:
    if start is None or end is None:
        return f"/r/{recording_id}"
    return f"/r/{recording_id}#t={_num(start)},{_num(end)}"


def refresh(archive: Archive) -> int:
    """Reindex recordings whose files changed since the last run; returns how many changed.

    A damaged index (not a database any more) is deleted and built again: it holds nothing
    that the tracks do not.
    """
    if not archive.transcripts_dir.is_dir():
        return 0
    try:
        return _refresh(archive)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):  # locked, read-only, disk full: not damage
            raise
        log.warning("search index %s is damaged (%s); rebuilding it", index_path(archive), exc)
        _delete_index(archive)
        return _refresh(archive)


def _refresh(archive: Archive) -> int:
    current = {rec_id: sig for rec_id, sig in _signatures(archive)}
    with _connect(archive) as db:
        known = dict(db.execute("SELECT recording_id, signature FROM indexed"))
        stale = [r for r, sig in current.items() if known.get(r) != sig]
        gone = [r for r in known if r not in current]
        if not stale and not gone:
            return 0
        db.execute("BEGIN IMMEDIATE")  # one writer at a time; readers keep the old snapshot
        try:
            for rec_id in gone:
                db.execute("DELETE FROM segments WHERE recording_id = ?", (rec_id,))
                db.execute("DELETE FROM indexed WHERE recording_id = ?", (rec_id,))
            for rec_id in stale:
                _index_recording(db, archive, rec_id, current[rec_id])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return len(stale) + len(gone)


def rebuild(archive: Archive) -> int:
    """Delete the index and build it again from the tracks."""
    _delete_index(archive)
    return refresh(archive)


def _delete_index(archive: Archive) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(index_path(archive)) + suffix).unlink(missing_ok=True)


def search(
    archive: Archive,
    query: str,
    limit: int = 20,
    language: str | None = None,
    refresh_index: bool = True,
    speaker: str | None = None,
) -> list[SearchHit]:
    """The segments that best match ``query`` across the archive, best first; only those
    ``speaker`` speaks (a display name, compared without case or letter variants) when given.

    ``refresh_index=False`` only reads the index (the web app's public routes write nothing;
    ``navar serve`` keeps the index fresh from a thread of its own).
    """
    q = normalize(query)
    if not q:
        return []
    try:
        if refresh_index:
            refresh(archive)
    except (sqlite3.Error, OSError) as exc:
        # A read-only archive can still be searched with the index it has.
        log.warning("search index not refreshed (%s); results may be out of date", exc)
    if not index_path(archive).is_file():
        return []
    try:
        with _connect(archive, write=False) as db:
            where = _filters(language, speaker)
            rows = _fts_candidates(db, q, limit * _CANDIDATES_PER_HIT, where)
            if len(rows) < limit:
                rows.update(_fuzzy_candidates(db, q, limit * _CANDIDATES_PER_HIT, where))
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # the first build has created the file, not the tables
            return []
        raise SearchError(
            f"the search index {index_path(archive)} could not be read ({exc}); "
            "delete it and search again to rebuild it"
        ) from exc
    except sqlite3.Error as exc:
        raise SearchError(
            f"the search index {index_path(archive)} could not be read ({exc}); "
            "delete it and search again to rebuild it"
        ) from exc
    hits = []
    for row, rank in rows.values():
        score = _score(q, row["norm"])
        if score >= MIN_SCORE:
            hits.append((score, -rank, _hit(row, score)))
    hits.sort(key=lambda h: (h[0], h[1]), reverse=True)
    return [h[2] for h in hits[:limit]]


# --- indexing -----------------------------------------------------------------------------------


def _signatures(archive: Archive) -> Iterator[tuple[str, str]]:
    """(recording id, a string that changes whenever one of its files changes)."""
    for d in archive.transcripts_dir.iterdir():
        if not valid_recording_id(d.name):
            continue
        parts = []
        files = [d / "recording.json"]
        tracks = d / "tracks"
        if tracks.is_dir():
            files += sorted(p for p in tracks.glob("*.json") if not p.name.startswith("."))
        for f in files:
            with contextlib.suppress(FileNotFoundError):
                st = f.stat()
                parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
        if parts and parts[0].startswith("recording.json:"):
            yield d.name, "|".join(parts)


def _index_recording(db: sqlite3.Connection, archive: Archive, rec_id: str, sig: str) -> None:
    db.execute("DELETE FROM segments WHERE recording_id = ?", (rec_id,))
    try:
        rec = archive.recording(rec_id)
        tracks = archive.tracks(rec_id)
    except (NavarError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # A file being replaced or unreadable: index what can be read, retry on the next refresh.
        # A damaged file is reported by whoever lists the archive; here it is only skipped.
        level = logging.DEBUG if isinstance(exc, DamagedFile) else logging.WARNING
        log.log(level, "search index: skipping %s (%s)", rec_id, exc)
        db.execute("DELETE FROM indexed WHERE recording_id = ?", (rec_id,))
        return
    by_id = {t.id: t for t in tracks}
    rows = []
    for t in tracks:
        source = by_id.get(t.source_track or "")
        spoken = {s.id: s.speaker for s in source.segments} if source else {}
        for s in t.segments:
            if not s.text.strip():
                continue
            who = s.speaker or next((spoken[i] for i in s.source_ids if spoken.get(i)), None)
            name = rec.speaker_name(who)
            who_key = speaker_key(name) if name else None
            rows.append((normalize(s.text), rec_id, rec.title, t.id, t.language, t.kind, s.id,
                         s.start, s.end, s.text, name, who_key))  # fmt: skip
    db.executemany(
        "INSERT INTO segments (norm, recording_id, title, track, language, kind, segment_id, "
        'start, "end", text, speaker, speaker_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        rows,
    )
    db.execute("INSERT OR REPLACE INTO indexed VALUES (?, ?)", (rec_id, sig))


@contextlib.contextmanager
def _connect(archive: Archive, write: bool = True) -> Iterator[sqlite3.Connection]:
    path = index_path(archive)
    try:
        if write:
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
        else:
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise SearchError(f"cannot open the search index {path} ({exc})") from exc
    db.row_factory = sqlite3.Row
    try:
        if write:
            # A rollback journal, not WAL: WAL readers create -wal/-shm files, and the web app's
            # public routes must write nothing. Writes are short, so readers barely wait.
            db.execute("PRAGMA journal_mode=DELETE")
            db.executescript(_SCHEMA)
            version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version is None or version[0] != INDEX_VERSION:  # columns may differ: start anew
                db.execute("DROP TABLE segments")
                db.executescript(_SCHEMA)
                db.execute("DELETE FROM indexed")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
        yield db
    finally:
        db.close()


# --- querying -----------------------------------------------------------------------------------


def _filters(language: str | None, speaker: str | None) -> tuple[str, list]:
    """SQL conditions (joined by AND, each starting with it) and their arguments."""
    sql, args = "", []
    if language:
        sql += " AND language = ?"
        args.append(language)
    if speaker is not None:
        sql += " AND speaker_key = ?"
        args.append(speaker_key(speaker))
    return sql, args


def _fts_candidates(db, q: str, n: int, where: tuple[str, list]) -> dict:
    # Each word quoted (FTS syntax stays inert) and prefix-matched; any word may match.
    match = " OR ".join(f'"{w}"*' for w in dict.fromkeys(q.replace('"', " ").split()))
    if not match:
        return {}
    sql = "SELECT rowid, *, bm25(segments) AS rank FROM segments WHERE segments MATCH ?"
    sql += where[0] + " ORDER BY rank LIMIT ?"
    return {r["rowid"]: (r, r["rank"]) for r in db.execute(sql, [match, *where[1], n])}


def _fuzzy_candidates(db, q: str, n: int, where: tuple[str, list]) -> dict:
    sql = "SELECT rowid, norm FROM segments WHERE 1" + where[0]
    rows = db.execute(sql + " LIMIT ?", [*where[1], _FULL_SCAN_LIMIT]).fetchall()
    choices = {r["rowid"]: r["norm"] for r in rows}
    best = process.extract(
        q, choices, scorer=fuzz.partial_ratio, limit=n, score_cutoff=MIN_SCORE * 100
    )
    if not best:
        return {}
    ids = [rowid for _norm, _score, rowid in best]
    marks = ",".join("?" * len(ids))
    full = db.execute(f"SELECT rowid, * FROM segments WHERE rowid IN ({marks})", ids)
    return {r["rowid"]: (r, 0.0) for r in full}


def _score(q: str, norm: str) -> float:
    """How well a segment matches (0..1): its words, and the query as one run of letters.

    Word by word, each query word takes its closest segment word (a prefix counts, for Persian
    suffixes); as a run, spaces are dropped so that می خواهم and میخواهم are the same.
    """
    words = norm.split()
    if not words:
        return 0.0
    per_word = [max(_word_score(w, s) for s in words) for w in q.split()]
    coverage = sum(per_word) / len(per_word)
    qc, nc = q.replace(" ", ""), norm.replace(" ", "")
    run = fuzz.partial_ratio(qc, nc) if len(qc) <= len(nc) else fuzz.ratio(qc, nc)
    return round((coverage + run) / 200, 4)


def _word_score(w: str, s: str) -> float:
    if len(w) >= 3 and s.startswith(w):
        return 100.0 if s == w else 95.0
    return fuzz.ratio(w, s)


def _hit(row: sqlite3.Row, score: float) -> SearchHit:
    return SearchHit(
        recording_id=row["recording_id"],
        title=row["title"],
        track=row["track"],
        language=row["language"],
        kind=row["kind"],
        segment_id=row["segment_id"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        score=score,
        permalink=permalink(row["recording_id"], row["start"], row["end"]),
        speaker=row["speaker"] if "speaker" in row.keys() else None,  # noqa: SIM118 (v1 index)
    )


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def hits_json(hits: list[SearchHit]) -> str:
    return json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1)
