"""--device and --compute-type, shared by every command that runs a speech model."""

from __future__ import annotations

import click

from transcribe import speech_model


def device_options(command):
    """Add --device and --compute-type to ``command`` (as ``device`` and ``compute_type``)."""
    command = click.option(
        "--compute-type",
        default="default",
        show_default=True,
        help="CTranslate2 compute type (int8, int8_float16, float16, float32, ...); default: "
        "int8 on CPU, float16 on CUDA.",
    )(command)
    return click.option(
        "--device",
        type=click.Choice(speech_model.DEVICES),
        default="auto",
        show_default=True,
        help="Where the speech model runs: cpu, cuda (an NVIDIA GPU) or auto (CUDA if "
        "CTranslate2 sees one). Only CPU is tested.",
    )(command)


def use_device(device: str, compute_type: str) -> tuple[str, str]:
    """Check the choice now (one clear line if CUDA is not there) and make it this process's
    default for every model load; returns the (device, compute type) that will be used."""
    speech_model.set_defaults(device=device, compute_type=compute_type)
    return speech_model.device_settings()


def denoise_option(default: str | None):
    """--denoise (as ``denoise``): a named front end applied to a derived stream only.
    ``default`` is the command's (None: each stage's own, for batch)."""
    from transcribe import denoise

    said = {None: "transcription none, alignment " + denoise.DEFAULT_ALIGN}.get(default, default)

    def add(command):
        return click.option(
            "--denoise",
            type=click.Choice(list(denoise.NAMES)),
            default=default,
            help="Denoise the audio the model hears (afftdn: ffmpeg's FFT denoiser set to the "
            "recording's measured noise floor). Applied to a decoded copy only, never the "
            f"original; the filter is recorded in provenance. Default: {said} (measured on "
            "cassette tapes, BENCHMARKS.md).",
        )(command)

    return add


def open_denoised_session(archive, rec_id: str, denoise: str):
    """The audio session for ``rec_id`` with the front end ``denoise``, or None for none (the
    algorithms then open their usual session)."""
    if denoise == "none":
        return None
    from align.session import AudioSession, default_cache_dir

    rec = archive.recording(rec_id)
    return AudioSession(
        archive.media_path(rec_id), rec.sha256, cache_dir=default_cache_dir(), front_end=denoise
    )
