"""The interface catalogue: every string the pages and the player use exists in each language."""

from __future__ import annotations

import re

from conftest import ROOT

from web import i18n

WEB = ROOT / "web"


def used_keys() -> set[str]:
    keys: set[str] = set()
    for tpl in (WEB / "templates").glob("*.html"):
        text = tpl.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\.([a-z_0-9]+)", text))
        keys |= set(re.findall(r"\bt\['([a-z_0-9-]+)'\]", text))
    for script in ("player.js", "editor.js"):
        js = (WEB / "static" / script).read_text(encoding="utf-8")
        keys |= set(re.findall(r"\btr\(\"([a-z_0-9]+)\"", js))
    return keys


def test_both_languages_have_every_string():
    en, fa = i18n.STRINGS["en"], i18n.STRINGS["fa"]
    assert set(en) == set(fa)
    assert all(v.strip() for v in [*en.values(), *fa.values()])
    used = used_keys()
    assert len(used) > 40  # the scan above does find the uses
    assert used <= set(en), sorted(used - set(en))
    # Placeholders match: a translation never drops the time or the count it is given.
    for k in en:
        assert set(re.findall(r"{\w+}", en[k])) == set(re.findall(r"{\w+}", fa[k])), k


def test_one_clock_rule_and_persian_digits():
    assert i18n.clock(24.97) == "0:24"  # elapsed whole seconds, as a media clock
    assert i18n.clock(3725.2) == "1:02:05"
    assert i18n.clock(24.97, "fa") == "۰:۲۴"
    assert i18n.day("2026-11-30T04:35:13Z", "fa") == "۲۰۲۶-۱۱-۳۰"


def test_language_from_the_browser_then_remembered(player_archive, tmp_path):
    from web.app import create_app

    app = create_app(player_archive[0].root, {"TESTING": True, "PEAKS_CACHE_DIR": tmp_path})
    client = app.test_client()
    page = client.get("/", headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"})
    assert '<html lang="fa" dir="rtl">' in page.text
    assert "Accept-Language" in page.headers["Vary"]
    page = client.get("/", headers={"Accept-Language": "de-DE,en;q=0.5"})
    assert '<html lang="en" dir="ltr">' in page.text
    page = client.get("/?ui=fa", headers={"Accept-Language": "en"})
    assert '<html lang="fa" dir="rtl">' in page.text
    assert "navar_ui=fa" in page.headers["Set-Cookie"]
    page = client.get("/", headers={"Accept-Language": "en"})  # the cookie wins now
    assert '<html lang="fa" dir="rtl">' in page.text
    assert 'href="?ui=en"' in page.text  # the switch back
    assert client.get("/?ui=xx", headers={"Accept-Language": "en"}).status_code == 200
    # The switch keeps the search, and never links off the site from a crafted path.
    page = client.get("/?q=%D8%B3%D9%84%D8%A7%D9%85&ui=en")
    assert 'href="?q=%D8%B3%D9%84%D8%A7%D9%85&amp;ui=fa"' in page.text
    page = client.get("/", environ_overrides={"PATH_INFO": "//evil.example/x"})
    assert "ui-switch" in page.text
    assert "evil.example" not in page.text.split("ui-switch")[1].split("</nav>")[0]
    # Error pages speak the reader's language too (their message comes from where they arose).
    page = app.test_client().get("/r/000000000000", headers={"Accept-Language": "fa"})
    assert page.status_code == 404
    assert i18n.STRINGS["fa"]["back_to_archive"] in page.text and "۴۰۴" in page.text
