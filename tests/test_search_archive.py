"""Archive-wide search: FTS5 over normalised Persian and English, fuzzy re-ranking, refresh."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from align import archive_search
from navar.cli import main
from transcribe.archive import Archive
from transcribe.transcript import Provenance, Recording, Segment, Track

FA = [
    "امروز هوا آفتابی است و مردم در پارک قدم می‌زنند.",
    "او به ما گفت که باید حقیقت را بنویسیم.",
    "کتابخانه شهر هر روز از ساعت نه صبح باز است.",
]
EN = [
    "The weather is sunny today and people are walking in the park.",
    "He told us that we must write down the truth.",
    "The city library opens every day at nine in the morning.",
]


def _recording(archive: Archive, rec_id: str, title: str) -> Recording:
    rec = Recording(
        id=rec_id, sha256=rec_id + "0" * 52, title=title, media=f"{rec_id}.wav", duration=12.0
    )
    archive.save_recording(rec)
    return rec


def _track(rec_id, track_id, lines, kind="asr") -> Track:
    lang = track_id.split(".")[0]
    segs = [
        Segment(id=f"s{i + 1:05d}", start=1.0 + 3 * i, end=3.5 + 3 * i, text=t)
        for i, t in enumerate(lines)
    ]
    return Track(track_id, rec_id, lang, kind, Provenance(software="test"), segs)


@pytest.fixture
def two_recordings(archive):
    _recording(archive, "aaaaaaaaaaaa", "گواهی یک")
    _recording(archive, "bbbbbbbbbbbb", "Witness two")
    archive.save_track(_track("aaaaaaaaaaaa", "fa.asr", FA))
    archive.save_track(_track("aaaaaaaaaaaa", "en.mt", EN, kind="mt"))
    archive.save_track(_track("bbbbbbbbbbbb", "fa.reference", FA[::-1], kind="reference"))
    return archive


def test_persian_search_is_normalised_and_has_permalinks(two_recordings):
    # Arabic kaf and yeh, no ZWNJ: must still match the Persian spelling in the track.
    hits = archive_search.search(two_recordings, "حقيقت را بنويسيم")
    assert {(h.recording_id, h.track) for h in hits[:2]} == {
        ("aaaaaaaaaaaa", "fa.asr"),
        ("bbbbbbbbbbbb", "fa.reference"),
    }
    top = hits[0]
    assert top.score == 1.0 and "حقیقت" in top.text
    assert top.permalink == f"/r/{top.recording_id}#t={top.start:g},{top.end:g}"
    assert archive_search.search(two_recordings, "میزنند")[0].segment_id in ("s00001", "s00003")
    assert set(top.to_dict()) >= {"recording_id", "title", "start", "end", "score", "permalink"}


def test_english_search_survives_misspelling_and_filters_language(two_recordings):
    hits = archive_search.search(two_recordings, "libary opens at nine")
    assert hits[0].track == "en.mt" and hits[0].segment_id == "s00003"
    assert hits[0].permalink == "/r/aaaaaaaaaaaa#t=7,9.5"
    assert archive_search.search(two_recordings, "کتابخانه", language="en") == []
    assert archive_search.search(two_recordings, "zzqx vvv") == []


def test_refresh_follows_writes_and_deletes(two_recordings):
    archive = two_recordings
    assert archive_search.refresh(archive) == 2
    assert archive_search.refresh(archive) == 0  # nothing changed: nothing reindexed
    archive.save_track(_track("bbbbbbbbbbbb", "en.mt", ["A completely new sentence about tea."]))
    assert archive_search.refresh(archive) == 1
    assert archive_search.search(archive, "tea")[0].recording_id == "bbbbbbbbbbbb"
    archive.delete_track("bbbbbbbbbbbb", "en.mt")
    assert archive_search.search(archive, "completely new sentence") == []
    shutil.rmtree(archive.transcripts_dir / "aaaaaaaaaaaa")
    assert all(h.recording_id != "aaaaaaaaaaaa" for h in archive_search.search(archive, "حقیقت"))
    # The index is derived: deleting it loses nothing.
    assert archive_search.rebuild(archive) == 1
    assert archive_search.search(archive, "حقیقت")[0].recording_id == "bbbbbbbbbbbb"


def test_a_damaged_index_is_rebuilt(two_recordings):
    archive_search.refresh(two_recordings)
    archive_search.index_path(two_recordings).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (archive_search.index_path(two_recordings).parent / f".search.sqlite{suffix}").unlink(
            missing_ok=True
        )
    assert archive_search.search(two_recordings, "حقیقت")[0].score == 1.0


def test_read_only_archive_is_still_searchable(two_recordings):
    archive = two_recordings
    archive_search.refresh(archive)
    archive.save_track(_track("bbbbbbbbbbbb", "en.mt", ["Tea in the garden."]))
    os.chmod(archive.transcripts_dir, 0o555)
    try:
        hits = archive_search.search(archive, "حقیقت")  # stale index, but it answers
        assert hits and hits[0].score == 1.0
    finally:
        os.chmod(archive.transcripts_dir, 0o755)


def test_cli_search_json_and_text(two_recordings):
    runner = CliRunner()
    args = ["--archive", str(two_recordings.root), "search"]
    out = runner.invoke(main, [*args, "حقیقت را بنویسیم", "--json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output)
    assert hits[0]["permalink"].startswith("/r/") and hits[0]["score"] == 1.0
    text = runner.invoke(main, [*args, "truth"])
    assert text.exit_code == 0 and "/r/aaaaaaaaaaaa#t=4,6.5" in text.output
    none = runner.invoke(main, [*args, "zzqx"])
    assert none.exit_code == 0 and "no matches" in none.output


def test_hamza_spellings_find_each_other(archive):
    # هیئت in the transcript, هیات typed by the reader: the same word, so a full-score hit (the
    # fuzzy ranking alone would give a near miss).
    _recording(archive, "cccccccccccc", "هیئت")
    lines = ["اعضای هیئت مدیره آمدند.", "مساله روشن بود."]
    archive.save_track(_track("cccccccccccc", "fa.asr", lines))
    archive_search.refresh(archive)
    for query, segment in (("هیات مدیره", "s00001"), ("مسئله روشن", "s00002")):
        best = archive_search.search(archive, query)[0]
        assert (best.segment_id, best.score) == (segment, pytest.approx(1.0)), query
