"""Hostile and careless input to the command line: damaged tapes, broken archives, odd files.

Every input is built here, at test time, and small. Every command runs as a real subprocess
under a timeout, so a hang fails the test instead of stalling the suite. What each input must
get: no hang, no "internal error", no traceback, one `navar: error:` line naming the file and
what to do (or a warning and the work done), and the archive byte-identical where nothing
should change.
"""

from __future__ import annotations

import contextlib
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


# --- helpers --------------------------------------------------------------------------------------


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


# --- one bad file never takes everything down -----------------------------------------------------


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


# --- add: damaged tapes, hangs, interruptions, odd files ------------------------------------------


def damaged_mp3(path: Path, seconds: float = 60.0) -> Path:
    """An MP3 with 8 random bytes every 150 bytes: a damaged tape, as ffmpeg sees it."""
    clean = path.with_name("clean-" + path.name)
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}", "-ac", "1",
           "-b:a", "64k", str(clean))  # fmt: skip
    data = bytearray(clean.read_bytes())
    rng = __import__("random").Random(11)
    for i in range(2000, len(data) - 8, 150):
        data[i : i + 8] = bytes(rng.randrange(256) for _ in range(8))
    path.write_bytes(data)
    return path


def test_a_damaged_mp3_whose_errors_overflow_a_pipe_does_not_hang_add(tmp_path):
    mp3 = damaged_mp3(tmp_path / "damaged tape.mp3")
    err = tmp_path / "ffmpeg-stderr.txt"
    with open(err, "wb") as fh:  # the premise: more than a pipe's 64 KB of messages
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(mp3), "-f", "s16le", "-"],
                       stdout=subprocess.DEVNULL, stderr=fh, timeout=60)  # fmt: skip
    assert err.stat().st_size > 64 * 1024

    root = tmp_path / "archive"
    refused = navar(root, "add", str(mp3), timeout=60)
    line = assert_one_error(refused, str(mp3), "--allow-damaged")
    assert ".incoming" not in line
    assert not list(root.rglob(".incoming*"))
    assert not (root / "transcripts").exists()

    added = navar(root, "add", "--allow-damaged", str(mp3), timeout=60)
    assert_no_crash(added)
    assert added.returncode == 0 and "warning: damaged" in added.stderr
    [rec] = Archive(root).recordings()
    assert "decoding error" in rec.source_notes
    assert (root / "media" / rec.media).read_bytes() == mp3.read_bytes()


def long_mp3(tmp_path: Path, minutes: int = 60) -> Path:
    """An hour of MP3 made in a moment: one minute encoded, its frames repeated (MP3 is a plain
    sequence of frames). Decoding it takes long enough to interrupt."""
    one = tmp_path / "one-minute.mp3"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=duration=60:sample_rate=16000", "-ac", "1",
           "-b:a", "32k", "-write_xing", "0", "-id3v2_version", "0", str(one))  # fmt: skip
    path = tmp_path / "long.mp3"
    path.write_bytes(one.read_bytes() * minutes)
    return path


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _state(pid: int) -> str | None:
    """/proc's stat line of a process (its state after the name: R, S, Z...), None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_add_interrupted_by_a_signal_leaves_nothing_behind(tmp_path, signame):
    import signal

    src = long_mp3(tmp_path)
    root = tmp_path / "archive"
    cmd = [sys.executable, "-m", "navar", "--archive", str(root), "add", str(src)]
    # As in a terminal: SIGINT at its default. A process that ignores SIGINT (as some of the
    # suite's neighbours leave a test worker) passes that on to its children.
    restore = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=restore)  # fmt: skip
    try:
        # Wait until the copy is made and ffmpeg decodes it, then interrupt. Each look is taken
        # with add stopped (SIGSTOP), so a busy machine cannot let it finish between the look
        # and the signal; the signal is pending when it goes on (SIGCONT).
        for _ in range(6000):
            assert proc.poll() is None, proc.communicate()
            os.kill(proc.pid, signal.SIGSTOP)
            for _ in range(400):
                if (_state(proc.pid) or ") T").split(") ")[1][0] in "TtZ":
                    break
                __import__("time").sleep(0.005)
            kids = _children(proc.pid)
            if list(root.glob("media/.incoming.*")) and kids:
                break
            os.kill(proc.pid, signal.SIGCONT)
            __import__("time").sleep(0.005)
        else:
            pytest.fail("add never started decoding")
        proc.send_signal(getattr(signal, signame))
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in err and "internal error" not in err, err
    assert proc.returncode == 130 and "interrupted" in err
    assert not list(root.rglob(".incoming*"))
    assert not (root / "transcripts").exists()
    # ffmpeg does not outlive it. (A signal that lands inside Popen() itself can orphan the
    # child it is starting; with its pipe closed that child ends at its next write.)
    for _ in range(200):
        running = {k: s for k in kids if (s := _state(k)) and s.split(") ")[1][0] != "Z"}
        if not running:
            break
        __import__("time").sleep(0.05)
    assert not running, running


def test_a_5_gb_sparse_file_is_refused_before_copying_naming_it(tmp_path):
    big = tmp_path / "tape side A.wav"
    with open(big, "wb") as fh:
        fh.truncate(5 * 1024**3)  # sparse: takes no disk space
    root = tmp_path / "archive"
    line = assert_one_error(navar(root, "add", str(big)), str(big))
    assert ".incoming" not in line
    assert not root.exists()  # probed first: nothing copied, not even media/ made


def _wav_with(tmp_path: Path, name: str, offset_of: str, fmt: str, value: int) -> Path:
    import struct

    data = bytearray(tone(tmp_path / "plain.wav", 3.0, "-ar", "16000").read_bytes())
    base = data.find(b"fmt ") if offset_of != "data" else data.find(b"data")
    field = {"size": 4, "channels": 10, "rate": 12, "byte_rate": 16, "bits": 22, "data": 4}
    struct.pack_into(fmt, data, base + field[offset_of], value)
    path = tmp_path / name
    path.write_bytes(data)
    return path


LYING_WAVS = {
    "no channels": ("channels", "<H", 0),
    "200 channels": ("channels", "<H", 200),
    "rate 0": ("rate", "<I", 0),
    "rate 2e9": ("rate", "<I", 2_000_000_000),
    "byte rate 0": ("byte_rate", "<I", 0),
    "3 bits": ("bits", "<H", 3),
    "fmt chunk of 4 bytes": ("size", "<I", 4),
    "fmt chunk of 4 GB": ("size", "<I", 0xFFFFFFF0),
}


@pytest.mark.parametrize("case", list(LYING_WAVS))
def test_a_wav_with_a_lying_format_header_gets_one_clear_answer(tmp_path, case):
    wav = _wav_with(tmp_path, "lying.wav", *LYING_WAVS[case])
    root = tmp_path / "archive"
    proc = navar(root, "add", str(wav))
    assert_no_crash(proc)
    if proc.returncode == 0:  # ffmpeg made sense of it: archived as it is, bytes unchanged
        [rec] = Archive(root).recordings()
        assert (root / "media" / rec.media).read_bytes() == wav.read_bytes()
    else:
        assert_one_error(proc, str(wav))
        assert not list(root.rglob("*.json")) and not list(root.rglob(".incoming*"))


def test_a_wav_whose_data_chunk_declares_less_than_it_holds_is_archived_with_a_warning(tmp_path):
    wav = _wav_with(tmp_path, "short-header.wav", "data", "<I", 32000)  # 1 s of 3 s
    root = tmp_path / "archive"
    proc = navar(root, "add", str(wav))
    assert_no_crash(proc)
    assert proc.returncode == 0
    assert "declares 1.00 s" in proc.stderr and "3.00 s" in proc.stderr


def test_an_m4a_with_two_audio_streams_warns_which_is_used(tmp_path):
    m4a = tmp_path / "two streams.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=2", "-f", "lavfi", "-i",
           "sine=frequency=900:duration=2", "-map", "0:a", "-map", "1:a", "-c:a", "aac",
           str(m4a))  # fmt: skip
    proc = navar(tmp_path / "archive", "add", str(m4a))
    assert_no_crash(proc)
    assert proc.returncode == 0 and "2 audio streams" in proc.stderr


# --- batch: things in a folder that are not files -------------------------------------------------


def test_batch_skips_a_fifo_a_symlink_loop_and_a_dangling_link_and_does_the_rest(tmp_path):
    folder = tmp_path / "tapes"
    folder.mkdir()
    good = tone(folder / "good.wav", 2.0)
    os.mkfifo(folder / "pipe.mp3")  # opening it would wait for a writer for ever
    (folder / "loop.wav").symlink_to(folder / "loop.wav")
    (folder / "gone.flac").symlink_to(folder / "deleted.flac")
    root = tmp_path / "archive"
    proc = navar(root, "-v", "batch", "--no-translate", "--workers", "1", str(folder), timeout=300)
    assert_no_crash(proc)
    for name, why in [("pipe.mp3", "FIFO"), ("loop.wav", "loop"), ("gone.flac", "to nothing")]:
        [line] = [x for x in proc.stderr.splitlines() if f"skipped {folder / name}" in x]
        assert why in line
    assert proc.returncode == 0, proc.stderr
    [rec] = Archive(root).recordings()
    assert rec.original_name == good.name and "fa.asr" in Archive(root).track_ids(rec.id)


# --- the batch catalog ----------------------------------------------------------------------------


def _catalog(root: Path) -> Path:
    from navar.batch.catalog import Catalog

    catalog = Catalog(Archive(root))
    for i in range(300):
        catalog.register("b1", f"{i:012x}", f"/in/{i}.wav", None, 60.0, ["add", "transcribe"])
    catalog._local.db.close()  # checkpoints the WAL: every row is in the main file
    for extra in catalog.path.parent.glob(catalog.path.name + "-*"):
        extra.unlink()
    return catalog.path


@pytest.mark.parametrize("damage", ["garbage", "truncated to half", "truncated to 1000 bytes"])
@pytest.mark.parametrize("command", ["status", "batch"])
def test_a_damaged_batch_catalog_gets_one_clear_line(arch, tmp_path, damage, command):
    root, _ = arch
    path = _catalog(root)
    if damage == "garbage":
        path.write_bytes(__import__("random").Random(5).randbytes(5000))
    else:
        size = path.stat().st_size // 2 if damage == "truncated to half" else 1000
        with open(path, "r+b") as fh:
            fh.truncate(size)
    folder = tmp_path / "tapes"
    folder.mkdir()
    tone(folder / "a.wav", 1.0)
    before = snapshot(root)
    args = ["status"] if command == "status" else ["batch", "--no-translate", str(folder)]
    line = assert_one_error(navar(root, *args), str(path), "move it aside")
    assert "damaged" in line
    assert snapshot(root) == before


# --- a full disk, a read-only archive -------------------------------------------------------------


@pytest.fixture
def mount_point(tmp_path):
    """A folder to mount a small tmpfs on (needs root, as the project's test machines run)."""
    point = tmp_path / "mnt"
    point.mkdir()
    mounted = []

    def mount(*options: str) -> Path:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                               str(point)], capture_output=True, timeout=30)  # fmt: skip
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield mount
    for p in mounted:
        subprocess.run(["umount", "-l", str(p)], timeout=30, check=False)


def _fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()


def test_add_on_a_full_disk_says_so_and_leaves_nothing(tmp_path, mount_point):
    src = tone(tmp_path / "ten seconds.wav", 10.0, "-ar", "16000")  # 320 KB
    disk = mount_point("size=256k")
    root = disk / "archive"
    line = assert_one_error(navar(root, "add", str(src)), "disk is full")
    assert str(root) in line
    assert not list(root.rglob(".incoming*")) and not list(root.rglob("*.json"))


def test_import_on_a_full_disk_says_so_and_changes_nothing(arch, tmp_path, mount_point):
    root, rec_id = arch
    disk = mount_point("size=1m")
    shutil.copytree(root, disk / "archive", symlinks=True)
    root = disk / "archive"
    _fill(disk)
    before = snapshot(root)
    txt = tmp_path / "en.txt"
    txt.write_text("Hello world.\nThis is a test.\n", encoding="utf-8")
    proc = navar(root, "import", rec_id, str(txt), "--language", "en")
    assert_one_error(proc, "disk is full", str(root))
    assert without_index(snapshot(root)) == without_index(before)


@pytest.mark.parametrize("command", ["add", "import"])
def test_a_read_only_archive_says_so_and_changes_nothing(arch, tmp_path, mount_point, command):
    root, rec_id = arch
    disk = mount_point("size=4m")
    shutil.copytree(root, disk / "archive", symlinks=True)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, timeout=30)
    root = disk / "archive"
    before = snapshot(root)
    if command == "add":
        proc = navar(root, "add", str(tone(tmp_path / "new.wav", 1.0)))
    else:
        txt = tmp_path / "en.txt"
        txt.write_text("Hello world.\n", encoding="utf-8")
        proc = navar(root, "import", rec_id, str(txt), "--language", "en")
    assert_one_error(proc, "read-only", str(root))
    assert snapshot(root) == before


# --- a person's work is never replaced without --force --------------------------------------------


def _reference_file(root: Path, rec_id: str) -> Path:
    return root / "transcripts" / rec_id / "tracks" / "fa.reference.json"


def test_align_refuses_to_replace_a_human_reference_without_force(arch, tmp_path):
    root, rec_id = arch
    other = tmp_path / "other.txt"
    other.write_text("یک خط دیگر\n", encoding="utf-8")
    before = snapshot(root)
    line = assert_one_error(navar(root, "align", rec_id, "--reference", str(other)),
                            "fa.reference", "--force", "versions")  # fmt: skip
    assert "nothing was changed" in line
    assert snapshot(root) == before
    translation = tmp_path / "en.txt"
    translation.write_text("Hello world.\n", encoding="utf-8")
    en = root / "transcripts" / rec_id / "tracks" / "en.reference-translation.json"
    en.write_bytes(_reference_file(root, rec_id).read_bytes().replace(b'"fa.reference"',
                   b'"en.reference-translation"'))  # fmt: skip
    before = snapshot(root)
    assert_one_error(navar(root, "align", rec_id, "--translation", str(translation)),
                     "en.reference-translation", "--force")  # fmt: skip
    assert without_index(snapshot(root)) == without_index(before)  # the new file gets indexed


def test_align_with_force_keeps_the_previous_human_reference(arch, tmp_path):
    root, rec_id = arch
    old = _reference_file(root, rec_id).read_bytes()
    other = tmp_path / "other.txt"
    other.write_text("یک خط دیگر\n", encoding="utf-8")
    proc = navar(root, "align", rec_id, "--reference", str(other), "--force", timeout=300)
    assert_no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    [kept] = Archive(root).versions(rec_id, "fa.reference")
    assert kept.parent == root / "transcripts" / rec_id / "versions"
    assert kept.read_bytes() == old and str(kept) in proc.stderr
    assert _reference_file(root, rec_id).read_bytes() != old


def test_import_refuses_to_replace_a_track_without_force_and_keeps_it_with_force(arch, tmp_path):
    root, rec_id = arch
    old = _reference_file(root, rec_id).read_bytes()
    txt = tmp_path / "new.txt"
    txt.write_text("متن تازه\n", encoding="utf-8")
    before = snapshot(root)
    assert_one_error(navar(root, "import", rec_id, str(txt)), "fa.reference", "--force")
    assert snapshot(root) == before
    proc = navar(root, "import", rec_id, str(txt), "--force")
    assert proc.returncode == 0, proc.stderr
    [kept] = Archive(root).versions(rec_id, "fa.reference")
    assert kept.read_bytes() == old and str(kept) in proc.stderr
    assert [s.text for s in Archive(root).track(rec_id, "fa.reference").segments] == ["متن تازه"]


# --- import: text a person wrote is kept, or refused naming the cue -------------------------------


def _vtt(*cues: tuple[str, str, str]) -> str:
    return "WEBVTT\n\n" + "\n".join(f"{a} --> {b}\n{text}\n" for a, b, text in cues)


def _import(root: Path, rec_id: str, tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    proc = navar(root, "import", rec_id, str(path), "--language", "en", "--kind", "reference")
    return path, proc


KEPT_TEXT = {
    "an unknown tag": (
        _vtt(("00:00:00.100", "00:00:01.000", "salam <inaudible> donya")),
        ["salam <inaudible> donya"],
    ),
    "styling and entities": (
        _vtt(("00:00:00.100", "00:00:01.000", "<v Ali><b>bold</b> &amp; <i>x</i> &lt;y&gt;</v>")),
        ["bold & x <y>"],
    ),
    "srt with an unknown tag and an arrow": (
        "1\n00:00:00,100 --> 00:00:01,000\nsalam <inaudible> donya\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nx --> y\n",
        ["salam <inaudible> donya", "x --> y"],
    ),
}


@pytest.mark.parametrize("case", list(KEPT_TEXT))
def test_import_keeps_the_text_a_person_wrote(arch, tmp_path, case):
    root, rec_id = arch
    content, texts = KEPT_TEXT[case]
    name = "ref.srt" if "srt" in case else "ref.vtt"
    _, proc = _import(root, rec_id, tmp_path, name, content)
    assert_no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    assert [s.text for s in Archive(root).track(rec_id, "en.reference").segments] == texts


REFUSED = {
    "an arrow in cue text": (
        _vtt(
            ("00:00:00.100", "00:00:01.000", "first"), ("00:00:01.000", "00:00:02.000", "a --> b")
        ),  # fmt: skip
        ["line 7", "-->"],
    ),
    "a reversed cue": (
        _vtt(("00:00:00.100", "00:00:01.000", "one"), ("00:00:02.000", "00:00:01.500", "two")),
        ["cue 2", "ends", "before it starts"],
    ),
    "a cue past the end": (
        _vtt(("00:00:00.100", "00:00:01.000", "one"), ("00:16:40.000", "00:33:20.000", "two")),
        ["cue 2", "after the recording ends"],
    ),
    "200 KB of text for 3 s": ("word " * 40_000, ["characters per second"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_import_refuses_what_it_cannot_keep_naming_where(arch, tmp_path, case):
    root, rec_id = arch
    content, words = REFUSED[case]
    before = snapshot(root)
    name = "ref.txt" if "text" in case and "cue" not in case else "ref.vtt"
    path, proc = _import(root, rec_id, tmp_path, name, content)
    assert_one_error(proc, str(path), *words)
    assert snapshot(root) == before


REPAIRED = {
    "overlapping cues": (
        "ref.vtt",
        _vtt(("00:00:00.100", "00:00:01.500", "one"), ("00:00:01.000", "00:00:02.000", "two")),
        ["cue 2", "overlap"],
        ["one", "two"],
    ),
    "a cue running past the end": (
        "ref.vtt",
        _vtt(("00:00:00.100", "00:00:01.000", "one"), ("00:00:02.000", "00:00:09.000", "two")),
        ["cue 2", "cut back to 00:00:03.000"],
        ["one", "two"],
    ),
    "NUL bytes in a cue": (
        "ref.vtt",
        _vtt(("00:00:00.100", "00:00:01.000", "one"), ("00:00:01.000", "00:00:02.000", "t\0wo")),
        ["cue 2", "NUL"],
        ["one", "two"],
    ),
    "NUL bytes in text": ("ref.txt", "one\nt\0w\0o\n", ["line 2", "NUL"], ["one", "two"]),
}


@pytest.mark.parametrize("case", list(REPAIRED))
def test_import_repairs_with_a_warning_naming_the_cue(arch, tmp_path, case):
    root, rec_id = arch
    name, content, words, texts = REPAIRED[case]
    _, proc = _import(root, rec_id, tmp_path, name, content)
    assert_no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    [warning] = [x for x in proc.stderr.splitlines() if "warning:" in x]
    assert all(w in warning for w in words), warning
    track = Archive(root).track(rec_id, "en.reference")
    assert [s.text for s in track.segments] == texts
    assert all(s.end <= 3.0 for s in track.segments if s.timed)
    assert warning.split("warning: ")[1] in track.provenance.notes  # the repair is on record


def test_align_refuses_an_absurd_amount_of_text_before_aligning(arch, tmp_path):
    root, rec_id = arch
    big = tmp_path / "big.txt"
    big.write_text("کلمه " * 40_000, encoding="utf-8")
    before = snapshot(root)
    assert_one_error(navar(root, "align", rec_id, "--reference", str(big), "--force"),
                     str(big), "characters per second")  # fmt: skip
    assert snapshot(root) == before


# --- verify: the hash, the citation's own consistency, and the words ------------------------------


@pytest.fixture
def cited(arch, tmp_path):
    """(archive root, the original media file, a genuine citation as a dict)."""
    root, rec_id = arch
    proc = navar(root, "cite", rec_id, "--start", "0.2", "--end", "1.4", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["texts"][0]["text"] == "سلام دنیا"
    [media] = (root / "media").iterdir()
    return root, media, data


def _verify(root: Path, tmp_path: Path, media: Path, citation) -> subprocess.CompletedProcess:
    path = tmp_path / "citation.json"
    if isinstance(citation, bytes):
        path.write_bytes(citation)
    elif isinstance(citation, str):
        path.write_text(citation, encoding="utf-8")
    else:
        path.write_text(json.dumps(citation, ensure_ascii=False), encoding="utf-8")
    return navar(root, "verify", str(path), str(media))


def test_verify_accepts_a_genuine_citation_and_checks_its_words(cited, tmp_path):
    root, media, data = cited
    before = snapshot(root)
    proc = _verify(root, tmp_path, media, data)
    assert_no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    assert "is the cited recording" in proc.stdout and "words match" in proc.stdout
    assert snapshot(root) == before
    # Without the archive at hand, the hash and the span are all there is to check, and it says so.
    elsewhere = _verify(tmp_path / "no-archive", tmp_path, media, data)
    assert elsewhere.returncode == 0 and "not checked" in elsewhere.stdout


def _forged(data: dict, case: str):
    d = json.loads(json.dumps(data))
    if case == "forged words":
        d["texts"][0]["text"] = "جنایت بزرگ"
    elif case == "span 1000-2000 s of a 3 s file":
        d.update(start=1000.0, end=2000.0, start_time="00:16:40.000", end_time="00:33:20.000")
    elif case == "start disagrees with start_time":
        d["start"] = 0.9
    elif case == "NaN start":
        return json.dumps(d).replace('"start": 0.2', '"start": NaN')
    elif case == "start after end":
        d.update(start=1.4, end=0.2, start_time="00:00:01.400", end_time="00:00:00.200")
    elif case == "start is text":
        d["start"] = "abc"
    elif case == "sha256 not a hash":
        d["sha256"] = "x"
    elif case == "texts not a list":
        d["texts"] = "words"
    return d


FORGED = {
    "forged words": "altered",
    "span 1000-2000 s of a 3 s file": "not inside",
    "start disagrees with start_time": "start_time",
    "NaN start": "'start'",
    "start after end": "backwards",
    "start is text": "'start'",
    "sha256 not a hash": "SHA-256",
    "texts not a list": "'texts'",
}


@pytest.mark.parametrize("case", list(FORGED))
def test_verify_refuses_a_forged_or_inconsistent_citation(cited, tmp_path, case):
    root, media, data = cited
    proc = _verify(root, tmp_path, media, _forged(data, case))
    assert_one_error(proc, FORGED[case])
    assert "is the cited recording «" not in proc.stdout


NOT_CITATIONS = {
    "[]": "[]",
    '"x"': '"x"',
    "null": "null",
    "binary": bytes(range(256)) * 4,
    "100000 [": "[" * 100_000,
    "empty": "",
    "another format": '{"format": "something/1"}',
}


@pytest.mark.parametrize("case", list(NOT_CITATIONS))
def test_verify_of_something_that_is_not_a_citation_is_one_line(cited, tmp_path, case):
    root, media, _ = cited
    proc = _verify(root, tmp_path, media, NOT_CITATIONS[case])
    assert_one_error(proc, str(tmp_path / "citation.json"), "not a")


# --- options and ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["cite", "{id}", "--start", "0.2", "--end", "1", "--clip", "c.mp3", "--context", "-100"],
         "--context"),
        (["cite", "{id}", "--start", "-1", "--end", "1"], "--start"),
        (["find", "{id}", "سلام", "--limit", "0"], "--limit"),
        (["search", "سلام", "--limit", "0"], "--limit"),
    ],
)  # fmt: skip
def test_out_of_range_options_are_refused_before_anything_runs(arch, tmp_path, args, option):
    root, rec_id = arch
    before = snapshot(root)
    proc = navar(root, *[a.replace("{id}", rec_id) for a in args], cwd=tmp_path)
    assert_no_crash(proc)
    assert proc.returncode == 2 and option in proc.stderr and "not in the range" in proc.stderr
    assert not (tmp_path / "c.mp3").exists()
    assert snapshot(root) == before


def test_ids_and_extensions_with_a_trailing_newline_are_not_ids(arch, tmp_path):
    from transcribe.archive import valid_recording_id, valid_track_id

    root, rec_id = arch
    assert valid_recording_id(rec_id) and not valid_recording_id(rec_id + "\n")
    assert valid_track_id("fa.asr") and not valid_track_id("fa.asr\n")
    assert_one_error(navar(root, "show", rec_id + "\n"), "not a recording id")
    assert_one_error(navar(root, "export", rec_id, "fa.reference\n"), "not a track id")
    odd = tmp_path / "tone.wav\n"
    shutil.copy(tone(tmp_path / "t.wav", 1.0), odd)
    proc = navar(root, "add", str(odd))
    assert proc.returncode == 0, proc.stderr
    assert all("\n" not in p.name for p in (root / "media").iterdir())


@pytest.mark.parametrize("command", ["import", "align", "verify citation", "verify audio"])
def test_a_fifo_given_as_a_file_is_refused_not_waited_on(cited, tmp_path, command):
    root, media, data = cited
    rec_id = data["recording_id"]
    fifo = tmp_path / "pipe.vtt"
    os.mkfifo(fifo)
    citation = tmp_path / "c.json"
    citation.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(root)
    args = {
        "import": ["import", rec_id, str(fifo), "--language", "en"],
        "align": ["align", rec_id, "--reference", str(fifo), "--force"],
        "verify citation": ["verify", str(fifo), str(media)],
        "verify audio": ["verify", str(citation), str(fifo)],
    }[command]
    assert_one_error(navar(root, *args, timeout=60), str(fifo), "not a regular file")
    assert without_index(snapshot(root)) == without_index(before)


@pytest.mark.parametrize("command", ["export", "cite"])
def test_writing_to_a_device_or_a_full_disk_is_one_line(arch, tmp_path, mount_point, command):
    root, rec_id = arch
    args = {
        "export": ["export", rec_id, "fa.reference", "-o"],
        "cite": ["cite", rec_id, "--start", "0.2", "--end", "1.4", "--out"],
    }[command]
    before = os.stat("/dev/full")
    assert_one_error(navar(root, *args, "/dev/full"), "/dev/full", "not a regular file")
    after = os.stat("/dev/full")
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)  # still the device
    disk = mount_point("size=64k")
    _fill(disk)
    target = disk / "out.txt"
    assert_one_error(navar(root, *args, str(target)), "disk is full")
    assert not target.exists() and sorted(p.name for p in disk.iterdir()) == ["filler"]
