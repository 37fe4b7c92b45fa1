"""Errors as proper pages: JSON for the API, a small HTML page elsewhere, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from transcribe.errors import NavarError

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(NavarError, _navar_error)
    app.register_error_handler(Exception, _unexpected)


def _respond(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, title=title, message=message), status


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    # Our own aborts carry a plain sentence; werkzeug's defaults are fine as they are.
    return _respond(exc.code, exc.name, exc.description or exc.name)


def _navar_error(exc: NavarError):
    return _respond(404, "Not Found", str(exc))


def _unexpected(exc: Exception):
    log.exception("unexpected error on %s", request.path)
    err = InternalServerError()
    return _respond(500, err.name, "Something went wrong on the server; the log says what.")
