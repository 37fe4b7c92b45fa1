"""Transcript text and titles are data, never markup, on every page and download."""

from __future__ import annotations

import pytest
from conftest import build_player_archive

from align import archive_search
from web.app import create_app

EVIL_FA = [
    "<script>alert(1)</script> سلام",
    '"onerror=alert(2) <img src=x onerror=alert(3)> خداحافظ',
    "متن سوم",
    "متن چهارم",
]
EVIL_EN = ["<script>alert(4)</script>", '" onerror="alert(5)', "</script><b>x</b>", "four"]
EVIL_TITLE = '</title><script>alert(6)</script>"onerror=alert(7)'


@pytest.fixture(scope="module")
def evil(tmp_path_factory, fa_speech):
    root = tmp_path_factory.mktemp("evil")
    archive, rec = build_player_archive(root / "archive", fa_speech, EVIL_FA, EVIL_EN)
    rec.title = EVIL_TITLE
    rec.source_notes = "<script>alert(8)</script>"
    archive.save_recording(rec)
    archive_search.refresh(archive)  # as `navar serve` does: the routes only read the index
    client = create_app(archive.root, {"PEAKS_CACHE_DIR": root / "cache"}).test_client()
    return client, rec


def _no_live_markup(html: str) -> None:
    for needle in ("<script>alert", "<img src=x", "<b>x</b>", "</script><b>"):
        assert needle not in html
    # Outside the JSON data block, a quote from the data never appears raw (attributes stay shut).
    markup = html.split('id="recording-data"')[0]
    assert '"onerror=' not in markup


def test_player_page_escapes_title_notes_and_embedded_data(evil):
    client, rec = evil
    html = client.get(f"/r/{rec.id}").get_data(as_text=True)
    _no_live_markup(html)
    assert "&lt;/title&gt;&lt;script&gt;alert(6)&lt;/script&gt;" in html
    # The JSON block for the script cannot be closed early by the data in it.
    data = html.split('id="recording-data" type="application/json">')[1].split("</script>")[0]
    assert "alert(6)" in data and "<" not in data


def test_front_page_and_search_hits_escape_text(evil):
    client, rec = evil
    html = client.get("/", query_string={"q": "سلام"}).get_data(as_text=True)
    _no_live_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; سلام" in html


def test_api_returns_the_text_unchanged_as_json(evil):
    client, rec = evil
    r = client.get(f"/api/recordings/{rec.id}/tracks/fa.asr")
    assert r.mimetype == "application/json"
    assert r.get_json()["segments"][0]["text"] == EVIL_FA[0]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_vtt_for_the_track_element_escapes_cue_text(evil):
    client, rec = evil
    vtt = client.get(f"/r/{rec.id}/tracks/en.mt.vtt").get_data(as_text=True)
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in vtt and "<script>" not in vtt


def test_error_pages_escape_what_the_url_said(evil):
    client, _rec = evil
    r = client.get("/r/<script>alert(9)<%2Fscript>")
    assert r.status_code == 404 and "<script>alert(9)" not in r.get_data(as_text=True)


def test_pages_forbid_inline_script(evil):
    client, rec = evil
    csp = client.get(f"/r/{rec.id}").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
