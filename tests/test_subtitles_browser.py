"""In a real browser: a Persian WebVTT cue from Navar is laid out right to left.

Chromium parses our VTT through <track>; the cue text it hands to the page is then placed in an
element with dir="auto", which resolves direction by the same first-strong-character rule the
cue renderer applies to each cue.
"""

import http.server
import threading

import pytest

from transcribe.subtitles import to_vtt
from transcribe.transcript import Provenance, Segment, Track

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><meta charset="utf-8">
<video id="v" src="silence.wav" preload="auto">
  <track id="t" kind="subtitles" srclang="fa" src="cues.vtt" default>
</video>
<div id="probe" dir="auto"></div>"""


@pytest.fixture
def served(tmp_path, fa_speech):
    track = Track(
        "fa.asr", "0123456789ab", "fa", "asr", Provenance("navar"),
        [
            Segment("s00001", 0.0, 2.0, "۱۵ اوت ۱۹۸۸: بزرگترین جنایت"),
            Segment("s00002", 2.0, 4.0, "Raisi و نیری در جلسه بودند"),
        ],
    )  # fmt: skip
    (tmp_path / "cues.vtt").write_text(to_vtt(track), encoding="utf-8")
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "silence.wav").write_bytes(fa_speech[0].read_bytes())

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(tmp_path), **kw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_persian_cues_resolve_right_to_left_in_chromium(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page()
        page.goto(served)
        page.wait_for_function("document.getElementById('t').track.cues?.length === 2")
        directions = page.evaluate(
            """() => Array.from(document.getElementById('t').track.cues).map(cue => {
                const probe = document.getElementById('probe');
                probe.textContent = cue.text;
                return probe.matches(':dir(rtl)') ? 'rtl' : 'ltr';
            })"""
        )
        # Control: the second cue's own text, without Navar's mark, would go left to right.
        page.evaluate("document.getElementById('probe').textContent = 'Raisi و نیری'")
        control = page.evaluate("document.getElementById('probe').matches(':dir(rtl)')")
        browser.close()
    assert directions == ["rtl", "rtl"]
    assert control is False
