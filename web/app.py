"""The application factory: one Flask app over one archive folder, read-only.

``create_app(archive_root)`` wires the blueprints (pages, media and downloads, JSON API) to an
``Archive`` and a ``Library`` (cached reads of its tracks). Nothing here writes into the archive
(unless editing is turned on, see ``EDIT_SECRET``); the waveform cache lives outside it.

Settings (``test_config`` or ``app.config``):

- ``TRUSTED_HOSTS``: the host names requests may be addressed to (Flask's own setting; others
  get 400, so a forged ``Host`` never reaches a redirect or a link). ``navar serve`` sets it
  from ``--host`` and ``--trusted-host``; the default allows only this machine's loopback names.
- ``MAX_CLIP_SECONDS`` / ``MIN_CLIP_SECONDS``: the longest and shortest clip /r/<id>/clip.mp3
  cuts (a span shorter than a tenth of a second is not a quotation, and ffmpeg reads a length
  that rounds to 0 as "no limit").
- ``EDIT_SECRET``: set only by ``navar serve --edit``; turns on the editing routes of
  ``web.editing`` (login, saving corrections). Without it the app has no route that writes.
- ``FIND_TIME_LIMIT``: seconds a quote search in the audio may run before it is stopped (a
  40-minute tape takes under a minute; the search holds the server's only search slot).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import api, compression, errors, i18n, manifests, media, pages
from .library import Library, ServedArchive
from .peaks import PeakCache

# The names a browser on this machine uses. werkzeug compares host names without the port and
# cannot match a bracketed IPv6 literal, so ::1 is reached as "localhost".
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "navar" / "peaks"


def create_app(archive_root: Path | str, test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        PEAKS_CACHE_DIR=None,  # None: the user's cache folder (never inside the archive)
        MAX_CLIP_SECONDS=600.0,
        MIN_CLIP_SECONDS=0.1,
        FIND_TIME_LIMIT=120.0,
        TRUSTED_HOSTS=list(LOOPBACK_HOSTS),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    archive = ServedArchive(archive_root)
    cache_dir = app.config["PEAKS_CACHE_DIR"] or default_cache_dir()
    app.extensions["navar"] = Library(archive, PeakCache(Path(cache_dir)))

    app.register_blueprint(pages.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(manifests.bp)
    if app.config.get("EDIT_SECRET"):  # navar serve --edit: the only routes that write
        from . import editing

        editing.register(app)
    i18n.register(app)
    errors.register(app)
    compression.register(app)

    @app.after_request
    def _security_headers(response):
        # Defence in depth: even if text slipped into markup, inline script would not run.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; "
            "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'",  # no page of the archive may be framed (clickjacking)
        )
        response.headers.setdefault("X-Frame-Options", "DENY")  # the same, for old browsers
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
