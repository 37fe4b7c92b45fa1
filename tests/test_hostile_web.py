"""The player and JSON API under hostile requests and damaged, hand-edited archives.

Every input is built here, at test time. Every request goes through ``Guarded``, which checks
what must hold whatever the request: no 500, no traceback, no server path in the body, no
redirect to a foreign host, and the archive byte-identical afterwards (no GET writes).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EN_LINES, FA_LINES, ROOT

from align import archive_search
from transcribe.archive import Archive
from web import api, peaks
from web.app import create_app
from web.library import ServedArchive

BAD = "bad0bad0bad0"  # the id of a damaged recording (12 hex digits)
FA_QUERY = "کتابخانه شهر"  # in FA_LINES[1]


# --- the invariants -----------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: a regular file by its SHA-256, anything else by its kind."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            elif p.is_file():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


class Guarded:
    """A Flask test client that checks every response against the server's promises."""

    def __init__(self, app, root: Path, *extra_paths: Path):
        self.client = app.test_client()
        self.root = root
        self.before = snapshot(root)
        self.secrets = {str(p) for p in (root, ROOT, Path.home(), Path(sys.prefix), *extra_paths)}
        self.requests = 0

    def get(self, url: str, **kw):
        return self.open(url, method="GET", **kw)

    def open(self, url: str, **kw):
        r = self.client.open(url, **kw)
        self.requests += 1
        body = r.get_data()
        assert r.status_code != 500, (url, body[:300])
        assert b"Traceback" not in body, url
        for secret in self.secrets:
            assert secret.encode() not in body, (url, secret, body[:300])
        location = r.headers.get("Location", "")
        assert "evil" not in location, (url, location)
        assert snapshot(self.root) == self.before, f"{url} changed the archive"
        return r


def _words(r) -> str:
    return r.get_data(as_text=True)


# --- archives to damage -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(player_archive, tmp_path_factory):
    """A copy of the player archive (one good recording with fa.asr, en.mt, en.reference-
    translation), to be copied again and damaged by each test."""
    root = tmp_path_factory.mktemp("template") / "archive"
    shutil.copytree(player_archive[0].root, root)
    for index in root.glob("transcripts/.search.sqlite*"):
        index.unlink()
    return root, player_archive[1]


@pytest.fixture
def fresh(template, tmp_path):
    """(archive root, the good recording): a private copy to damage."""
    root = tmp_path / "archive"
    shutil.copytree(template[0], root)
    return root, template[1]


def serve(root: Path, tmp_path: Path, **config) -> Guarded:
    """The app as `navar serve` runs it: the search index refreshed first, through the app's
    own view of the archive; the routes then only read."""
    archive_search.refresh(ServedArchive(root))
    cfg = {"PEAKS_CACHE_DIR": tmp_path / "peaks-cache", **config}
    return Guarded(create_app(root, cfg), root, tmp_path)


def _good_recording_json(root: Path, rec_id: str) -> dict:
    return json.loads((root / "transcripts" / rec_id / "recording.json").read_text())


def _track_json(root: Path, rec_id: str, track: str) -> dict:
    return json.loads((root / "transcripts" / rec_id / "tracks" / f"{track}.json").read_text())


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


# Damaged recording.json files for a second recording, BAD, built from the good one's.
RECORDING_DAMAGE = {
    "an empty list": lambda good: b"[]",
    '"added": null': lambda good: _dumps({**good, "id": BAD, "added": None}),
    "truncated": lambda good: _dumps({**good, "id": BAD})[:150],
    "null": lambda good: b"null",
    "100,000 [": lambda good: b"[" * 100_000,
    "not UTF-8": lambda good: b'{"schema": "\xff\xfe"}',
    "a text duration": lambda good: _dumps({**good, "id": BAD, "duration": "abc"}),
    "another folder's id": lambda good: _dumps(good),
    "a path for a SHA-256": lambda good: _dumps({**good, "id": BAD, "sha256": "../../etc"}),
    "no title": lambda good: _dumps({k: v for k, v in {**good, "id": BAD}.items() if k != "title"}),
}


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def _ref(asr: dict, **changes) -> dict:
    """fa.asr turned into a fa.reference track, with ``changes``."""
    return {**asr, "id": "fa.reference", "kind": "reference", **changes}


def _seg0(asr: dict, **changes) -> list[dict]:
    return [{**asr["segments"][0], **changes}, *asr["segments"][1:]]


# Damaged track files, written as a new track fa.reference of the good recording.
TRACK_DAMAGE = {
    "an empty list": lambda asr: b"[]",
    "no language": lambda asr: _dumps(_without(_ref(asr), "language")),
    "100,000 [": lambda asr: b"[" * 100_000,
    "truncated": lambda asr: _dumps(_ref(asr))[:300],
    "null": lambda asr: b"null",
    "not UTF-8": lambda asr: b'{"schema": "\xff"}',
    "segments a string": lambda asr: _dumps(_ref(asr, segments="x")),
    "a segment a number": lambda asr: _dumps(_ref(asr, segments=[1])),
    "a text start": lambda asr: _dumps(_ref(asr, segments=_seg0(asr, start="abc"))),
    "words of the wrong shape": lambda asr: _dumps(
        _ref(asr, segments=_seg0(asr, words=[{"x": 1}]))
    ),
    "an id with quotes and CRLF": lambda asr: _dumps(_ref(asr, id='fa.x"\r\nSet-Cookie: a=1')),
    "another recording's": lambda asr: _dumps(_ref(asr, recording_id=BAD)),
    "no provenance": lambda asr: _dumps(_without(_ref(asr), "provenance")),
}


def _check_the_rest_works(g: Guarded, rec, unreadable_mark: str):
    page = g.get("/")
    assert page.status_code == 200
    text = _words(page)
    assert f'href="/r/{rec.id}"' in text
    assert "could not be read" in text and unreadable_mark in text
    assert g.get(f"/r/{rec.id}").status_code == 200
    listing = g.get("/api/recordings")
    assert listing.status_code == 200 and [r["id"] for r in listing.get_json()] == [rec.id]
    assert g.get(f"/api/recordings/{rec.id}").status_code == 200
    hits = g.get("/api/search", query_string={"q": FA_QUERY})
    assert hits.status_code == 200 and hits.get_json()[0]["text"] == FA_LINES[1]
    assert FA_LINES[1] in _words(g.get("/", query_string={"q": FA_QUERY}))
    assert g.get(f"/r/{rec.id}/tracks/fa.asr.vtt").status_code == 200
    assert g.get(f"/api/recordings/{rec.id}/peaks").status_code == 200
    assert g.get(f"/api/recordings/{rec.id}/cite?start=1&end=2").status_code == 200
    assert g.get(f"/r/{rec.id}/clip.mp3?start=1&end=2").status_code == 200
    en = g.get(f"/api/recordings/{rec.id}/find", query_string={"q": EN_LINES[1], "lang": "en"})
    assert en.status_code == 200 and en.get_json()["matches"]


@pytest.mark.parametrize("damage", list(RECORDING_DAMAGE))
def test_a_damaged_recording_json_is_skipped_and_the_rest_works(fresh, tmp_path, damage, caplog):
    root, rec = fresh
    bad_dir = root / "transcripts" / BAD
    bad_dir.mkdir()
    (bad_dir / "recording.json").write_bytes(
        RECORDING_DAMAGE[damage](_good_recording_json(root, rec.id))
    )
    g = serve(root, tmp_path)
    _check_the_rest_works(g, rec, BAD)
    assert any(BAD in r.getMessage() and "could not be read" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    for url in (f"/r/{BAD}", f"/api/recordings/{BAD}", f"/media/{BAD}",
                f"/api/recordings/{BAD}/peaks", f"/r/{BAD}/clip.mp3?start=0&end=1",
                f"/api/recordings/{BAD}/cite?start=0&end=1",
                f"/api/recordings/{BAD}/find?q=x", f"/r/{BAD}/tracks/fa.asr.vtt"):  # fmt: skip
        assert g.get(url).status_code == 404, url


@pytest.mark.parametrize("damage", list(TRACK_DAMAGE))
def test_a_damaged_track_is_skipped_and_the_rest_works(fresh, tmp_path, damage, caplog):
    root, rec = fresh
    asr = _track_json(root, rec.id, "fa.asr")
    (root / "transcripts" / rec.id / "tracks" / "fa.reference.json").write_bytes(
        TRACK_DAMAGE[damage](asr)
    )
    g = serve(root, tmp_path)
    _check_the_rest_works(g, rec, "fa.reference")
    one = g.get(f"/api/recordings/{rec.id}").get_json()
    assert one["unreadable_tracks"] == ["fa.reference"]
    assert "fa.reference" not in [t["id"] for t in one["tracks"]]
    assert any("fa.reference.json" in r.getMessage() for r in caplog.records)
    for url in (f"/api/recordings/{rec.id}/tracks/fa.reference",
                f"/r/{rec.id}/tracks/fa.reference.vtt?download=1",
                f"/r/{rec.id}/tracks/fa.reference.json"):  # fmt: skip
        r = g.get(url)
        assert r.status_code == 404 and "Content-Disposition" not in r.headers, url


def test_a_truncated_recording_json_of_the_only_recording_does_not_404_the_front_page(
    fresh, tmp_path
):
    root, rec = fresh
    path = root / "transcripts" / rec.id / "recording.json"
    path.write_bytes(path.read_bytes()[:100])
    g = serve(root, tmp_path)
    page = g.get("/")
    assert page.status_code == 200 and "could not be read" in _words(page)
    assert "The archive is empty" not in _words(page)
    r = g.get(f"/r/{rec.id}")
    assert r.status_code == 404 and "could not be read" in _words(r)
    assert g.get("/api/recordings").get_json() == []


# --- clips --------------------------------------------------------------------------------------

SHORT_OR_ODD_SPANS = [
    {"start": "0", "end": "0.0004"},
    {"start": "0", "end": "0.05"},
    {"t": "0,0.0004"},
    {"start": "1", "end": "1.0999"},
    {"start": "{near_end}", "end": "99999"},  # cut to the end: 0.05 s left
    {"start": "nan", "end": "1"},
    {"start": "0", "end": "nan"},
    {"start": "inf", "end": "1"},
    {"start": "0", "end": "inf"},
    {"start": "-inf", "end": "1"},
    {"start": "0", "end": "1e309"},
    {"start": "-1", "end": "1"},
    {"start": "0", "end": "-1"},
    {"start": "abc", "end": "1"},
    {"start": "", "end": "1"},
    {"start": "0x10", "end": "20"},
    {"start": "1", "end": "1"},
    {"start": "2", "end": "1"},
    {"end": "1"},
    {"start": "0"},
    {"t": "nan,1"},
    {"t": "0,1,2"},
    {"t": ""},
]


@pytest.fixture(scope="module")
def guarded(template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guarded")
    root = tmp / "archive"
    shutil.copytree(template[0], root)
    return serve(root, tmp), template[1]


@pytest.mark.parametrize("span", SHORT_OR_ODD_SPANS, ids=lambda s: json.dumps(s))
def test_clip_spans_too_short_or_not_numbers_are_400(guarded, span):
    g, rec = guarded
    query = {k: v.format(near_end=rec.duration - 0.05) for k, v in span.items()}
    r = g.get(f"/r/{rec.id}/clip.mp3", query_string=query)
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert "<h1>400" in _words(r)


def test_the_shortest_clip_is_that_short_not_the_rest_of_the_recording(guarded, tmp_path):
    g, rec = guarded
    r = g.get(f"/r/{rec.id}/clip.mp3", query_string={"start": "0", "end": "0.1"})
    assert r.status_code == 200
    out = tmp_path / "short.mp3"
    out.write_bytes(r.data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert float(probe.stdout) < 0.2  # MP3 frames are 26 ms; the whole file is 15 s


def test_clips_over_the_cap_are_400(tmp_path):
    # 601 s of silence: one second over the 600 s cap.
    long = tmp_path / "long.mp3"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
         "-t", "601", "-b:a", "8k", str(long)],
        check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    archive = Archive(tmp_path / "archive")
    rec = archive.add(long).recording
    g = serve(archive.root, tmp_path)
    r = g.get(f"/r/{rec.id}/clip.mp3", query_string={"start": "0", "end": "601"})
    assert r.status_code == 400 and "at most 600 seconds" in _words(r)


# --- every media access goes through one check --------------------------------------------------


def _point_media_at(root: Path, rec_id: str, media: str) -> None:
    path = root / "transcripts" / rec_id / "recording.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "media": media}))


MEDIA_ROUTES = [
    "/media/{id}",
    "/api/recordings/{id}/peaks",
    "/r/{id}/clip.mp3?start=0&end=1",
    "/api/recordings/{id}/find?q=" + FA_QUERY,
]


@pytest.mark.parametrize(
    "media", ["/etc/passwd", "../../secret.wav", "..", "", "a/../../secret.wav", "link.wav",
              "fifo.wav", "missing.wav"],
)  # fmt: skip
def test_a_media_name_leading_out_of_media_is_refused_on_every_route(fresh, tmp_path, media):
    root, rec = fresh
    # Real audio outside the archive: decoding it would give answers, not 404s.
    shutil.copy(next((root / "media").iterdir()), tmp_path / "secret.wav")
    (root / "media" / "link.wav").symlink_to(tmp_path / "secret.wav")
    os.mkfifo(root / "media" / "fifo.wav")  # would hang ffmpeg
    _point_media_at(root, rec.id, media)
    g = serve(root, tmp_path)
    for route in MEDIA_ROUTES:
        r = g.get(route.format(id=rec.id))
        assert r.status_code == 404, route
        assert "missing from the archive" in _words(r)


# --- quote search stops when nobody waits for it ------------------------------------------------


@pytest.mark.model
def test_a_find_stops_when_its_client_has_gone(guarded):
    g, rec = guarded
    asked = []

    def client_gone():
        asked.append(1)
        return len(asked) > 1  # gone after the first model step (there are always more)

    r = g.get(
        f"/api/recordings/{rec.id}/find",
        query_string={"q": FA_QUERY},
        environ_overrides={"waitress.client_disconnected": client_gone},
    )
    assert r.status_code == 503 and "client went away" in r.get_json()["error"]
    assert len(asked) == 2  # asked between steps, and stopped at the first "gone"
    assert api._find_slot.acquire(blocking=False)  # the slot is free again
    api._find_slot.release()


@pytest.mark.model
def test_a_find_stops_at_the_servers_time_limit(template, tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(template[0], root)
    g = serve(root, tmp_path, FIND_TIME_LIMIT=0)
    r = g.get(f"/api/recordings/{template[1].id}/find", query_string={"q": FA_QUERY})
    assert r.status_code == 503 and "limit of 0 s" in r.get_json()["error"]
    assert api._find_slot.acquire(blocking=False)
    api._find_slot.release()


# --- queries ------------------------------------------------------------------------------------

CONTROL_QUERIES = ["\x00", "a\x00b", "\x1b[31m", "a\nb", "\x7f", "کتاب\x00"]


@pytest.mark.parametrize("q", CONTROL_QUERIES, ids=repr)
def test_control_characters_in_queries_are_400(guarded, q):
    g, rec = guarded
    for url in ("/api/search", f"/api/recordings/{rec.id}/find"):
        r = g.get(url, query_string={"q": q})
        assert r.status_code == 400 and "control characters" in r.get_json()["error"]
    page = g.get("/", query_string={"q": q})
    assert page.status_code == 400 and "control characters" in _words(page)


def test_a_damaged_search_index_gives_a_message_without_a_path(fresh, tmp_path):
    root, _rec = fresh
    g = serve(root, tmp_path)
    (root / "transcripts" / ".search.sqlite").write_bytes(b"not a database" * 100)
    g.before = snapshot(root)
    r = g.get("/api/search", query_string={"q": "x"})
    assert r.status_code == 503 and "could not be read" in r.get_json()["error"]
    page = g.get("/", query_string={"q": "x"})
    assert page.status_code == 200 and "could not be read" in _words(page)


def test_no_error_message_shows_an_absolute_path():
    from web.errors import public_message

    msg = public_message("the search index /srv/x/archive/transcripts/.search.sqlite is bad")
    assert msg == "the search index .search.sqlite is bad"
    assert public_message("see https://example.org/a/b") == "see https://example.org/a/b"


# --- headers ------------------------------------------------------------------------------------


def test_errors_keep_their_headers(guarded, template):
    g, rec = guarded
    for method, url in (("POST", f"/api/recordings/{rec.id}"), ("DELETE", f"/media/{rec.id}"),
                        ("PUT", "/"), ("PATCH", f"/r/{rec.id}")):  # fmt: skip
        r = g.open(url, method=method)
        assert r.status_code == 405 and "GET" in r.headers["Allow"], url
    size = (g.root / "media" / rec.media).stat().st_size
    r = g.get(f"/media/{rec.id}", headers={"Range": f"bytes={size + 10}-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{size}"


HOSTILE_HOSTS = ["evil.example", "evil.example:80", "localhost.evil.example", "127.0.0.1.evil",
                 "evil.example/", "", "localhost@evil.example"]  # fmt: skip


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_a_foreign_host_gets_400_not_a_redirect(guarded, host):
    g, rec = guarded
    for url in ("/", f"/r//{rec.id}", f"/r/{rec.id}", "/api/recordings", f"/media/{rec.id}"):
        r = g.get(url, headers={"Host": host})
        assert r.status_code == 400 and "Location" not in r.headers, (url, host)
    # The loopback names are trusted, and the redirect stays on them.
    r = g.get(f"/r//{rec.id}", headers={"Host": "127.0.0.1:5000"})
    assert r.status_code == 308 and r.headers["Location"].startswith("http://127.0.0.1:5000/")


def test_trusted_hosts_are_configurable(fresh, tmp_path):
    root, rec = fresh
    g = serve(root, tmp_path, TRUSTED_HOSTS=["archive.example"])
    assert g.get(f"/r/{rec.id}", headers={"Host": "archive.example"}).status_code == 200
    assert g.get(f"/r/{rec.id}", headers={"Host": "localhost"}).status_code == 400


def test_serve_trusts_its_own_host_and_the_named_ones(player_archive, tmp_path):
    import urllib.error
    import urllib.request

    navar = Path(sys.executable).parent / "navar"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [str(navar), "--archive", str(player_archive[0].root), "serve", "--port", "0",
         "--trusted-host", "archive.example"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        url = lines[1].split("Open the player: ")[1].split()[0]
        assert "archive.example" in lines[2] and "127.0.0.1" in lines[2]

        def status(host):
            req = urllib.request.Request(url, headers={"Host": host})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert status("archive.example") == 200 and status("127.0.0.1") == 200
        assert status("evil.example") == 400
    finally:
        proc.terminate()
        proc.wait(10)


def test_every_answer_forbids_framing(guarded):
    g, rec = guarded
    for url in ("/", f"/r/{rec.id}", "/api/recordings", f"/media/{rec.id}", "/nothing",
                "/api/nothing", f"/r/{rec.id}/tracks/fa.asr.vtt"):  # fmt: skip
        r = g.get(url)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], url
        assert r.headers["X-Frame-Options"] == "DENY", url


TRACK_NAMES = ['fa.asr"', "fa.asr%0A", "fa.asr%0D%0ASet-Cookie:%20a=1", "fa.asr%22%3B%20x=",
               "fa.asr%00", "FA.ASR", "fa.asr ", "%0Afa.asr"]  # fmt: skip


@pytest.mark.parametrize("name", TRACK_NAMES)
def test_odd_track_ids_never_reach_content_disposition(guarded, name):
    g, rec = guarded
    r = g.get(f"/r/{rec.id}/tracks/{name}.vtt?download=1")
    assert r.status_code == 404 and "Content-Disposition" not in r.headers


def test_a_track_file_named_with_a_newline_is_not_served(fresh, tmp_path):
    root, rec = fresh
    tracks = root / "transcripts" / rec.id / "tracks"
    asr = _track_json(root, rec.id, "fa.asr")
    (tracks / "fa.asr\n.json").write_bytes(_dumps({**asr, "id": "fa.asr\n"}))
    g = serve(root, tmp_path)
    r = g.get(f"/r/{rec.id}/tracks/fa.asr%0A.vtt?download=1")
    assert r.status_code == 404 and "Content-Disposition" not in r.headers
    assert g.get(f"/r/{rec.id}").status_code == 200


def test_download_names_come_from_validated_ids(guarded):
    g, rec = guarded
    r = g.get(f"/r/{rec.id}/tracks/en.mt.srt?download=1")
    assert r.headers["Content-Disposition"] == f'attachment; filename="{rec.id}.en.mt.srt"'
    r = g.get(f"/r/{rec.id}/clip.mp3?start=1&end=2")
    assert re.fullmatch(
        rf'attachment; filename="{rec.id}_1\.00-2\.00\.mp3"', r.headers["Content-Disposition"]
    )


# --- the waveform cache cannot be poisoned ------------------------------------------------------


def test_a_recording_json_claiming_another_files_sha256_cannot_poison_the_peaks_cache(
    fresh, tmp_path
):
    root, rec = fresh
    cache = tmp_path / "shared-cache"
    # A second archive whose recording holds a loud tone but claims the first one's SHA-256.
    tone = tmp_path / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=16000:duration=3", str(tone)],
        check=True, timeout=60, capture_output=True,
    )  # fmt: skip
    liar = Archive(tmp_path / "liar")
    lying = liar.add(tone).recording
    path = liar.transcripts_dir / lying.id / "recording.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "sha256": rec.sha256}))
    # Also an old-format cache file already poisoned under the honest recording's digest.
    cache.mkdir()
    (cache / f"{rec.sha256}.json").write_text(
        json.dumps({"duration": rec.duration, "seconds_per_peak": 1.0, "peaks": [255] * 20,
                    "version": 1})
    )  # fmt: skip

    liar_g = Guarded(create_app(liar.root, {"PEAKS_CACHE_DIR": cache}), liar.root, tmp_path)
    honest_g = serve(root, tmp_path, PEAKS_CACHE_DIR=cache)
    tone_peaks = liar_g.get(f"/api/recordings/{lying.id}/peaks").get_json()
    honest = honest_g.get(f"/api/recordings/{rec.id}/peaks").get_json()

    media = next((root / "media").iterdir())
    assert honest == peaks.compute(media, rec.duration).to_dict()
    assert tone_peaks == peaks.compute(next(liar.media_dir.iterdir()), 3.0).to_dict()
    assert min(tone_peaks["peaks"]) > 20 and max(honest["peaks"][:5]) <= 2  # tone vs silence
    # A fresh server (no memory cache) reads the right waveform back from the shared folder.
    again = Guarded(create_app(root, {"PEAKS_CACHE_DIR": cache}), root, tmp_path)
    assert again.get(f"/api/recordings/{rec.id}/peaks").get_json() == honest
    # What names the recording by its SHA-256 refuses audio that does not have it.
    for url in (f"/r/{lying.id}/clip.mp3?start=0&end=1", f"/api/recordings/{lying.id}/cite?t=0,1"):
        r = liar_g.get(url)
        assert r.status_code == 409 and "does not match the SHA-256" in _words(r), url


# --- a sweep of odd requests: nothing breaks, nothing changes -----------------------------------

ODD_URLS = [
    "/r/{id}%0A", "/api/recordings/{id}%0A", "/media/{id}%0A", "/r/%00", "/api/recordings/%00",
    "/r/" + "a" * 5000, "/api/recordings/{id}/tracks/" + "x" * 5000, "/r/{id}/tracks/.vtt",
    "/r/{id}/tracks/..vtt", "/r/{id}/tracks/fa.asr.", "/r/{id}/clip.mp3?start=0&end=1&t=0,1,",
    "/api/recordings/{id}/find?q=" + "ک" * 501, "/api/recordings/{id}/find?q=x&limit=0",
    "/api/recordings/{id}/find?q=x&limit=-1", "/api/recordings/{id}/find?q=x&limit=1e9",
    "/api/recordings/{id}/cite?start=nan&end=1", "/api/recordings/{id}/cite?t=0,inf",
    "/api/search?q=x&lang=%00", "/api/search?q=x&limit=%00", "/?q=" + "x" * 10000,
    "/api/recordings/{id}/peaks?x=%00", "/media/{id}?download=%0D%0A",
]  # fmt: skip


@pytest.mark.parametrize("url", ODD_URLS)
def test_odd_requests_get_a_clean_4xx_or_an_answer(guarded, url):
    g, rec = guarded
    r = g.get(url.format(id=rec.id))
    assert r.status_code in (200, 206, 400, 404), (url, r.status_code)


@pytest.mark.model
def test_under_waitress_a_find_whose_client_hangs_up_frees_the_slot(template, tmp_path):
    import queue
    import socket
    import threading
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    root, rec = tmp_path / "archive", template[1]
    shutil.copytree(template[0], root)
    navar = Path(sys.executable).parent / "navar"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [str(navar), "-v", "--archive", str(root), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()

    def wait_for(text: str) -> str:
        while True:  # every wait is bounded: a hang fails the test instead of stalling it
            line = lines.get(timeout=120)
            if text in line:
                return line

    def find_status(query: str, lang: str) -> tuple[int, str]:
        q = urllib.parse.urlencode({"q": query, "lang": lang})
        try:
            with urllib.request.urlopen(f"{url}api/recordings/{rec.id}/find?{q}", timeout=60) as r:
                return r.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    try:
        url = wait_for("Open the player: ").split("Open the player: ")[1].split()[0]
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        hung_up = socket.create_connection(("127.0.0.1", port), timeout=10)
        path = f"/api/recordings/{rec.id}/find?" + urllib.parse.urlencode({"q": FA_QUERY})
        hung_up.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        # A quick English search is refused while the audio search holds the slot (given a
        # moment to take it: a probe that came first would take the slot itself)...
        for _ in range(50):
            time.sleep(0.2)
            status, body = find_status(EN_LINES[1], "en")
            if status == 503 and "Another quote search" in body:
                break
        else:
            pytest.fail("the audio search never started")
        hung_up.close()  # ...and the visitor who asked for it goes away.
        wait_for("stopped: the client went away")
        assert find_status(EN_LINES[1], "en")[0] == 200  # the slot is free again
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_fifo_for_a_recording_json_or_a_track_is_skipped_not_waited_on(fresh, tmp_path):
    import threading

    root, rec = fresh
    (root / "transcripts" / BAD).mkdir()
    fifos = [root / "transcripts" / BAD / "recording.json",
             root / "transcripts" / rec.id / "tracks" / "fa.reference.json"]  # fmt: skip
    for fifo in fifos:
        os.mkfifo(fifo)
    g = serve(root, tmp_path)
    answers = []
    worker = threading.Thread(target=lambda: answers.append(g.get("/")), daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # stuck reading a FIFO: free it, then fail
        for fifo in fifos:
            with open(fifo, "wb"):
                pass
        pytest.fail("the front page waited on a FIFO")
    page = _words(answers[0])
    assert answers[0].status_code == 200 and BAD in page and "fa.reference" in page
    assert "not a regular file" in page
