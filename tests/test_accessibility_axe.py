"""axe-core (shipped inside axe-playwright-python, so it runs offline) audits every page the
reader sees: the front page with results, the player, and the player with a citation open, in
both interface languages, on a desktop window and on a phone. Any violation fails the test and
is printed: rule, impact, the elements and what axe says to fix.
"""

from __future__ import annotations

import pytest
from test_player_access import DESKTOP, PHONE, browsing, server  # noqa: F401
from test_player_browser import browser, open_player  # noqa: F401

pytestmark = pytest.mark.browser


def audit(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for v in results.response["violations"]:
        nodes = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        found.append(f"{v['id']} ({v['impact']}): {v['help']} -> {nodes}")
    return found


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("name,viewport,scale", [DESKTOP, PHONE])
def test_no_axe_violations(browser, server, player_archive, lang, name, viewport, scale):  # noqa: F811
    rec = player_archive[1]
    seg = player_archive[0].track(rec.id, "fa.asr").segments[2]
    found = {}
    with browsing(browser, viewport, scale, locale=lang) as page:
        page.goto(f"{server.url}/?q=" + "حقیقت")
        assert page.locator(".hits li").count() >= 1  # results are part of what is audited
        found["front page"] = audit(page)
        open_player(page, f"{server.url}/r/{rec.id}#t={seg.start},{seg.end}")
        page.wait_for_selector(".row .fa .w.active")
        page.fill("#search", "حقیقت")
        page.wait_for_selector(".search-hit button")
        found["player"] = audit(page)
        page.keyboard.press("Escape")
        page.locator(".row:not(.heads) .fa .w").first.click()
        page.keyboard.press("c")
        page.wait_for_selector("#citation:not([hidden])")
        found["player with a citation"] = audit(page)
    bad = {k: v for k, v in found.items() if v}
    for where, violations in bad.items():
        print(f"{where} ({lang}, {name}):", *violations, sep="\n  ")
    assert not bad, bad


def test_the_audit_sees_a_planted_violation(browser, server):  # noqa: F811
    # The audit above is only worth its pass if axe really runs here (offline, Debian chromium).
    with browsing(browser) as page:
        page.goto(server.url)
        page.evaluate("document.querySelector('main').append(document.createElement('input'))")
        assert any(v.startswith("label ") for v in audit(page))
