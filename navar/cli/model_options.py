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
