"""The speech model as the align algorithms use it: encode a window, force tokens onto it.

A ``Scorer`` is built once by the caller around a faster-whisper ``WhisperModel`` and passed
down (as whisperX passes its align model, and stable-ts hands its aligner the model's encode and
decode functions). The algorithms only call ``tokens``, ``encode`` and ``force``, so a test can
give them a fake scorer whose scores it chooses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_S = 30.0  # Whisper's fixed input length
FRAMES_PER_S = 100  # mel frames


@dataclass
class Forced:
    """One token sequence forced onto one encoded window."""

    token_probs: np.ndarray  # probability of each token under teacher forcing
    path: list[tuple[int, int]]  # (token index, encoder frame) pairs, monotonic


class Scorer:
    """Teacher forcing with one Whisper model, one language and task."""

    def __init__(self, model, language: str = "fa", task: str = "transcribe", name: str = ""):
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.language = language
        self.task = task
        self.name = name  # the model's description, for provenance and cache keys
        self.tokenizer = Tokenizer(model.hf_tokenizer, True, task=task, language=language)

    def for_task(self, language: str, task: str) -> Scorer:
        """The same model with another language or task (English quotes: translate)."""
        if (language, task) == (self.language, self.task):
            return self
        return Scorer(self.model, language, task, self.name)

    def tokens(self, text: str) -> list[int]:
        return self.tokenizer.encode(" " + text.strip()) if text.strip() else []

    def encode(self, samples: np.ndarray, window_s: float = WINDOW_S):
        """Encoder output for a window of ``window_s`` (at most 30 s) of 16 kHz samples, and
        the frames that hold audio. Whisper was trained on 30 s; CTranslate2 also encodes a
        shorter input, for less (24 s: two thirds of the CPU), which forced alignment can ask
        for (``ForcedOptions.window_s``; 30 is its default, BENCHMARKS.md)."""
        from faster_whisper.audio import pad_or_trim

        size = int(round(min(window_s, WINDOW_S) * FRAMES_PER_S / 2)) * 2  # encoder stride 2
        frames = max(1, min(size, len(samples) * FRAMES_PER_S // 16000))
        features = pad_or_trim(self.model.feature_extractor(samples), size)
        return self.model.encode(features), frames

    @staticmethod
    def to_array(encoded_and_frames) -> np.ndarray:
        """An encoded window as a float16 array for the disk cache (frames in the first cell)."""
        encoded, frames = encoded_and_frames[:2]
        arr = np.asarray(encoded).astype(np.float16)
        head = np.zeros((1, 1, arr.shape[2]), np.float16)
        head[0, 0, :2] = divmod(frames, 64)  # float16 holds integers exactly only up to 2048
        return np.concatenate([head, arr], axis=1)

    @staticmethod
    def from_array(arr: np.ndarray):
        import ctranslate2

        frames = int(arr[0, 0, 0]) * 64 + int(arr[0, 0, 1])
        data = np.ascontiguousarray(arr[:, 1:, :].astype(np.float32))
        # The view shares the array's memory: the array travels with it to stay alive.
        return ctranslate2.StorageView.from_array(data), frames, data

    def force(self, encoded, frames: int, tokens: list[int]) -> Forced:
        result = self.model.model.align(encoded, self.tokenizer.sot_sequence, [tokens], frames)[0]
        return Forced(np.asarray(result.text_token_probs, dtype=np.float64), result.alignments)

    def split_words(self, tokens: list[int]):
        return self.tokenizer.split_to_word_tokens(list(tokens) + [self.tokenizer.eot])

    @property
    def eot(self) -> int:
        return self.tokenizer.eot


def open_scorer(model: str | None = None, language: str = "fa", task: str = "transcribe"):
    """Load the speech model once for a caller (CLI, web, batch) and wrap it.

    The one place the align callers load a model: device and compute type are wired in here.
    """
    from transcribe import speech_model

    whisper = speech_model.load(model)
    return Scorer(whisper, language, task, speech_model.resolve(model).description)
