"""The player's quote box on a quote that joins words said in two places (a real Chromium, the
real model, real read speech through the worn cassette channel): no match, and the message
says where each part is said."""

from __future__ import annotations

import sys

import pytest
import test_player_browser as player_tests
from conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.shared_data]

browser = player_tests.browser
page = player_tests.page


@pytest.fixture(scope="module")
def worn(tmp_path_factory, model):
    """(archive, recording, spoken lines): bench/tapes.py's short worn tape, with the lines'
    text as the recogniser's track, each over its marked span."""
    sys.path.insert(0, str(ROOT / "bench"))
    import tapes

    from transcribe.archive import Archive
    from transcribe.transcript import Provenance, Segment, Track

    if not tapes.available():
        pytest.skip("needs ../shared/data/persian-read-speech")
    work = tmp_path_factory.mktemp("split-player")
    tape = tapes.build("short", "worn", work)
    archive = Archive(work / "archive")
    rec = archive.add(tape.wav, title="نوار فرسوده · worn tape").recording
    spoken = [x for x in tape.lines if x.start is not None]
    segs = [Segment(f"s{i}", x.start, x.end, x.text) for i, x in enumerate(spoken)]
    archive.save_track(Track("fa.asr", rec.id, "fa", "asr", Provenance(software="test"), segs))
    return archive, rec, spoken


@pytest.fixture(scope="module")
def server(worn, tmp_path_factory):
    from align.quotes import QuoteOptions

    # No sweep of the best window after the text candidate is refused (the default search ends
    # the same way here, with the same note, but encodes three times as many windows).
    options = QuoteOptions(sweep_gap=99.0)
    live = player_tests.LiveServer(
        worn[0].root, tmp_path_factory.mktemp("peaks"), {"QUOTE_OPTIONS": options}
    )
    yield live
    live.close()


def test_a_quote_joining_two_sentences_is_refused_and_both_places_named(page, server, worn):
    """The second sentence's first half and the fourth's second half. Where the first half is
    said, the second half's words are barely heard; they are heard well where the fourth
    sentence is (about 0:30). The server refuses the place and the player says so, in English
    and in Persian (Persian digits)."""
    archive, rec, spoken = worn
    a, b = spoken[1].text.split(), spoken[3].text.split()
    quote = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
    first = len(a) // 2 + 1  # the fourth sentence's half starts after the second's
    # Where that half is said, give or take: its share of the fourth sentence's span.
    at = int(spoken[3].start + (len(b) // 2) * (spoken[3].end - spoken[3].start) / len(b))
    rest = f"0:{int(spoken[1].start):02d}"
    for ui, refused in (("en", "Not said as quoted"), ("fa", "این‌گونه گفته نشده است")):
        player_tests.open_player(page, f"{server.url}/r/{rec.id}?ui={ui}")
        page.fill("#quote", quote)
        page.click("#quote-form button")
        page.wait_for_function(
            f"document.getElementById('status').textContent.includes({refused!r})",
            timeout=90_000,
        )
        message = page.text_content("#status")
        assert page.locator("#citation").is_hidden()
        if ui == "fa":  # the same message in Persian digits
            message = message.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
        assert f" {first} " in message or f" {first}–" in message, message
        assert any(f"0:{s:02d}" in message for s in range(at - 3, at + 4)), message
        assert rest in message, message


def test_a_quote_that_leaves_out_speech_between_its_words_is_refused_and_says_where(
    page, server, worn
):
    """The third sentence's first half and the fourth's second half, said one after the
    other: every word is heard in order, but seconds of speech between the halves are left
    out. The player says so and where that speech is, in English and in Persian."""
    archive, rec, spoken = worn
    a, b = spoken[2].text.split(), spoken[3].text.split()
    quote = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
    between = range(int(spoken[2].start), int(spoken[3].start) + 1)
    for ui, refused in (("en", "of other speech"), ("fa", "سخن دیگری")):
        player_tests.open_player(page, f"{server.url}/r/{rec.id}?ui={ui}")
        page.fill("#quote", quote)
        page.click("#quote-form button")
        page.wait_for_function(
            "document.getElementById('status').textContent.includes('"
            + ("Not said as quoted" if ui == "en" else "این‌گونه گفته نشده است")
            + "')",
            timeout=90_000,
        )
        message = page.text_content("#status")
        assert page.locator("#citation").is_hidden()
        if ui == "fa":
            message = message.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
        assert refused in message, message
        assert any(f"0:{s:02d}" in message for s in between), message
