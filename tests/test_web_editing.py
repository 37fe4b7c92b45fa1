"""The editing routes (navar serve --edit) through Flask's test client, over a real archive.

Only changes that need no re-alignment are saved here (speakers, edges, English text), so no
model runs; the browser tests (test_editor_browser.py) save corrected Persian words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import EN_LINES, build_player_archive

from web.app import create_app

SECRET = "s3cret-for-tests-" + "x" * 20
ORIGIN = "http://localhost"
NAVAR = Path(sys.executable).parent / "navar"


@pytest.fixture
def edit_archive(tmp_path, fa_speech):
    return build_player_archive(tmp_path / "archive", fa_speech)


def make_app(archive, tmp_path, edit=True):
    config = {"TESTING": True, "PEAKS_CACHE_DIR": tmp_path / "peaks"}
    if edit:
        config["EDIT_SECRET"] = SECRET
    return create_app(archive.root, config)


@pytest.fixture
def app(edit_archive, tmp_path):
    return make_app(edit_archive[0], tmp_path)


def login(client, name="مریم"):
    response = client.post("/edit/login", data={"key": SECRET, "name": name},
                           headers={"Origin": ORIGIN})  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    with client.session_transaction() as s:
        return s["csrf"]


def base(client, rec, track="fa.asr"):
    response = client.get(f"/api/edit/recordings/{rec.id}/tracks/{track}/base")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def rows_of(track_dict, names=None):
    names = names or {}
    return [{"ids": [s["id"]], "text": s["text"], "speaker": names.get(s["id"])}
            for s in track_dict["segments"]]  # fmt: skip


def post_save(client, rec, track, body, csrf, origin=ORIGIN, **headers):
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    if origin is not None:
        headers["Origin"] = origin
    return client.post(f"/api/edit/recordings/{rec.id}/tracks/{track}",
                       data=json.dumps(body), content_type="application/json",
                       headers=headers)  # fmt: skip


def write_routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("editing.")]


def test_the_read_only_server_has_no_route_that_writes(edit_archive, tmp_path, app):
    archive, rec = edit_archive
    read_only = make_app(archive, tmp_path, edit=False)
    methods = {m for r in read_only.url_map.iter_rules() for m in r.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS"}
    client = read_only.test_client()
    routes = write_routes(app)
    assert len(routes) >= 8  # login, logout, pages, base, versions, diff, save ...
    for rule in routes:
        url = rule.rule.replace("<rec_id>", rec.id).replace("<track_id>", "fa.asr")
        for method in ("GET", "POST", "PUT", "DELETE"):
            response = client.open(url, method=method, headers={"Origin": ORIGIN},
                                   query_string={"key": SECRET})  # fmt: skip
            assert response.status_code in (404, 405), (method, url, response.status_code)
    assert not archive.has_track(rec.id, "fa.reference")


def test_login_needs_the_secret_and_a_name(app, edit_archive):
    client = app.test_client()
    assert client.get("/edit/login", query_string={"key": "wrong"}).status_code == 403
    form = client.get("/edit/login", query_string={"key": SECRET})
    assert form.status_code == 200 and 'name="name"' in form.get_data(as_text=True)
    bad = client.post("/edit/login", data={"key": "wrong" * 8, "name": "x"},
                      headers={"Origin": ORIGIN})  # fmt: skip
    assert bad.status_code == 403
    foreign = client.post("/edit/login", data={"key": SECRET, "name": "x"},
                          headers={"Origin": "http://evil.example"})  # fmt: skip
    assert foreign.status_code == 403
    nameless = client.post("/edit/login", data={"key": SECRET, "name": "  "},
                           headers={"Origin": ORIGIN})  # fmt: skip
    assert nameless.status_code == 400
    # Before login the editor's pages send to the login notice, its API refuses.
    assert client.get(f"/edit/r/{edit_archive[1].id}").status_code == 302
    notice = client.get(f"/edit/r/{edit_archive[1].id}", follow_redirects=True)
    assert notice.status_code == 403 and "login link" in notice.get_data(as_text=True)
    assert (
        client.get(f"/api/edit/recordings/{edit_archive[1].id}/tracks/fa.asr/base").status_code
        == 403
    )
    login(client)
    page = client.get(f"/edit/r/{edit_archive[1].id}").get_data(as_text=True)
    assert "editor.js" in page and "مریم" in page
    # The cookie is for this site's own requests only, and out of reach of scripts.
    cookie = client.get_cookie("navar_edit")
    assert cookie.http_only and cookie.same_site == "Strict"


def test_after_login_it_goes_only_to_a_page_of_this_site(app):
    client = app.test_client()
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post("/edit/login", data={"key": SECRET, "name": "A", "next": evil},
                               headers={"Origin": ORIGIN})  # fmt: skip
        assert response.headers["Location"] == "/edit/", evil


def test_every_write_needs_session_csrf_and_same_origin(app, edit_archive):
    archive, rec = edit_archive
    client = app.test_client()
    csrf = login(client)
    b = base(client, rec)
    body = {"digest": b["digest"], "target_digest": None, "rows": rows_of(b["track"])}
    stranger = app.test_client()  # no session: the secret was never given
    refused = [
        post_save(stranger, rec, "fa.asr", body, csrf),
        post_save(client, rec, "fa.asr", body, None),  # no CSRF token
        post_save(client, rec, "fa.asr", body, "forged-token"),
        post_save(client, rec, "fa.asr", body, csrf, origin="http://evil.example"),
        post_save(client, rec, "fa.asr", body, csrf, origin=None),  # neither Origin nor Referer
        post_save(
            client, rec, "fa.asr", body, csrf, origin=None, Referer="http://evil.example/r/x"
        ),  # fmt: skip
        client.post("/edit/logout", headers={"Origin": ORIGIN}),  # logout too needs the token
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "login link" in refused[0].get_json()["error"]
    assert "security token" in refused[1].get_json()["error"]
    assert "origin" in refused[3].get_json()["error"]
    assert not archive.has_track(rec.id, "fa.reference")
    ok = post_save(client, rec, "fa.asr", body, csrf, origin=None, Referer=f"{ORIGIN}/edit/")
    assert ok.status_code == 200, ok.get_data(as_text=True)


def test_saving_speakers_makes_a_human_version_with_provenance(app, edit_archive):
    archive, rec = edit_archive
    client = app.test_client()
    csrf = login(client, "مریم")
    before = archive.track(rec.id, "fa.asr")
    b = base(client, rec)
    names = {"s00001": "مهدی بازرگان", "s00002": "Ali", "s00003": "مهدی بازرگان"}
    body = {"digest": b["digest"], "target_digest": None, "rows": rows_of(b["track"], names)}
    response = post_save(client, rec, "fa.asr", body, csrf)
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()
    assert out["target"] == "fa.reference" and out["changed"] == [] and out["unchanged"] == 4
    ref = archive.track(rec.id, "fa.reference")
    assert ref.kind == "reference" and ref.version == 1
    settings = ref.provenance.settings
    assert settings["editor"] == "مریم" and settings["edited"]
    assert settings["edited_from"]["track"] == "fa.asr"
    assert settings["edited_from"]["version"] == 1
    assert settings["edited_from"]["digest"] == b["digest"]
    assert ref.provenance.source == "browser editor"
    speakers = {s.id: s.name for s in archive.recording(rec.id).speakers}
    assert [speakers.get(s.speaker) for s in ref.segments] == [
        "مهدی بازرگان", "Ali", "مهدی بازرگان", None
    ]  # fmt: skip
    for old, new in zip(before.segments, ref.segments, strict=True):  # times untouched
        assert (old.start, old.end, old.words, old.text) == (new.start, new.end, new.words,
                                                              new.text)  # fmt: skip
    assert archive.track(rec.id, "fa.asr") == before  # the machine track is only read


def test_a_stale_save_is_refused_and_the_rows_come_back(app, edit_archive):
    archive, rec = edit_archive
    first, second = app.test_client(), app.test_client()
    csrf1, csrf2 = login(first, "A"), login(second, "B")
    b1, b2 = base(first, rec), base(second, rec)  # both open fa.asr
    mine = rows_of(b1["track"], {"s00001": "Ali"})
    saved = post_save(first, rec, "fa.asr", {"digest": b1["digest"], "target_digest": None,
                                             "rows": mine}, csrf1)  # fmt: skip
    assert saved.status_code == 200
    theirs = rows_of(b2["track"], {"s00002": "Reza"})
    theirs[1]["text"] = "متن تازه‌ای که نباید گم شود"
    stale = post_save(second, rec, "fa.asr", {"digest": b2["digest"], "target_digest": None,
                                              "rows": theirs}, csrf2)  # fmt: skip
    assert stale.status_code == 409
    out = stale.get_json()
    assert out["stale"] is True and out["yours"] == theirs
    assert "Not saved" in out["error"] and "saved by A" in out["error"]
    ref = archive.track(rec.id, "fa.reference")
    assert ref.version == 1 and ref.provenance.settings["editor"] == "A"
    # The human track itself, edited from an old version, is refused too.
    b3 = base(second, rec, "fa.reference")
    post_save(first, rec, "fa.reference", {"digest": b3["digest"], "target_digest": b3[
        "target_digest"], "rows": rows_of(b3["track"])}, csrf1)  # fmt: skip
    again = post_save(second, rec, "fa.reference", {"digest": b3["digest"], "target_digest": b3[
        "target_digest"], "rows": rows_of(b3["track"])}, csrf2)  # fmt: skip
    assert again.status_code == 409
    assert archive.track(rec.id, "fa.reference").version == 2


def test_moved_edges_keep_the_words_inside_them(app, edit_archive):
    archive, rec = edit_archive
    client = app.test_client()
    csrf = login(client)
    b = base(client, rec)
    rows = rows_of(b["track"])
    seg = b["track"]["segments"][2]
    rows[2].update(start=round(seg["start"] - 0.1, 3), end=round(seg["end"] - 0.3, 3))
    body = {"digest": b["digest"], "target_digest": None, "rows": rows}
    out = post_save(client, rec, "fa.asr", body, csrf).get_json()
    assert out["changed"] == ["s00003"]
    new = archive.track(rec.id, "fa.reference").segment("s00003")
    assert (new.start, new.end) == (rows[2]["start"], rows[2]["end"])
    assert all(new.start <= w.start <= w.end <= new.end for w in new.words)
    assert [w.text for w in new.words] == [w["text"] for w in seg["words"]]
    assert "edges-edited" in new.flags
    assert new.words[0].start == seg["words"][0]["start"]  # inside the edges: as it was


def test_english_edits_make_versions_and_a_word_diff(app, edit_archive):
    archive, rec = edit_archive
    client = app.test_client()
    csrf = login(client)
    track = "en.reference-translation"
    for new_text in ("He told us that we have to write the whole truth.",
                     "He told us we must write the whole truth."):  # fmt: skip
        b = base(client, rec, track)
        rows = rows_of(b["track"])
        rows[2]["text"] = new_text
        body = {"digest": b["digest"], "target_digest": b["target_digest"], "rows": rows}
        response = post_save(client, rec, track, body, csrf)
        assert response.status_code == 200, response.get_data(as_text=True)
    now = archive.track(rec.id, track)
    assert now.version == 3 and now.segments[2].text == "He told us we must write the whole truth."
    assert now.segments[2].start is not None  # a translation keeps its window
    assert now.segments[3].text == EN_LINES[3]
    listed = client.get(f"/api/edit/recordings/{rec.id}/tracks/{track}/versions").get_json()
    assert [v["version"] for v in listed] == [1, 2, 3] and listed[-1]["key"] == "current"
    url = f"/api/edit/recordings/{rec.id}/tracks/{track}/diff"
    diff = client.get(url, query_string={"from": listed[1]["key"], "to": "current"}).get_json()
    assert {"op": "removed", "text": "that"} in diff["ops"]
    assert {"op": "removed", "text": "have to"} in diff["ops"]
    assert {"op": "added", "text": "must"} in diff["ops"]
    assert diff["counts"]["added"] == 1 and diff["counts"]["removed"] == 3
    # Only a version the listing names: no path reaches another file.
    for bad in ("../tracks/fa.asr.json", "/etc/passwd", "nope"):
        r = client.get(f"/api/edit/recordings/{rec.id}/tracks/{track}/diff",
                       query_string={"from": bad, "to": "current"})  # fmt: skip
        assert r.status_code == 400


@pytest.mark.parametrize(
    "rows, says",
    [
        ("not rows", "no rows"),
        ([{"ids": ["s99999"], "text": "x"}], "does not have"),
        ([{"ids": ["s00001"], "text": "x" * 6000}], "at most"),
        ([{"ids": ["s00001"], "text": "x", "speaker": "n" * 200}], "at most"),
        ([{"ids": ["s00001"], "text": "x", "start": 5, "end": 2}], "edges"),
        ([{"ids": ["s00001"], "text": "x", "start": "a", "end": 2}], "edges"),
        ([{"ids": [], "text": "x"}], "first row"),
    ],
)
def test_bad_edits_get_one_clear_line_and_change_nothing(app, edit_archive, rows, says):
    archive, rec = edit_archive
    client = app.test_client()
    csrf = login(client)
    b = base(client, rec)
    response = post_save(client, rec, "fa.asr", {"digest": b["digest"], "target_digest": None,
                                                  "rows": rows}, csrf)  # fmt: skip
    assert response.status_code == 400
    assert says in response.get_json()["error"]
    assert not archive.has_track(rec.id, "fa.reference")


def test_serve_edit_prints_a_login_link_with_a_fresh_secret(player_archive, tmp_path):
    archive, rec = player_archive
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(tmp_path)}
    links = []
    for _ in range(2):
        proc = subprocess.Popen(
            [str(NAVAR), "--archive", str(archive.root), "serve", "--port", "0", "--edit"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )  # fmt: skip
        try:
            lines = [proc.stdout.readline() for _ in range(4)]
            said = lines[3]
            assert said.startswith("Editing is on."), lines
            link = said.split(": ", 1)[1].strip()
            assert link.startswith("http://127.0.0.1:") and "/edit/login?key=" in link
            with urllib.request.urlopen(link, timeout=10) as r:
                assert r.status == 200 and 'name="name"' in r.read().decode("utf-8")
            wrong = link.split("key=")[0] + "key=" + "a" * 43
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(wrong, timeout=10)
            assert refused.value.code == 403
            links.append(link)
        finally:
            proc.terminate()
            proc.wait(10)
    assert links[0].split("key=")[1] != links[1].split("key=")[1]  # a new secret each start


def test_a_prepared_window_is_encoded_once_and_aligns_as_a_cold_save(edit_archive, tmp_path, model):
    archive, rec = edit_archive
    asr = archive.track(rec.id, "fa.asr")
    fixed = asr.segments[1].text.replace("نه", "ده")  # a one-word correction
    saved = []
    for prepared in (True, False):
        app = make_app(archive, tmp_path)
        client = app.test_client()
        csrf = login(client)
        if prepared:  # what the page asks for as the person starts typing in the segment
            url = f"/api/edit/recordings/{rec.id}/tracks/fa.asr/prepare"
            r = client.post(url, json={"ids": ["s00002"]},
                            headers={"Origin": ORIGIN, "X-CSRF-Token": csrf})  # fmt: skip
            assert r.status_code == 200 and r.get_json()["prepared"] is True
            lo, hi = r.get_json()["window"]
            seg = asr.segments[1]  # its window: its edges widened by the margin
            assert (lo, hi) == pytest.approx((seg.start - 0.5, seg.end + 0.5), abs=1e-3)
            assert len(app.extensions["navar_edit"].encodings) == 1
            bad = client.post(url, json={"ids": ["nope"]},
                              headers={"Origin": ORIGIN, "X-CSRF-Token": csrf})  # fmt: skip
            assert bad.status_code == 400
        b = base(client, rec)
        rows = rows_of(b["track"])
        rows[1]["text"] = fixed
        body = {"digest": b["digest"], "target_digest": None, "rows": rows}
        response = post_save(client, rec, "fa.asr", body, csrf)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(app.extensions["navar_edit"].encodings) == 1  # the save encoded nothing new
        saved.append(archive.track(rec.id, "fa.reference").segment("s00002"))
        archive.delete_track(rec.id, "fa.reference")
    assert saved[0].words and saved[0] == saved[1]
