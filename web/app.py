"""The application factory: one Flask app over one archive folder, read-only.

``create_app(archive_root)`` wires the blueprints (pages, media and downloads, JSON API) to an
``Archive`` and a ``Library`` (cached reads of its tracks). Nothing here writes into the archive;
the waveform cache lives outside it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from transcribe.archive import Archive

from . import api, compression, errors, i18n, media, pages
from .library import Library
from .peaks import PeakCache


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "navar" / "peaks"


def create_app(archive_root: Path | str, test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        PEAKS_CACHE_DIR=None,  # None: the user's cache folder (never inside the archive)
        MAX_CLIP_SECONDS=600.0,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    archive = Archive(archive_root)
    cache_dir = app.config["PEAKS_CACHE_DIR"] or default_cache_dir()
    app.extensions["navar"] = Library(archive, PeakCache(Path(cache_dir)))

    app.register_blueprint(pages.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(api.bp)
    i18n.register(app)
    errors.register(app)
    compression.register(app)

    @app.after_request
    def _security_headers(response):
        # Defence in depth: even if text slipped into markup, inline script would not run.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; "
            "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
