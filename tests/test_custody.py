"""The chain-of-custody log: written by each command, hash-chained, checked by navar verify,
and never corrupted by a writer killed with kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from evidence_helpers import archive_with_tracks, navar, tone

from transcribe import custody
from transcribe.archive import Archive, sha256_of
from transcribe.transcript import Provenance, Segment, Track


def _entries(root: Path, rec_id: str) -> list[dict]:
    return custody.read(Archive(root).custody_path(rec_id)).entries


def test_each_command_logs_who_what_when_and_hashes(tmp_path, monkeypatch):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    assert navar(root, "export", rec_id, "fa.reference", "-o", str(out / "fa.vtt")).exit_code == 0
    r = navar(root, "cite", rec_id, "--start", "0.2", "--end", "1.4", "--out",
              str(out / "c.json"), "--clip", str(out / "c.wav"))  # fmt: skip
    assert r.exit_code == 0, r.output
    (tmp_path / "en.txt").write_text("He told us.\nThe library is open.\n", encoding="utf-8")
    r = navar(root, "align", rec_id, "--translation", str(tmp_path / "en.txt"), "--force")
    assert r.exit_code == 0, r.output
    archive = Archive(root)
    monkeypatch.setenv("NAVAR_ACTOR", "Test Archivist")
    archive.save_track(Track("fa.asr", rec_id, "fa", "asr", Provenance("navar tests"),
                             [Segment("s1", 0.2, 1.4, "او")]))  # fmt: skip

    entries = _entries(root, rec_id)
    events = [e["event"] for e in entries]
    assert events == ["added", "imported", "imported", "exported", "cited", "clip cut",
                      "aligned", "transcribed"]  # fmt: skip
    rec = archive.recording(rec_id)
    for e in entries:
        assert e["actor"] == "Test Archivist"
        assert e["software"].startswith("navar ")
        assert e["time"].endswith("Z") and e["recording"] == rec_id
    added = entries[0]
    assert {"path": f"media/{rec.media}", "sha256": rec.sha256} in added["outputs"]
    assert added["inputs"][0]["sha256"] == sha256_of(tmp_path / "witness.wav")
    imported = entries[1]
    assert imported["inputs"][-1]["sha256"] == sha256_of(tmp_path / "fa.vtt")
    track_file = archive.transcripts_dir / rec_id / "tracks" / "fa.reference.json"
    assert imported["outputs"] == [{"path": f"transcripts/{rec_id}/tracks/fa.reference.json",
                                    "sha256": sha256_of(track_file)}]  # fmt: skip
    assert entries[3]["outputs"][0]["sha256"] == sha256_of(out / "fa.vtt")
    assert entries[4]["details"]["citation"]["sha256"] == rec.sha256
    assert entries[4]["outputs"][0]["sha256"] == sha256_of(out / "c.json")
    assert entries[5]["outputs"][0]["sha256"] == sha256_of(out / "c.wav")
    aligned_inputs = {i["path"]: i["sha256"] for i in entries[6]["inputs"]}
    assert aligned_inputs[str((tmp_path / "en.txt").resolve())] == sha256_of(tmp_path / "en.txt")
    assert f"transcripts/{rec_id}/tracks/fa.reference.json" in aligned_inputs  # its source
    # the chain: each entry carries the hash of the previous one
    assert entries[0]["prev"] is None
    for a, b in zip(entries, entries[1:], strict=False):
        assert b["prev"] == custody.entry_hash(a) and b["seq"] == a["seq"] + 1

    shown = navar(root, "custody", rec_id)
    assert shown.exit_code == 0 and "clip cut" in shown.output and "Test Archivist" in shown.output
    verified = navar(root, "verify", rec_id)
    assert verified.exit_code == 0, verified.output
    assert "verified" in verified.output


def test_actor_option_and_default(tmp_path, monkeypatch):
    root = tmp_path / "archive"
    monkeypatch.setenv("NAVAR_ACTOR", "")
    r = navar(root, "--actor", "Counsel for the victims", "add", str(tone(tmp_path / "a.wav")),
              actor="")  # fmt: skip
    rec_id = r.output.split()[1]
    assert _entries(root, rec_id)[0]["actor"] == "Counsel for the victims"
    monkeypatch.delenv("NAVAR_ACTOR")
    assert "@" in custody.actor()


def test_removed_or_edited_entry_breaks_the_chain(tmp_path):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    log = Archive(root).custody_path(rec_id)
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == 3

    log.write_text(lines[0] + lines[2], encoding="utf-8")  # remove the middle entry
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 1 and "FAIL custody chain" in r.output

    edited = json.loads(lines[1])
    edited["actor"] = "someone else"
    log.write_text(lines[0] + custody.canonical(edited).decode() + "\n" + lines[2])
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 1 and "was removed, or one of them was edited" in r.output


def test_a_changed_file_is_named(tmp_path):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    track = Archive(root).transcripts_dir / rec_id / "tracks" / "en.reference-translation.json"
    data = json.loads(track.read_text(encoding="utf-8"))
    data["segments"][0]["text"] = "He told us nothing."
    track.write_text(json.dumps(data), encoding="utf-8")  # edited behind Navar's back
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 1
    assert f"FAIL transcripts/{rec_id}/tracks/en.reference-translation.json: SHA-256" in r.output


def test_a_replaced_track_is_superseded_not_changed(tmp_path):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    (tmp_path / "fa2.vtt").write_text(
        "WEBVTT\n\n00:00:00.300 --> 00:00:01.500\nاو گفت.\n", encoding="utf-8"
    )
    r = navar(root, "import", rec_id, str(tmp_path / "fa2.vtt"), "--force")
    assert r.exit_code == 0, r.output
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 0, r.output
    assert "fa.reference.json: entries 2 superseded by entry 4" in r.output


def test_an_archive_from_before_logs_gets_a_late_first_entry(tmp_path):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    archive = Archive(root)
    archive.custody_path(rec_id).unlink()  # as archives made before this feature are
    assert (
        navar(root, "export", rec_id, "fa.reference", "-o", str(tmp_path / "x.srt")).exit_code == 0
    )
    entries = _entries(root, rec_id)
    assert [e["event"] for e in entries] == ["log started late", "exported"]
    named = {o["path"] for o in entries[0]["outputs"]}
    assert f"transcripts/{rec_id}/tracks/fa.reference.json" in named
    assert f"media/{archive.recording(rec_id).media}" in named
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 0 and "the log starts late" in r.output


def test_a_torn_last_line_is_reported_and_the_next_append_is_clean(tmp_path):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    log = Archive(root).custody_path(rec_id)
    with open(log, "ab") as fh:
        fh.write(b'{"format":"navar-custody/1","seq":4,"ev')  # a writer died here
    got = custody.read(log)
    assert got.torn_tail and len(got.entries) == 3
    assert "the 3 entries before it are intact" in got.problems[0]
    assert (
        navar(root, "export", rec_id, "fa.reference", "-o", str(tmp_path / "x.vtt")).exit_code == 0
    )
    got = custody.read(log)
    assert len(got.entries) == 4 and got.entries[-1]["event"] == "exported"
    assert not custody.check_chain(got.entries)
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 0, r.output
    assert "not a complete entry" in r.output


_WRITER = """
import sys
from transcribe import custody
path = sys.argv[1]
while True:
    custody.append(path, "aaaaaaaaaaaa", "exported",
                   outputs=[{"path": "x" * 5000, "sha256": "0" * 64}] * 40)
"""


def test_kill_9_mid_append_never_breaks_the_chain(tmp_path):
    log = tmp_path / "custody.jsonl"
    rng = random.Random(15)
    kept = 0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(log)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        # let it write a while, then kill it wherever it is
        start = log.stat().st_size if log.exists() else 0
        deadline = time.monotonic() + 20
        while (not log.exists() or log.stat().st_size < start + 200_000) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.2))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        got = custody.read(log)
        assert got.entries, proc.stderr.read().decode()
        assert custody.check_chain(got.entries) == []
        assert len(got.entries) >= kept  # nothing written before was lost
        kept = len(got.entries)
    before = len(custody.read(log).entries)
    custody.append(log, "aaaaaaaaaaaa", "exported")
    got = custody.read(log)
    assert len(got.entries) == before + 1 and custody.check_chain(got.entries) == []
