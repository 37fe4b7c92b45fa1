"""A cited clip carries a signed provenance manifest binding it to the original's hash and span:
C2PA inside MP3/WAV/FLAC (c2pa-python, offline), a signed sidecar for Ogg."""

from __future__ import annotations

import json

import pytest
from evidence_helpers import archive_with_tracks, navar

from align.clip import clip_citation
from navar import provenance
from transcribe import custody
from transcribe.archive import Archive, sha256_of


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clips")
    root = tmp / "archive"
    return root, archive_with_tracks(root, tmp)


@pytest.mark.parametrize("ext", ["mp3", "wav", "flac"])
def test_clip_carries_a_c2pa_manifest_and_its_tags(archive_dir, tmp_path, ext):
    root, rec_id = archive_dir
    clip = tmp_path / f"quote.{ext}"
    r = navar(root, "cite", rec_id, "--start", "1.6", "--end", "2.8", "--clip", str(clip))
    assert r.exit_code == 0, r.output
    rec = Archive(root).recording(rec_id)
    check = provenance.check_clip(clip)
    assert check.ok, check.message
    assert check.statement["original_sha256"] == rec.sha256
    assert check.statement["span"] == {"start": 1.6, "end": 2.8}
    assert check.statement["clip_offset"] == pytest.approx(0.6)
    assert "Navar archive" in check.message
    assert clip_citation(clip)["sha256"] == rec.sha256  # the citation tag survives signing
    last = custody.read(Archive(root).custody_path(rec_id)).entries[-1]
    assert last["event"] == "clip cut" and last["outputs"][0]["sha256"] == sha256_of(clip)


def test_a_changed_clip_fails_its_c2pa_check(archive_dir, tmp_path):
    root, rec_id = archive_dir
    clip = tmp_path / "quote.wav"
    assert navar(root, "cite", rec_id, "--start", "0.2", "--end", "1.4", "--clip",
                 str(clip)).exit_code == 0  # fmt: skip
    data = bytearray(clip.read_bytes())
    data[len(data) // 3] ^= 0xFF  # one sample changed
    clip.write_bytes(bytes(data))
    check = provenance.check_clip(clip)
    assert not check.ok and "does NOT verify" in check.message


def test_ogg_clip_gets_a_signed_sidecar(archive_dir, tmp_path):
    root, rec_id = archive_dir
    clip = tmp_path / "quote.ogg"
    r = navar(root, "cite", rec_id, "--start", "0.2", "--end", "1.4", "--clip", str(clip))
    assert r.exit_code == 0, r.output
    side = provenance.sidecar_path(clip)
    data = json.loads(side.read_text(encoding="utf-8"))
    assert data["format"] == provenance.SIDECAR_FORMAT
    assert data["original_sha256"] == Archive(root).recording(rec_id).sha256
    assert provenance.check_clip(clip).ok
    # the log names both the clip and its sidecar
    last = custody.read(Archive(root).custody_path(rec_id)).entries[-1]
    assert [o["sha256"] for o in last["outputs"]] == [sha256_of(clip), sha256_of(side)]

    data["span"]["end"] = 9.9  # a forged span
    side.write_text(json.dumps(data), encoding="utf-8")
    check = provenance.check_clip(clip)
    assert not check.ok and "broken" in check.message


def test_the_archive_key_is_made_once_and_kept_private(archive_dir):
    root, _ = archive_dir
    archive = Archive(root)
    first = provenance.identity(archive)
    again = provenance.identity(archive)
    assert first.chain_pem == again.chain_pem
    key = provenance.signing_dir(archive) / "signer.key"
    assert key.stat().st_mode & 0o077 == 0
