"""The player names the speaker at each turn, in both columns (real Chromium)."""

from __future__ import annotations

import pytest
from conftest import build_player_archive
from test_player_browser import LiveServer, browser, open_player  # noqa: F401 (fixture)

from transcribe.transcript import Speaker

pytestmark = pytest.mark.browser


def test_the_speakers_name_opens_each_turn_in_both_columns(browser, fa_speech, tmp_path):  # noqa: F811
    archive, rec = build_player_archive(tmp_path / "archive", fa_speech)
    rec.speakers = [Speaker("spk1", "مهدی بازرگان"), Speaker("spk2", "Ali")]
    archive.save_recording(rec)
    asr = archive.track(rec.id, "fa.asr")
    for seg, who in zip(asr.segments, ["spk1", "spk2", "spk1", "spk1"], strict=True):
        seg.speaker = who
    archive.save_track(asr)
    live = LiveServer(archive.root, tmp_path / "peaks")
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        open_player(page, f"{live.url}/r/{rec.id}?fa=fa.asr&en=en.mt")
        rows = page.locator("#transcript .row:not(.heads)")
        assert rows.count() == 4
        fa = [rows.nth(i).locator(".fa .speaker").all_inner_texts() for i in range(4)]
        en = [rows.nth(i).locator(".en .speaker").all_inner_texts() for i in range(4)]
        turns = [["مهدی بازرگان"], ["Ali"], ["مهدی بازرگان"], []]  # row 4: the same speaker
        assert fa == turns and en == turns
        # the name is outside the segment: the words and the citation text stay the speaker's
        assert rows.nth(1).locator(".fa .seg .speaker").count() == 0
    finally:
        context.close()
        live.close()
