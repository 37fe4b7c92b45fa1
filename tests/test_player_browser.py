"""The player in a real headless Chromium (Debian's), driven by Playwright, over a live server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import EN_LINES, FA_LINES, ROOT, build_player_archive
from werkzeug.serving import make_server

from web.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = ROOT / "tests" / "artifacts"


class LiveServer:
    def __init__(self, archive_root: Path, cache: Path, config: dict | None = None):
        app = create_app(archive_root, {"PEAKS_CACHE_DIR": cache, **(config or {})})
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="module")
def server(player_archive, tmp_path_factory):
    live = LiveServer(player_archive[0].root, tmp_path_factory.mktemp("peaks"))
    yield live
    live.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/install.sh --test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    # bypass_csp lets Playwright evaluate its wait conditions; the escaping test below then also
    # proves the text is escaped without help from the Content-Security-Policy.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, errors


def open_player(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=15_000)


def current_time(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


def test_persian_column_is_right_to_left_beside_labelled_english(page, server, player_archive):
    rec = player_archive[1]
    open_player(page, f"{server.url}/r/{rec.id}")
    fa = page.locator(".row .fa[dir='rtl'][lang='fa']")
    assert fa.count() == len(FA_LINES)
    assert fa.nth(1).inner_text().split() == FA_LINES[1].split()
    assert page.locator(".row .en").nth(1).inner_text() == EN_LINES[1]
    assert page.evaluate("getComputedStyle(document.querySelector('.row .fa')).direction") == "rtl"
    heads = page.locator(".row.heads").inner_text()
    assert "machine transcription" in heads and "fa.asr" in heads
    # Human translation is preferred over machine translation when both are in time.
    assert page.locator("#secondary-track").input_value() == "en.reference-translation"
    page.select_option("#secondary-track", "en.mt")
    page.wait_for_function("document.querySelector('.row.heads').textContent.includes('en.mt')")
    assert "machine translation" in page.locator(".row.heads").inner_text()


def test_clicking_a_persian_word_seeks_there(page, server, player_archive):
    archive, rec = player_archive
    open_player(page, f"{server.url}/r/{rec.id}")
    word = archive.track(rec.id, "fa.asr").segments[2].words[3]
    target = page.locator(".row .fa .w").filter(has_text=word.text).first
    target.click()
    assert current_time(page) == pytest.approx(word.start, abs=0.02)
    page.wait_for_function("document.querySelector('.w.active') !== null")
    assert page.locator(".w.active").first.inner_text() == word.text
    assert page.locator(".row.current .fa").inner_text().split() == FA_LINES[2].split()


def test_permalink_seeks_and_highlights_without_playing(page, server, player_archive):
    archive, rec = player_archive
    seg = archive.track(rec.id, "fa.asr").segments[3]
    open_player(page, f"{server.url}/r/{rec.id}#t={seg.start},{seg.end}")
    page.wait_for_function(
        f"Math.abs(document.getElementById('audio').currentTime - {seg.start}) < 0.02"
    )
    quoted = page.locator(".row .fa .quote").all_inner_texts()
    assert quoted == FA_LINES[3].split()
    assert page.evaluate("document.getElementById('audio').paused") is True


def test_search_within_the_recording_lists_hits_that_seek(page, server, player_archive):
    archive, rec = player_archive
    open_player(page, f"{server.url}/r/{rec.id}")
    # Arabic yeh and kaf, and no ZWNJ: found through the same normalisation as align.
    page.fill("#search", "بچهها در حياط")
    page.wait_for_selector(".search-hit")
    hits = page.locator(".search-hit")
    assert hits.count() == 1
    assert FA_LINES[3] in hits.first.inner_text()
    hits.first.click()
    assert current_time(page) == pytest.approx(
        archive.track(rec.id, "fa.asr").segments[3].start, abs=0.02
    )
    page.fill("#search", "library")
    page.wait_for_selector(".search-hit:has-text('library')")
    assert page.locator(".search-hit").count() == 1
    assert EN_LINES[1] in page.locator(".search-hit").first.inner_text()


def test_quote_box_gives_a_citation_with_permalink(page, server, player_archive):
    archive, rec = player_archive
    words = archive.track(rec.id, "fa.asr").segments[2].words
    open_player(page, f"{server.url}/r/{rec.id}")
    page.fill("#quote", "حقیقت را بنویسیم")
    page.click("#quote-form button")
    page.wait_for_selector("#citation:not([hidden])")
    link = page.input_value("#citation-link")
    start, end = (float(x) for x in link.split("#t=")[1].split(","))
    assert start == pytest.approx(words[-3].start, abs=0.002)
    assert end == pytest.approx(words[-1].end, abs=0.002)
    assert link.startswith(f"{server.url}/r/{rec.id}#t=")
    assert "حقیقت" in page.locator("#citation-text").input_value()
    assert page.locator(".row .fa .quote").all_inner_texts() == ["حقیقت", "را", "بنویسیم."]
    clip = page.get_attribute("#citation-clip", "href")
    assert clip.startswith(f"/r/{rec.id}/clip.mp3?start=")


def test_selecting_words_cites_them(page, server, player_archive):
    archive, rec = player_archive
    words = archive.track(rec.id, "fa.asr").segments[1].words
    open_player(page, f"{server.url}/r/{rec.id}")
    row = page.locator(".row .fa").nth(1).locator(".w")
    box_a, box_b = row.nth(1).bounding_box(), row.nth(2).bounding_box()
    # Right to left: the second word's right edge to the third word's left edge.
    page.mouse.move(box_a["x"] + box_a["width"] - 2, box_a["y"] + box_a["height"] / 2)
    page.mouse.down()
    page.mouse.move(box_b["x"] + 2, box_b["y"] + box_b["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_selector("#citation:not([hidden])")
    link = page.input_value("#citation-link")
    start, end = (float(x) for x in link.split("#t=")[1].split(","))
    assert start == pytest.approx(words[1].start, abs=0.002)
    assert end == pytest.approx(words[2].end, abs=0.002)


def test_keyboard_and_speed(page, server, player_archive):
    open_player(page, f"{server.url}/r/{player_archive[1].id}")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    assert current_time(page) == pytest.approx(5.0, abs=0.01)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert current_time(page) == pytest.approx(5.0, abs=0.01)
    page.keyboard.press(" ")
    page.wait_for_function("!document.getElementById('audio').paused")
    page.keyboard.press(" ")
    page.wait_for_function("document.getElementById('audio').paused")
    page.select_option("#speed", "1.5")
    assert page.evaluate("document.getElementById('audio').playbackRate") == 1.5


def test_seeking_uses_range_requests(page, server, player_archive):
    rec = player_archive[1]
    ranges = []
    page.on(
        "request",
        lambda r: ranges.append(r.headers.get("range")) if f"/media/{rec.id}" in r.url else None,
    )
    open_player(page, f"{server.url}/r/{rec.id}")
    page.locator(".row .fa .w").last.click()
    page.wait_for_timeout(300)
    assert ranges and all(r and r.startswith("bytes=") for r in ranges)


def test_waveform_and_subtitle_tracks(page, server, player_archive):
    open_player(page, f"{server.url}/r/{player_archive[1].id}")
    page.wait_for_function("window.navarPlayer.peaks !== null")
    painted = page.evaluate(
        """() => { const c = document.getElementById('waveform');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert painted > 1000
    tracks = page.evaluate(
        "[...document.getElementById('audio').textTracks].map(t => t.language + ':' + t.label)"
    )
    assert "fa:fa.asr (machine transcription)" in tracks


def test_screenshot_with_persian_and_english(page, server, player_archive):
    archive, rec = player_archive
    seg = archive.track(rec.id, "fa.asr").segments[2]
    open_player(page, f"{server.url}/r/{rec.id}#t={seg.words[-3].start},{seg.end}")
    page.wait_for_function("window.navarPlayer.peaks !== null")
    page.fill("#quote", "حقیقت را بنویسیم")
    page.click("#quote-form button")
    page.wait_for_selector("#citation:not([hidden])")
    page.locator(".row .fa .w").nth(9).click()
    # The served Persian font is in use once loaded (not a system fallback).
    assert page.evaluate(
        "document.fonts.ready.then(() => document.fonts.check('16px Vazirmatn', 'سلام'))"
    )
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.includes('Vazirmatn') && f.status === 'loaded')"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "player.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


def test_transcript_markup_is_shown_as_text(browser, fa_speech, tmp_path):
    evil_fa = [
        "<script>window.__pwned = 1</script> سلام",
        '"><img src=x onerror="window.__pwned = 2"> خداحافظ',
        "متن سوم",
        "متن چهارم",
    ]
    evil_en = ["<b>bold</b>", '" onerror="window.__pwned=3', "<iframe src=/>", "four"]
    archive, rec = build_player_archive(tmp_path / "archive", fa_speech, evil_fa, evil_en)
    rec.title = '<img src=x onerror="window.__pwned=4">'
    archive.save_recording(rec)
    live = LiveServer(archive.root, tmp_path / "cache")
    try:
        context = browser.new_context(bypass_csp=True)
        pg = context.new_page()
        dialogs = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        open_player(pg, f"{live.url}/r/{rec.id}")
        assert pg.locator("h1").inner_text() == rec.title
        assert pg.locator(".row .fa").first.inner_text().startswith("<script>")
        assert pg.locator(".row .en").nth(2).inner_text() == "<iframe src=/>"
        assert pg.evaluate("window.__pwned") is None
        assert (
            pg.locator("#transcript script, #transcript img, #transcript iframe, h1 img").count()
            == 0
        )
        assert not dialogs
        context.close()
    finally:
        live.close()


def test_docs_screenshot_is_committed():
    # The README shows docs/player.png; refresh it from tests/artifacts/player.png when the
    # player's look changes.
    shot = ROOT / "docs" / "player.png"
    assert shot.is_file() and shot.stat().st_size > 20_000


def _many_rows_archive(root: Path, fa_speech):
    """The same audio with 40 short one-word rows, so the transcript is taller than the screen."""
    from transcribe.archive import Archive
    from transcribe.transcript import Provenance, Segment, Track, Word, segment_id

    archive = Archive(root)
    rec = archive.add(fa_speech[0], title="ردیف‌های بسیار").recording
    words = " ".join(FA_LINES).split()
    segs = []
    for i in range(40):
        start = round(0.4 * i, 3)
        w = words[i % len(words)]
        segs.append(Segment(segment_id(i), start, start + 0.35, w, [Word(start, start + 0.35, w)]))
    archive.save_track(Track("fa.asr", rec.id, "fa", "asr", Provenance("navar tests"), segs))
    return archive, rec


def test_current_row_is_followed_until_the_reader_scrolls_away(browser, fa_speech, tmp_path):
    archive, rec = _many_rows_archive(tmp_path / "archive", fa_speech)
    live = LiveServer(archive.root, tmp_path / "cache")
    context = browser.new_context(viewport={"width": 1000, "height": 700}, bypass_csp=True)
    try:
        pg = context.new_page()
        open_player(pg, f"{live.url}/r/{rec.id}")
        in_view = """() => { const r = document.querySelector('.row.current');
            if (!r) return false; const b = r.getBoundingClientRect();
            return b.top >= 0 && b.bottom <= innerHeight; }"""
        pg.evaluate("document.getElementById('audio').playbackRate = 2")
        pg.locator("h1").click()
        pg.keyboard.press(" ")
        # Row 25 starts at 10 s: far below the first screen, so only following brings it in view.
        pg.wait_for_function("document.getElementById('audio').currentTime > 10", timeout=20_000)
        pg.wait_for_function(in_view)
        assert pg.evaluate("scrollY") > 200
        pg.mouse.move(500, 600)
        pg.mouse.wheel(0, -3000)
        pg.wait_for_selector("#follow:not([hidden])")
        pg.wait_for_function(f"!({in_view})()", timeout=10_000)  # left where the reader is
        pg.click("#follow")
        pg.wait_for_function(in_view)
        assert pg.locator("#follow").is_hidden()
    finally:
        context.close()
        live.close()
