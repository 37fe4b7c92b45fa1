"""Bring a recording's machine tracks up to date: ``<lang>.asr`` and, from it, ``en.mt``.

The pipeline decides what needs doing (a track that exists with the same model and settings is
kept), runs the engine, ties translation segments to the source segments they overlap in time,
and saves each track atomically, so an interruption leaves the previous track or none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from . import engine, speech_model
from .archive import Archive
from .transcript import Segment, Track

log = logging.getLogger(__name__)

Progress = Callable[[float, float], None]

# Said once, in the track and to the user, when the bundled base makes the English track.
BASE_TRANSLATION_WARNING = (
    "machine translation by Whisper base, which is too small to translate Persian usefully: "
    "its English is often fluent but unrelated to what was said; do not quote it"
)


def transcribe_recording(
    archive: Archive,
    recording_id: str,
    model: str | None = None,
    language: str | None = "fa",
    translate: bool = True,
    force: bool = False,
    progress: Progress | None = None,
    options: engine.TranscribeOptions | None = None,
    say: Callable[[str], None] = log.info,
) -> list[Track]:
    """Write (or keep) the recording's asr track and, if ``translate``, its en.mt track.

    ``language`` is a language code, or None/"auto" to detect it. ``progress`` is called with
    (seconds done, total seconds) as decoding advances. Returns the tracks written or kept.
    """
    rec = archive.recording(recording_id)
    media = archive.media_dir / rec.media
    language = None if language in (None, "auto") else language
    base = options or engine.TranscribeOptions()
    source = speech_model.resolve(model)
    described = engine.model_description(model)
    passes = 2 if translate and language != "en" else 1
    damage = [x for x in rec.source_notes.splitlines() if x.startswith(("damaged", "truncated"))]

    def run(opts: engine.TranscribeOptions, index: int) -> Track:
        # Progress runs over all passes, so one bar covers transcription and translation.
        def step(done: float, _total: float) -> None:
            if progress is not None:
                progress(index * rec.duration + done, passes * rec.duration)

        track, info = engine.run(model, media, rec.id, opts, progress=step, total=rec.duration)
        # Decoders skip what they cannot read, so times after a damaged part may run early.
        track.provenance.notes.extend(
            f"the original is {x}; times after the damage may be shifted" for x in damage
        )
        for warning in info.warnings:
            say(f"warning: {rec.id}/{track.id}: {warning}")
        return track

    asr_opts = engine.replace(base, language=language, task="transcribe")
    asr = None if force else _existing(archive, rec.id, "asr", described, asr_opts)
    if asr is None:
        asr = run(asr_opts, 0)
        archive.save_track(asr)
        say(f"wrote {rec.id}/{asr.id}: {len(asr.segments)} segments")
    else:
        say(f"kept {rec.id}/{asr.id}: same model and settings (use --force to redo it)")
    tracks = [asr]
    if not translate:
        return tracks
    if asr.language == "en" or not asr.segments:
        if asr.language == "en":
            say(f"{rec.id}: the speech is English; no translation track is needed")
        else:
            say(f"{rec.id}: no speech was transcribed, so there is nothing to translate")
        if progress is not None and passes == 2:  # the translation pass will not happen
            progress(passes * rec.duration, passes * rec.duration)
        return tracks

    mt_opts = engine.replace(base, language=asr.language, task="translate")
    mt = None if force else _existing(archive, rec.id, "mt", described, mt_opts)
    if mt is None:
        mt = run(mt_opts, 1)
        link_to_source(mt, asr)
        if source.kind == "bundled":
            mt.provenance.notes.append(BASE_TRANSLATION_WARNING)
            say(f"warning: {BASE_TRANSLATION_WARNING}")
        archive.save_track(mt)
        say(f"wrote {rec.id}/{mt.id}: {len(mt.segments)} segments (machine translation)")
    else:
        say(f"kept {rec.id}/{mt.id}: same model and settings (use --force to redo it)")
    tracks.append(mt)
    return tracks


def link_to_source(translation: Track, source: Track) -> None:
    """Point each translated segment at the source segments it overlaps in time."""
    translation.source_track = source.id
    for seg in translation.segments:
        seg.source_ids = overlapping_ids(seg, source.segments) or nearest_id(seg, source.segments)
        if not seg.source_ids:
            seg.flags.append("no-source")


def nearest_id(seg: Segment, candidates: list[Segment], reach: float = 1.5) -> list[str]:
    """The source segment closest in time, for a translation that fell in a pause."""
    if not seg.timed:
        return []
    gaps = [(max(c.start - seg.end, seg.start - c.end), c.id) for c in candidates if c.timed]
    gap, best = min(gaps, default=(reach + 1, ""))
    return [best] if gap <= reach else []


def overlapping_ids(seg: Segment, candidates: list[Segment]) -> list[str]:
    if not seg.timed:
        return []
    out = []
    for c in candidates:
        if not c.timed:
            continue
        overlap = min(seg.end, c.end) - max(seg.start, c.start)
        # A sliver of overlap at a shared edge is not rendering that segment.
        if overlap > 0 and overlap >= 0.2 * min(c.end - c.start, seg.end - seg.start):
            out.append(c.id)
    return out


def _existing(
    archive: Archive, rec_id: str, kind: str, model: str, opts: engine.TranscribeOptions
) -> Track | None:
    """The track of ``kind`` made by the same model with the same settings, if there is one."""
    wanted = engine.settings_of(opts)
    for track_id in archive.track_ids(rec_id):
        if not track_id.endswith(f".{kind}"):
            continue
        track = archive.track(rec_id, track_id)
        if track.provenance.model == model and track.provenance.settings == wanted:
            return track
    return None
