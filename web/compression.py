"""gzip for text responses (transcript JSON shrinks about five-fold); never for audio.

waitress does not compress, and a 3-hour transcript is megabytes of JSON, so large text bodies
are gzipped when the client accepts it. Audio, clips and ranged responses are left alone.
"""

from __future__ import annotations

import gzip

from flask import Flask, request

_MIN_SIZE = 2048
_TYPES = ("application/json", "text/html", "text/vtt", "text/plain", "text/css",
          "text/javascript", "application/javascript", "application/x-subrip")  # fmt: skip


def register(app: Flask) -> None:
    app.after_request(_maybe_gzip)


def _maybe_gzip(response):
    if (
        response.direct_passthrough
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in _TYPES
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    body = response.get_data()
    if len(body) < _MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response
