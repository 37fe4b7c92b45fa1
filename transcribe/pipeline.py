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
# Said when translation is skipped because nobody asked for it and the model cannot do it.
NO_TRANSLATION_NOTE = (
    "no English machine translation (en.mt): the model is too small to translate usefully "
    "(Whisper base writes fluent English unrelated to the speech); pass --translate to make it "
    "anyway, or use a larger model (--model small or bigger)"
)
# A translation pass may use as much CPU as its transcription did; when the transcription was
# kept from an earlier run its cost is unknown, and this many CPU-seconds per audio second
# (about what base spends on worn cassette audio on 2 cores, BENCHMARKS.md) stand in for it.
FALLBACK_CPU_PER_AUDIO_SECOND = 1.0
# And at most this many English tokens per second of audio in each window (300 in 30 s:
# about twice what a fast speaker's English takes, timestamps included), so one window's
# loop cannot cost more than the budget above (engine.TranscribeOptions.max_tokens_per_s).
TRANSLATION_TOKENS_PER_S = 10.0
# Settings that cap cost rather than shape the text: not compared when deciding to redo a track
# (a track made before a cap existed is kept).
# The denoiser's filter string is measured from the recording and its name: the name is compared.
_COST_CAPS = ("cpu_budget", "denoise_filter", "max_tokens_per_s")


def transcribe_recording(
    archive: Archive,
    recording_id: str,
    model: str | None = None,
    language: str | None = "fa",
    translate: bool | None = None,
    force: bool = False,
    progress: Progress | None = None,
    options: engine.TranscribeOptions | None = None,
    say: Callable[[str], None] = log.info,
) -> list[Track]:
    """Write (or keep) the recording's asr track and, if ``translate``, its en.mt track.

    ``translate`` None means: only with a model big enough to translate (not the bundled base);
    True makes en.mt with any model (with a warning for a small one). ``language`` is a language
    code, or None/"auto" to detect it. ``progress`` is called with (seconds done, total seconds)
    as decoding advances. Returns the tracks written or kept.
    """
    rec = archive.recording(recording_id)
    media = archive.media_dir / rec.media
    language = None if language in (None, "auto") else language
    base = options or engine.TranscribeOptions()
    described = engine.model_description(model)
    too_small = speech_model.too_small_to_translate(model)
    if translate is None:
        translate = not too_small
        if too_small and language != "en":
            say(f"{rec.id}: {NO_TRANSLATION_NOTE}")
    base = engine.resolve_device(base)  # record the device actually used, not "auto"
    passes = 2 if translate and language != "en" else 1
    cost = {}
    damage = [x for x in rec.source_notes.splitlines() if x.startswith(("damaged", "truncated"))]

    def run(opts: engine.TranscribeOptions, index: int) -> Track:
        # Progress runs over all passes, so one bar covers transcription and translation.
        def step(done: float, _total: float) -> None:
            if progress is not None:
                progress(index * rec.duration + done, passes * rec.duration)

        track, info = engine.run(model, media, rec.id, opts, progress=step, total=rec.duration)
        cost[opts.task] = info.cpu_seconds
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

    # Translation must not cost more than transcription: same guards and retry budget, and a
    # CPU cap equal to what transcribing this recording cost.
    budget = cost.get("transcribe", FALLBACK_CPU_PER_AUDIO_SECOND * rec.duration)
    # What a model too small to translate writes is flagged unusable whatever the temperature:
    # no sampling fallbacks (they tripled the cost of one short line even with the token cap).
    greedy = dict(temperature=[0.0], retry_temperature=[0.0]) if too_small else {}
    mt_opts = engine.replace(
        base, language=asr.language, task="translate", cpu_budget=round(budget, 1),
        max_tokens_per_s=TRANSLATION_TOKENS_PER_S, **greedy,
    )  # fmt: skip
    mt = None if force else _existing(archive, rec.id, "mt", described, mt_opts)
    if mt is None:
        mt = run(mt_opts, 1)
        link_to_source(mt, asr)
        if too_small:
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

    def shaping(settings: dict) -> dict:
        return {k: v for k, v in settings.items() if k not in _COST_CAPS}

    wanted = shaping(engine.settings_of(opts))
    for track_id in archive.track_ids(rec_id):
        if not track_id.endswith(f".{kind}"):
            continue
        track = archive.track(rec_id, track_id)
        if track.provenance.model == model and shaping(track.provenance.settings) == wanted:
            return track
    return None
