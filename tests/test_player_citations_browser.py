"""The player's citations in a real Chromium: selections and the quote box never slice a sentence.

Uses the archive of test_citation_pairing: fa.reference with word times, and a human translation
timed only by sentence that renders the third Persian sentence with two lines.
"""

from __future__ import annotations

import pytest
import test_citation_pairing as pairing_tests
import test_player_browser as player_tests
from conftest import EN_LINES, FA_LINES

from align.citation import timestamp

pytestmark = pytest.mark.browser

# The same fixtures as the other player tests and the pairing tests.
browser = player_tests.browser
page = player_tests.page
split = pairing_tests.split
SPLIT = pairing_tests.SPLIT


@pytest.fixture(scope="module")
def server(split, tmp_path_factory):
    live = player_tests.LiveServer(split[0].root, tmp_path_factory.mktemp("peaks"))
    yield live
    live.close()


def open_player(page, server, rec):
    player_tests.open_player(page, f"{server.url}/r/{rec.id}")
    assert page.input_value("#primary-track") == "fa.reference"
    assert page.input_value("#secondary-track") == "en.reference-translation"


def drag_select(page, selector: str, index: int, a: int, b: int):
    """Select characters a..b of the index-th element's text with the mouse."""
    box = page.evaluate(
        """([sel, i, a, b]) => {
            const node = document.querySelectorAll(sel)[i].firstChild;
            const at = (k) => { const r = document.createRange(); r.setStart(node, k);
                r.setEnd(node, k + 1); return r.getBoundingClientRect(); };
            const s = at(a), e = at(b - 1);
            return {x0: s.left + 1, y0: s.top + s.height / 2, x1: e.right - 1,
                    y1: e.top + e.height / 2};
        }""",
        [selector, index, a, b],
    )
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=6)
    page.mouse.up()


def cited_span(page) -> tuple[float, float]:
    link = page.input_value("#citation-link")
    start, end = (float(x) for x in link.split("#t=")[1].split(","))
    return start, end


def test_selecting_part_of_the_translation_cites_that_phrase_in_its_sentence(page, server, split):
    archive, rec, ref, _ = split
    seg = ref.segments[2]
    open_player(page, server, rec)
    line = SPLIT[1]  # "that we must write down the truth."
    a = line.index("write")
    drag_select(page, ".row .en .seg", 3, a, a + len("write down"))
    page.wait_for_selector("#citation:not([hidden])")
    # The phrase is the quote; its span is the whole sentence, the only one known for it.
    assert page.inner_text("#citation-quote") == "write down"
    assert cited_span(page) == pytest.approx((seg.start, seg.end), abs=0.001)
    text = page.input_value("#citation-text")
    assert f"quoted from the sentences {timestamp(seg.start)}–{timestamp(seg.end)}" in text
    assert " ".join(SPLIT) in text and FA_LINES[2] in text
    clip = page.get_attribute("#citation-clip", "href")
    assert "quote=write+down" in clip and "track=en.reference-translation" in clip


def test_selecting_persian_words_cites_the_whole_english_sentence(page, server, split):
    archive, rec, ref, _ = split
    seg = ref.segments[1]
    open_player(page, server, rec)
    words = page.locator(".row .fa").nth(1).locator(".w")
    box_a, box_b = words.nth(0).bounding_box(), words.nth(2).bounding_box()
    # Right to left: the first word's right edge to the third word's left edge.
    page.mouse.move(box_a["x"] + box_a["width"] - 2, box_a["y"] + box_a["height"] / 2)
    page.mouse.down()
    page.mouse.move(box_b["x"] + 2, box_b["y"] + box_b["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_selector("#citation:not([hidden])")
    assert cited_span(page) == pytest.approx((seg.words[0].start, seg.words[2].end), abs=0.001)
    text = page.input_value("#citation-text")
    # Never the first few English words: the whole sentence, said to be the sentence.
    en_line = next(x for x in text.splitlines() if x.strip().startswith("en ("))
    assert en_line.endswith(EN_LINES[1])
    assert f"translation of the sentence {timestamp(seg.start)}–{timestamp(seg.end)}" in en_line


def test_quote_box_with_a_phrase_of_the_translation(page, server, split):
    archive, rec, ref, _ = split
    seg = ref.segments[2]
    open_player(page, server, rec)
    page.fill("#quote", "write down the truth")
    page.click("#quote-form button")
    page.wait_for_selector("#citation:not([hidden])")
    assert cited_span(page) == pytest.approx((seg.start, seg.end), abs=0.001)
    assert page.inner_text("#citation-quote") == "write down the truth."
    assert "quoted from the sentences" in page.input_value("#citation-text")


def test_quote_box_english_found_by_search_is_not_given_a_guessed_span(page, server, split):
    archive, rec, ref, _ = split
    seg = ref.segments[1]
    open_player(page, server, rec)
    # Not verbatim ("opens" -> "is open"), so the player asks the server's quote search.
    page.fill("#quote", "the city library is open every day at nine")
    page.click("#quote-form button")
    page.wait_for_selector("#citation:not([hidden])", timeout=15_000)
    assert cited_span(page) == pytest.approx((seg.start, seg.end), abs=0.001)
    text = page.input_value("#citation-text")
    assert "quoted from the sentence " in text and FA_LINES[1] in text
    clip = page.get_attribute("#citation-clip", "href")
    assert f"start={seg.start:g}" in clip and "track=en.reference-translation" in clip
