"""The interface in English and Persian: one catalogue of strings, the choice of language, and
the formatting of numbers, times and dates for each.

The language is chosen by ``?ui=fa|en`` (then remembered in a cookie), else the cookie, else the
browser's Accept-Language. Templates get ``t`` (this language's strings), ``ui_lang``,
``ui_dir`` and the ``clock``/``digits``/``day`` helpers; the player's script gets the same
strings as JSON, so every word on screen comes from here. Transcript text is never translated.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import Flask, g, request

LANGUAGES = ("en", "fa")
DEFAULT = "en"
COOKIE = "navar_ui"
COOKIE_MAX_AGE = 365 * 24 * 3600
NAMES = {"en": "English", "fa": "فارسی"}
RTL = {"fa"}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "tagline": "testimony recordings, transcribed and citable",
        "language_switch": "Interface language",
        "archive": "Archive",
        "archive_heading": "Testimony recordings",
        "search_all": "Search every recording",
        "search": "Search",
        "search_results": "Search results",
        "results_for": "Results for",
        "nothing_found": "Nothing found.",
        "untimed": "untimed",
        "recordings": "Recordings",
        "empty_archive": "The archive is empty. Add a recording with navar add FILE, or build "
        "the demo with navar demo.",
        "col_title": "Title",
        "col_duration": "Duration",
        "col_languages": "Languages",
        "col_tracks": "Tracks",
        "col_added": "Added",
        "machine": "machine",
        "player": "Player",
        "audio": "Audio of the recording",
        "waveform": "Position in the recording",
        "position_of": "{t} of {d}",
        "speed": "Speed",
        "track_primary": "Persian",
        "track_secondary": "English",
        "track_none": "none",
        "not_timed": "not yet in time",
        "key_help": "space: play/pause · ←/→: 5 s · in the transcript: arrows move, Enter goes "
        "there, C cites",
        "where_am_i": "Where am I?",
        "where_text": "{t} of {d}. {text}",
        "where_nothing": "{t} of {d}. Nothing is being said here.",
        "search_recording": "Search this recording",
        "search_placeholder": "جستجو · search",
        "quote_label": "Cite a quote",
        "quote_placeholder": "paste the words to cite",
        "find": "Find",
        "citation": "Citation",
        "permalink": "Permalink",
        "citation_text": "Citation text",
        "copy_citation": "Copy citation",
        "download_clip": "Download the clip",
        "close": "Close",
        "cite_passage": "Cite this passage",
        "follow": "Back to the current passage",
        "play": "Play",
        "pause": "Pause",
        "transcript": "Transcript",
        "loading": "Loading the transcript…",
        "no_transcript": "This recording has no transcript yet.",
        "load_failed": "The transcript could not be loaded ({error}).",
        "downloads": "Downloads",
        "original_audio": "Original audio",
        "machine_output": "machine output: check against the audio",
        "copied": "Citation copied.",
        "searching_audio": "Not in the transcript as written; searching the audio (this can "
        "take a while)…",
        "quote_not_found": "The quote was not found.",
        "quote_not_found_why": "The quote was not found ({error}).",
        "quote_split": "Not said as quoted: words {first}–{last} are said at {at}, the rest at "
        "{here}.",
        "quote_apart": "Not said as quoted: between its words {first} and {last}, about "
        "{seconds} s of other speech ({at}) that the quote leaves out.",
        "no_match": "No match in this transcript.",
        "matches": "{n} matches.",
        "one_match": "1 match.",
        "matches_capped": "{n} matches; first {max} shown.",
        "kind_asr": "machine transcription",
        "kind_mt": "machine translation",
        "kind_reference": "human transcript",
        "kind_reference-translation": "human translation",
        "back_to_archive": "Back to the archive",
        "skip_to_transcript": "Skip to the transcript",
        "sha256": "SHA-256",
        # Used by pages merged from other branches (unreadable files, refused citations).
        "nothing_to_cite": "Nothing to cite: {error}",
        "could_not_be_read": "could not be read",
        "unreadable_heading": "Could not be read",
        "unreadable_intro": "These recordings are left out until their files are repaired (the "
        "server's log says more):",
        # The editor (navar serve --edit; web/editing.py, web/static/editor.js).
        "edit_login_title": "Log in to correct transcripts",
        "edit_login_why": "Your name is written into the record of every change you save.",
        "edit_your_name": "Your name",
        "edit_login": "Log in",
        "edit_logout": "Log out",
        "edit_heading": "Correct the transcript",
        "edit_signed_in": "Editing as",
        "edit_track": "Track to correct",
        "edit_keys": "While typing: Esc or Ctrl+Space play/pause · F7/F8 back/forward 3 s · "
        "Shift+Space or Ctrl+Shift+2 ZWNJ · Ctrl+Enter split at the cursor · Ctrl+S save",
        "edit_save": "Save",
        "edit_saving": "Saving and aligning the changed segments…",
        "edit_saved": "Saved as {track} version {version}; segments aligned again: {changed}.",
        "edit_save_failed": "Not saved ({error}); your text is still here.",
        "edit_unsaved": "Unsaved changes.",
        "edit_yours": "Your text (not saved)",
        "edit_open_newest": "Open the newest version (copy your text first)",
        "edit_new_part": "new",
        "edit_play_segment": "Play this segment",
        "edit_start_earlier": "start −0.1 s",
        "edit_start_later": "start +0.1 s",
        "edit_end_earlier": "end −0.1 s",
        "edit_end_later": "end +0.1 s",
        "edit_speaker": "Speaker",
        "edit_segment_text": "Text of segment {id}",
        "edit_split": "Split at the cursor",
        "edit_merge": "Merge with the next",
        "edit_mark": "Mark {mark}",
        "edit_split_where": "Put the cursor between two words to split there.",
        "edit_word_times": "Word times",
        "edit_edge_start": "Start of segment {id}",
        "edit_edge_end": "End of segment {id}",
        "diff_heading": "What changed",
        "diff_from": "From",
        "diff_to": "to",
        "diff_show": "Show the changes",
        "diff_current": "current",
        "diff_version": "version {n}",
        "diff_counts": "Words added: {added}; removed: {removed}.",
        "diff_added": "added:",
        "diff_removed": "removed:",
    },
    "fa": {
        "tagline": "نوارهای گواهی، رونویسی‌شده و قابل استناد",
        "language_switch": "زبان رابط",
        "archive": "بایگانی",
        "archive_heading": "نوارهای گواهی",
        "search_all": "جستجو در همهٔ نوارها",
        "search": "جستجو",
        "search_results": "نتیجه‌های جستجو",
        "results_for": "نتیجه‌ها برای",
        "nothing_found": "چیزی پیدا نشد.",
        "untimed": "بی‌زمان",
        "recordings": "نوارها",
        "empty_archive": "بایگانی خالی است. با navar add FILE نواری بیفزایید، یا با navar demo "
        "نمونه را بسازید.",
        "col_title": "عنوان",
        "col_duration": "مدت",
        "col_languages": "زبان‌ها",
        "col_tracks": "متن‌ها",
        "col_added": "افزوده",
        "machine": "ماشینی",
        "player": "پخش‌کننده",
        "audio": "صدای نوار",
        "waveform": "جای پخش در نوار",
        "position_of": "{t} از {d}",
        "speed": "سرعت",
        "track_primary": "فارسی",
        "track_secondary": "انگلیسی",
        "track_none": "هیچ",
        "not_timed": "هنوز زمان‌بندی نشده",
        "key_help": "فاصله: پخش/توقف · ←/→: ۵ ثانیه · در متن: پیکان‌ها جابه‌جا می‌کنند، Enter به "
        "همان‌جا می‌رود، C استناد می‌سازد",
        "where_am_i": "کجا هستم؟",
        "where_text": "{t} از {d}. {text}",
        "where_nothing": "{t} از {d}. اینجا کسی حرف نمی‌زند.",
        "search_recording": "جستجو در این نوار",
        "search_placeholder": "جستجو · search",
        "quote_label": "استناد به یک نقل‌قول",
        "quote_placeholder": "واژه‌های نقل‌قول را اینجا بگذارید",
        "find": "یافتن",
        "citation": "استناد",
        "permalink": "پیوند پایدار",
        "citation_text": "متن استناد",
        "copy_citation": "رونوشت استناد",
        "download_clip": "بارگیری تکهٔ صدا",
        "close": "بستن",
        "cite_passage": "استناد به این بخش",
        "follow": "بازگشت به بخش در حال پخش",
        "play": "پخش",
        "pause": "توقف",
        "transcript": "متن",
        "loading": "بارگذاری متن…",
        "no_transcript": "این نوار هنوز متنی ندارد.",
        "load_failed": "متن بارگذاری نشد ({error}).",
        "downloads": "بارگیری‌ها",
        "original_audio": "صدای اصلی",
        "machine_output": "خروجی ماشینی: با صدا بسنجید",
        "copied": "استناد رونوشت شد.",
        "searching_audio": "در متن نوشته‌شده نیست؛ جستجو در خود صدا (ممکن است طول بکشد)…",
        "quote_not_found": "نقل‌قول پیدا نشد.",
        "quote_not_found_why": "نقل‌قول پیدا نشد ({error}).",
        "quote_split": "این نقل‌قول این‌گونه گفته نشده است: واژه‌های {first} تا {last} در {at} "
        "گفته شده‌اند و بقیه در {here}.",
        "quote_apart": "این نقل‌قول این‌گونه گفته نشده است: میان واژه‌های {first} و {last} حدود "
        "{seconds} ثانیه سخن دیگری ({at}) هست که در نقل‌قول نیامده است.",
        "no_match": "در این متن پیدا نشد.",
        "matches": "{n} مورد پیدا شد.",
        "one_match": "۱ مورد پیدا شد.",
        "matches_capped": "{n} مورد پیدا شد؛ {max} مورد نخست نمایش داده شده.",
        "kind_asr": "رونویسی ماشینی",
        "kind_mt": "ترجمهٔ ماشینی",
        "kind_reference": "رونویسی انسانی",
        "kind_reference-translation": "ترجمهٔ انسانی",
        "back_to_archive": "بازگشت به بایگانی",
        "skip_to_transcript": "پرش به متن",
        "sha256": "SHA-256",
        "nothing_to_cite": "چیزی برای استناد نیست: {error}",
        "could_not_be_read": "خوانده نشد",
        "unreadable_heading": "خوانده نشد",
        "unreadable_intro": "این نوارها تا پرونده‌هایشان درست نشده کنار گذاشته شده‌اند (گزارش "
        "کارساز بیشتر می‌گوید):",
        "edit_login_title": "ورود برای درست کردن متن‌ها",
        "edit_login_why": "نام شما در پیشینهٔ هر تغییری که ذخیره می‌کنید نوشته می‌شود.",
        "edit_your_name": "نام شما",
        "edit_login": "ورود",
        "edit_logout": "خروج",
        "edit_heading": "درست کردن متن",
        "edit_signed_in": "ویرایش به نام",
        "edit_track": "متنی که درست می‌شود",
        "edit_keys": "هنگام نوشتن: Esc یا Ctrl+Space پخش/مکث · F7/F8 سه ثانیه عقب/جلو · "
        "Shift+Space یا Ctrl+Shift+2 نیم‌فاصله · Ctrl+Enter شکستن در جای نشانگر · Ctrl+S ذخیره",
        "edit_save": "ذخیره",
        "edit_saving": "ذخیره و هم‌زمان‌سازی بخش‌های تغییرکرده…",
        "edit_saved": "به نام {track} نسخهٔ {version} ذخیره شد؛ بخش‌های دوباره هم‌زمان‌شده: {changed}.",
        "edit_save_failed": "ذخیره نشد ({error})؛ متن شما هنوز اینجاست.",
        "edit_unsaved": "تغییرهای ذخیره‌نشده.",
        "edit_yours": "متن شما (ذخیره‌نشده)",
        "edit_open_newest": "باز کردن تازه‌ترین نسخه (نخست متن خود را رونوشت کنید)",
        "edit_new_part": "تازه",
        "edit_play_segment": "پخش این بخش",
        "edit_start_earlier": "آغاز −۰٫۱ ثانیه",
        "edit_start_later": "آغاز +۰٫۱ ثانیه",
        "edit_end_earlier": "پایان −۰٫۱ ثانیه",
        "edit_end_later": "پایان +۰٫۱ ثانیه",
        "edit_speaker": "گوینده",
        "edit_segment_text": "متن بخش {id}",
        "edit_split": "شکستن در جای نشانگر",
        "edit_merge": "پیوستن به بخش بعد",
        "edit_mark": "نشانه‌گذاری {mark}",
        "edit_split_where": "برای شکستن، نشانگر را میان دو واژه بگذارید.",
        "edit_word_times": "زمان واژه‌ها",
        "edit_edge_start": "آغاز بخش {id}",
        "edit_edge_end": "پایان بخش {id}",
        "diff_heading": "چه تغییر کرد",
        "diff_from": "از",
        "diff_to": "تا",
        "diff_show": "نشان دادن تغییرها",
        "diff_current": "کنونی",
        "diff_version": "نسخهٔ {n}",
        "diff_counts": "واژه‌های افزوده: {added}؛ برداشته: {removed}.",
        "diff_added": "افزوده:",
        "diff_removed": "برداشته:",
    },
}

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def digits(text: object, lang: str) -> str:
    """``text`` with Persian digits in the Persian interface (Latin digits otherwise)."""
    text = str(text)
    return text.translate(_PERSIAN_DIGITS) if lang == "fa" else text


def clock(seconds: float | None, lang: str = DEFAULT) -> str:
    """The player's time format, everywhere: m:ss or h:mm:ss, counting whole seconds elapsed.

    Floors rather than rounds, as a media clock does: a quote starting at 24.97 s is at 0:24,
    and seeking to the time shown never lands after the words begin. web/static/player.js
    ``clock`` is the same rule.
    """
    s = max(0, math.floor(seconds or 0))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    text = f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
    return digits(text, lang)


def day(iso: str | None, lang: str) -> str:
    """The date part of an ISO timestamp (YYYY-MM-DD), in the interface's digits."""
    return digits((iso or "")[:10], lang)


def choose() -> str:
    """The interface language for this request (and whether to remember it)."""
    asked = request.args.get("ui")
    if asked in LANGUAGES:
        g.ui_remember = asked
        return asked
    saved = request.cookies.get(COOKIE)
    if saved in LANGUAGES:
        return saved
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def switch_url(lang: str) -> str:
    """This page in ``lang``: the same query with ``ui`` set, as a query-only link (the browser
    keeps the path; a path written out here could be ``//elsewhere``). ui.js keeps the #t=."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "ui"]
    return "?" + urlencode([*args, ("ui", lang)])


def register(app: Flask) -> None:
    @app.before_request
    def _choose_language():
        g.ui_lang = choose()

    @app.context_processor
    def _strings():
        lang = g.get("ui_lang", DEFAULT)
        return {
            "t": STRINGS[lang],
            "ui_lang": lang,
            "ui_dir": "rtl" if lang in RTL else "ltr",
            "ui_names": NAMES,
            "ui_languages": LANGUAGES,
            "clock": lambda s: clock(s, lang),
            "digits": lambda x: digits(x, lang),
            "day": lambda iso: day(iso, lang),
            "switch_url": switch_url,
        }

    @app.after_request
    def _remember(response):
        if g.get("ui_remember"):
            response.set_cookie(
                COOKIE, g.ui_remember, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True
            )
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
