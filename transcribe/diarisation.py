"""Speaker turns from a diarisation model the user supplies; Navar ships none.

A diarisation model here is a pyannote.audio pipeline on disk: its ``config.yaml`` (or the
folder holding it) with the models it names beside it, as pyannote's offline instructions lay
out. ``load`` returns the pipeline or raises ``ModelLoadError`` with one sentence saying why it
cannot (pyannote.audio not installed, no such file, the pipeline refusing to load), as
``speech_model.load`` does for Whisper models. ``turns`` runs it on a recording, and
``speakers_of`` gives each segment the label of the turn it overlaps most: turns are named
SPEAKER_00, SPEAKER_01... by the model, for a person to rename.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelLoadError
from .transcript import Segment

INSTALL_HINT = "pip install pyannote.audio"


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    label: str


def config_path(spec: str | Path) -> Path:
    """The pipeline's config.yaml for ``spec`` (the file, or a folder holding it)."""
    path = Path(spec).expanduser()
    if path.is_dir():
        path = path / "config.yaml"
    if not path.is_file():
        raise ModelLoadError(
            f"diarisation model {spec}: no pipeline there (give a pyannote pipeline's "
            "config.yaml or the folder holding it)"
        )
    return path


def load(spec: str | Path):
    """The pyannote.audio pipeline at ``spec``; ModelLoadError (one sentence) if it cannot load."""
    config = config_path(spec)
    try:
        from pyannote.audio import Pipeline
    except ImportError:
        raise ModelLoadError(
            f"diarisation model {spec}: speaker turns need pyannote.audio, which is not "
            f"installed ({INSTALL_HINT}); Navar ships no diarisation model"
        ) from None
    try:
        pipeline = Pipeline.from_pretrained(str(config))
    except Exception as exc:  # a third-party loader: any failure is the model's, said in one line
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ModelLoadError(f"diarisation model {spec} could not be loaded: {reason}") from None
    if pipeline is None:  # pyannote returns None for what it cannot find or is not allowed
        raise ModelLoadError(f"diarisation model {spec} could not be loaded (pyannote found "
                             "no pipeline in its config.yaml)")  # fmt: skip
    return pipeline


def turns(pipeline, audio_path: Path) -> list[Turn]:
    """Who speaks when in ``audio_path``, by ``pipeline`` (from ``load``)."""
    annotation = pipeline(str(audio_path))
    annotation = getattr(annotation, "speaker_diarization", annotation)  # pyannote 4 wraps it
    return [
        Turn(round(float(seg.start), 3), round(float(seg.end), 3), str(label))
        for seg, _track, label in annotation.itertracks(yield_label=True)
    ]


def speakers_of(segments: Sequence[Segment], found: Sequence[Turn]) -> list[str | None]:
    """For each segment, the label of the turn that overlaps it longest (None: no overlap or
    an untimed segment)."""
    out: list[str | None] = []
    for seg in segments:
        if not seg.timed:
            out.append(None)
            continue
        overlap: dict[str, float] = {}
        for t in found:
            shared = min(seg.end, t.end) - max(seg.start, t.start)
            if shared > 0:
                overlap[t.label] = overlap.get(t.label, 0.0) + shared
        out.append(max(overlap, key=overlap.get) if overlap else None)
    return out
