"""Batch discovery and the job catalog, without the speech model: fast and exact."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
from pydub import AudioSegment

from navar import synthetic
from navar.batch import discovery
from navar.batch.catalog import MAX_ATTEMPTS, Catalog, catalog_path, pid_alive
from transcribe.errors import NavarError


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    audio, _ = synthetic.synthesize(["سلام دوست من."])
    path = tmp_path_factory.mktemp("clip") / "salam.wav"
    audio.export(path, format="wav")
    return path


def test_discovery_finds_audio_by_extension_and_by_probing(tmp_path, clip, archive):
    src = tmp_path / "in"
    (src / "tape 2").mkdir(parents=True)
    (src / ".hidden").mkdir()
    shutil.copy(clip, src / "a.wav")
    shutil.copy(clip, src / "tape 2" / "b.WAV")
    shutil.copy(clip, src / "digitised_no_extension")  # found by asking ffprobe
    shutil.copy(clip, src / "c.dat")  # an unknown extension, but audio inside
    shutil.copy(clip, src / ".hidden" / "x.wav")
    (src / "notes.odd").write_text("not audio")  # unknown extension, ffprobe says no
    (src / "a.txt").write_text("سلام دوست من.\n", encoding="utf-8")  # reference for a.wav
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "b.vtt").write_text("WEBVTT\n\n00:00.500 --> 00:01.500\nسلام\n", encoding="utf-8")

    catalog = Catalog(archive)
    found = discovery.discover([src], catalog, reference_dir=refs)
    names = sorted(f.path.name for f in found)
    assert names == ["a.wav", "b.WAV", "c.dat", "digitised_no_extension"]
    assert len({f.recording_id for f in found}) == 1  # the same bytes: one recording
    by_name = {f.path.name: f for f in found}
    assert by_name["a.wav"].reference == (src / "a.txt").resolve()
    assert by_name["b.WAV"].reference == (refs / "b.vtt").resolve()
    assert by_name["c.dat"].reference is None
    assert by_name["a.wav"].duration == pytest.approx(
        AudioSegment.from_wav(clip).duration_seconds, abs=0.05
    )
    # Hashes are remembered by path, size and mtime: a rerun reads no audio.
    st = (src / "a.wav").stat()
    known = catalog.known_source(str(by_name["a.wav"].path), st.st_size, st.st_mtime_ns)
    assert known["sha256"] == by_name["a.wav"].sha256
    assert all(p.exists() for p in [src / "a.wav", src / "a.txt"])  # nothing moved or changed


def test_missing_folder_is_a_clear_error(archive, tmp_path):
    with pytest.raises(NavarError, match="no such folder"):
        discovery.discover([tmp_path / "nope"], Catalog(archive))


def _register(catalog, batch, n, first=0):
    for i in range(first, first + n):
        rec_id = f"{i:012x}"
        catalog.register(batch, rec_id, f"/in/{i}.wav", None, 60.0, ["add", "transcribe"])


def _claim_all(archive_root, batch, out, done):
    from transcribe.archive import Archive

    catalog = Catalog(Archive(archive_root))
    while (claim := catalog.claim(batch)) is not None:
        out.put(claim.recording_id)
        catalog.stage_started(claim.recording_id, "add", batch)
    # Hold the claims until every claimer is done: a claimer that exits holding claims is a dead
    # worker, and its recordings rightly go back to pending for the others (a loaded machine
    # made that happen, and the test counted them twice).
    done.wait(60)


def test_concurrent_claims_never_share_a_recording(archive):
    catalog = Catalog(archive)
    _register(catalog, "b1", 40)
    ctx = multiprocessing.get_context("spawn")
    out, done = ctx.Queue(), ctx.Barrier(4)
    procs = [
        ctx.Process(target=_claim_all, args=(str(archive.root), "b1", out, done)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    got = [out.get(timeout=5) for _ in range(40)]
    assert sorted(got) == [f"{i:012x}" for i in range(40)]  # each once, none twice
    assert out.empty()


def test_a_batch_waits_for_another_setting_up_a_new_catalog(archive):
    # Two batches started together on a new archive: while one holds the new catalog's write
    # lock (creating it, before WAL mode), the other switching to WAL got "database is locked"
    # at once, with no busy wait, and died before printing anything. It must wait instead.
    path = catalog_path(archive)
    path.parent.mkdir(parents=True)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE other_batch (x)")
    other.execute("BEGIN IMMEDIATE")  # the other batch is writing: it holds the lock ...
    threading.Timer(1.0, other.execute, ["COMMIT"]).start()  # ... for a second
    catalog = Catalog(archive)
    catalog.start_batch("b1", "test")
    other.close()
    assert [r["batch"] for r in catalog.batches()] == ["b1"]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_registering_the_same_bytes_twice_in_a_batch(archive):
    catalog = Catalog(archive)
    assert catalog.register("b1", "aaaaaaaaaaaa", "/in/x.wav", None, 5.0, ["add"])
    assert not catalog.register("b1", "aaaaaaaaaaaa", "/in/copy.wav", None, 5.0, ["add"])
    # Another batch may name the same recording; it is still one row, one set of stages.
    assert catalog.register("b2", "aaaaaaaaaaaa", "/in/copy.wav", None, 5.0, ["add"])
    assert len(catalog.recording_rows()) == 1 and len(catalog.stage_rows()) == 1


def test_claims_of_dead_processes_are_reclaimed(archive):
    catalog = Catalog(archive)
    _register(catalog, "b1", 1)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not pid_alive(dead.pid)
    claim = catalog.claim("b1", pid=dead.pid)
    catalog.stage_started(claim.recording_id, "add", "b1")  # then the holder is killed
    assert catalog.claim("b1") is not None  # dead holder: taken over at once
    # A live holder keeps its claim.
    _register(catalog, "b2", 2, first=100)
    first = catalog.claim("b2")
    second = catalog.claim("b2")
    assert first.recording_id != second.recording_id
    assert catalog.claim("b2") is None


def test_a_stage_that_kills_its_worker_every_time_fails_in_the_end(archive):
    catalog = Catalog(archive)
    _register(catalog, "b1", 1)
    for _ in range(MAX_ATTEMPTS):
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        claim = catalog.claim("b1", pid=dead.pid)
        assert claim is not None and claim.stages == ["add", "transcribe"]
        catalog.stage_started(claim.recording_id, "add", "b1")
    assert catalog.claim("b1") is None
    (row,) = catalog.recording_rows()
    assert row["status"] == "failed" and "stopped 3 times" in row["error"]
