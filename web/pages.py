"""The HTML pages: the archive's front page (with search) and the player."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from transcribe.subtitles import EXPORT_FORMATS, is_rtl

from . import search_hits
from .library import Library, recording_summary

bp = Blueprint("pages", __name__)


def library() -> Library:
    return current_app.extensions["navar"]


@bp.get("/")
def index():
    lib = library()
    good, unreadable = lib.scan()
    recordings = [recording_summary(r, *lib.summaries_and_unreadable(r.id)) for r in good]
    query = search_hits.clean_query(request.args.get("q", ""))
    hits, search_error = [], None
    if query:
        hits, search_error = search_hits.run(lib.archive, query, request.args.get("lang"))
    return render_template(
        "index.html",
        recordings=recordings,
        query=query,
        hits=hits,
        search_error=search_error,
        unreadable=unreadable,
        is_rtl=is_rtl,
    )


@bp.get("/r/<rec_id>")
def player(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    summary = recording_summary(rec, *lib.summaries_and_unreadable(rec.id))
    return render_template(
        "player.html", rec=summary, formats=EXPORT_FORMATS, is_rtl=is_rtl(rec.language)
    )
