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
    recordings = [recording_summary(r, lib.summaries(r.id)) for r in lib.recordings()]
    query = request.args.get("q", "").strip()
    hits, search_error = [], None
    if query:
        hits, search_error = search_hits.run(lib.archive, query, request.args.get("lang"))
    return render_template(
        "index.html",
        recordings=recordings,
        query=query,
        hits=hits,
        search_error=search_error,
        is_rtl=is_rtl,
    )


@bp.get("/r/<rec_id>")
def player(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    summary = recording_summary(rec, lib.summaries(rec.id))
    return render_template(
        "player.html", rec=summary, formats=EXPORT_FORMATS, is_rtl=is_rtl(rec.language)
    )
