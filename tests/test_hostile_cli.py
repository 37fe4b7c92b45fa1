"""Hostile and careless input to the command line: damaged tapes, broken archives, odd files.

Every input is built here, at test time, and small. Every command runs as a real subprocess
under a timeout, so a hang fails the test instead of stalling the suite. What each input must
get: no hang, no "internal error", no traceback, one `navar: error:` line naming the file and
what to do (or a warning and the work done), and the archive byte-identical where nothing
should change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from transcribe.archive import Archive, DamagedFile

TIMEOUT = 120  # seconds for any one command; none of these inputs needs more than a few


# --- helpers ------------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (hidden ones too) with the SHA-256 of its bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root) + "/"] = "dir"
        for f in filenames:
            p = Path(dirpath, f)
            rel = os.path.relpath(p, root)
            if p.is_symlink() or not p.is_file():
                out[rel] = "special"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def without_index(snap: dict[str, str]) -> dict[str, str]:
    """A snapshot minus the derived search index, which commands may refresh."""
    return {k: v for k, v in snap.items() if "search" not in k.split("/")[-1]}


def navar(archive: Path, *args: str, timeout: float = TIMEOUT, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "navar", "--archive", str(archive), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def assert_no_crash(proc: subprocess.CompletedProcess) -> None:
    assert "internal error" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def assert_one_error(proc: subprocess.CompletedProcess, *names: str) -> str:
    """Exit 1, one `navar: error:` line that names each of ``names``; returns that line."""
    assert_no_crash(proc)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("navar: error:")]
    assert len(errors) == 1, proc.stderr
    for name in names:
        assert name in errors[0], (name, errors[0])
    return errors[0]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


def tone(path: Path, seconds: float = 3.0, *extra: str) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-ac", "1", *extra,
           str(path))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """An archive with one 3 s recording and a human-timed fa.reference track (copy before use)."""
    root = tmp_path_factory.mktemp("base") / "archive"
    src = tone(tmp_path_factory.mktemp("src") / "tone.wav")
    archive = Archive(root)
    rec = archive.add(src, title="tone").recording
    vtt = tmp_path_factory.mktemp("vtt") / "ref.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:00.200 --> 00:00:01.400\nسلام دنیا\n\n"
        "00:00:01.500 --> 00:00:02.800\nاین یک آزمون است\n",
        encoding="utf-8",
    )
    proc = navar(root, "import", rec.id, str(vtt), "--language", "fa", "--kind", "reference")
    assert proc.returncode == 0, proc.stderr
    return root, rec.id


@pytest.fixture
def arch(base, tmp_path):
    """A fresh copy of the base archive: (root, recording id)."""
    root = tmp_path / "archive"
    shutil.copytree(base[0], root, symlinks=True)
    return root, base[1]


# --- one bad file never takes everything down ----------------------------------------------------


def _add_second(root: Path, tmp_path: Path) -> str:
    return Archive(root).add(tone(tmp_path / "second.wav", 2.0), title="second").recording.id


BAD_RECORDING_JSON = {
    "empty list": "[]",
    "added null": None,  # filled in from the real file below
    "truncated": None,
    "100000 [": "[" * 100_000,
    "not UTF-8": b"\xff\xfe\x00garbage",
    "media path": None,
    "empty": "",
}


@pytest.mark.parametrize("case", list(BAD_RECORDING_JSON))
def test_a_damaged_recording_json_is_skipped_and_reported(arch, tmp_path, case):
    root, rec_id = arch
    good = _add_second(root, tmp_path)
    path = root / "transcripts" / rec_id / "recording.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    content = BAD_RECORDING_JSON[case]
    if case == "added null":
        content = json.dumps({**data, "added": None})
    elif case == "truncated":
        content = text[: len(text) // 2]
    elif case == "media path":
        content = json.dumps({**data, "media": "../../../../etc/passwd"})
    path.chmod(0o644)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = snapshot(root)

    listed = navar(root, "list")
    assert_no_crash(listed)
    assert listed.returncode == 0, listed.stderr
    assert good in listed.stdout and rec_id not in listed.stdout
    assert str(path) in listed.stderr  # reported, naming the file
    assert good in navar(root, "list", "--json").stdout

    shown = navar(root, "show", rec_id)
    assert_one_error(shown, str(path), "backup")
    assert navar(root, "show", good).returncode == 0

    archive = Archive(root)
    assert [r.id for r in archive.recordings()] == [good]
    [bad] = archive.damaged()
    assert isinstance(bad, DamagedFile) and bad.path == path and bad.reason
    assert without_index(snapshot(root)) == without_index(before)


BAD_TRACKS = {
    "empty list": "[]",
    "no language": None,
    "100000 [": "[" * 100_000,
    "segment start is text": None,
    "words not a list": None,
}


@pytest.mark.parametrize("case", list(BAD_TRACKS))
def test_a_damaged_track_is_skipped_and_reported(arch, tmp_path, case):
    root, rec_id = arch
    tracks = root / "transcripts" / rec_id / "tracks"
    good = tracks / "fa.reference.json"
    data = json.loads(good.read_text(encoding="utf-8"))
    bad = tracks / "en.reference.json"
    if case == "no language":
        content = json.dumps({k: v for k, v in {**data, "id": "en.reference"}.items()
                              if k != "language"})  # fmt: skip
    elif case == "segment start is text":
        segs = [{**data["segments"][0], "start": "abc"}]
        content = json.dumps({**data, "id": "en.reference", "segments": segs})
    elif case == "words not a list":
        segs = [{**data["segments"][0], "words": {"a": 1}}]
        content = json.dumps({**data, "id": "en.reference", "segments": segs})
    else:
        content = BAD_TRACKS[case]
    bad.write_text(content, encoding="utf-8")
    before = snapshot(root)

    shown = navar(root, "show", rec_id)
    assert_no_crash(shown)
    assert shown.returncode == 0, shown.stderr
    assert "fa.reference" in shown.stdout and str(bad) in shown.stderr
    assert navar(root, "list").returncode == 0

    exported = navar(root, "export", rec_id, "en.reference")
    assert_one_error(exported, str(bad))
    assert navar(root, "export", rec_id, "fa.reference").returncode == 0

    archive = Archive(root)
    assert [t.id for t in archive.tracks(rec_id)] == ["fa.reference"]
    assert [d.path for d in archive.damaged_tracks(rec_id)] == [bad]
    assert without_index(snapshot(root)) == without_index(before)
