"""Checks for Whisper's known failures, on one segment's text and what the audio says about it.

Each check returns reasons (short names) rather than raising: the engine decides whether to retry
a segment (fresh context, higher temperature) or drop it, and records either in the segment's
flags or the track's provenance notes. Nothing that fails a guard is kept silently.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

# Whisper's own threshold: text that zlib compresses this well is mostly repetition.
COMPRESSION_RATIO_LIMIT = 2.4
# Below this share of speech (voice activity) in its span, a segment is text over silence/music.
MIN_SPEECH_FRACTION = 0.1
# Reasons worth a second attempt; "no-speech" is not: there is nothing there to transcribe.
RETRYABLE = frozenset(
    {"repeated-character", "repetition-loop", "compression-ratio", "wrong-script"}
)

ARABIC_SCRIPT = frozenset({"fa", "ar", "ur", "ps", "ug", "sd"})
LATIN_SCRIPT = frozenset(
    {"en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "tr", "ro"}
)

_CHAR_RUN = re.compile(r"(\S)\1{19,}")  # one character 20 or more times in a row
_SHORT_LOOP = re.compile(r"(\S{2,6}?)\1{7,}")  # a 2-6 letter chunk 8 or more times in a row


def check(
    text: str,
    language: str | None,
    speech_fraction: float | None = None,
) -> list[str]:
    """Reasons ``text`` looks like a Whisper failure; empty when it passes."""
    reasons = []
    if speech_fraction is not None and speech_fraction < MIN_SPEECH_FRACTION:
        reasons.append("no-speech")
    if repeated_character(text):
        reasons.append("repeated-character")
    if repetition_loop(text):
        reasons.append("repetition-loop")
    if compression_ratio(text) > COMPRESSION_RATIO_LIMIT:
        reasons.append("compression-ratio")
    if wrong_script(text, language):
        reasons.append("wrong-script")
    return reasons


def repeated_character(text: str) -> bool:
    return bool(_CHAR_RUN.search(text))


def repetition_loop(text: str) -> bool:
    """A word or phrase (1-4 words) said back to back too often, or a syllable stuck in a loop.

    Real speech repeats too ("نه، نه، نه"), so a single word must come 6 times in a row and a
    phrase 4 times before it counts as a loop.
    """
    if _SHORT_LOOP.search(text.replace(" ", "")):
        return True
    words = [_bare(w) for w in text.split()]
    words = [w for w in words if w]
    for n in range(1, 5):
        needed = 6 if n == 1 else 4
        if len(words) < n * needed:
            break
        for i in range(len(words) - n * needed + 1):
            gram = words[i : i + n]
            if all(words[i + k * n : i + (k + 1) * n] == gram for k in range(1, needed)):
                return True
    return False


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    if len(data) < 40:  # too short for the ratio to mean anything
        return 1.0
    return len(data) / len(zlib.compress(data))


def wrong_script(text: str, language: str | None) -> bool:
    """Text mostly in another script than the language is written in (e.g. English for fa)."""
    arabic = latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("ARABIC"):
            arabic += 1
        elif name.startswith("LATIN"):
            latin += 1
    letters = arabic + latin
    if letters < 3:
        return False
    if language in ARABIC_SCRIPT:
        return arabic / letters < 0.5
    if language in LATIN_SCRIPT:
        return latin / letters < 0.5
    return False


def describe(start: float, end: float, reasons: list[str], text: str) -> str:
    """One line for provenance notes about a dropped segment."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return f"dropped {start:.2f}-{end:.2f} s ({', '.join(reasons)}): {shown!r}"


def _bare(word: str) -> str:
    return "".join(ch for ch in word if ch.isalnum()).casefold()


def collapse_loops(words: list[str]) -> tuple[list[int], int]:
    """Indices of ``words`` to keep when each looped phrase is cut back to its first saying.

    Returns (kept indices, how many words were removed). Uses the same thresholds as
    ``repetition_loop``; a loop usually follows correctly heard text, which is worth keeping.
    """
    bare = [_bare(w) for w in words]
    keep = [True] * len(words)
    i = 0
    while i < len(bare):
        for n in range(1, 5):
            gram = bare[i : i + n]
            if len(gram) < n or not all(gram):
                continue
            k = 1
            while bare[i + k * n : i + (k + 1) * n] == gram:
                k += 1
            if k >= (6 if n == 1 else 4):
                for j in range(i + n, i + k * n):
                    keep[j] = False
                i += k * n - 1
                break
        i += 1
    kept = [j for j, flag in enumerate(keep) if flag]
    return kept, len(words) - len(kept)
