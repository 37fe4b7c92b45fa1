"""The IIIF Presentation 3 manifest: built with iiif-prezi3, served at /iiif/<id>/manifest.json,
round-trips through the library's model, every annotation inside the canvas."""

from __future__ import annotations

import json

import pytest
from evidence_helpers import archive_with_tracks, navar
from iiif_prezi3 import Manifest

from transcribe.archive import Archive
from web import iiif
from web.app import create_app


@pytest.fixture
def cited_archive(tmp_path):
    root = tmp_path / "archive"
    rec_id = archive_with_tracks(root, tmp_path)
    r = navar(root, "cite", rec_id, "--start", "1.6", "--end", "2.8")
    assert r.exit_code == 0, r.output
    # a citation reaching past the end is cut at the end of the recording
    assert navar(root, "cite", rec_id, "--start", "0.2", "--end", "9.0").exit_code == 0
    return root, rec_id


def _get(root, path):
    app = create_app(root, {"TESTING": True, "PEAKS_CACHE_DIR": root.parent / "peaks"})
    return app.test_client().get(path)


def test_manifest_served_round_trips_and_stays_inside_the_canvas(cited_archive):
    root, rec_id = cited_archive
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    resp = _get(root, f"/iiif/{rec_id}/manifest.json")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # read-only
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/ld+json")
    data = resp.get_json()
    assert data["@context"] == iiif.CONTEXT and data["type"] == "Manifest"

    model = Manifest(**data)  # the library's own model accepts it...
    assert json.loads(model.jsonld()) == data  # ...and writes back the same document

    rec = Archive(root).recording(rec_id)
    canvas = data["items"][0]
    assert canvas["duration"] == pytest.approx(rec.duration, abs=0.001)
    painting = canvas["items"][0]["items"][0]
    assert painting["motivation"] == "painting" and painting["body"]["type"] == "Sound"
    assert painting["body"]["id"].endswith(f"/media/{rec_id}")

    pages = {p["id"].rsplit("/", 1)[1]: p for p in canvas["annotations"]}
    assert set(pages) == {"fa.reference", "en.reference-translation", "citations"}
    fa = pages["fa.reference"]
    assert "human" in fa["label"]["en"][0]
    texts = [a["body"]["value"] for a in fa["items"]]
    assert texts[0] == "او به ما گفت که باید حقیقت را بنویسیم."
    assert all(a["motivation"] == "supplementing" for a in fa["items"])
    assert {a["body"]["language"] for a in fa["items"]} == {"fa"}
    assert fa["items"][0]["body"]["creator"]["type"] == "Person"
    assert fa["items"][0]["target"].endswith("/canvas#t=0.2,1.4")

    cites = pages["citations"]["items"]
    assert len(cites) == 2
    selectors = {s["type"]: s for s in cites[0]["target"]["selector"]}
    assert selectors["FragmentSelector"]["value"] == "t=1.6,2.8"
    assert selectors["FragmentSelector"]["conformsTo"] == iiif.MEDIA_FRAGMENTS
    assert selectors["TextQuoteSelector"]["exact"] == "کتابخانه شهر هر روز باز است."
    assert rec.sha256 in cites[0]["body"]["value"]

    spans = iiif.annotation_spans(data)
    assert len(spans) == 2 + 2 + 2
    for anno_id, start, end in spans:
        assert 0 <= start < end <= canvas["duration"], anno_id


def test_machine_tracks_are_labelled_machine(player_archive):
    archive, rec = player_archive
    data = iiif.manifest(rec, archive.tracks(rec.id), [], "http://example.org/")
    Manifest(**data)
    labels = {
        p["id"].rsplit("/", 1)[1]: p["label"]["en"][0] for p in data["items"][0]["annotations"]
    }
    assert "(machine)" in labels["fa.asr"] and "(machine)" in labels["en.mt"]
    assert "(human)" in labels["en.reference-translation"]
    machine = data["items"][0]["annotations"][0]  # en.mt
    assert machine["items"][0]["body"]["creator"] == {"type": "Software", "name": "navar tests"}
    assert data["id"] == f"http://example.org/iiif/{rec.id}/manifest.json"


@pytest.mark.parametrize("bad", ["../../etc", "ZZZZZZZZZZZZ", "0123456789ab"])
def test_a_bad_or_unknown_id_is_a_404(cited_archive, bad):
    root, _ = cited_archive
    assert _get(root, f"/iiif/{bad}/manifest.json").status_code == 404


def test_speakers_are_named_on_their_segments(cited_archive):
    from transcribe.transcript import Speaker

    root, rec_id = cited_archive
    archive = Archive(root)
    rec = archive.recording(rec_id)
    rec.speakers = [Speaker("spk1", "منتظری")]
    archive.save_recording(rec)
    track = archive.track(rec_id, "fa.reference")
    track.segments[0].speaker = "spk1"
    archive.save_track(track)
    data = _get(root, f"/iiif/{rec_id}/manifest.json").get_json()
    Manifest(**data)  # still a valid manifest
    notes = [a for page in data["items"][0]["annotations"] for a in page["items"]]
    said = {
        a["id"].rsplit("/", 1)[-1]: a.get("label") for a in notes if "/fa.reference/" in a["id"]
    }
    first = track.segments[0].id
    assert said[first] == {"none": ["منتظری"]}
    assert all(label is None for sid, label in said.items() if sid != first)
    assert {"label": {"en": ["Speakers"]}, "value": {"none": ["منتظری"]}} in data["metadata"]
