"""navar batch end to end with the real model: a corrupt file in the middle, duplicates,
kill -9 and resume compared with an uninterrupted run, two batches at once, search after.

Clips are one short espeak-ng sentence each and translation is off (it is not the point here),
so each transcription takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from navar import synthetic
from navar.batch.catalog import catalog_path, pid_alive
from transcribe.archive import Archive

pytestmark = pytest.mark.model

NAVAR = str(Path(sys.executable).parent / "navar")
LINES = ["کتابخانه شهر هر روز باز است.", "او به ما گفت که حقیقت را بنویسیم."]


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    """a_first.wav, b_corrupt.wav (in the middle), c_second.wav, d_copy.wav (= a), a reference."""
    src = tmp_path_factory.mktemp("batch_in")
    for name, line in zip(("a_first.wav", "c_second.wav"), LINES, strict=True):
        audio, _ = synthetic.synthesize([line], lead=0.3)
        audio.export(src / name, format="wav")
    shutil.copy(src / "a_first.wav", src / "d_copy.wav")
    (src / "b_corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(2000))
    refs = tmp_path_factory.mktemp("refs")
    (refs / "c_second.txt").write_text(LINES[1] + "\n", encoding="utf-8")
    return src, refs


def _batch(archive_root: Path, src: Path, refs: Path | None, *extra, wait=True):
    cmd = [NAVAR, "--archive", str(archive_root), "batch", str(src), "--no-translate", "--json",
           *(["--reference-dir", str(refs)] if refs else []), *extra]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait:
        return proc
    out, err = proc.communicate(timeout=300)
    return proc.returncode, json.loads(out), err


def _stages(archive_root: Path) -> dict:
    db = sqlite3.connect(catalog_path(Archive(archive_root)))
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM stages").fetchall()
    db.close()
    return {(r["recording_id"], r["stage"]): dict(r) for r in rows}


def _tracks(archive: Archive) -> dict:
    return {
        (r.id, t.id): [s.text for s in t.segments]
        for r in archive.recordings()
        for t in archive.tracks(r.id)
    }


@pytest.fixture(scope="module")
def uninterrupted(batch_dir, tmp_path_factory):
    src, refs = batch_dir
    root = tmp_path_factory.mktemp("uninterrupted") / "archive"
    code, summary, err = _batch(root, src, refs)
    return root, code, summary, err


def test_batch_processes_folder_and_lists_the_corrupt_file(uninterrupted, batch_dir):
    root, code, summary, err = uninterrupted
    assert code == 1, err  # something failed: the status says so
    assert summary["files"] == 4 and summary["recordings"] == 3  # d_copy is a's bytes
    assert summary["processed"] == 2 and summary["skipped"] == 0
    (failed,) = summary["failed"]
    assert failed["source"].endswith("b_corrupt.wav") and "add:" in failed["error"]
    assert summary["audio_hours"] > 0 and summary["wall_seconds"] > 0
    archive = Archive(root)
    recs = {r.original_name: r for r in archive.recordings()}
    assert set(recs) == {"a_first.wav", "c_second.wav"}
    assert archive.track_ids(recs["a_first.wav"].id) == ["fa.asr"]
    assert set(archive.track_ids(recs["c_second.wav"].id)) == {"fa.asr", "fa.reference"}
    assert "FAILED" in err and "done" in err  # per-file progress lines
    # The originals are untouched, and the batch is visible in navar status.
    assert (batch_dir[0] / "b_corrupt.wav").stat().st_size > 2000
    status = subprocess.run(
        [NAVAR, "--archive", str(root), "status", "--json"], capture_output=True, text=True
    )
    report = json.loads(status.stdout)
    assert report["recordings"] == {"done": 2, "failed": 1}
    assert report["stages"]["transcribe"] == {"done": 2, "pending": 1}


def test_rerun_skips_what_is_done_and_search_finds_it(uninterrupted, batch_dir):
    root, *_ = uninterrupted
    code, summary, _ = _batch(root, *batch_dir)
    assert code == 1
    assert summary["processed"] == 0 and summary["skipped"] == 2
    assert len(summary["failed"]) == 1  # still listed, not retried without --retry-failed
    archive = Archive(root)
    asr = archive.track(next(r.id for r in archive.recordings()), "fa.asr")
    word = max(asr.segments[0].text.split(), key=len)
    found = subprocess.run(
        [NAVAR, "--archive", str(root), "search", word, "--json"], capture_output=True, text=True
    )
    hits = json.loads(found.stdout)
    assert hits and hits[0]["permalink"].startswith(f"/r/{asr.recording_id}#t=")


def test_kill_9_then_rerun_matches_an_uninterrupted_run(uninterrupted, batch_dir, tmp_path):
    src, refs = batch_dir
    root = tmp_path / "archive"
    proc = _batch(root, src, refs, wait=False)
    # Kill the batch once the first recording is finished and the next one is under way.
    deadline = time.monotonic() + 240
    first = None
    while time.monotonic() < deadline and proc.poll() is None:
        if catalog_path(Archive(root)).is_file():
            try:
                stages = _stages(root)
            except sqlite3.OperationalError:
                stages = {}
            done = [k for k, s in stages.items() if k[1] == "transcribe" and s["status"] == "done"]
            if done and any(
                s["status"] == "running" and k[0] != done[0][0] for k, s in stages.items()
            ):
                first = done[0][0]
                break
        time.sleep(0.05)
    assert first is not None, "the batch finished or stalled before it could be killed"
    db = sqlite3.connect(catalog_path(Archive(root)))
    workers = [r[0] for r in db.execute("SELECT pid FROM recordings WHERE status = 'running'")]
    db.close()
    os.kill(proc.pid, signal.SIGKILL)  # the batch process only: its workers must follow
    proc.communicate()
    for _ in range(100):
        if not any(pid_alive(p) for p in workers):
            break
        time.sleep(0.1)
    assert not any(pid_alive(p) for p in workers), "a worker outlived its batch"

    archive = Archive(root)
    for rec in archive.recordings():
        archive.tracks(rec.id)  # every visible track is whole
    before = _stages(root)
    first_mtime = (archive.transcripts_dir / first / "tracks" / "fa.asr.json").stat().st_mtime_ns

    code, summary, err = _batch(root, src, refs)
    assert code == 1, err
    assert summary["skipped"] >= 1 and summary["processed"] + summary["skipped"] == 2
    after = _stages(root)
    # The finished stages were not run again.
    for key, row in before.items():
        if row["status"] == "done":
            assert after[key]["finished"] == row["finished"] and after[key]["attempts"] == 1
    assert (
        archive.transcripts_dir / first / "tracks" / "fa.asr.json"
    ).stat().st_mtime_ns == first_mtime
    # Same recordings and tracks, with text, as the run that was never interrupted. (Not the
    # same words: where Whisper falls back to sampling, two runs of one recording can differ.)
    resumed, whole = _tracks(archive), _tracks(Archive(uninterrupted[0]))
    assert {k: bool(v) for k, v in resumed.items()} == {k: bool(v) for k, v in whole.items()}
    assert {k: s["status"] for k, s in after.items()} == {
        k: s["status"] for k, s in _stages(uninterrupted[0]).items()
    }


def test_two_batches_at_once_never_process_a_recording_twice(batch_dir, tmp_path):
    src, _refs = batch_dir  # no reference: alignment is not the point here
    root = tmp_path / "archive"
    Archive(root).transcripts_dir.mkdir(parents=True)
    procs = [_batch(root, src, None, wait=False) for _ in range(2)]
    summaries = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert out.strip(), (p.returncode, err[-3000:])  # say why a batch printed nothing
        summaries.append(json.loads(out))
    assert sum(s["processed"] for s in summaries) == 2
    stages = _stages(root)
    assert all(s["attempts"] == 1 for s in stages.values() if s["status"] != "pending")
    ran = [(k, s["batch"]) for k, s in stages.items() if k[1] == "transcribe" and s["batch"]]
    assert len(ran) == 2  # one transcription per recording, whichever batch did it
    assert len(Archive(root).recordings()) == 2
