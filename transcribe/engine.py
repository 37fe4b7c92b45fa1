"""Run faster-whisper over a recording and return a Track.

This is the plain path: decode, transcribe with word timestamps, convert. Boundary refinement,
the guards against Whisper's failure modes and chunked decoding for long files build on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__, audio, speech_model
from .transcript import Provenance, Segment, Track, Word, segment_id


@dataclass
class TranscribeOptions:
    """Every knob in one place, recorded verbatim in the track's provenance."""

    language: str | None = "fa"  # None: detect
    task: str = "transcribe"  # or "translate" (to English)
    beam_size: int = 5
    word_timestamps: bool = True
    condition_on_previous_text: bool = False  # faster and less loop-prone on long audio
    vad_filter: bool = False
    temperature: list[float] = field(default_factory=lambda: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    compute_type: str = "int8"


def replace(options: TranscribeOptions, **changes) -> TranscribeOptions:
    return dataclasses.replace(options, **changes)


def settings_of(options: TranscribeOptions) -> dict:
    """The settings as recorded in provenance (and compared to decide whether to redo a track)."""
    return asdict(options)


def run(
    model_spec: str | None,
    media: Path,
    recording_id: str,
    options: TranscribeOptions,
    progress: Callable[[float, float], None] | None = None,
):
    """Transcribe ``media``; returns (Track, faster-whisper's TranscriptionInfo)."""
    source = speech_model.resolve(model_spec)
    model = speech_model.load(model_spec, options.compute_type)
    samples = audio.decode(media)
    settings = settings_of(options)
    segments, info = model.transcribe(
        samples,
        language=options.language,
        task=options.task,
        beam_size=options.beam_size,
        word_timestamps=options.word_timestamps,
        condition_on_previous_text=options.condition_on_previous_text,
        vad_filter=options.vad_filter,
        temperature=options.temperature,
    )
    out: list[Segment] = []
    for seg in segments:
        words = [
            Word(start=round(w.start, 3), end=round(w.end, 3), text=w.word.strip(),
                 probability=round(w.probability, 4))
            for w in (seg.words or [])
        ]  # fmt: skip
        out.append(
            Segment(
                id=segment_id(len(out)),
                start=round(seg.start, 3),
                end=round(seg.end, 3),
                text=seg.text.strip(),
                words=words,
            )
        )
    language = "en" if options.task == "translate" else info.language
    kind = "mt" if options.task == "translate" else "asr"
    track = Track(
        id=f"{language}.{kind}",
        recording_id=recording_id,
        language=language,
        kind=kind,
        provenance=Provenance(
            software=f"navar {__version__}",
            model=source.description,
            settings=settings,
        ),
        segments=out,
    )
    return track, info
