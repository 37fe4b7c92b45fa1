"""Run faster-whisper over a recording, piece by piece, and return a checked, refined Track.

Long recordings are decoded in pieces of a few minutes cut at the quietest moment near each
piece's end, so memory stays flat however long the recording is (whole-file log-mel features
cost 3.5 GB for an hour, see MODELS.md) and no word is cut in two. Each piece is transcribed
with word timestamps; every segment goes through the guards. A failing one (a repetition loop,
a stuck character, another script) has its stretch of speech decoded again in short windows cut
at pauses, with settings that cannot loop; a window that still fails has its loop cut out, and
only then is it dropped, and noted. Retries and a whole pass have cost caps (``retry_budget``,
``cpu_budget``). Then bounds are moved to where the speech is (boundaries.py).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import __version__, audio, boundaries, guards, speech_model
from . import denoise as denoising
from .errors import AudioError
from .speech_energy import EnergyOptions
from .transcript import Provenance, Segment, Track, Word, segment_id

log = logging.getLogger(__name__)

SAMPLE_RATE = audio.SAMPLE_RATE
# faster-whisper's defaults know only Latin and CJK punctuation; without the Persian marks a
# "؟" or "،" becomes a word of its own with its own (meaningless) time.
PREPEND_PUNCTUATIONS = "\"'“¿([{-«"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、،؛؟»۔…"
MIN_DURATION = 0.5  # seconds; shorter audio cannot hold a word Whisper could transcribe
_LANGUAGE_MISMATCH_P = 0.7  # how sure detection must be before we say the language is wrong
_RETRY_PAD = 0.1  # seconds of context either side of a window that is re-decoded alone
_STRUGGLE_T = 0.6  # a segment decoded only at this temperature or above ...
_STRUGGLE_LOGPROB = -1.0  # ... or this unsure (Whisper's own threshold) is suspect


@dataclass
class TranscribeOptions:
    """Every knob in one place, recorded verbatim in the track's provenance."""

    language: str | None = "fa"  # None: detect
    task: str = "transcribe"  # or "translate" (to English)
    beam_size: int = 5
    word_timestamps: bool = True
    condition_on_previous_text: bool = False  # faster and less loop-prone on long audio
    vad_filter: bool = False
    # Whisper skips a whole 30 s window it judges silent (no-speech probability above this and
    # unsure text). On a worn tape hiss fooled it into skipping 60 s of speech; Navar's own voice
    # activity check (guards, MIN_SPEECH_FRACTION) decides what is speech instead. None: off.
    no_speech_threshold: float | None = None
    temperature: list[float] = field(default_factory=lambda: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    device: str = "auto"  # cpu, cuda, or auto (CUDA when CTranslate2 sees a GPU); run() resolves
    compute_type: str = "default"  # CTranslate2 type; default: int8 on CPU, float16 on CUDA
    chunk_seconds: float = 240.0  # decode this much at a time (cut at the nearest quiet spot)
    # A named front end (denoise.NAMES: none, afftdn) applied while decoding; the exact filter
    # string, measured on the recording, is recorded beside it. The original file is never changed.
    denoise: str = denoising.DEFAULT
    guards: bool = True  # check segments for loops, text over silence, wrong script
    # A segment that fails the guards is decoded again in short windows cut at pauses, so a
    # loop in one 30 s window does not take the speech around it down with it (issue 12):
    retry_window: float = 8.0  # seconds: the longest window a failing stretch is cut into
    retry_beam_size: int = 5
    # No token 4-gram twice in a retried window: a loop cannot form. (On a worn-channel tape,
    # temperature 0 with this gave CER 0.57 against 0.59 with the usual fallback to 1.0, at half
    # the CPU; a repetition penalty of 1.1-1.2 made it worse, 0.68-0.77: BENCHMARKS.md.)
    retry_no_repeat_ngram_size: int = 4  # 0: off
    retry_repetition_penalty: float = 1.0  # >1 makes tokens already said less likely; 1: off
    retry_temperature: list[float] = field(default_factory=lambda: [0.0, 0.2, 0.4])
    # At most this many seconds of audio re-decoded per second decoded so far, so a recording
    # that fails everywhere costs at most (1 + this) decodes, not one per retry per window.
    retry_budget: float = 1.0
    # Stop decoding (and note where) after this many CPU seconds; the pipeline gives the
    # translation pass the transcription's cost, so translating never costs more. None: no cap.
    cpu_budget: float | None = None
    # At most this many tokens decoded per second of a window's audio (never more than
    # Whisper's 448). A window with its temperature fallbacks cannot be stopped once begun, so
    # the CPU budget cannot cap a recording of one window: base translating one 5 s Persian
    # line looped to 122-224 tokens at each of six temperatures, 25 CPU-s against 6 for its
    # transcription (BENCHMARKS.md). The pipeline sets it for translation. None: no cap.
    max_tokens_per_s: float | None = None
    refine_boundaries: bool = True  # move starts to speech onsets, ends out of silence
    # A segment is cut where its words pause this long (seconds, measured after refinement):
    # where Whisper joins two sentences depends on the CPU, a clear pause does not. None: off.
    split_pause_s: float | None = 0.6
    # The energy model refinement reads (speech_energy.py; alignment uses the same): by default
    # the band is measured on each piece, so a cassette's hum and hiss do not count as speech.
    energy: EnergyOptions = field(default_factory=EnergyOptions)
    check_language: bool = True  # warn when the speech is not in the language asked for
    prepend_punctuations: str = PREPEND_PUNCTUATIONS
    append_punctuations: str = APPEND_PUNCTUATIONS


@dataclass
class RunInfo:
    """What happened in a run, beyond the track itself."""

    language: str
    language_probability: float | None
    duration: float  # seconds of audio decoded
    seconds: float  # wall-clock time of the run
    cpu_seconds: float = 0.0  # this process's CPU time for the run (all threads)
    pieces: int = 0
    retried: int = 0
    dropped: int = 0
    trimmed: int = 0  # segments kept with a repetition loop cut out
    retried_seconds: float = 0.0  # audio decoded again by retries
    stopped_at: float | None = None  # where decoding stopped when the CPU budget ran out
    moved_bounds: int = 0  # word/segment starts and ends moved by refinement
    warnings: list[str] = field(default_factory=list)  # also in the track's provenance notes


def replace(options: TranscribeOptions, **changes) -> TranscribeOptions:
    return dataclasses.replace(options, **changes)


def resolve_device(options: TranscribeOptions) -> TranscribeOptions:
    """``options`` with device and compute type as they will be used (auto/default resolved)."""
    device, compute_type = speech_model.device_settings(options.device, options.compute_type)
    return replace(options, device=device, compute_type=compute_type)


def settings_of(options: TranscribeOptions) -> dict:
    """The settings as recorded in provenance (and compared to decide whether to redo a track).
    ``run`` adds the denoiser's exact filter string, measured on the recording. As JSON would
    give them back (tuples as lists), so a track read from disk compares equal."""
    return json.loads(json.dumps(asdict(options)))


def software() -> str:
    import ctranslate2
    import faster_whisper

    return (
        f"navar {__version__}, faster-whisper {faster_whisper.__version__}, "
        f"ctranslate2 {ctranslate2.__version__}"
    )


def model_description(model_spec: str | None) -> str:
    """The model as recorded in provenance: name or folder, with a checksum where we have files."""
    source = speech_model.resolve(model_spec)
    if source.kind == "path":
        return f"{source.description}, model.bin sha256:{_file_sha256(source.location)[:12]}"
    return source.description


def run(
    model_spec: str | None,
    media: Path,
    recording_id: str,
    options: TranscribeOptions,
    progress: Callable[[float, float], None] | None = None,
    total: float | None = None,
) -> tuple[Track, RunInfo]:
    """Transcribe (or translate) ``media``; returns the Track and a RunInfo.

    ``progress`` is called with (seconds done, ``total``) as pieces advance; ``total`` defaults
    to the duration the container declares.
    """
    began, began_cpu = time.monotonic(), time.process_time()
    options = resolve_device(options)
    model = speech_model.load(model_spec, options.device, options.compute_type)
    total = total or _declared_duration(media) or 0.0
    translate = options.task == "translate"
    info = RunInfo(options.language or "und", None, duration=0.0, seconds=0.0)
    ctx = _Context(model, options, info, language=options.language)
    ctx.budget = _Budget(options.cpu_budget)
    segments: list[Segment] = []
    reached = 0.0

    def report(done: float) -> None:
        # Segment ends are not strictly increasing (refined, retried): report the furthest.
        nonlocal reached
        reached = max(reached, done)
        if progress is not None:
            progress(round(reached, 1), round(max(total, reached), 1))

    report(0.0)  # show the bar (and its total) before the first piece
    # The front end's filter, its parameters measured on this recording (a derived stream only).
    front = denoising.filter_for(options.denoise, media)
    for offset, samples in pieces(media, options.chunk_seconds, front):
        if ctx.budget.spent():
            info.stopped_at = offset
            break
        info.pieces += 1
        info.duration = offset + len(samples) / SAMPLE_RATE
        speech = _speech_spans(samples)
        if not speech:
            report(info.duration)
            continue
        if not ctx.checked_language and (ctx.language is None or _checks_language(options)):
            # Once per recording, on the first piece with speech: auto uses the answer for every
            # piece; an asked language is checked against it, whatever the decoder writes.
            ctx.language = _detect_language(ctx, samples, speech)
        piece = _transcribe_piece(model, samples, offset, ctx.language, options)
        energy = boundaries.energy(samples, offset, options.energy)
        for seg, struggled in piece:
            ctx.budget.step()  # the decode that produced this segment
            seg = _after(seg, ctx.covered)  # a retry may already have decoded its start
            if seg is not None:
                kept = _guard(ctx, samples, offset, seg, speech, struggled)
                if options.refine_boundaries:
                    info.moved_bounds += boundaries.refine(kept, energy)
                kept = boundaries.split_at_pauses(kept, options.split_pause_s)
                segments.extend(kept)
                ctx.covered = max([ctx.covered, *(k.end for k in kept)])
                report(min(offset + seg.end, info.duration))
            if ctx.budget.spent():  # checked before the next window is decoded, not after
                info.stopped_at = round(ctx.covered, 3)
                break
        if info.stopped_at is not None:
            break
        report(info.duration)

    if info.stopped_at is not None:
        info.warnings.append(
            f"stopped at {info.stopped_at:.1f} s of {max(total, info.duration):.1f} s: this pass "
            f"had used its CPU budget ({options.cpu_budget:.0f} s); the rest has no text"
        )
    if info.duration < MIN_DURATION:
        info.warnings.append(
            f"the audio is only {info.duration:.2f} s long: too short to hold speech that could "
            "be transcribed"
        )
    elif not segments and not info.dropped:
        info.warnings.append(
            "no speech was found (only silence, noise or music?): the track is empty"
        )
    elif not segments:
        info.warnings.append("every segment failed the guards: the track is empty")
    for i, seg in enumerate(segments):
        seg.id = segment_id(i)
        flag = f"wrong-language:{ctx.other_language}"
        if ctx.other_language and flag not in seg.flags:
            seg.flags.append(flag)  # the whole recording sounded like another language
    info.language = "en" if translate else (ctx.language or "und")
    kind = "mt" if translate else "asr"
    track = Track(
        id=f"{info.language}.{kind}",
        recording_id=recording_id,
        language=info.language,
        kind=kind,
        provenance=Provenance(
            software=software(),
            model=model_description(model_spec),
            settings={**settings_of(options), **denoising.provenance(options.denoise, front)},
            notes=list(info.warnings),
        ),
        segments=segments,
    )
    info.seconds = round(time.monotonic() - began, 3)
    info.cpu_seconds = round(time.process_time() - began_cpu, 3)
    return track, info


# --- pieces -------------------------------------------------------------------------------------


def pieces(
    media: Path, chunk_seconds: float, filters: str | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (offset seconds, samples) pieces of about ``chunk_seconds``, cut at quiet moments.

    Holds at most about one piece plus one read block in memory. The cut is the quietest half
    second in the last quarter of the piece (3 to 30 s of it), so it falls in a pause.
    """
    size = int(chunk_seconds * SAMPLE_RATE)
    search = min(max(size // 4, 3 * SAMPLE_RATE), 30 * SAMPLE_RATE, size // 2)
    block = min(chunk_seconds, 60.0)
    buf = np.zeros(0, dtype=np.float32)
    offset = 0
    for _, data in audio.iter_chunks(media, block, filters):
        buf = np.concatenate([buf, data])
        while len(buf) >= size + search:
            cut = boundaries.quietest_cut(buf, size - search, size)
            yield offset / SAMPLE_RATE, buf[:cut]
            offset += cut
            buf = buf[cut:]
    if len(buf) or offset == 0:
        yield offset / SAMPLE_RATE, buf


# Whisper decodes at most 448 tokens per window, the prompt (3-4 tokens here) included.
_MAX_NEW_TOKENS = 440


def _transcribe_piece(model, samples, offset, language, options, retry=False):
    """Yield (Segment in recording time, struggled) as faster-whisper finds them in a piece.

    Lazy, like faster-whisper itself, so progress moves segment by segment. ``retry`` decodes
    with the retry settings (fresh context, repetition penalties, the retry temperatures).
    """
    if len(samples) < int(MIN_DURATION * SAMPLE_RATE):
        return
    decoding = dict(
        beam_size=options.beam_size,
        condition_on_previous_text=options.condition_on_previous_text,
        temperature=options.temperature,
    )
    if retry:
        decoding = dict(
            beam_size=options.retry_beam_size,
            condition_on_previous_text=False,
            temperature=options.retry_temperature,
            repetition_penalty=options.retry_repetition_penalty,
            no_repeat_ngram_size=options.retry_no_repeat_ngram_size,
        )
    window_s = min(len(samples) / SAMPLE_RATE, model.feature_extractor.chunk_length)
    if options.max_tokens_per_s and window_s * options.max_tokens_per_s < _MAX_NEW_TOKENS:
        decoding["max_new_tokens"] = max(16, math.ceil(window_s * options.max_tokens_per_s))
    found, _ = model.transcribe(
        samples,
        language=language,
        task=options.task,
        no_speech_threshold=options.no_speech_threshold,
        word_timestamps=options.word_timestamps,
        vad_filter=options.vad_filter,
        prepend_punctuations=options.prepend_punctuations,
        append_punctuations=options.append_punctuations,
        **decoding,
    )
    # "Struggled": the decoder fell back to sampling or stayed unsure, which is what speech in
    # another language than the one forced looks like.
    for s in found:
        if s.temperature > 0:
            speech_model.note_sampled(model)
        if s.text.strip():
            struggled = s.temperature >= _STRUGGLE_T or s.avg_logprob < _STRUGGLE_LOGPROB
            yield _segment(s, offset), struggled


def _segment(s, offset: float) -> Segment:
    words: list[Word] = []
    pending = ""  # punctuation met before any word, to put in front of the next one
    for w in s.words or []:
        text = w.word.strip()
        if not text:
            continue
        if not any(ch.isalnum() for ch in text):
            # A mark faster-whisper did not merge (e.g. a leading "۔" or a quote pair): it is
            # not a spoken word, so it gets no time of its own.
            if words:
                words[-1].text += text
            else:
                pending += text
            continue
        prob = round(float(w.probability), 4)
        words.append(Word(_t(w.start + offset), _t(w.end + offset), pending + text, prob))
        pending = ""
    start, end = _t(s.start + offset), _t(s.end + offset)
    if words:  # the segment spans its words (Whisper's own bounds can be looser)
        start, end = words[0].start, max(words[-1].end, words[0].start)
    return Segment(id="", start=start, end=end, text=s.text.strip(), words=words)


# --- guards -------------------------------------------------------------------------------------


@dataclass
class _Context:
    """One run's state that the guards need."""

    model: object
    options: TranscribeOptions
    info: RunInfo
    language: str | None  # the language being transcribed (asked, or detected once)
    other_language: str | None = None  # set when detection says the speech is not `language`
    covered: float = 0.0  # recording time up to which text is kept (a retry may reach ahead)
    budget: _Budget = field(default_factory=lambda: _Budget(None))
    checked_language: bool = False

    @property
    def out_language(self) -> str | None:
        return "en" if self.options.task == "translate" else self.language


def _guard(ctx: _Context, samples, offset, seg: Segment, speech, struggled) -> list[Segment]:
    """The segments to keep in place of ``seg``: itself, a retried version, or nothing."""
    if not ctx.options.guards:
        return [seg]
    fraction = _fraction_in(speech, seg.start - offset, seg.end - offset)
    reasons = guards.check(seg.text, ctx.out_language, fraction)
    if ctx.other_language and reasons in ([], ["wrong-script"]):
        # Detection said the recording is in another language than asked: text in that
        # language's script is what was said, so it is kept (flagged), not retried away.
        seg.flags.append(f"wrong-language:{ctx.other_language}")
        return [seg]
    if not reasons:
        return [seg]
    if "no-speech" not in reasons and guards.RETRYABLE.intersection(reasons):
        a, b = _stretch(speech, seg.start - offset, seg.end - offset, len(samples) / SAMPLE_RATE)
        a = max(a, ctx.covered - offset)  # never decode again what is already kept
        budget = ctx.options.retry_budget * max(ctx.info.duration, b - a)
        if ctx.budget.spent():
            reasons = [*reasons, "cpu-budget-spent"]
        elif ctx.info.retried_seconds + (b - a) <= budget:
            ctx.info.retried += 1
            ctx.info.retried_seconds += b - a
            again = _retry(ctx, samples, offset, (a, b), speech, reasons)
            ctx.covered = max(ctx.covered, offset + b)
            if again:
                return again
            reasons = [*reasons, "retry-failed"]
        else:
            reasons = [*reasons, "retry-budget-spent"]
        trimmed = _trim_loop(seg, ctx.out_language)
        if trimmed is not None:
            ctx.info.trimmed += 1
            note = guards.describe(seg.start, seg.end, reasons, seg.text)
            ctx.info.warnings.append(note.replace("dropped", "trimmed a repetition loop in", 1))
            return [trimmed]
    ctx.info.dropped += 1
    ctx.info.warnings.append(guards.describe(seg.start, seg.end, reasons, seg.text))
    log.info("dropped a segment at %.2f s: %s", seg.start, ", ".join(reasons))
    return []


def _retry(ctx: _Context, samples, offset, stretch, speech, reasons) -> list[Segment]:
    """Decode ``stretch`` (seconds in the piece) again in short windows cut at pauses.

    Each window is decoded alone with the retry settings; a result that still fails the guards
    has its loop cut out, else it is dropped and noted. So one loop costs at most its window.
    """
    out: list[Segment] = []
    why = "retried:" + "+".join(reasons)
    for a, b in _retry_windows(speech, stretch, ctx.options.retry_window):
        if ctx.budget.spent():
            break
        i = max(int((a - _RETRY_PAD) * SAMPLE_RATE), 0)
        j = min(int((b + _RETRY_PAD) * SAMPLE_RATE), len(samples))
        found = _transcribe_piece(
            ctx.model, samples[i:j], offset + i / SAMPLE_RATE, ctx.language, ctx.options, True
        )
        for s, _struggled in found:
            ctx.budget.step()
            failed = guards.check(s.text, ctx.out_language, _fraction_in(
                speech, s.start - offset, s.end - offset))  # fmt: skip
            if not failed:
                s.flags.append(why)
                out.append(s)
                continue
            trimmed = None if "no-speech" in failed else _trim_loop(s, ctx.out_language)
            if trimmed is not None:
                trimmed.flags.append(why)
                ctx.info.trimmed += 1
                note = guards.describe(s.start, s.end, [*failed, "after-retry"], s.text)
                ctx.info.warnings.append(note.replace("dropped", "trimmed a repetition loop in", 1))
                out.append(trimmed)
                continue
            ctx.info.dropped += 1
            ctx.info.warnings.append(
                guards.describe(s.start, s.end, [*failed, "after-retry"], s.text)
            )
    return out


def _after(seg: Segment, covered: float) -> Segment | None:
    """``seg`` without the words that start before ``covered`` (already kept), or None."""
    if not seg.words or seg.words[0].start >= covered - 0.05:
        return seg if seg.words or seg.start >= covered - 0.05 else None
    words = [w for w in seg.words if (w.start + w.end) / 2 >= covered]
    return seg.keeping(words) if words else None


def _stretch(speech, start: float, end: float, length: float) -> tuple[float, float]:
    """The span to decode again for a failing segment: it, widened to the speech it touches.

    A loop's word times are unreliable, so every voiced span the segment overlaps is taken
    whole; that is the speech the failed segment claimed.
    """
    a, b = max(start, 0.0), min(end, length)
    for x, y in speech:
        if y > start and x < end:
            a, b = min(a, x), max(b, y)
    return a, b


def _retry_windows(speech, stretch, longest: float) -> list[tuple[float, float]]:
    """Cut ``stretch`` into windows of at most ``longest`` seconds, at pauses where possible.

    Voiced spans are joined while they fit; a span longer than ``longest`` is cut evenly.
    """
    a, b = stretch
    spans = [(max(x, a), min(y, b)) for x, y in speech if y > a and x < b] or [(a, b)]
    windows: list[tuple[float, float]] = []
    for x, y in spans:
        parts = max(1, int(np.ceil((y - x) / longest)))
        step = (y - x) / parts
        for k in range(parts):
            lo, hi = x + k * step, x + (k + 1) * step
            if windows and hi - windows[-1][0] <= longest:
                windows[-1] = (windows[-1][0], hi)
            else:
                windows.append((lo, hi))
    return windows


class _Budget:
    """A pass's CPU budget. Spent when what is used plus the dearest decoding step seen so far
    would pass the limit, so the step that would overrun is not started (a window with its
    temperature fallbacks cannot be interrupted once begun)."""

    def __init__(self, limit: float | None):
        self.limit = limit
        self.began = self.mark = time.process_time()
        self.dearest = 0.0

    def step(self) -> None:
        now = time.process_time()
        self.dearest = max(self.dearest, now - self.mark)
        self.mark = now

    def spent(self) -> bool:
        if self.limit is None:
            return False
        return time.process_time() - self.began + self.dearest >= self.limit


def _trim_loop(seg: Segment, language: str | None) -> Segment | None:
    """``seg`` with each looped phrase cut back to one saying, if what is left passes."""
    if not seg.words:
        return None
    kept, removed = guards.collapse_loops([w.text for w in seg.words])
    if not removed or not kept:
        return None
    trimmed = seg.keeping(
        [seg.words[j] for j in kept], [*seg.flags, f"loop-trimmed:{removed}-words"]
    )
    return None if guards.check(trimmed.text, language) else trimmed


def _speech_spans(samples: np.ndarray) -> list[tuple[float, float]]:
    """Voice activity (Silero VAD, shipped inside faster-whisper) as (start, end) seconds."""
    if len(samples) < int(MIN_DURATION * SAMPLE_RATE):
        # Too short for the VAD to judge: let energy decide whether anything is there.
        en = boundaries.energy(samples)
        loud = len(en.db) and float(np.max(en.db)) > -50.0
        return [(0.0, len(samples) / SAMPLE_RATE)] if loud else []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(
        samples, VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    )
    return [(d["start"] / SAMPLE_RATE, d["end"] / SAMPLE_RATE) for d in found]


def _fraction_in(spans: list[tuple[float, float]], start: float, end: float) -> float:
    if end <= start:
        return 0.0
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
    return covered / (end - start)


def _checks_language(options: TranscribeOptions) -> bool:
    """Whether a run with a language asked checks it (transcription only: a translation pass
    decodes the same recording again, and its transcription was checked)."""
    return options.check_language and options.task == "transcribe"


def _detect_language(ctx: _Context, samples, speech) -> str:
    """Whisper's language detection on the first 30 s of speech in ``samples``.

    With no language asked, the answer is used. With one asked, a confident other answer is
    reported whatever the decoder then writes (a warning, and every segment flagged
    wrong-language); the text is still decoded in the asked language. It costs one encoder pass
    and one decoder step, once per recording (README: "Language check").
    """
    ctx.checked_language = True
    voiced = np.concatenate([samples[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
                             for a, b in speech])[: 30 * SAMPLE_RATE]  # fmt: skip
    detected, p, _ = ctx.model.detect_language(voiced)
    ctx.info.language_probability = round(float(p), 3)
    asked = ctx.options.language
    if asked is None:
        ctx.info.warnings.append(f"language detected as {detected} (probability {p:.2f})")
        return detected
    if detected != asked and p >= _LANGUAGE_MISMATCH_P:
        ctx.other_language = detected
        ctx.info.warnings.append(
            f"the speech sounds like {detected} (probability {p:.2f}), not {asked} as asked; "
            f"segments in the wrong script are kept and flagged wrong-language (try --language "
            f"{detected} or --language auto)"
        )
    return asked


# --- helpers ------------------------------------------------------------------------------------


def _t(x: float) -> float:
    return round(float(x), 3)


def _declared_duration(media: Path) -> float | None:
    cmd = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
    try:
        _, out, _ = audio.run_program([*cmd, str(media)], timeout=audio.PROBE_TIMEOUT_S)
        return float(out.decode("utf-8", "replace").strip())
    except (AudioError, ValueError):
        return None


@functools.lru_cache(maxsize=8)
def _file_sha256(folder: str) -> str:
    digest = hashlib.sha256()
    with open(Path(folder) / "model.bin", "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()
