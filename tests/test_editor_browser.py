"""The editor (navar serve --edit) in a real headless Chromium, over a live server.

Correcting a misheard Persian word re-aligns it with the real model; splitting, merging,
speakers, a stale save, and writes without the secret, without the CSRF token or from another
origin are driven as a person (or another site) would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FA_LINES, MISHEARD, build_misheard_archive
from test_player_browser import LiveServer, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

SECRET = "browser-test-secret-" + "y" * 20
WRONG = MISHEARD
MARGIN = 0.5


class EditServer(LiveServer):
    """``navar serve --edit`` as the tests need it: a live server with editing on."""

    def __init__(self, archive_root: Path, cache: Path):
        super().__init__(archive_root, cache, {"EDIT_SECRET": SECRET})


@pytest.fixture
def edit_archive(tmp_path, fa_speech):
    """fa.asr at true times, but line 2 misheard and its words crammed into its first 0.2 s."""
    archive, rec = build_misheard_archive(tmp_path / "archive", fa_speech)
    return archive, rec, fa_speech[1]


@pytest.fixture
def live(edit_archive, tmp_path):
    server = EditServer(edit_archive[0].root, tmp_path / "peaks")
    yield server
    server.close()


@pytest.fixture
def contexts(browser):  # noqa: F811
    made = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, bypass_csp=True)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def editor_page(context, live, rec, name="مریم"):
    """A page logged in through the terminal's link, on the editor of ``rec``."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(f"{live.url}/edit/login?key={SECRET}")
    page.fill("#editor-name", name)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live.url}/edit/")
    page.goto(f"{live.url}/edit/r/{rec.id}")
    page.wait_for_selector("body[data-ready='1'][data-editor-ready='1']", timeout=15_000)
    return page


def row(page, sid):
    return page.locator(f"#edit-rows .edit-row[data-id='{sid}']")


def save_and_wait(page, n):
    page.click("#edit-save")
    page.wait_for_selector(f"body[data-saved='{n}']", timeout=90_000)


def test_correcting_a_persian_word_gives_it_new_times(contexts, live, edit_archive, model):
    archive, rec, spans = edit_archive
    old = archive.track(rec.id, "fa.asr").segment("s00002")
    page = editor_page(contexts(), live, rec)
    text = row(page, "s00002").locator("textarea.edit-text")
    assert text.get_attribute("dir") == "rtl" and text.get_attribute("lang") == "fa"
    text.fill(FA_LINES[1])  # ده -> نه
    save_and_wait(page, 1)
    assert "fa.reference" in page.locator("#edit-status").inner_text()
    # The row shows the corrected words with their new times, inside the segment's window.
    row(page, "s00002").locator(".edit-words summary").click()  # open "Word times"
    words = row(page, "s00002").locator(".edit-word")
    texts = [words.nth(i).locator(".word").inner_text() for i in range(words.count())]
    assert "".join(texts) == "".join(FA_LINES[1].split())
    starts = [float(words.nth(i).get_attribute("data-start")) for i in range(words.count())]
    ends = [float(words.nth(i).get_attribute("data-end")) for i in range(words.count())]
    assert all(
        old.start - MARGIN <= s <= e <= old.end + MARGIN for s, e in zip(starts, ends, strict=True)
    )
    assert ends[-1] - starts[0] >= 0.5 * (spans[1].end - spans[1].start)  # no longer crammed
    assert ends[-1] > old.words[-1].end + 0.5
    # The same times are in the archive, saved by the name given at login.
    ref = archive.track(rec.id, "fa.reference")
    assert [w.start for w in ref.segment("s00002").words] == starts
    assert ref.provenance.settings["editor"] == "مریم"
    assert ref.segment("s00001") == archive.track(rec.id, "fa.asr").segment("s00001")
    # The player beside it now shows the human track with the corrected word.
    page.wait_for_function("document.getElementById('primary-track').value === 'fa.reference'")
    page.wait_for_function(
        "[...document.querySelectorAll('#transcript .row .fa')].some("
        "n => n.textContent.includes('ساعت نه صبح'))"
    )
    assert not page.errors, page.errors


def test_typing_habits_zwnj_persian_digits_and_transport_keys(contexts, live, edit_archive):
    archive, rec, _ = edit_archive
    page = editor_page(contexts(), live, rec)
    text = row(page, "s00004").locator("textarea.edit-text")
    text.fill("")
    text.press_sequentially("می")
    text.press("Shift+Space")
    text.press_sequentially("روم 12")
    text.press("Control+Shift+2")
    text.press_sequentially("ك")
    assert text.input_value() == "می\u200cروم ۱۲\u200cک"
    page.evaluate("document.getElementById('audio').currentTime = 10")
    text.press("F7")
    assert page.evaluate("document.getElementById('audio').currentTime") == pytest.approx(
        7, abs=0.3
    )
    assert page.evaluate("document.getElementById('audio').paused")
    text.press("Escape")
    page.wait_for_function("!document.getElementById('audio').paused")
    text.press("Control+Space")
    page.wait_for_function("document.getElementById('audio').paused")
    assert text.input_value() == "می\u200cروم ۱۲\u200cک"  # the keys did not type into the text
    assert not archive.has_track(rec.id, "fa.reference")  # nothing saved without Save


def test_split_merge_speakers_and_what_changed(contexts, live, edit_archive, model):
    archive, rec, _ = edit_archive
    page = editor_page(contexts(), live, rec)
    third = FA_LINES[2].split()
    row(page, "s00001").locator(".edit-speaker").fill("مهدی بازرگان")
    row(page, "s00002").locator(".edit-speaker").fill("Ali")
    caret = len(" ".join(third[:4]))
    row(page, "s00003").locator("textarea").evaluate(f"t => t.setSelectionRange({caret}, {caret})")
    row(page, "s00003").locator(".edit-split").click()
    rows = page.locator("#edit-rows .edit-row")
    assert rows.count() == 5
    assert rows.nth(3).locator("textarea").input_value() == " ".join(third[4:])
    save_and_wait(page, 1)
    ref = archive.track(rec.id, "fa.reference")
    assert [s.id for s in ref.segments] == ["s00001", "s00002", "s00003", "s00003-1", "s00004"]
    names = {s.id: s.name for s in archive.recording(rec.id).speakers}
    assert [names.get(s.speaker) for s in ref.segments] == [
        "مهدی بازرگان", "Ali", None, None, None
    ]  # fmt: skip
    a, b = ref.segment("s00003"), ref.segment("s00003-1")
    assert a.text == " ".join(third[:4]) and b.text == " ".join(third[4:])
    assert a.words and b.words and a.end <= b.start + 1e-3
    assert row(page, "s00002").locator(".edit-speaker").input_value() == "Ali"

    # Merge the second half of the split with the last line, and drop one word of it.
    row(page, "s00003-1").locator(".edit-merge").click()
    assert rows.count() == 4
    merged = row(page, "s00003-1").locator("textarea")
    expected = " ".join(third[4:]) + " " + FA_LINES[3]
    assert merged.input_value() == expected
    merged.fill(expected.replace(" مدرسه", ""))
    save_and_wait(page, 2)
    v2 = archive.track(rec.id, "fa.reference")
    assert v2.version == 2
    assert [s.id for s in v2.segments] == ["s00001", "s00002", "s00003", "s00003-1"]
    assert v2.segment("s00003-1").text == expected.replace(" مدرسه", "")
    assert v2.segment("s00002") == ref.segment("s00002")  # unchanged: kept exactly
    assert len(archive.versions(rec.id, "fa.reference")) == 1

    # What changed between version 1 and now: the dropped word, marked in words, not colour.
    page.wait_for_function("document.getElementById('diff-from').options.length === 2")
    page.click("#edit-diff .diff-show")
    removed = page.locator("#diff-out del")
    removed.first.wait_for()
    assert removed.count() == 1 and "مدرسه" in removed.inner_text()
    assert removed.locator(".visually-hidden").inner_text().strip() == "removed:"
    assert page.locator("#diff-out ins").count() == 0
    assert "added: 0; removed: 1" in page.locator("#diff-out .diff-counts").inner_text()
    # Unchanged words are shown only beside the change: not the whole transcript.
    shown = page.locator("#diff-out .diff-text").inner_text()
    assert "…" in shown and FA_LINES[0] not in shown
    assert not page.errors, page.errors


def test_a_stale_save_is_refused_and_the_text_kept(contexts, live, edit_archive):
    archive, rec, _ = edit_archive
    first = editor_page(contexts(), live, rec, name="Ali")
    second = editor_page(contexts(), live, rec, name="Reza")
    row(first, "s00001").locator(".edit-speaker").fill("مهدی بازرگان")
    save_and_wait(first, 1)  # a speaker only: nothing to align
    mine = "متن تازه‌ای که رضا نوشت و نباید گم شود"
    text = row(second, "s00002").locator("textarea")
    text.fill(mine)
    second.click("#edit-save")
    alert = second.locator("#edit-alert")
    alert.wait_for()
    second.wait_for_function("document.getElementById('edit-alert').textContent.length > 0")
    assert "Not saved" in alert.inner_text() and "saved by Ali" in alert.inner_text()
    assert text.input_value() == mine  # still on the page
    assert second.locator("#edit-yours").is_visible()
    assert mine in second.locator("#edit-yours textarea").input_value()
    ref = archive.track(rec.id, "fa.reference")
    assert ref.version == 1 and ref.provenance.settings["editor"] == "Ali"
    assert ref.segment("s00002").text == WRONG


def test_writes_without_the_secret_token_or_from_another_origin_are_refused(
    contexts, live, edit_archive, tmp_path
):
    archive, rec, _ = edit_archive
    save_url = f"{live.url}/api/edit/recordings/{rec.id}/tracks/fa.asr"
    post = """async ([url, token]) => {
        const headers = {"Content-Type": "application/json"};
        if (token) headers["X-CSRF-Token"] = token;
        const r = await fetch(url, {method: "POST", headers, credentials: "same-origin",
            body: JSON.stringify({digest: "x", target_digest: null,
                                  rows: [{ids: ["s00001"], text: "نوشته"}]})});
        return [r.status, (await r.json()).error];
    }"""
    # Without the secret: a visitor of the same server, never logged in.
    stranger = contexts().new_page()
    stranger.goto(f"{live.url}/r/{rec.id}")
    status, error = stranger.evaluate(post, [save_url, "any-token"])
    assert status == 403 and "login link" in error
    # Logged in, but without the page's CSRF token.
    page = editor_page(contexts(), live, rec)
    status, error = page.evaluate(post, [save_url, None])
    assert status == 403 and "security token" in error
    # From another site (another origin): a form posted at the editor, as a CSRF attack would.
    other = LiveServer(archive.root, tmp_path / "peaks-other")  # another port: another origin
    try:
        evil = page.context.new_page()
        evil.goto(f"{other.url}/")
        with evil.expect_navigation():
            evil.evaluate(
                """url => { const f = document.createElement("form"); f.method = "POST";
                f.action = url; f.enctype = "text/plain";
                const i = document.createElement("input"); i.name = '{"rows":[]}'; f.append(i);
                document.body.append(f); f.submit(); }""",
                save_url,
            )
        answer = json.loads(evil.locator("body").inner_text())  # the API's error, as JSON
        assert answer["status"] == 403 and "origin" in answer["error"]
    finally:
        other.close()
    assert not archive.has_track(rec.id, "fa.reference")


def test_the_read_only_server_refuses_every_editor_route(contexts, edit_archive, live, tmp_path):
    archive, rec, _ = edit_archive
    read_only = LiveServer(archive.root, tmp_path / "peaks-ro")
    try:
        request = contexts().request
        routes = [r for r in live.app.url_map.iter_rules() if r.endpoint.startswith("editing.")]
        assert len(routes) >= 8
        for rule in routes:
            path = rule.rule.replace("<rec_id>", rec.id).replace("<track_id>", "fa.asr")
            url = f"{read_only.url}{path}?key={SECRET}"
            for method in ("GET", "POST"):
                response = request.fetch(url, method=method, max_redirects=0,
                                         headers={"Origin": read_only.url})  # fmt: skip
                assert response.status in (404, 405), (method, path, response.status)
    finally:
        read_only.close()
    assert not archive.has_track(rec.id, "fa.reference")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_editor_passes_axe_in_both_interface_languages(browser, live, edit_archive, lang):  # noqa: F811
    from test_accessibility_axe import audit

    archive, rec, _ = edit_archive
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, bypass_csp=True,
                                  locale=lang)  # fmt: skip
    try:
        page = context.new_page()
        page.goto(f"{live.url}/edit/login?key={SECRET}")
        found = {"login": audit(page)}
        page.fill("#editor-name", "مریم")
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live.url}/edit/")
        found["recordings to edit"] = audit(page)
        page.goto(f"{live.url}/edit/r/{rec.id}")
        page.wait_for_selector("body[data-ready='1'][data-editor-ready='1']", timeout=15_000)
        row(page, "s00001").locator(".edit-speaker").fill("Ali")
        save_and_wait(page, 1)
        row(page, "s00002").locator(".edit-speaker").fill("Reza")
        save_and_wait(page, 2)
        page.click("#edit-diff .diff-show")
        page.locator("#diff-out .diff-counts").wait_for()
        row(page, "s00001").locator(".edit-words summary").click()
        found["editor"] = audit(page)
    finally:
        context.close()
    bad = {k: v for k, v in found.items() if v}
    assert not bad, bad


def test_dragging_a_segments_edge_on_the_waveform_moves_it(contexts, live, edit_archive):
    archive, rec, _ = edit_archive
    old = archive.track(rec.id, "fa.asr").segment("s00003")
    page = editor_page(contexts(), live, rec)
    row(page, "s00003").locator("textarea").focus()
    start = page.locator("#edit-span .edge-start")
    start.wait_for()
    assert start.get_attribute("aria-label") == "Start of segment s00003"
    assert float(start.get_attribute("aria-valuenow")) == old.start
    box = page.locator("#waveform").bounding_box()
    duration = page.evaluate("document.getElementById('audio').duration")
    handle = start.bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y, steps=4)  # earlier: the recogniser clipped the first word
    page.mouse.up()
    moved = float(start.get_attribute("aria-valuenow"))
    assert moved == pytest.approx(old.start - 40 / box["width"] * duration, abs=0.05)
    end = page.locator("#edit-span .edge-end")
    end.focus()
    end.press("ArrowRight")  # the keyboard way: 0.1 s later
    assert float(end.get_attribute("aria-valuenow")) == pytest.approx(old.end + 0.1, abs=1e-6)
    save_and_wait(page, 1)  # the words did not change: no alignment, only the edges
    seg = archive.track(rec.id, "fa.reference").segment("s00003")
    assert (seg.start, seg.end) == pytest.approx((moved, old.end + 0.1), abs=1e-3)
    assert "edges-edited" in seg.flags and [w.text for w in seg.words] == old.text.split()
    assert not page.errors, page.errors
