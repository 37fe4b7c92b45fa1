"""``/iiif/<id>/manifest.json``: the recording as an IIIF Presentation 3 manifest (read-only)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import NotFound

from transcribe import custody

from . import iiif
from .library import Library

bp = Blueprint("iiif", __name__)


@bp.get("/iiif/<rec_id>/manifest.json")
def manifest(rec_id: str):
    lib: Library = current_app.extensions["navar"]
    rec = lib.recording(rec_id)  # checks the id against the archive's pattern first
    tracks = []
    for track_id in lib.track_ids(rec.id):
        try:
            tracks.append(lib.track(rec.id, track_id))
        except NotFound:  # unreadable or being replaced: publish the others
            continue
    cited = custody.citations(custody.read(lib.archive.custody_path(rec.id)).entries)
    response = jsonify(iiif.manifest(rec, tracks, cited, request.host_url))
    response.headers["Content-Type"] = f'application/ld+json;profile="{iiif.CONTEXT}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # IIIF viewers load from elsewhere
    return response
