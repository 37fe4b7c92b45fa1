"""The energy model alignment uses: Navar's one, in transcribe/speech_energy.py.

Transcription refines Whisper's word times with it and alignment places line edges with it, so
both read speech edges the same way. Kept as a name here so align's modules say ``.energy``.
"""

from transcribe.speech_energy import (  # noqa: F401
    FRAME_S,
    MEASURED,
    SAMPLE_RATE,
    Energy,
    EnergyOptions,
    band_for,
    frame_db,
)
