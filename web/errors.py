"""Errors as proper pages: JSON for the API, a small HTML page elsewhere, never a traceback.

An error keeps the headers its exception carries (``Allow`` on 405, ``Content-Range`` on 416),
and no message shows a path on the server: messages from deeper down (the archive, the search
index) may name files, and those are cut to the file's own name.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from transcribe.errors import NavarError

log = logging.getLogger(__name__)

# An absolute path of two or more parts (not part of a URL or a word): /srv/a/b.json -> b.json.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"()<>]+/)+([^\s/'\"()<>]*)")
_BODY_HEADERS = {"content-type", "content-length"}


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(NavarError, _navar_error)
    app.register_error_handler(Exception, _unexpected)


def public_message(text: str) -> str:
    """``text`` without server paths, for a page or a JSON error."""
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1) or "", text)


def _respond(status: int, title: str, message: str, headers=()):
    message = public_message(message)
    if request.path.startswith("/api/"):
        response = make_response(jsonify(error=message, status=status), status)
    else:
        response = make_response(
            render_template("error.html", status=status, title=title, message=message), status
        )
    for key, value in headers:
        if key.lower() not in _BODY_HEADERS:
            response.headers[key] = value
    return response


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if isinstance(exc, SecurityError):
        # A Host outside TRUSTED_HOSTS: answer plainly, building no link from that request.
        log.info("refused a request for host %r", request.headers.get("Host"))
        return make_response(
            ("This server does not answer to that host name.\n", 400,
             {"Content-Type": "text/plain; charset=utf-8"})
        )  # fmt: skip
    # Our own aborts carry a plain sentence; werkzeug's defaults are fine as they are.
    return _respond(exc.code, exc.name, exc.description or exc.name, exc.get_headers())


def _navar_error(exc: NavarError):
    return _respond(404, "Not Found", str(exc))


def _unexpected(exc: Exception):
    log.exception("unexpected error on %s", request.path)
    err = InternalServerError()
    return _respond(500, err.name, "Something went wrong on the server; the log says what.")
