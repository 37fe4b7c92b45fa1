"""Audio and downloads: the original with HTTP Range, track files, and clips of cited spans."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, send_file
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.exceptions import NotImplemented as NotAvailable

from transcribe import subtitles

from . import citing, clips, spans
from .library import Library

bp = Blueprint("media", __name__)


def library() -> Library:
    return current_app.extensions["navar"]


@bp.get("/media/<rec_id>")
def audio(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    # conditional=True answers Range requests with 206 and only the bytes asked for, so the
    # browser can seek in a long recording without downloading it whole.
    response = send_file(lib.media_path(rec), conditional=True, max_age=3600)
    response.headers["Accept-Ranges"] = "bytes"
    return response


@bp.get("/r/<rec_id>/tracks/<name>")
def track_file(rec_id: str, name: str):
    """``<track>.<vtt|srt|txt|json>``: inline for <track> elements, ``?download=1`` to save."""
    track_id, _, fmt = name.rpartition(".")
    if fmt not in subtitles.EXPORT_FORMATS:
        raise NotFound(f"No such download; use .{', .'.join(subtitles.EXPORT_FORMATS)}.")
    lib = library()
    rec = lib.recording(rec_id)
    track = lib.track(rec.id, track_id)  # refuses any id the archive's patterns do not match
    body = subtitles.export(track, fmt, rec)
    response = Response(body, content_type=subtitles.MEDIA_TYPES[fmt])
    if request.args.get("download"):
        # Built from the validated ids of the URL, never from text inside the files.
        filename = f"{rec.id}.{track_id}.{fmt}"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/r/<rec_id>/clip.mp3")
def clip(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    config = current_app.config
    longest = config["MAX_CLIP_SECONDS"]
    start, end = spans.span(request.args, rec.duration, longest, config["MIN_CLIP_SECONDS"])
    tags: dict[str, str] = {}
    try:
        from align.clip import clip_tags

        cited = citing.citation(lib.archive, rec.id, request.args, start, end)
    except (ImportError, NotAvailable):
        cited = None
    except BadRequest:
        if request.args.get("quote"):
            raise  # the quote is not there: no clip rather than the wrong audio
        cited = None  # the span itself is fine: cut it without a citation inside
    if cited is not None:
        # The audio whose pairing with the text is known (a quote in a translation timed by
        # sentence: the whole sentence).
        start, end = cited.start, cited.end
        if end - start > longest:
            raise BadRequest(f"a clip can be at most {longest:.0f} seconds long.")
        tags = clip_tags(cited, start)
    media = lib.cited_media_path(rec)  # the clip's tags name the recording's SHA-256
    data = clips.cut_mp3(media, start, end, tags)
    name = f"{rec.id}_{start:.2f}-{end:.2f}.mp3"
    return Response(
        data,
        content_type="audio/mpeg",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
