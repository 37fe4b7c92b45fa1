"""Archive-wide search for the front page and /api/search, through align.archive_search.

The search index is a derived file kept up to date by the commands that write tracks and by
`navar serve`'s own refresh thread; the public routes only read it. A missing or broken index
gives an empty result and a message, not an error page.
"""

from __future__ import annotations

import logging
import unicodedata

from werkzeug.exceptions import BadRequest

from transcribe.archive import Archive
from transcribe.errors import NavarError
from transcribe.transcript import MACHINE_KINDS

log = logging.getLogger(__name__)

MAX_QUERY = 500


def clean_query(raw: str) -> str:
    """The query stripped; 400 when it holds control characters (NUL, escapes, line breaks),
    which no spoken word contains and the search index cannot take."""
    query = raw.strip()
    if any(unicodedata.category(c) == "Cc" for c in query):
        raise BadRequest("The query holds control characters; search for words.")
    return query


def run(
    archive: Archive,
    query: str,
    language: str | None = None,
    limit: int = 20,
    speaker: str | None = None,
) -> tuple[list[dict], str | None]:
    """(hits as dicts, an error message or None); only ``speaker``'s words when given."""
    from align import archive_search

    query = query[:MAX_QUERY]
    try:
        hits = archive_search.search(
            archive, query, limit=limit, language=language or None, refresh_index=False,
            speaker=speaker or None,
        )  # fmt: skip
    except NavarError as exc:
        # The log names the file; the visitor gets what to do, and no server path.
        log.warning("search failed: %s", exc)
        return [], (
            "The search index could not be read. The server's log names the file; "
            "deleting it makes `navar serve` rebuild it."
        )
    # A hit in machine output is marked so wherever it is shown.
    return [h.to_dict() | {"machine": h.kind in MACHINE_KINDS} for h in hits], None
