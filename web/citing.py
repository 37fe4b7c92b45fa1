"""The citation a request asks for, read the same way by the cite API and the clip download.

``?start=&end=`` (or ``t=``) cites what each language says in that span. Adding
``&quote=TEXT&track=ID`` cites TEXT as that track writes it somewhere in the span instead: over
its words' own times if the track has them, else over the whole sentence(s) it is in (a
selection in a translation timed by sentence). ``&tracks=ID,ID`` names the tracks the reader is
looking at, tried first for each language.
"""

from __future__ import annotations

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import NotImplemented as NotAvailable

from transcribe.errors import NavarError

MAX_QUOTE = 2000  # characters: a selection of a few paragraphs
MAX_TRACK_ID = 100
MAX_TRACKS = 8


def citation(archive, rec_id: str, args, start: float, end: float):
    """The ``align.citation.Citation`` the arguments ask for; BadRequest when it cannot be made,
    NotImplemented when this installation has no citations."""
    try:
        from align import citation as citations
    except ImportError as exc:
        raise NotAvailable("Citations are not available in this installation.") from exc
    prefer = [t for t in args.get("tracks", "").split(",") if t][:MAX_TRACKS]
    if any(len(t) > MAX_TRACK_ID for t in prefer):
        raise BadRequest("tracks must be track ids, like fa.asr,en.mt.")
    quote = " ".join(args.get("quote", "").split())
    try:
        if not quote:
            return citations.cite_span(archive, rec_id, start, end, prefer=prefer)
        track = args.get("track", "")
        if not track or len(track) > MAX_TRACK_ID:
            raise BadRequest("Give the track the quote is in as track=..., like track=en.mt.")
        if len(quote) > MAX_QUOTE:
            raise BadRequest(f"The quote is too long (at most {MAX_QUOTE} characters).")
        return citations.cite_text(archive, rec_id, track, quote, start, end, prefer=prefer)
    except NavarError as exc:
        raise BadRequest(str(exc)) from exc
