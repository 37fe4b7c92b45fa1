"""The JSON API: recordings, tracks, waveform peaks, quote search, archive search, citations."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, ServiceUnavailable
from werkzeug.exceptions import NotImplemented as NotAvailable

from transcribe.errors import NavarError

from . import citing, search_hits, spans
from .library import Library, recording_summary

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")

MAX_QUERY = 500
_find_slot = threading.Lock()


def library() -> Library:
    return current_app.extensions["navar"]


@bp.get("/recordings")
def recordings():
    lib = library()
    return jsonify(
        [recording_summary(r, *lib.summaries_and_unreadable(r.id)) for r in lib.recordings()]
    )


@bp.get("/recordings/<rec_id>")
def recording(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    return jsonify(recording_summary(rec, *lib.summaries_and_unreadable(rec.id)))


@bp.get("/recordings/<rec_id>/tracks/<track_id>")
def track(rec_id: str, track_id: str):
    cached = library().cached_track(rec_id, track_id)
    response = Response(cached.raw, content_type="application/json; charset=utf-8")
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        response.set_data(cached.gzip)  # compressed once per track version, not per request
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    return response


@bp.get("/recordings/<rec_id>/peaks")
def peaks(rec_id: str):
    lib = library()
    return jsonify(lib.peaks_of(lib.recording(rec_id)).to_dict())


@bp.get("/recordings/<rec_id>/find")
def find(rec_id: str):
    """The same matches as ``navar find --json``: the quote located in the audio."""
    lib = library()
    rec = lib.recording(rec_id)
    lib.media_path(rec)  # the audio must pass the same check as /media before any work
    query = _query()
    try:
        from align import quotes, stopping
    except ImportError as exc:
        raise NotAvailable("Quote search is not available in this installation.") from exc
    limit = _int_arg("limit", 5, 1, 50)
    # Searching the audio runs the speech model for seconds to a minute: one at a time, so
    # the server's threads stay free for listeners.
    if not _find_slot.acquire(blocking=False):
        raise ServiceUnavailable("Another quote search is running; try again in a moment.")
    limit_s = current_app.config["FIND_TIME_LIMIT"]
    should_stop = _stop_check(limit_s)
    stopped = None
    try:
        with stopping.stop_when(should_stop):
            # The server's options (app config QUOTE_OPTIONS, default QuoteOptions()) with
            # the request's limit; recorded in the answer's provenance.
            options = current_app.config.get("QUOTE_OPTIONS") or quotes.QuoteOptions()
            result = quotes.search_quotes(
                lib.archive, rec.id, query, language=request.args.get("lang") or None,
                model=current_app.config.get("SPEECH_MODEL"),
                options=dataclasses.replace(options, limit=limit),
            )  # fmt: skip
    except stopping.SearchStopped as exc:
        stopped = exc
    except NavarError as exc:  # e.g. no timed track in that language: the request can't be met
        raise BadRequest(str(exc)) from exc
    finally:
        _find_slot.release()
    if stopped is not None:  # said once the slot is free, so the log never runs ahead of it
        why = should_stop.why or "stopped"
        log.info("quote search in %s stopped: %s", rec.id, why)
        raise ServiceUnavailable(
            f"The search was stopped ({why}); try a shorter quote, or `navar find` on the "
            "command line."
        ) from stopped
    # The same document as `navar find --json`.
    return jsonify(
        recording=rec.id,
        query=query,
        matches=[m.to_dict() for m in result.matches],
        provenance=result.provenance,
        **({"notes": result.notes} if result.notes else {}),
    )


@bp.get("/search")
def search():
    query = _query()
    speaker = request.args.get("speaker", "").strip() or None
    if speaker is not None and len(speaker) > MAX_QUERY:
        raise BadRequest(f"The speaker is too long (at most {MAX_QUERY} characters).")
    hits, error = search_hits.run(
        library().archive, query, request.args.get("lang"), _int_arg("limit", 20, 1, 200),
        speaker=speaker,
    )  # fmt: skip
    if error:
        return jsonify(error=error, status=503), 503
    return jsonify(hits)


@bp.get("/recordings/<rec_id>/cite")
def cite(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    lib.cited_media_path(rec)  # a citation names the SHA-256: only of the bytes in the archive
    start, end = spans.span(request.args, rec.duration)
    cited = citing.citation(lib.archive, rec.id, request.args, start, end)
    return jsonify({**cited.to_dict(), "text": cited.text})


class _StopCheck:
    """True once the client has gone (waitress tells, with channel_request_lookahead) or the
    search has run for ``limit_s`` seconds; ``why`` says which."""

    def __init__(self, limit_s: float, client_gone):
        self.deadline = time.monotonic() + limit_s
        self.limit_s = limit_s
        self.client_gone = client_gone
        self.why: str | None = None

    def __call__(self) -> bool:
        if self.client_gone is not None and self.client_gone():
            self.why = "the client went away"
        elif time.monotonic() >= self.deadline:
            self.why = f"it ran past the server's limit of {self.limit_s:g} s"
        return self.why is not None


def _stop_check(limit_s: float) -> _StopCheck:
    return _StopCheck(limit_s, request.environ.get("waitress.client_disconnected"))


def _query() -> str:
    query = search_hits.clean_query(request.args.get("q", ""))
    if not query:
        raise BadRequest("Give the text to look for as q=...")
    if len(query) > MAX_QUERY:
        raise BadRequest(f"The query is too long (at most {MAX_QUERY} characters).")
    return query


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a whole number.") from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value
