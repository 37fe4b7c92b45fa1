"""Evidence bundles: a BagIt package made and validated; a modified bundle refused, even when
the forger recomputes the bag's checksums; --no-media; timestamps carried and checked."""

from __future__ import annotations

import json
import zipfile

import bagit
import pytest
from evidence_helpers import archive_with_tracks, navar
from iiif_prezi3 import Manifest
from throwaway_tsa import ThrowawayTSA

from navar import timestamps
from transcribe import custody
from transcribe.archive import Archive, sha256_of


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    return ThrowawayTSA(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def evidence(tmp_path, tsa):
    """An archive with tracks, a citation and a trusted timestamp from a throwaway TSA."""
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    assert navar(root, "cite", rec_id, "--start", "1.6", "--end", "2.8").exit_code == 0
    r = navar(root, "timestamp", rec_id, "--tsa", "http://127.0.0.1:9/", "--timeout", "2")
    assert r.exit_code == 3, r.output
    folder = next(timestamps.timestamps_dir(Archive(root), rec_id).iterdir())
    args = []
    for kind in timestamps.KINDS:
        reply = tmp_path / f"{kind}.tsr"
        reply.write_bytes(tsa.sign((folder / f"{kind}.tsq").read_bytes()))
        args += ["--reply", str(reply)]
    assert navar(root, "timestamp", rec_id, *args, "--tsa-cert", str(tsa.root_pem)).exit_code == 0
    return root, rec_id


def test_bundle_holds_everything_and_verifies(evidence, tmp_path):
    root, rec_id = evidence
    out = tmp_path / "out" / "witness.zip"
    r = navar(root, "bundle", rec_id, "-o", str(out))
    assert r.exit_code == 0, r.output
    names = set(zipfile.ZipFile(out).namelist())
    rec = Archive(root).recording(rec_id)
    for name in ("bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt", "bag-info.txt",
                 f"data/media/{rec.media}", "data/original.json", "data/README.md",
                 f"data/transcripts/{rec_id}/recording.json",
                 f"data/transcripts/{rec_id}/tracks/fa.reference.json",
                 "data/subtitles/fa.reference.vtt", "data/subtitles/en.reference-translation.vtt",
                 f"data/transcripts/{rec_id}/custody.jsonl", "data/citations.json",
                 "data/iiif/manifest.json"):  # fmt: skip
        assert f"witness/{name}" in names, name
    assert any(n.endswith("/original.tsr") for n in names)
    z = zipfile.ZipFile(out)
    assert z.read(f"witness/data/media/{rec.media}") == (root / "media" / rec.media).read_bytes()
    readme = z.read("witness/data/README.md").decode()
    assert "وارسی" in readme and "How to check it" in readme and rec.sha256 in readme
    cited = json.loads(z.read("witness/data/citations.json"))
    assert cited[0]["start"] == 1.6 and cited[0]["sha256"] == rec.sha256
    Manifest(**json.loads(z.read("witness/data/iiif/manifest.json")))

    r = navar(root, "verify", str(out))
    assert r.exit_code == 0, r.output
    assert "ok   bag checksums" in r.output
    assert "ok   timestamp of the original: signed at" in r.output
    assert r.output.rstrip().endswith("witness.zip: verified")
    # the bundling itself is in the archive's log, with the zip's hash
    last = custody.read(Archive(root).custody_path(rec_id)).entries[-1]
    assert last["event"] == "bundled" and last["outputs"][0]["sha256"] == sha256_of(out)


def test_a_modified_bundle_is_refused(evidence, tmp_path):
    root, rec_id = evidence
    out = tmp_path / "bag"
    assert navar(root, "bundle", rec_id, "-o", str(out)).exit_code == 0
    assert navar(root, "verify", str(out)).exit_code == 0
    vtt = out / "data" / "subtitles" / "en.reference-translation.vtt"
    vtt.write_text(vtt.read_text().replace("the truth", "a lie"), encoding="utf-8")
    r = navar(root, "verify", str(out))
    assert r.exit_code == 1 and "FAIL bag checksums" in r.output


def test_recomputed_checksums_do_not_hide_an_edited_track(evidence, tmp_path):
    root, rec_id = evidence
    out = tmp_path / "bag"
    assert navar(root, "bundle", rec_id, "-o", str(out)).exit_code == 0
    track = out / "data" / "transcripts" / rec_id / "tracks" / "en.reference-translation.json"
    data = json.loads(track.read_text(encoding="utf-8"))
    data["segments"][0]["text"] = "He told us nothing."
    track.write_text(json.dumps(data), encoding="utf-8")
    bag = bagit.Bag(str(out))
    bag.save(manifests=True)  # a forger regenerates the bag's manifests
    bag.validate()
    r = navar(root, "verify", str(out))
    assert r.exit_code == 1
    assert "tracks/en.reference-translation.json: SHA-256 is now" in r.output


def test_no_media_bundle_carries_the_hash_only(evidence, tmp_path):
    root, rec_id = evidence
    out = tmp_path / "light"
    assert navar(root, "bundle", rec_id, "-o", str(out), "--no-media").exit_code == 0
    assert not (out / "data" / "media").exists()
    rec = Archive(root).recording(rec_id)
    original = json.loads((out / "data" / "original.json").read_text())
    assert original["sha256"] == rec.sha256 and original["included"] is False
    assert original["size"] == (root / "media" / rec.media).stat().st_size
    r = navar(root, "verify", str(out))
    assert r.exit_code == 0, r.output
    assert "the original is not in the bundle" in r.output


def test_not_a_bundle_is_one_clear_line(evidence, tmp_path):
    root, _ = evidence
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = navar(root, "verify", str(bad))
    assert r.exit_code == 1 and r.output.startswith("navar: error: bad.zip: not a zip file")
    assert navar(root, "bundle", "ffffffffffff", "-o", str(tmp_path / "x")).exit_code == 1
