"""The player and front page for every reader: phones and zoomed windows (WCAG reflow), the
keyboard alone, screen readers, high contrast, reduced motion, and the Persian interface.

Real Debian Chromium through Playwright, over a live server, on the exactly timed test archive.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from conftest import EN_LINES, FA_LINES, ROOT
from test_player_browser import (  # noqa: F401
    ARTIFACTS,
    LiveServer,
    browser,
    current_time,
    open_player,
)

from align import archive_search
from align.normalize import normalize
from web import i18n

pytestmark = pytest.mark.browser

# (name, viewport, device scale factor): zoom is a smaller CSS viewport at a higher scale, as
# the browser does it (a 1280x900 window at 200% is 640x450 CSS px).
PHONE = ("phone", {"width": 390, "height": 844}, 3)
NARROW = ("320px", {"width": 320, "height": 640}, 2)
ZOOM_200 = ("zoom200", {"width": 640, "height": 450}, 2)
ZOOM_400 = ("zoom400", {"width": 320, "height": 225}, 4)
DESKTOP = ("desktop", {"width": 1400, "height": 900}, 1)


@pytest.fixture(scope="module")
def server(player_archive, tmp_path_factory):
    archive_search.refresh(player_archive[0])  # as `navar serve` does, for the front page
    live = LiveServer(player_archive[0].root, tmp_path_factory.mktemp("peaks"))
    yield live
    live.close()


@contextmanager
def browsing(browser, viewport=None, scale=1, locale="en-GB", **options):  # noqa: F811
    """A fresh page (own cookies and storage); page errors and failed requests fail the test."""
    context = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 900},
        device_scale_factor=scale,
        locale=locale,
        bypass_csp=True,
        **options,
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        yield pg
    finally:
        context.close()
    assert not errors, errors


def segments(player_archive, track="fa.asr"):
    archive, rec = player_archive
    return archive.track(rec.id, track).segments


UNCOVERED = """(sel) => { const n = document.querySelector(sel); if (!n) return 'missing';
  const b = n.getBoundingClientRect();
  if (b.top < 0 || b.left < 0 || b.bottom > innerHeight || b.right > innerWidth)
    return `outside the window: ${JSON.stringify(b)} in ${innerWidth}x${innerHeight}`;
  const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
  return hit === n || n.contains(hit) ? 'ok' : `covered by ${hit && hit.outerHTML.slice(0, 80)}`;
}"""

FOCUSED = """() => { const a = document.activeElement;
  return a.className + '|' + (a.id || a.tagName) + '|' + (a.getAttribute('role') || ''); }"""

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= innerWidth"


def assert_uncovered(page, selector):
    assert page.evaluate(UNCOVERED, selector) == "ok", selector


# --- layout -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,viewport,scale", [PHONE, NARROW, ZOOM_200, ZOOM_400])
def test_small_screens_show_the_quote_and_the_current_word(
    browser,  # noqa: F811
    server,
    player_archive,
    name,
    viewport,
    scale,
):
    rec = player_archive[1]
    seg = segments(player_archive)[3]
    with browsing(browser, viewport, scale, reduced_motion="reduce") as page:
        open_player(page, f"{server.url}/r/{rec.id}#t={seg.start},{seg.end}")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), name
        # The permalinked quote is in sight, not under the controls.
        assert_uncovered(page, ".row .fa .quote")
        # Playing from the second row: the current word is followed into sight.
        start = segments(player_archive)[1].start
        page.evaluate(f"document.getElementById('audio').currentTime = {start}")
        page.evaluate("document.getElementById('audio').play()")
        page.wait_for_function("document.querySelector('.row .fa .w.active') !== null")
        # In sight while the row played from is still the current one: brought into view as
        # play began, not only at the next row.
        page.wait_for_function(
            f"({UNCOVERED})('.row .fa .w.active') === 'ok' && "
            f"document.querySelector('.row.current .fa').textContent.includes({FA_LINES[1]!r})",
            timeout=5000,
        )
        page.evaluate("document.getElementById('audio').pause()")
        # The Persian text is readable: not squeezed below a few words per line.
        width = page.evaluate("document.querySelector('.row .fa').getBoundingClientRect().width")
        assert width >= 0.6 * viewport["width"] - 80
        # With the citation open the transcript is still reachable and the cited words shown.
        page.fill("#quote", "حقیقت را بنویسیم")
        page.click("#quote-form button")
        page.wait_for_selector("#citation:not([hidden])")
        page.wait_for_function(f"({UNCOVERED})('.row .fa .quote') === 'ok'", timeout=5000)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), name
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"player-{name}.png"))


def test_desktop_citation_box_leaves_the_cited_row_in_sight(
    browser,  # noqa: F811
    server,
    player_archive,
):
    rec = player_archive[1]
    with browsing(browser, DESKTOP[1], reduced_motion="reduce") as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        page.fill("#quote", "بچه‌ها در حیاط")
        page.click("#quote-form button")
        page.wait_for_selector("#citation:not([hidden])")
        page.wait_for_function(f"({UNCOVERED})('.row .fa .quote') === 'ok'", timeout=5000)
        # The deck stays pinned here, and takes no more than 60% of the window.
        deck = page.evaluate("document.getElementById('deck').getBoundingClientRect().height")
        assert page.evaluate("getComputedStyle(document.getElementById('deck')).position") == (
            "sticky"
        )
        assert deck <= 0.6 * 900 + 1


def test_play_pause_at_hand_once_the_audio_scrolls_away(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    with browsing(browser, PHONE[1], PHONE[2], reduced_motion="reduce") as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        mini = page.locator("#mini-play")
        assert mini.is_hidden()  # the audio player itself is in sight
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        mini.wait_for(state="visible")
        assert mini.get_attribute("aria-label") == "Play"
        mini.click()
        page.wait_for_function("!document.getElementById('audio').paused")
        # The label follows the audio's "play" event, which comes a moment after paused flips.
        page.wait_for_function(
            "document.getElementById('mini-play').getAttribute('aria-label') === 'Pause'",
            timeout=10_000,
        )
        mini.click()
        page.wait_for_function("document.getElementById('audio').paused")
        assert_uncovered(page, "#mini-play")  # not under the follow button or anything else


@pytest.mark.parametrize("name,viewport,scale", [PHONE, NARROW, ZOOM_400])
def test_front_page_fits_small_screens(browser, server, player_archive, name, viewport, scale):  # noqa: F811
    with browsing(browser, viewport, scale) as page:
        page.goto(f"{server.url}/?q=library")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), name
        assert page.locator("h1").count() == 1
        assert page.locator(".recording-link").first.is_visible()


# --- keyboard and screen readers ------------------------------------------------------------------


def test_transcript_is_one_tab_stop_with_arrows_inside(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        stops = []
        page.locator("h1").click()
        for _ in range(40):
            page.keyboard.press("Tab")
            stops.append(page.evaluate(FOCUSED))
        words = [s for s in stops if s.startswith("w|")]
        # Tab goes once into the transcript's words, then on (cite button, downloads...).
        assert len(set(words)) == 1 and len(words) <= 2, stops
        assert any(s.endswith("|slider") for s in stops)
        # The tab stop is the first word; arrows move inside.
        page.locator(".row .fa .w").first.focus()
        page.keyboard.press("ArrowDown")
        focused = "document.activeElement.textContent"
        assert page.evaluate(focused) == FA_LINES[1].split()[0]
        page.keyboard.press("ArrowLeft")  # Persian reads right to left: left is the next word
        assert page.evaluate(focused) == FA_LINES[1].split()[1]
        page.keyboard.press("ArrowRight")
        # Before a row's first word: the end of the row above, its English (left to right).
        page.keyboard.press("ArrowRight")
        assert page.evaluate(focused) == EN_LINES[0]
        page.keyboard.press("ArrowLeft")  # in English, left goes back: to the last Persian word
        assert page.evaluate(focused) == FA_LINES[0].split()[-1]
        page.keyboard.press("ArrowDown")  # down keeps the column
        assert page.evaluate(focused) == FA_LINES[1].split()[0]
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("Enter")  # seeks to the word
        assert current_time(page) == pytest.approx(fa[1].words[1].start, abs=0.02)
        assert page.evaluate("document.activeElement.getAttribute('aria-current')") == "time"
        assert page.locator(".row[aria-current='time'] .fa").inner_text().split() == (
            FA_LINES[1].split()
        )
        page.keyboard.press("End")
        assert page.evaluate(focused) == FA_LINES[3].split()[0]


def test_cite_from_the_keyboard_and_from_a_touch_selection(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        # "Cite this passage": the next tab stop after the focused word, in its row.
        page.locator(".row .fa .w").nth(len(FA_LINES[0].split())).click()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "cite-row"
        page.keyboard.press("Enter")
        page.wait_for_selector("#citation:not([hidden])")
        assert page.input_value("#citation-link").endswith(f"#t={fa[1].start:g},{fa[1].end:g}")
        page.click("#citation-close")
        # Closing returns to the word; C on a focused word cites its row.
        assert page.evaluate("document.activeElement.textContent") == FA_LINES[1].split()[0]
        page.keyboard.press("ArrowUp")
        page.keyboard.press("c")
        page.wait_for_selector("#citation:not([hidden])")
        assert page.input_value("#citation-link").endswith(f"#t={fa[0].start:g},{fa[0].end:g}")
        page.click("#citation-close")
        # A selection made without a mouse (touch handles, keyboard): no mouseup at all.
        page.evaluate(
            """() => { const ws = document.querySelectorAll('.row')[3].querySelectorAll('.fa .w');
            getSelection().setBaseAndExtent(ws[1].firstChild, 0, ws[2].firstChild,
              ws[2].textContent.length); }"""
        )
        page.wait_for_function(
            "document.getElementById('citation-link').value.includes("
            f"'#t={fa[2].words[1].start:g},')",
            timeout=5000,
        )
        assert page.input_value("#citation-link").endswith(f",{fa[2].words[2].end:g}")


def test_space_and_arrows_after_clicking_a_time(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        page.locator(".row:not(.heads) .time").nth(2).click()
        assert current_time(page) == pytest.approx(fa[2].start, abs=0.02)
        page.keyboard.press("ArrowRight")
        assert current_time(page) == pytest.approx(fa[2].start + 5, abs=0.02)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert current_time(page) == pytest.approx(fa[2].start - 5, abs=0.02)
        page.keyboard.press(" ")
        page.wait_for_function("!document.getElementById('audio').paused")
        page.keyboard.press(" ")
        page.wait_for_function("document.getElementById('audio').paused")
        # Space played and paused; it did not click the time again (which would seek back).
        assert fa[2].start - 5 <= current_time(page) < fa[2].start - 4


def test_waveform_is_a_labelled_slider(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        slider = page.get_by_role("slider")
        assert "click" not in slider.get_attribute("aria-label").lower()
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        assert current_time(page) == pytest.approx(10, abs=0.02)
        assert slider.get_attribute("aria-valuenow") == "10"
        assert slider.get_attribute("aria-valuetext").startswith("0:10 of ")
        page.keyboard.press("End")
        assert current_time(page) == pytest.approx(
            page.evaluate("document.getElementById('audio').duration"), abs=0.05
        )
        page.keyboard.press("Home")
        assert current_time(page) == 0


def test_search_hits_are_announced_and_reachable(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    # A phone: the hit's row starts out of sight, so reaching it needs the scroll.
    with browsing(browser, PHONE[1], PHONE[2], reduced_motion="reduce") as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        page.fill("#search", "حياط")
        page.wait_for_selector(".search-hit button")
        count = page.locator("#search-count")
        assert count.get_attribute("role") == "status"  # a live region
        assert count.inner_text() == "1 match."
        page.focus("#search")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('.search-hit') !== null")
        page.keyboard.press("Enter")  # paused: seeks and brings the row into sight
        assert current_time(page) == pytest.approx(fa[3].start, abs=0.02)
        page.wait_for_function(f"({UNCOVERED})('.row.current .fa .w') === 'ok'", timeout=5000)
        page.fill("#search", "zzzz")
        page.wait_for_function("document.getElementById('search-count').textContent.includes('No')")


def test_where_am_i_reads_the_current_passage(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}#t={fa[1].start}")
        page.click("#where")
        page.wait_for_function("document.getElementById('status').textContent.includes('of')")
        said = page.locator("#status").inner_text()
        assert page.locator("#status").get_attribute("role") == "status"
        assert FA_LINES[1] in said and EN_LINES[1] in said
        assert said.startswith(f"0:{int(fa[1].start):02d} of ")


def test_reduced_motion_scrolls_without_animation(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    jump = """() => { window.scrollTo(0, 0); document.getElementById('follow').hidden = false;
        document.getElementById('follow').click(); return window.scrollY; }"""
    fa = segments(player_archive)
    for motion, moved_at_once in (("reduce", True), ("no-preference", False)):
        with browsing(browser, ZOOM_200[1], reduced_motion=motion) as page:
            open_player(page, f"{server.url}/r/{rec.id}#t={fa[3].start}")
            assert (page.evaluate(jump) > 0) is moved_at_once, motion


def test_highlights_survive_forced_colors(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    with browsing(browser, forced_colors="active") as page:
        open_player(page, f"{server.url}/r/{rec.id}#t={fa[2].start},{fa[2].end}")
        page.wait_for_selector(".row .fa .w.active")
        for sel in (".row .fa .w.active", ".row.current", ".row .fa .quote:not(.active)"):
            style = page.evaluate(
                f"(() => {{ const s = getComputedStyle(document.querySelector('{sel}'));"
                "return [s.outlineStyle, s.outlineWidth]; })()"
            )
            assert style[0] != "none" and style[1] != "0px", (sel, style)


def test_labels_and_headings(browser, server, player_archive):  # noqa: F811
    with browsing(browser) as page:
        page.goto(server.url)
        assert page.locator("h1").inner_text()
        open_player(page, f"{server.url}/r/{player_archive[1].id}")
        assert page.get_by_label("Citation text").count() == 1


# --- correctness ----------------------------------------------------------------------------------


# Row starts that the media clock cannot land on: Chromium keeps time in whole microseconds and
# truncates, so 16.56 s (16559999.999... us) becomes 16.559999 s, a hair before the row begins.
SHORT_LANDING_STARTS = [1.001, 4.193, 8.386, 16.002]


@pytest.fixture(scope="module")
def short_landing(fa_speech, tmp_path_factory):
    """(LiveServer, Recording): the test speech with its rows starting at SHORT_LANDING_STARTS."""
    from conftest import build_player_archive

    from navar.synthetic import SpokenLine

    wav, spans = fa_speech
    ends = [*(s - 0.05 for s in SHORT_LANDING_STARTS[1:]), min(spans[-1].end, 17.3)]
    moved = [
        SpokenLine(sp.text, start, end)
        for sp, start, end in zip(spans, SHORT_LANDING_STARTS, ends, strict=True)
    ]
    root = tmp_path_factory.mktemp("short-landing")
    archive, rec = build_player_archive(root / "archive", (wav, moved))
    live = LiveServer(archive.root, root / "cache")
    yield live, rec
    live.close()


@pytest.mark.parametrize("how", ["time button", "first word", "permalink"])
def test_seeking_to_a_row_start_lights_that_row(browser, short_landing, how):  # noqa: F811
    server, rec = short_landing
    with browsing(browser) as page:
        for i in (1, 2, 3):
            start = SHORT_LANDING_STARTS[i]
            if how == "permalink":
                open_player(page, f"{server.url}/r/{rec.id}#t={start}")
                page.wait_for_function(
                    f"Math.abs(document.getElementById('audio').currentTime - {start}) < 0.01"
                )
            elif how == "time button":
                open_player(page, f"{server.url}/r/{rec.id}")
                page.locator(".row:not(.heads) .time").nth(i).click()
            else:
                open_player(page, f"{server.url}/r/{rec.id}")
                page.locator(".row").nth(i + 1).locator(".fa .w").first.click()
            # The premise: the audio really is a hair short of the row's start.
            assert start - 0.001 < current_time(page) < start
            page.wait_for_selector(".row .fa .w.active")
            assert page.locator(".row.current .fa").inner_text().split() == FA_LINES[i].split()
            assert page.locator(".row .fa .w.active").inner_text() == FA_LINES[i].split()[0]


def test_one_clock_for_front_page_and_player(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    values = [0, 0.4, 24.97, 59.999, 61.5, 3599.99, 3600.4, 3725.2]
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        shown = page.evaluate(f"{values}.map(v => window.navarPlayer.clock(v))")
        assert shown == [i18n.clock(v) for v in values]
        assert i18n.clock(24.97) == "0:24"
        # A front-page hit and the player's row show the same time for the same words.
        page.goto(f"{server.url}/?q=" + "حقیقت را بنویسیم")
        front = page.locator(".hits .time").first.inner_text()
        assert front == i18n.clock(segments(player_archive)[2].start)
        page.locator(".hits a").first.click()
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator(".row:not(.heads) .time").nth(2).inner_text() == front


NORMALISATION_CASES = [
    "هیئت",
    "هیأت",
    "هیات",
    "مسئله",
    "مسأله",
    "پائیز",
    "رئیس",
    "اجزاء",
    "جزئی",
    "می‌خواهم",
    "كتاب علي",
    "مَدرِسه",
    "۱۳۶۷ ١٣٦٧",
    "«سلام»، دنیا!",
    "بچه‌ها در حياط",
    "The Greatest CRIME.",
    "ئ",
    "هیـئت",
    "هیئَت",
    "شیئ‌ها",
    "۱ئ۲",
    "_ئ_",
    "aئb",
    "جزء",
]


def test_browser_normalisation_is_the_python_one(browser, server, player_archive):  # noqa: F811
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{player_archive[1].id}")
        js = page.evaluate("(xs) => xs.map(x => NavarText.normalize(x))", NORMALISATION_CASES)
        assert js == [normalize(x) for x in NORMALISATION_CASES]
        assert normalize("هیات") == normalize("هیئت") == normalize("هیأت")


def test_track_menus_go_into_the_address(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        page.select_option("#secondary-track", "en.mt")
        assert "en=en.mt" in page.url and "fa=fa.asr" in page.url
        page.select_option("#secondary-track", "")
        assert re.search(r"[?&]en=(&|$)", page.url)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        assert page.input_value("#secondary-track") == ""
        assert page.locator(".row .en").first.inner_text() == ""


def test_copied_message_clears(browser, server, player_archive):  # noqa: F811
    with browsing(browser, permissions=["clipboard-read", "clipboard-write"]) as page:
        open_player(page, f"{server.url}/r/{player_archive[1].id}")
        page.locator(".row .fa .w").first.focus()
        page.keyboard.press("c")
        page.wait_for_selector("#citation:not([hidden])")
        page.click("#citation-copy")
        page.wait_for_function("document.getElementById('status').textContent !== ''")
        assert page.locator("#status").inner_text() == "Citation copied."
        page.wait_for_function("document.getElementById('status').textContent === ''", timeout=8000)


def test_favicon_is_served(browser, server, player_archive):  # noqa: F811
    with browsing(browser) as page:  # any 404 fails the test
        page.goto(server.url)
        href = page.get_attribute("link[rel=icon]", "href")
        assert page.request.get(server.url + href).status == 200


# --- Persian interface ----------------------------------------------------------------------------


def test_persian_interface_from_the_browser_language(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    fa = segments(player_archive)
    with browsing(browser, locale="fa-IR") as page:
        page.goto(server.url)
        assert page.evaluate("[document.documentElement.lang, document.dir]") == ["fa", "rtl"]
        assert page.locator("label[for=q]").inner_text() == i18n.STRINGS["fa"]["search_all"]
        assert page.locator("h1").inner_text() == i18n.STRINGS["fa"]["archive_heading"]
        # Dates and durations in Persian digits.
        assert re.fullmatch("[۰-۹]{4}-[۰-۹]{2}-[۰-۹]{2}", page.locator("time").first.inner_text())
        assert re.fullmatch("[۰-۹]+:[۰-۹]{2}", page.locator(".recordings td").nth(1).inner_text())
        open_player(page, f"{server.url}/r/{rec.id}#t={fa[2].start}")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        # Times and counts in Persian digits; the Persian column next to the times (on the right).
        assert page.locator(".row:not(.heads) .time").nth(2).inner_text() == i18n.clock(
            fa[2].start, "fa"
        )
        assert re.fullmatch(
            "[۰-۹]+:[۰-۹]{2}", page.locator(".row:not(.heads) .time").nth(2).inner_text()
        )
        time_box = page.locator(".row:not(.heads) .time").nth(2).bounding_box()
        fa_box = page.locator(".row .fa").nth(1).bounding_box()
        en_box = page.locator(".row .en").nth(1).bounding_box()
        assert time_box["x"] > fa_box["x"] > en_box["x"]
        assert "رونویسی ماشینی" in page.locator(".row.heads").inner_text()
        page.fill("#search", "حياط")
        page.wait_for_function(
            "document.getElementById('search-count').textContent === "
            f"{i18n.STRINGS['fa']['one_match']!r}"
        )
        assert (
            page.get_by_role("slider").get_attribute("aria-label")
            == (i18n.STRINGS["fa"]["waveform"])
        )
        # Arrows follow each text's own direction, not the page's: English still goes left to
        # right inside a right-to-left page.
        page.locator(".row .w[tabindex='0']").focus()
        page.keyboard.press("End")
        for _ in FA_LINES[3].split():
            page.keyboard.press("ArrowLeft")
        assert page.evaluate("document.activeElement.textContent") == EN_LINES[3]
        page.keyboard.press("ArrowLeft")  # left to right text: left goes back
        assert page.evaluate("document.activeElement.textContent") == FA_LINES[3].split()[-1]
        # Switch to English: kept for the next visit, and the place in the recording is kept.
        page.click(".ui-switch a")
        page.wait_for_selector("body[data-ready='1']")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.url.endswith(f"#t={fa[2].start}")
        page.goto(server.url)
        assert page.locator("label[for=q]").inner_text() == "Search every recording"


def test_playback_speed_is_remembered(browser, server, player_archive):  # noqa: F811
    rec = player_archive[1]
    with browsing(browser) as page:
        open_player(page, f"{server.url}/r/{rec.id}")
        page.select_option("#speed", "1.5")
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_function("document.getElementById('audio').readyState >= 1")
        assert page.input_value("#speed") == "1.5"
        assert page.evaluate("document.getElementById('audio').playbackRate") == 1.5


def test_phone_screenshot_in_persian(browser, server, player_archive):  # noqa: F811
    # docs/player-phone.png is this picture: refresh it from tests/artifacts when the look changes.
    rec = player_archive[1]
    seg = segments(player_archive)[2]
    with browsing(browser, PHONE[1], 2, locale="fa-IR", reduced_motion="reduce") as page:
        open_player(page, f"{server.url}/r/{rec.id}#t={seg.words[-3].start},{seg.end}")
        page.wait_for_function("window.navarPlayer.peaks !== null")
        page.locator(".row:not(.heads) .fa .w").nth(9).click()
        page.evaluate("document.fonts.ready")
        page.evaluate("window.scrollTo(0, 0)")  # the audio player in sight: no corner button
        page.locator("#mini-play").wait_for(state="hidden")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "player-phone.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
    committed = ROOT / "docs" / "player-phone.png"
    assert committed.is_file() and committed.stat().st_size > 20_000
