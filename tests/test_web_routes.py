"""The web app's routes through Flask's test client, over a real archive with real audio."""

from __future__ import annotations

import gzip
import json
import subprocess

import pytest
from conftest import FA_LINES

from align import archive_search
from transcribe import subtitles
from transcribe.transcript import track_to_dict
from web.app import create_app


@pytest.fixture(scope="module")
def app(player_archive, tmp_path_factory):
    archive, _rec = player_archive
    cache = tmp_path_factory.mktemp("peaks-cache")
    archive_search.refresh(archive)  # as `navar serve` does: the routes only read the index
    return create_app(archive.root, {"TESTING": True, "PEAKS_CACHE_DIR": cache})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def rec(player_archive):
    return player_archive[1]


def test_front_page_lists_recordings_with_tracks(client, rec):
    page = client.get("/").get_data(as_text=True)
    assert "آزمون پخش" in page
    assert f'href="/r/{rec.id}"' in page
    for track in ("fa.asr", "en.mt", "en.reference-translation"):
        assert track in page
    assert "machine translation" in page and "human translation" in page


def test_front_page_search_links_to_permalinks(client, rec):
    # Arabic kaf (ك) in the query: matching is on normalised text.
    page = client.get("/", query_string={"q": "كتابخانه شهر"}).get_data(as_text=True)
    assert FA_LINES[1] in page
    assert f"/r/{rec.id}#t=" in page


def test_player_page_has_audio_tracks_and_downloads(client, rec):
    page = client.get(f"/r/{rec.id}").get_data(as_text=True)
    assert f'src="/media/{rec.id}"' in page
    assert f'src="/r/{rec.id}/tracks/fa.asr.vtt"' in page and 'srclang="fa"' in page
    assert f"/r/{rec.id}/tracks/en.mt.srt?download=1" in page
    assert 'id="recording-data" type="application/json"' in page


def test_media_answers_range_requests_with_partial_bytes(client, rec, player_archive):
    original = player_archive[0].media_path(rec.id).read_bytes()
    whole = client.get(f"/media/{rec.id}")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == original

    part = client.get(f"/media/{rec.id}", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(original)}"
    assert part.data == original[1000:2000]

    tail = client.get(f"/media/{rec.id}", headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.data == original[-500:]

    beyond = client.get(f"/media/{rec.id}", headers={"Range": f"bytes={len(original) + 10}-"})
    assert beyond.status_code == 416


def test_api_recordings_and_recording(client, rec):
    listing = client.get("/api/recordings").get_json()
    assert [r["id"] for r in listing] == [rec.id]
    one = client.get(f"/api/recordings/{rec.id}").get_json()
    assert one["sha256"] == rec.sha256 and one["media"] == f"/media/{rec.id}"
    kinds = {t["id"]: (t["kind"], t["label"], t["rtl"]) for t in one["tracks"]}
    assert kinds["fa.asr"] == ("asr", "machine transcription", True)
    assert kinds["en.mt"] == ("mt", "machine translation", False)


def test_api_track_is_the_contract_json_gzipped_on_request(client, rec, player_archive):
    expected = track_to_dict(player_archive[0].track(rec.id, "fa.asr"))
    plain = client.get(f"/api/recordings/{rec.id}/tracks/fa.asr")
    assert plain.get_json() == expected
    zipped = client.get(
        f"/api/recordings/{rec.id}/tracks/fa.asr", headers={"Accept-Encoding": "gzip"}
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data)) == expected


@pytest.mark.parametrize("fmt", subtitles.EXPORT_FORMATS)
def test_downloads_per_track(client, rec, player_archive, fmt):
    track = player_archive[0].track(rec.id, "fa.asr")
    r = client.get(f"/r/{rec.id}/tracks/fa.asr.{fmt}", query_string={"download": 1})
    assert r.status_code == 200
    assert r.get_data(as_text=True) == subtitles.export(track, fmt, rec)
    assert f'filename="{rec.id}.fa.asr.{fmt}"' in r.headers["Content-Disposition"]
    assert FA_LINES[2].split()[0] in r.get_data(as_text=True)


def test_clip_of_a_cited_span_is_that_long(client, rec, tmp_path):
    r = client.get(f"/r/{rec.id}/clip.mp3", query_string={"start": "1.5", "end": "3.5"})
    assert r.status_code == 200 and r.mimetype == "audio/mpeg"
    out = tmp_path / "clip.mp3"
    out.write_bytes(r.data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(probe.stdout) == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    "query",
    [
        {"start": "3", "end": "2"},
        {"start": "abc", "end": "2"},
        {"start": "nan", "end": "2"},
        {"start": "-1", "end": "2"},
        {"start": "9999", "end": "10000"},
        {"t": "1"},
    ],
)
def test_bad_clip_spans_are_400_pages(client, rec, query):
    r = client.get(f"/r/{rec.id}/clip.mp3", query_string=query)
    assert r.status_code == 400
    assert "<h1>400" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_clips_are_bounded_in_length(player_archive, tmp_path):
    app = create_app(player_archive[0].root, {"MAX_CLIP_SECONDS": 1.0, "PEAKS_CACHE_DIR": tmp_path})
    rec_id = player_archive[1].id
    r = app.test_client().get(f"/r/{rec_id}/clip.mp3", query_string={"t": "1,3"})
    assert r.status_code == 400 and "at most 1 seconds" in r.get_data(as_text=True)


def test_peaks_follow_the_speech(client, rec, player_archive, app):
    spans = [(s.start, s.end) for s in _spans(player_archive)]
    p = client.get(f"/api/recordings/{rec.id}/peaks").get_json()
    assert p["duration"] == rec.duration
    values, step = p["peaks"], p["seconds_per_peak"]
    assert len(values) == pytest.approx(rec.duration / step, abs=2)
    assert all(0 <= v <= 255 for v in values)
    lead = values[: int(0.4 / step)]  # digital silence before the first line
    first = values[int(spans[0][0] / step) : int(spans[0][1] / step)]
    assert max(lead) <= 2 and max(first) > 60
    # Cached outside the archive, keyed by the audio's SHA-256.
    cache = app.config["PEAKS_CACHE_DIR"] / f"{rec.sha256}.json"
    assert cache.is_file()
    assert not any(player_archive[0].root in p.parents for p in [cache])


def _spans(player_archive):
    track = player_archive[0].track(player_archive[1].id, "fa.asr")
    return track.segments


def test_api_search(client, rec):
    hits = client.get("/api/search", query_string={"q": "حقیقت را بنویسیم"}).get_json()
    assert hits and hits[0]["recording_id"] == rec.id
    assert hits[0]["text"] == FA_LINES[2]
    assert hits[0]["permalink"].startswith(f"/r/{rec.id}#t=")


@pytest.mark.parametrize(
    "path",
    [
        "/api/search",
        "/api/search?q=",
        "/api/search?q=x&limit=abc",
        "/api/search?q=x&limit=100000",
        "/api/search?q=" + "x" * 600,
    ],
)
def test_api_bad_requests_are_json_400(client, path):
    r = client.get(path)
    assert r.status_code == 400
    assert r.is_json and r.get_json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/r/000000000000",
        "/r/zzz",
        "/r/..",
        "/r/%2E%2E",
        "/media/000000000000",
        "/media/..",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/%2Fetc%2Fpasswd",
        "/media//etc/passwd",
        "/media/../pyproject.toml",
        "/r/{id}/tracks/..%2Frecording.json",
        "/r/{id}/tracks/../recording.json",
        "/r/{id}/tracks/%2Fetc%2Fpasswd.txt",
        "/r/{id}/tracks/fa.asr.exe",
        "/r/{id}/tracks/xx.nothing.vtt",
        "/api/recordings/{id}/tracks/..%2F..%2Frecording",
        "/api/recordings/{id}/tracks/fa.nothing",
        "/api/recordings/..%2F{id}",
        "/api/recordings/000000000000/peaks",
        "/static/..%2F..%2Fapp.py",
        "/static/../app.py",
    ],
)
def test_paths_never_escape_the_archive(client, rec, path):
    r = client.get(path.format(id=rec.id))
    assert r.status_code == 404, path
    body = r.get_data(as_text=True)
    assert "Traceback" not in body and "root:" not in body and "[project]" not in body
    if path.startswith("/api/"):
        assert r.get_json()["status"] == 404
    else:
        assert "<h1>404" in body


def test_a_media_name_leading_out_of_media_is_refused(tmp_path, fa_speech):
    from conftest import build_player_archive

    archive, rec = build_player_archive(tmp_path / "archive", fa_speech)
    (tmp_path / "secret.txt").write_text("secret")
    rec.media = "../../secret.txt"
    archive.save_recording(rec)
    client = create_app(archive.root, {"PEAKS_CACHE_DIR": tmp_path / "cache"}).test_client()
    for path in (f"/media/{rec.id}", f"/api/recordings/{rec.id}/peaks"):
        r = client.get(path)
        assert r.status_code == 404 and b"secret" not in r.data


def test_writes_are_refused(client, rec):
    assert client.post(f"/api/recordings/{rec.id}").status_code == 405
    assert client.delete(f"/media/{rec.id}").status_code == 405
    assert client.put("/api/recordings").status_code == 405


def test_public_routes_change_nothing_in_the_archive(client, rec, player_archive):
    root = player_archive[0].root

    def snapshot():
        return {
            p.relative_to(root): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    for path in (
        "/",
        "/?q=کتاب",
        f"/r/{rec.id}",
        f"/media/{rec.id}",
        "/api/recordings",
        f"/api/recordings/{rec.id}",
        f"/api/recordings/{rec.id}/tracks/fa.asr",
        f"/api/recordings/{rec.id}/peaks",
        f"/r/{rec.id}/tracks/en.mt.vtt",
        f"/r/{rec.id}/clip.mp3?start=1&end=2",
        "/api/search?q=مدرسه",
        "/api/search?q=school",
    ):
        assert client.get(path).status_code == 200, path
    assert snapshot() == before


def test_an_empty_archive_says_how_to_fill_it(tmp_path):
    client = create_app(tmp_path / "empty", {"PEAKS_CACHE_DIR": tmp_path / "cache"}).test_client()
    page = client.get("/").get_data(as_text=True)
    assert "The archive is empty" in page and "navar add" in page
    assert client.get("/api/recordings").get_json() == []
    assert not (tmp_path / "empty").exists()  # looking created nothing
