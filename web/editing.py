"""Correcting transcripts in the browser (``navar serve --edit``): login, and the routes that write.

Registered only when the app is made with an ``EDIT_SECRET``; the read-only server has none of
these routes, so nothing there can write. Every write (and every page and read of this module)
needs the editor's session, and every write also needs:

- the session's CSRF token, in an ``X-CSRF-Token`` header (or a ``csrf_token`` form field);
- a request from this server's own origin: ``Origin``, else ``Referer``, must name it.

The session comes from the login link ``navar serve --edit`` prints: its secret is exchanged once,
with the editor's name (written into the provenance of what they save), for a signed cookie that
is HttpOnly and SameSite=Strict. The cookie key is new at each start, so a restart logs everyone
out.

Saving an edit goes through ``align.revision`` (the same path as ``navar import --edit-of``): only
changed segments are aligned again, the human track it replaces is kept under ``versions/``. A
save names the version it was based on (the digests of the edited track and of the human track
it becomes); if either has changed since, it is refused with 409 and the person's rows are sent
back, so nothing is lost.

Settings: ``EDIT_SECRET`` (the login secret), ``EDIT_MODEL`` (the speech model for re-aligning,
None for the bundled one), ``EDIT_MARGIN_S`` (seconds either side of a changed segment's old
window, ``align.corrections.EditOptions``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import BadRequest, Conflict, Forbidden, ServiceUnavailable

from align.corrections import EditOptions, prepare_window
from align.revision import human_track_id, save_revision
from transcribe import audio
from transcribe.archive import Archive
from transcribe.edit_text import EditLine
from transcribe.errors import ModelLoadError, NavarError
from transcribe.shape import track_from_json
from transcribe.subtitles import EXPORT_FORMATS, is_rtl
from transcribe.transcript import track_to_dict

from . import track_diff
from .library import Library, recording_summary, safe_track_id

log = logging.getLogger(__name__)
bp = Blueprint("editing", __name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "X-CSRF-Token"
MAX_NAME = 80  # characters of an editor's or speaker's name
MAX_ROWS = 20_000  # segments in one save (a 3-hour tape has a few thousand)
MAX_TEXT = 5_000  # characters in one segment
MAX_BODY = 16 * 1024 * 1024
# Windows whose samples and encoder output are kept for saves (about 3 MB each with Whisper
# base): enough for the segments a few people are correcting at once.
REMEMBERED_WINDOWS = 16


class RememberingScorer:
    """A Scorer that keeps the encoder output of the windows it encoded last, keyed by their
    samples: the window a person is correcting is encoded while they type (``prepare``), and
    their save aligns it without the encoder's second. Encodings run one at a time, so a save
    that arrives while its window is being prepared waits for that instead of doing it twice."""

    def __init__(self, scorer, memory: OrderedDict, lock: threading.Lock, size: int):
        self.scorer = scorer
        self._memory = memory
        self._lock = lock
        self._size = size

    def __getattr__(self, name):
        return getattr(self.scorer, name)

    def for_task(self, language: str, task: str) -> RememberingScorer:
        inner = self.scorer.for_task(language, task)
        if inner is self.scorer:
            return self
        return RememberingScorer(inner, self._memory, self._lock, self._size)

    def encode(self, samples, window_s: float = 30.0):
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        digest = hashlib.sha256(samples.tobytes()).digest()
        key = (self.scorer.name, self.scorer.language, window_s, digest)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
            value = self.scorer.encode(samples, window_s)
            self._memory[key] = value
            while len(self._memory) > self._size:
                self._memory.popitem(last=False)
            return value


class ModelThread:
    """One thread that runs the jobs given to it, in turn. A daemon: a server stopping in the
    middle of loading the model does not wait for the load."""

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def run(self, fn, *args, **kwargs):
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="navar-model",
                                                daemon=True)  # fmt: skip
                self._thread.start()
        done: Future = Future()
        self._jobs.put((fn, args, kwargs, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            fn, args, kwargs, done = self._jobs.get()
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller, raised in its thread
                done.set_exception(exc)


@dataclass
class EditState:
    """What the editing routes share: one save at a time, the speech model loaded once."""

    model: str | None = None
    options: EditOptions = field(default_factory=EditOptions)
    lock: threading.Lock = field(default_factory=threading.Lock)
    model_lock: threading.Lock = field(default_factory=threading.Lock)
    scorers: dict = field(default_factory=dict)
    timings: list = field(default_factory=list)  # seconds of the last saves, for the benchmark

    encodings: OrderedDict = field(default_factory=OrderedDict)
    encode_lock: threading.Lock = field(default_factory=threading.Lock)
    samples: OrderedDict = field(default_factory=OrderedDict)
    samples_lock: threading.Lock = field(default_factory=threading.Lock)

    # Every use of the model runs on this one thread. CTranslate2 gives each calling thread
    # its own pool of compute threads; pools left by other request threads keep spinning for
    # a while, and on a busy machine a save's alignment then took 5-9 s instead of 0.3 s.
    worker: ModelThread = field(default_factory=lambda: ModelThread())

    def run(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` on the model's thread; its result or its exception."""
        return self.worker.run(fn, *args, **kwargs)

    def scorer_for(self, language: str):
        with self.model_lock:  # the start-up prewarm and a first save may ask at once
            if language not in self.scorers:
                from align.scorer import open_scorer

                scorer = open_scorer(self.model, language)
                self.scorers[language] = RememberingScorer(
                    scorer, self.encodings, self.encode_lock, REMEMBERED_WINDOWS
                )
            return self.scorers[language]

    def decoder(self, media: Path):
        """``decode(start, seconds)`` of ``media``, remembering the last windows decoded (a
        prepared window is decoded once, not again at the save)."""
        st = media.stat()
        stamp = (str(media), st.st_mtime_ns, st.st_size)

        def decode(start: float, seconds: float):
            key = (stamp, round(start, 3), round(seconds, 3))
            with self.samples_lock:
                if key in self.samples:
                    self.samples.move_to_end(key)
                    return self.samples[key]
            value = audio.decode(media, start, seconds)
            with self.samples_lock:
                self.samples[key] = value
                while len(self.samples) > REMEMBERED_WINDOWS:
                    self.samples.popitem(last=False)
            return value

        return decode

    def prewarm(self, languages) -> None:
        """Load the model before the first save, so that save is as quick as the rest."""
        for language in dict.fromkeys(languages):
            try:
                self.run(self.scorer_for, language)
            except NavarError as exc:  # said again, to the person, when they save
                log.warning("the speech model for re-aligning edits did not load: %s", exc)


def new_secret() -> str:
    """A login secret for the terminal's link: 256 random bits."""
    return secrets.token_urlsafe(32)


def register(app: Flask) -> None:
    """Turn on editing for ``app`` (its config holds ``EDIT_SECRET``)."""
    secret = app.config["EDIT_SECRET"]
    if not isinstance(secret, str) or len(secret) < 16:
        raise ValueError("EDIT_SECRET must be a random text of at least 16 characters")
    if not app.secret_key:
        app.secret_key = secrets.token_bytes(32)  # new each start: old sessions end with it
    app.config.update(
        SESSION_COOKIE_NAME="navar_edit",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY,
    )
    app.extensions["navar_edit"] = EditState(
        model=app.config.get("EDIT_MODEL"),
        options=EditOptions(margin_s=float(app.config.get("EDIT_MARGIN_S", EditOptions.margin_s))),
    )
    app.register_blueprint(bp)


def login_path(secret: str) -> str:
    return f"/edit/login?key={secret}"


# --- the checks every request of this module passes -------------------------------------------


def _secret_id() -> str:
    secret = current_app.config["EDIT_SECRET"].encode()
    return hashlib.sha256(b"navar-edit:" + secret).hexdigest()[:32]


def _editor() -> str | None:
    """The logged-in editor's name, or None."""
    if session.get("key") != _secret_id():
        return None
    name = session.get("editor")
    return name if isinstance(name, str) and name else None


def _same_origin() -> bool:
    own = request.host_url.rstrip("/")
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == own
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == own
    return False  # a browser sends one of them with every write; no header, no write


@bp.before_request
def _guard():
    if request.method not in SAFE_METHODS and not _same_origin():
        raise Forbidden("This change must come from the editor's own pages (the request's "
                        "origin is another site, or not given).")  # fmt: skip
    if request.endpoint in ("editing.login_form", "editing.login", "editing.login_needed"):
        return None
    g.editor = _editor()
    if g.editor is None:
        if request.method in SAFE_METHODS and not request.path.startswith("/api/"):
            return redirect(url_for("editing.login_needed"))
        raise Forbidden("Editing needs the login link `navar serve --edit` printed.")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
        token = session.get("csrf") or ""
        if not token or not hmac.compare_digest(str(sent), str(token)):
            raise Forbidden("The form's security token is missing or out of date; reload the "
                            "page (nothing was changed).")  # fmt: skip
    return None


# --- login ------------------------------------------------------------------------------------


def _key_ok(key: str | None) -> bool:
    secret = current_app.config["EDIT_SECRET"].encode()
    return bool(key) and hmac.compare_digest(key.encode(), secret)


@bp.get("/edit/login")
def login_form():
    key = request.args.get("key", "")
    if not _key_ok(key):
        raise Forbidden("This login link is not valid: use the one `navar serve --edit` printed.")
    return render_template("edit_login.html", key=key, next=_next_target(request.args.get("next")))


@bp.post("/edit/login")
def login():
    if not _key_ok(request.form.get("key")):
        time.sleep(0.5)  # a guess costs time
        raise Forbidden("This login link is not valid: use the one `navar serve --edit` printed.")
    name = " ".join(request.form.get("name", "").split())
    if not name or len(name) > MAX_NAME:
        raise BadRequest(f"Give your name (1 to {MAX_NAME} characters): it goes into the record "
                         "of every change you save.")  # fmt: skip
    session.clear()
    session.update(key=_secret_id(), editor=name, csrf=secrets.token_urlsafe(32))
    return redirect(_next_target(request.form.get("next")), code=303)


@bp.get("/edit/login-needed")
def login_needed():
    raise Forbidden("Editing needs the login link `navar serve --edit` printed on its terminal.")


@bp.post("/edit/logout")
def logout():
    session.clear()
    return redirect(url_for("pages.index"), code=303)


def _next_target(value: str | None) -> str:
    """Where to go after login: a path of this site only (never another host)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return url_for("editing.edit_index")


# --- the editor's page and reads ----------------------------------------------------------------


def library() -> Library:
    return current_app.extensions["navar"]


def state() -> EditState:
    return current_app.extensions["navar_edit"]


def writable_archive() -> Archive:
    # The plain Archive writes (keeping versions, logging custody); the served one only reads.
    return Archive(library().archive.root)


@bp.get("/edit/")
def edit_index():
    recordings = library().recordings()
    return render_template("edit_index.html", recordings=recordings, editor=g.editor,
                           csrf=session["csrf"])  # fmt: skip


@bp.get("/edit/r/<rec_id>")
def editor_page(rec_id: str):
    lib = library()
    rec = lib.recording(rec_id)
    summary = recording_summary(rec, *lib.summaries_and_unreadable(rec.id))
    editing = {
        "editor": g.editor,
        "csrf": session["csrf"],
        "recording": rec.id,
        "player": url_for("pages.player", rec_id=rec.id),
    }
    return render_template("editor.html", rec=summary, formats=EXPORT_FORMATS,
                           is_rtl=is_rtl(rec.language), editing=editing)  # fmt: skip


@bp.get("/api/edit/recordings/<rec_id>/tracks/<track_id>/base")
def base(rec_id: str, track_id: str):
    """What a page needs to edit a track: the track, the digests a save names, the target."""
    archive = writable_archive()
    rec, source = _source(archive, rec_id, track_id)
    return jsonify(_base_of(archive, rec.id, source))


def _source(archive: Archive, rec_id: str, track_id: str):
    rec = library().recording(rec_id)
    if not safe_track_id(track_id) or not archive.has_track(rec.id, track_id):
        abort(404, f"There is no track {track_id!r} for recording {rec.id}.")
    try:
        return rec, archive.track(rec.id, track_id)
    except NavarError as exc:
        raise Conflict(f"Track {track_id} cannot be read, so it cannot be edited ({exc}).") from exc


def _base_of(archive: Archive, rec_id: str, source) -> dict:
    target = human_track_id(source)
    return {
        "track": track_to_dict(source),
        "digest": archive.track_digest(rec_id, source.id),
        "target": target,
        "target_digest": (_digest_or_none(archive, rec_id, target)),
        "speakers": [{"id": s.id, "name": s.name} for s in archive.recording(rec_id).speakers],
    }


@bp.get("/api/edit/recordings/<rec_id>/tracks/<track_id>/versions")
def versions(rec_id: str, track_id: str):
    archive = writable_archive()
    rec, _ = _source(archive, rec_id, track_id)
    return jsonify(track_diff.versions(archive, rec.id, track_id))


@bp.get("/api/edit/recordings/<rec_id>/tracks/<track_id>/diff")
def diff(rec_id: str, track_id: str):
    archive = writable_archive()
    rec, _ = _source(archive, rec_id, track_id)
    known = {v["key"]: v for v in track_diff.versions(archive, rec.id, track_id)}
    keys = [request.args.get("from", ""), request.args.get("to", "current")]
    if not all(k in known for k in keys):
        raise BadRequest("Name two versions of the track (from=, to=) as the versions list does.")
    old, new = (_version_track(archive, rec.id, track_id, known[k]) for k in keys)
    return jsonify(track_diff.word_diff(old, new))


def _version_track(archive: Archive, rec_id: str, track_id: str, version: dict):
    path = track_diff.version_path(archive, rec_id, track_id, version["key"])
    try:
        return track_from_json(json.loads(path.read_text(encoding="utf-8")), path)
    except (NavarError, OSError, ValueError) as exc:
        raise Conflict(f"Version {version['key']} of {track_id} cannot be read.") from exc


# --- saving -----------------------------------------------------------------------------------


@bp.post("/api/edit/recordings/<rec_id>/tracks/<track_id>")
def save(rec_id: str, track_id: str):
    """Save the page's rows as a new version of the human track. Body (JSON): ``digest`` and
    ``target_digest`` from ``base``, and ``rows``: ``{ids, text, speaker, start?, end?}`` in
    order (``ids`` empty for the second half of a split, two or more for a merge)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("Send the edit as a JSON object.")
    digest, target_digest = body.get("digest"), body.get("target_digest")
    if not isinstance(digest, str) or not (target_digest is None or isinstance(target_digest, str)):
        raise BadRequest("The edit does not name the version it was based on (digest).")
    raw_rows = body.get("rows")
    archive = writable_archive()
    edit = state()
    started = time.perf_counter()
    with edit.lock:  # one save at a time: the stale check and the write are one step
        rec, source = _source(archive, rec_id, track_id)
        lines = _lines(raw_rows, {s.id for s in source.segments})
        target = human_track_id(source)
        now = archive.track_digest(rec.id, source.id)
        target_now = _digest_or_none(archive, rec.id, target)
        # Stale: the edited track changed, or a human version of it appeared (or changed)
        # while the page was open; a page editing the machine track while a human one exists
        # would replace a person's work.
        if now != digest or (target != source.id and target_now is not None):
            return _stale(archive, rec.id, target, raw_rows)
        try:
            revision = edit.run(
                save_revision,
                archive, archive.recording(rec.id), source, lines, g.editor, digest,
                target_id=target, scorer_for=edit.scorer_for, options=edit.options,
                source_label="browser editor", decode=edit.decoder(library().media_path(rec)),
            )  # fmt: skip
        except ModelLoadError as exc:
            raise ServiceUnavailable(str(exc)) from exc
        except NavarError as exc:  # an edit that cannot be applied (e.g. a segment twice)
            raise BadRequest(str(exc)) from exc
        new_digest = archive.track_digest(rec.id, target)
    took = time.perf_counter() - started
    edit.timings = (edit.timings + [took])[-20:]
    result = revision.result
    response = jsonify(
        saved=True,
        track=track_to_dict(revision.track),
        digest=new_digest,
        target=target,
        target_digest=new_digest,
        changed=result.changed,
        unchanged=len(result.unchanged),
        dropped=result.dropped,
        kept=revision.kept.name if revision.kept else None,
        speakers=[{"id": s.id, "name": s.name} for s in archive.recording(rec.id).speakers],
        summaries=library().summaries(rec.id),
    )
    response.headers["Server-Timing"] = f"save;dur={took * 1000:.0f}"  # for the benchmark
    return response


def _digest_or_none(archive: Archive, rec_id: str, track_id: str) -> str | None:
    return archive.track_digest(rec_id, track_id) if archive.has_track(rec_id, track_id) else None


@bp.post("/api/edit/recordings/<rec_id>/tracks/<track_id>/prepare")
def prepare(rec_id: str, track_id: str):
    """A person started correcting the segments ``ids`` (JSON body): encode their window now,
    so the save only has to align it. Writes nothing."""
    body = request.get_json(silent=True)
    ids = body.get("ids") if isinstance(body, dict) else None
    archive = writable_archive()
    rec, source = _source(archive, rec_id, track_id)
    known = {s.id for s in source.segments}
    if not isinstance(ids, list) or not ids or not all(i in known for i in ids):
        raise BadRequest("Name the segments being corrected (ids).")
    edit = state()
    try:
        window = edit.run(prepare_window, source, ids, edit.decoder(library().media_path(rec)),
                          edit.run(edit.scorer_for, source.language), edit.options)  # fmt: skip
    except NavarError as exc:  # the save will say it again; preparing is only a head start
        raise ServiceUnavailable(str(exc)) from exc
    return jsonify(prepared=window is not None, window=window)


def _stale(archive: Archive, rec_id: str, target: str, rows):
    who = ""
    if archive.has_track(rec_id, target):
        try:
            now = archive.track(rec_id, target)
        except NavarError:
            now = None
        if now is not None:
            settings = now.provenance.settings
            who = f" {target} is now version {now.version}"
            if settings.get("editor"):
                who += f", saved by {settings['editor']}"
            if settings.get("edited"):
                who += f" at {settings['edited']}"
            who += "."
    message = (
        f"Not saved: the transcript changed since you opened it.{who} Nothing of yours is lost: "
        "your text stays on this page and in the box below. Open the newest version and carry "
        "your changes over."
    )
    yours = rows if isinstance(rows, list) else []
    response = jsonify(error=message, status=409, stale=True, yours=yours)
    response.status_code = 409
    return response


def _lines(raw_rows, known_ids: set[str]) -> list[EditLine]:
    if not isinstance(raw_rows, list) or not raw_rows:
        raise BadRequest("The edit has no rows.")
    if len(raw_rows) > MAX_ROWS:
        raise BadRequest(f"An edit holds at most {MAX_ROWS} rows.")
    lines = []
    for n, row in enumerate(raw_rows, 1):
        if not isinstance(row, dict):
            raise BadRequest(f"Row {n} is not an object.")
        ids, text, speaker = row.get("ids", []), row.get("text"), row.get("speaker")
        if not isinstance(ids, list) or not all(isinstance(i, str) and i in known_ids for i in ids):
            raise BadRequest(f"Row {n} names a segment this track does not have.")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise BadRequest(f"Row {n}: the text must be at most {MAX_TEXT} characters.")
        if speaker is not None:
            if not isinstance(speaker, str) or len(speaker) > MAX_NAME:
                raise BadRequest(f"Row {n}: a speaker's name is at most {MAX_NAME} characters.")
            speaker = " ".join(speaker.split()) or None
        span = _span(row, n)
        text = " ".join(text.split())
        if not text:
            continue  # an emptied row drops its segment
        if n == 1 and not ids:
            raise BadRequest("The first row must name its segment.")
        lines.append(EditLine(n, list(dict.fromkeys(ids)), text, speaker, span))
    return lines


def _span(row: dict, n: int) -> tuple[float, float] | None:
    start, end = row.get("start"), row.get("end")
    if start is None and end is None:
        return None
    ok = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (start, end))
    if not ok or not 0 <= start < end or end - start > 3600:
        raise BadRequest(f"Row {n}: its edges must be two times in seconds, start before end.")
    return round(float(start), 3), round(float(end), 3)
