"""Score a known text against the audio by teacher forcing with the Whisper decoder.

Whisper's ``align()`` (what faster-whisper uses for word timestamps) takes an encoded 30 s window
and a token sequence, and returns each token's probability under the decoder plus a monotonic
token-to-time path from the cross-attention. That needs no trust in what the free decoder wrote:
a quote's tokens score high only in the window where they are spoken. ``Spotter`` encodes each
window once and caches it, so many quotes against one recording cost one encoder pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import stopping

WINDOW_S = 30.0  # Whisper's fixed input length
SAMPLE_RATE = 16000
FRAMES_PER_S = 100  # mel frames
TOKENS_PER_S = 50  # encoder frames, the unit of the alignment path
FORCED_KEPT = 8  # align_pieces results remembered (a walk re-asks its last step's question)


@dataclass
class AlignedWord:
    text: str
    start: float  # seconds in the recording
    end: float
    probability: float


@dataclass
class Alignment:
    """The result of forcing one text onto one window."""

    window_start: float
    logprob: float  # mean log probability of the text's tokens (not of any prefix)
    words: list[AlignedWord]
    token_logprobs: list[float]
    # Per word of ``words``, its tokens' (first, end) indices into ``token_logprobs``.
    word_tokens: list[tuple[int, int]] = field(default_factory=list)


class Spotter:
    """Teacher-forcing scores of texts on one recording's windows: a scorer (the model) and an
    audio session (the samples and their encoder-output cache), both given by the caller."""

    def __init__(self, scorer, session, window_s: float = WINDOW_S):
        self.scorer = scorer
        self.session = session
        self.window_s = window_s  # what each encoded window holds (Whisper's 30 s at most)
        self.duration = session.duration
        self.energy = session.energy
        self._forced: dict = {}  # the last few align_pieces results (callers copy what they edit)

    # --- windows ------------------------------------------------------------------------------

    def windows(self, hop: float = 10.0) -> list[float]:
        """Window starts covering the recording, the last one ending at the end."""
        if self.duration <= WINDOW_S:
            return [0.0]
        starts = list(np.arange(0.0, self.duration - WINDOW_S, hop))
        starts.append(self.duration - WINDOW_S)
        return [round(float(s), 2) for s in starts]

    def clamp(self, start: float) -> float:
        # Windows may run past the end (padded with silence, as Whisper pads its last chunk):
        # a quote near the end must still sit at the start of its window, where teacher
        # forcing places it reliably; shifted into a window's middle it lands anywhere.
        latest = self.duration - 1.0
        return round(max(0.0, min(start, latest)), 2)

    def encode(self, start: float, reverse: bool = False, until: float | None = None):
        """The window at ``start`` encoded (cached); ``until``: silent from there on, so that
        the decoder hears only what is said before it (quotes.QuoteOptions.split_crop_s)."""
        stopping.check()  # each window is a model step: the caller may have given up
        name = self.scorer.name
        if self.window_s != WINDOW_S:  # another input length, another encoder output
            name = f"{name} ({self.window_s:g} s windows)"
        key = (name, int(round(start * 1000)), reverse)
        end = start + self.window_s
        silenced = until is not None and until < min(end, self.duration)  # else no audio to cut
        if silenced:
            key += (int(round(until * 1000)),)

        def compute():
            chunk = self.session.samples(start, until if silenced else end)
            if reverse:  # same voice, room and loudness, but no words: a null for scoring
                chunk = np.ascontiguousarray(chunk[::-1])
            if silenced:  # zeros, as Whisper pads a recording's last window
                chunk = np.pad(chunk, (0, int(self.window_s * SAMPLE_RATE) - len(chunk)))
            return self.scorer.encode(chunk, self.window_s)

        store = getattr(self.scorer, "to_array", None)
        load = getattr(self.scorer, "from_array", None)
        return self.session.encoded(key, compute, store, load)

    # --- scoring ------------------------------------------------------------------------------

    def tokens(self, text: str) -> list[int]:
        return self.scorer.tokens(text)

    def align(
        self,
        text: str,
        start: float,
        prefix: str = "",
        reverse: bool = False,
        until: float | None = None,
    ) -> Alignment:
        """Force ``prefix + text`` onto the window at ``start`` (silent from ``until``, if
        given); score and time ``text`` only.

        The alignment path must begin at the window's first frame, so whatever speech precedes
        the text in the window is best given as ``prefix`` (it soaks up that audio).
        """
        start = self.clamp(start)
        encoded, frames = self.encode(start, reverse, until)[:2]
        pre = self.tokens(prefix) if prefix.strip() else []
        body = self.tokens(text)
        if not body:
            return Alignment(start, -math.inf, [], [])
        result = self.scorer.force(encoded, frames, pre + body)
        probs = result.token_probs
        logp = np.log(np.clip(probs, 1e-9, 1.0))
        body_logp = logp[len(pre) : len(pre) + len(body)]
        spans: list[tuple[int, int]] = []
        words = self._word_times(pre + body, len(pre), result, probs, start, spans)
        lp = [float(x) for x in body_logp]
        return Alignment(start, float(body_logp.mean()), words, lp, spans)

    def align_pieces(
        self, pieces: list[str], start: float, reverse: bool = False
    ) -> list[Alignment]:
        """Force several consecutive texts onto one window; one Alignment per piece."""
        start = self.clamp(start)
        key = (tuple(pieces), start, reverse)
        if key in self._forced:  # the walk asks again what it asked a step before
            return self._forced[key]
        encoded, frames = self.encode(start, reverse)[:2]
        toks, bounds = [], []
        for piece in pieces:
            t = self.tokens(piece)
            bounds.append((len(toks), len(toks) + len(t)))
            toks += t
        if not toks:
            return [Alignment(start, -math.inf, [], []) for _ in pieces]
        result = self.scorer.force(encoded, frames, toks)
        probs = result.token_probs
        logp = np.log(np.clip(probs, 1e-9, 1.0))
        out = []
        for a, b in bounds:
            spans: list[tuple[int, int]] = []
            words = self._word_times(toks[:b], a, result, probs, start, spans) if b > a else []
            lp = float(logp[a:b].mean()) if b > a else -math.inf
            out.append(Alignment(start, lp, words, [float(x) for x in logp[a:b]], spans))
        self._forced[key] = out
        while len(self._forced) > FORCED_KEPT:
            self._forced.pop(next(iter(self._forced)))
        return out

    def scan(self, text: str, starts: list[float] | None = None) -> list[tuple[float, float]]:
        """(window start, mean log probability of ``text``) for every window."""
        return [(s, self.align(text, s).logprob) for s in (starts or self.windows())]

    def _word_times(self, toks, first, result, probs, offset, spans=None) -> list[AlignedWord]:
        """Each word's times from the alignment path (``spans``, if given, gets each word's
        token range relative to ``first``)."""
        path = result.path
        text_idx = np.array([p[0] for p in path])
        time_idx = np.array([p[1] for p in path])
        jumps = np.pad(np.diff(text_idx), (1, 0), constant_values=1).astype(bool)
        jump_times = time_idx[jumps] / TOKENS_PER_S
        words, word_tokens = self.scorer.split_words(toks)
        out, pos = [], 0
        for word, wt in zip(words, word_tokens, strict=False):
            a, b = pos, pos + len(wt)
            pos = b
            if a < first or wt == [self.scorer.eot] or not word.strip():
                continue
            punctuation = out and not any(ch.isalnum() for ch in word)
            if spans is not None and punctuation:
                spans[-1] = (spans[-1][0], b - first)
            elif spans is not None:
                spans.append((a - first, b - first))
            if b >= len(jump_times):
                b = len(jump_times) - 1
            if punctuation:
                out[-1].text += word.strip()  # punctuation belongs to the word before it
                continue
            out.append(
                AlignedWord(
                    text=word.strip(),
                    start=round(offset + float(jump_times[min(a, len(jump_times) - 1)]), 3),
                    end=round(offset + float(jump_times[b]), 3),
                    probability=round(float(np.mean(probs[a:b])) if b > a else 0.0, 4),
                )
            )
        return out
