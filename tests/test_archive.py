"""Adding recordings: originals untouched, SHA-256 identity, bad files refused with nothing left."""

import hashlib
import os
import stat
import subprocess

import pytest

from transcribe.archive import Archive
from transcribe.errors import ArchiveError, AudioError


def files_in(archive: Archive) -> list[str]:
    return sorted(str(p.relative_to(archive.root)) for p in archive.root.rglob("*") if p.is_file())


def convert(src, dest, *args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), *args, str(dest)], check=True)
    return dest


def test_add_copies_original_bytes_and_registers_it(archive, fa_speech, tmp_path):
    src = convert(fa_speech[0], tmp_path / "گواهی ۱.mp3")
    before = src.read_bytes()
    mode_before = src.stat().st_mode
    result = archive.add(src, title="شاهد ۱۲ — Witness 12")
    rec = result.recording

    assert result.added
    assert src.read_bytes() == before and src.stat().st_mode == mode_before
    assert rec.sha256 == hashlib.sha256(before).hexdigest()
    assert rec.id == rec.sha256[:12]
    copy = archive.media_dir / rec.media
    assert copy.read_bytes() == before
    assert not copy.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert rec.original_name == "گواهی ۱.mp3" and rec.title == "شاهد ۱۲ — Witness 12"
    assert rec.format["codec"] == "mp3"
    assert abs(rec.duration - fa_speech[1][-1].end) < 1.0
    assert archive.recording(rec.id) == rec


def test_adding_the_same_bytes_twice_is_a_no_op(archive, fa_speech, tmp_path):
    first = archive.add(fa_speech[0]).recording
    renamed = tmp_path / "copy-with-another-name.wav"
    renamed.write_bytes(fa_speech[0].read_bytes())
    again = archive.add(renamed, title="other title")
    assert not again.added and again.recording == first
    assert len(archive.recordings()) == 1
    assert files_in(archive) == [
        f"media/{first.media}",
        f"transcripts/{first.id}/custody.jsonl",  # one "added" entry: the second add is no event
        f"transcripts/{first.id}/recording.json",
    ]


@pytest.mark.parametrize("ext", ["ogg", "flac", "m4a", "mkv"])
def test_any_format_ffmpeg_reads_is_accepted(archive, fa_speech, tmp_path, ext):
    src = convert(fa_speech[0], tmp_path / f"speech.{ext}")
    rec = archive.add(src).recording
    assert rec.media.endswith(f".{ext}") and rec.duration > 5


def _truncated_wav(tmp_path, fa_speech):
    whole = convert(fa_speech[0], tmp_path / "whole.wav", "-ac", "1")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return cut


def _truncated_mp3(tmp_path, fa_speech):
    whole = convert(fa_speech[0], tmp_path / "whole.mp3")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return cut


def _write(path, data):
    path.write_bytes(data)
    return path


def _zero_length_wav(tmp_path, fa_speech):
    return convert(fa_speech[0], tmp_path / "zero.wav", "-t", "0")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp, _: _write(tmp / "empty.mp3", b""), "empty"),
        (lambda tmp, _: _write(tmp / "notes.mp3", b"not audio\n"), "not a readable audio file"),
        (_truncated_wav, "truncated"),
        (_truncated_mp3, "truncated"),
        (_zero_length_wav, "zero-length"),
    ],
    ids=["empty", "text", "truncated-wav", "truncated-mp3", "zero-length"],
)
def test_bad_files_are_refused_and_nothing_is_half_written(
    archive, fa_speech, tmp_path, make, message
):
    src = make(tmp_path, fa_speech)
    before = src.read_bytes()
    with pytest.raises(AudioError, match=message):
        archive.add(src)
    assert files_in(archive) == []
    assert src.read_bytes() == before


def test_a_damaged_file_can_be_archived_on_purpose(archive, fa_speech, tmp_path):
    src = _truncated_wav(tmp_path, fa_speech)
    result = archive.add(src, allow_damaged=True)
    assert result.added and "truncated" in result.recording.source_notes


def test_a_file_without_audio_stream_is_refused(archive, tmp_path):
    png = tmp_path / "picture.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=32x32:d=1", str(png)],
        check=True,
    )
    with pytest.raises(AudioError, match="no audio stream"):
        archive.add(png)


def test_ids_resolve_by_unambiguous_prefix_and_never_escape(archive, fa_speech):
    rec = archive.add(fa_speech[0]).recording
    assert archive.resolve_id(rec.id[:6]) == rec.id
    for bad in ("../etc", "ffff", "/etc/passwd", rec.id + "/.."):
        with pytest.raises(ArchiveError):
            archive.recording(archive.resolve_id(bad))
    with pytest.raises(ArchiveError):
        archive.track(rec.id, "../../recording")


def test_interrupted_add_leaves_no_temporary_files(archive, fa_speech, monkeypatch):
    # Simulate Ctrl-C while probing: the copy in progress must disappear.
    from transcribe import audio

    def interrupted(path, name=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(audio, "inspect", interrupted)
    with pytest.raises(KeyboardInterrupt):
        archive.add(fa_speech[0])
    assert files_in(archive) == []
    assert os.listdir(archive.media_dir) == []
