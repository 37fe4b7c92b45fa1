"""Test tapes with known sentence times: clean, through a cassette channel, 40 minutes, two voices.

Built at benchmark (or test) time from ../shared/data/persian-read-speech and the hand marks in
tests/data/read_speech_sentences.json; deterministic (fixed seeds, fixed layouts), written to a
work folder, never to git.

- ``real``: recordings 1 and 2 joined with 3 s of silence (1 s lead), every line marked.
- ``two_voice``: transcript lines each spoken by two readers in turn (a sentence of recording 3,
  a short pause, a sentence of recording 4), so the voice changes inside a line; the turn times
  are known.
- ``long``: about 40 minutes: all four recordings again and again at other speeds and pitches
  (filler, transcribed too, times scaled from the marks), with untouched copies of recordings 1
  and 2 spread through it whose lines are the ones scored.

Each tape also has ``absent`` lines: transcript lines that are not spoken, inserted into the
reference at set places, which an aligner must report as unplaced.

The cassette channel (``CHANNELS``) is an ffmpeg filter graph: band-limit, mains hum and its
third harmonic, white hiss at a level relative to the speech (the mean power over the marked
sentences), then an MP3 round trip. The hiss is added after the band limit, so it is broadband
like a worn tape's (MODELS.md: hiss is what breaks alignment). The MP3 round trip's delay is
measured by cross-correlation with the channel's input and removed, so the marks hold to a
sample; ``check_marks`` reports the measured lag and the level of each tape.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "persian-read-speech"
MARKS = ROOT / "tests" / "data" / "read_speech_sentences.json"
RATE = 16000


@dataclass(frozen=True)
class Channel:
    """A cassette-and-copies channel. Levels in dB relative to the speech's mean power."""

    name: str
    low_hz: float
    high_hz: float
    hiss_db: float
    mp3_kbps: int
    hum_db: float | None = None  # 50 Hz mains hum
    hum3_db: float | None = None  # its third harmonic, 150 Hz


CHANNELS = {
    "clean": None,
    "decent": Channel("decent", 100, 7000, hiss_db=-20, mp3_kbps=48),
    "worn": Channel("worn", 250, 3400, hiss_db=-12, mp3_kbps=24, hum_db=-20, hum3_db=-26),
}


@dataclass
class Line:
    text: str
    start: float | None  # true span on the tape; None for an absent (unspoken) line
    end: float | None
    scored: bool = True  # False: filler whose times are scaled from the marks (approximate)
    turns: list[float] = field(default_factory=list)  # voice changes inside the line


@dataclass
class Tape:
    name: str
    channel: str
    wav: Path
    duration: float
    lines: list[Line]  # the reference transcript in order, absent lines included
    notes: dict = field(default_factory=dict)

    @property
    def reference(self) -> list[str]:
        return [x.text for x in self.lines]

    def to_json(self) -> str:
        d = asdict(self)
        d["wav"] = str(self.wav)
        return json.dumps(d, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Tape:
        d = json.loads(text)
        d["wav"] = Path(d["wav"])
        d["lines"] = [Line(**x) for x in d["lines"]]
        return cls(**d)


def available() -> bool:
    return (DATA / "audios" / "1.mp3").is_file() and MARKS.is_file()


def _marks() -> dict:
    return json.loads(MARKS.read_text(encoding="utf-8"))["recordings"]


def _lines_of(n: int) -> list[str]:
    text = (DATA / "transcripts" / f"{n}.txt").read_text(encoding="utf-8")
    return [" ".join(x.split()) for x in text.splitlines() if x.strip()]


def _decode(path: Path, filters: str | None = None) -> np.ndarray:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path)]
    cmd += ["-af", filters] if filters else []
    cmd += ["-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=300).stdout
    return np.frombuffer(out, dtype=np.int16).astype(np.float32) / 32768.0


def _write_wav(path: Path, x: np.ndarray) -> None:
    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes()
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1"]
    subprocess.run([*cmd, "-i", "-", str(path)], input=pcm, check=True, timeout=300)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)), dtype=np.float32)


# --- layouts -------------------------------------------------------------------------------------

# Lines not spoken on any tape that uses recordings 1-2 (and 1-4 for the long one: recording 3's
# and 4's lines are spoken there, so its absent lines are made-up Persian sentences).
ABSENT = [
    "این جمله در هیچ‌کدام از نوارها خوانده نشده است و باید بی‌جا بماند.",
    "گزارش جلسه‌ی دیروز درباره‌ی بودجه‌ی مدرسه و تعمیر سقف کتابخانه بود.",
]


def _with_absent(lines: list[Line], at: tuple[int, ...] = (3, 12)) -> list[Line]:
    out = list(lines)
    for k, text in zip(sorted(at, reverse=True), ABSENT, strict=False):
        out.insert(min(k, len(out)), Line(text, None, None, scored=False))
    return out


def _real_layout(recordings: tuple[int, ...] = (1, 2)) -> tuple[np.ndarray, list[Line]]:
    marks = _marks()
    parts, lines, t = [_silence(1.0)], [], 1.0
    for n in recordings:
        x = _decode(DATA / "audios" / f"{n}.mp3")
        for s in marks[str(n)]["sentences"]:
            lines.append(Line(s["text"], round(t + s["start"], 3), round(t + s["end"], 3)))
        parts += [x, _silence(3.0)]
        t += (len(x) + 3 * RATE) / RATE
    said = [x for n in recordings for x in _lines_of(n)]
    assert [x.text for x in lines] == said, "marks and transcripts differ"
    return np.concatenate(parts), _with_absent(lines)


def _held_out_layout() -> tuple[np.ndarray, list[Line]]:
    """Recordings 3 and 4 as the real tape has 1 and 2: material the quote-search thresholds
    were not set on (its absent quotes are recordings 1 and 2's lines)."""
    return _real_layout((3, 4))


def _short_layout() -> tuple[np.ndarray, list[Line]]:
    """For tests: recording 1's first five lines (about 45 s), one unspoken line among them."""
    marks = _marks()["1"]["sentences"][:5]
    x = _decode(DATA / "audios" / "1.mp3")
    a = marks[0]["start"] - 1.0
    x = np.concatenate([_silence(0.5), x[int(a * RATE) : int((marks[-1]["end"] + 1.0) * RATE)]])
    t = 0.5 - a
    lines = [Line(s["text"], round(t + s["start"], 3), round(t + s["end"], 3)) for s in marks]
    return x, _with_absent(lines, at=(2,))


def _short_two_voice_layout() -> tuple[np.ndarray, list[Line]]:
    """For tests: the two-voice tape's first three lines, one unspoken line among them."""
    x, lines = _two_voice_layout(3)
    spoken = [ln for ln in lines if ln.start is not None]
    return x, _with_absent(spoken, at=(1,))


def _two_voice_layout(n: int = 8) -> tuple[np.ndarray, list[Line]]:
    """Each line: a sentence of recording 3, a pause of 0.25-0.6 s, a sentence of recording 4."""
    marks = _marks()
    a_rec, b_rec = (_decode(DATA / "audios" / f"{n}.mp3") for n in (3, 4))
    a_s, b_s = marks["3"]["sentences"], marks["4"]["sentences"]
    pad = 0.1  # the marks are +-0.05 s; a cut this far out keeps the whole word

    def cut(x, s):
        return x[int((s["start"] - pad) * RATE) : int((s["end"] + pad) * RATE)]

    parts, lines, t = [_silence(1.0)], [], 1.0
    pauses = [0.25, 0.4, 0.6, 0.3, 0.5, 0.35, 0.45, 0.55]
    for i in range(min(len(a_s), len(b_s), n)):
        ca, cb = cut(a_rec, a_s[i]), cut(b_rec, b_s[i])
        start = t + pad
        turn = t + len(ca) / RATE + pauses[i] + pad
        end = turn + (b_s[i]["end"] - b_s[i]["start"])
        text = a_s[i]["text"] + " " + b_s[i]["text"]
        lines.append(Line(text, round(start, 3), round(end, 3), turns=[round(turn, 3)]))
        parts += [ca, _silence(pauses[i]), cb, _silence(1.2)]
        t += (len(ca) + len(cb)) / RATE + pauses[i] + 1.2
    return np.concatenate(parts), _with_absent(lines, at=(2, 6))


# Filler copies: (speed, pitch) factors; asetrate changes both, atempo restores the speed.
FILLER = [(0.92, 0.95), (1.08, 1.06), (0.97, 1.04), (1.04, 0.93), (0.9, 1.0), (1.1, 0.97)]


def _long_layout(minutes: float = 40.0) -> tuple[np.ndarray, list[Line]]:
    marks = _marks()
    originals = {n: _decode(DATA / "audios" / f"{n}.mp3") for n in (1, 2, 3, 4)}
    parts, lines, t, k = [_silence(1.0)], [], 1.0, 0
    total = minutes * 60
    marked_at = {0.1, 0.45, 0.8}  # untouched copies of 1 and 2 start near these fractions
    while t < total - 60:
        if marked_at and t >= min(marked_at) * total:
            marked_at.discard(min(marked_at))
            copies = [(n, 1.0, 1.0, originals[n]) for n in (1, 2)]
        else:
            n = 1 + k % 4
            speed, pitch = FILLER[k % len(FILLER)]
            k += 1
            # Resampled to RATE first: asetrate sets the rate the samples are played at, so
            # on the 44.1 kHz originals RATE * pitch slowed them to a third (unintelligible
            # filler whose text did not match it, before this was fixed).
            f = f"aresample={RATE},asetrate={RATE * pitch:.0f},aresample={RATE},"
            f += f"atempo={speed / pitch:.4f}"
            copies = [(n, speed, pitch, _decode(DATA / "audios" / f"{n}.mp3", f))]
        for n, speed, _, x in copies:
            marked = speed == 1.0
            for s in marks[str(n)]["sentences"]:
                a, b = t + s["start"] / speed, t + s["end"] / speed
                lines.append(Line(s["text"], round(a, 3), round(b, 3), scored=marked))
            parts += [x, _silence(2.0)]
            t += (len(x) + 2 * RATE) / RATE
    n_lines = len(lines)
    return np.concatenate(parts), _with_absent(lines, at=(n_lines // 3, 2 * n_lines // 3))


LAYOUTS = {
    "real": _real_layout,
    "held_out": _held_out_layout,
    "two_voice": _two_voice_layout,
    "long": _long_layout,
    "short": _short_layout,
    "short_two_voice": _short_two_voice_layout,
}


# --- the channel ---------------------------------------------------------------------------------


def speech_level_db(x: np.ndarray, lines: list[Line]) -> float:
    spans = [x[int(a.start * RATE) : int(a.end * RATE)] for a in lines if a.start is not None]
    power = float(np.mean(np.concatenate(spans).astype(np.float64) ** 2))
    return 10 * np.log10(power + 1e-20)


def _sine_volume_db(target_db: float) -> float:
    return target_db - 20 * np.log10(0.125 / np.sqrt(2))  # lavfi sine: amplitude 1/8


def channel_graph(ch: Channel, speech_db: float) -> tuple[list[str], str]:
    """Extra lavfi inputs and the filter graph that passes input 0 through the channel."""
    hiss_rms = 10 ** ((speech_db + ch.hiss_db) / 20)
    amp = hiss_rms * np.sqrt(3)  # anoisesrc white is uniform in [-amp, amp]
    inputs = [f"anoisesrc=color=white:seed=1988:sample_rate={RATE}:amplitude={amp:.6f}"]
    band = f"highpass=f={ch.low_hz},highpass=f={ch.low_hz},lowpass=f={ch.high_hz},"
    band += f"lowpass=f={ch.high_hz}"
    graph = [f"[0:a]{band}[s]"]
    mix = ["[s]", "[1:a]"]
    for hz, db in ((50, ch.hum_db), (150, ch.hum3_db)):
        if db is not None:
            inputs.append(f"sine=frequency={hz}:sample_rate={RATE}")
            graph.append(f"[{len(inputs)}:a]volume={_sine_volume_db(speech_db + db):.2f}dB[h{hz}]")
            mix.append(f"[h{hz}]")
    graph.append(f"{''.join(mix)}amix=inputs={len(mix)}:normalize=0:duration=first[out]")
    return inputs, ";".join(graph)


def apply_channel(x: np.ndarray, lines: list[Line], ch: Channel, work: Path) -> tuple:
    """x through the channel, delay removed; (samples, notes)."""
    speech_db = speech_level_db(x, lines)
    src, mp3 = work / f"_in-{ch.name}.wav", work / f"_ch-{ch.name}.mp3"
    _write_wav(src, x)
    inputs, graph = channel_graph(ch, speech_db)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src)]
    for i in inputs:
        cmd += ["-f", "lavfi", "-i", i]
    cmd += ["-filter_complex", graph, "-map", "[out]", "-ac", "1", "-ar", str(RATE)]
    cmd += ["-c:a", "libmp3lame", "-b:a", f"{ch.mp3_kbps}k", str(mp3)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    y = _decode(mp3)
    lag = _lag(x, y)
    y = y[lag:] if lag >= 0 else np.concatenate([_silence(-lag / RATE), y])
    y = np.pad(y[: len(x)], (0, max(0, len(x) - len(y))))
    src.unlink()
    mp3.unlink()
    notes = {
        "speech_db": round(speech_db, 1),
        "mp3_lag_samples": int(lag),
        "lag_after_correction": int(_lag(x, y)),
        "channel": asdict(ch),
    }
    return y.astype(np.float32), notes


def _lag(x: np.ndarray, y: np.ndarray, max_lag: int = 4000) -> int:
    """Samples by which y is late against x, from a cross-correlation over 60 s of speech."""
    a, n = RATE, 60 * RATE
    xs, ys = x[a : a + n].astype(np.float64), y[a : a + n + max_lag].astype(np.float64)
    m = len(xs) + len(ys)
    size = 1 << (m - 1).bit_length()
    cc = np.fft.irfft(np.fft.rfft(ys, size) * np.conj(np.fft.rfft(xs, size)), size)
    cands = np.concatenate([cc[: max_lag + 1], cc[-max_lag:]])
    lags = np.concatenate([np.arange(max_lag + 1), np.arange(-max_lag, 0)])
    return int(lags[int(np.argmax(cands))])


# --- building ------------------------------------------------------------------------------------


def build(layout: str, channel: str, work: Path) -> Tape:
    """The tape, built once into ``work`` (rebuilt when missing)."""
    work.mkdir(parents=True, exist_ok=True)
    name = f"{layout}-{channel}"
    meta, wav = work / f"{name}.json", work / f"{name}.wav"
    marks = hashlib.sha256(MARKS.read_bytes()).hexdigest()
    if meta.is_file() and wav.is_file():
        tape = Tape.from_json(meta.read_text(encoding="utf-8"))
        if tape.notes.get("marks_sha256") == marks:
            return tape
        # The marks changed (a hand fix): the lines' times follow them. The audio stays as
        # built (its hiss level was set against the old spans: a negligible difference), so
        # caches of it (transcripts, encodings) stay valid.
        _, lines = LAYOUTS[layout]()
        tape.lines, tape.notes = lines, {**tape.notes, "marks_sha256": marks}
        meta.write_text(tape.to_json(), encoding="utf-8")
        return tape
    x, lines = LAYOUTS[layout]()
    notes = {"marks_sha256": marks}
    if channel != "clean":
        x, more = apply_channel(x, lines, CHANNELS[channel], work)
        notes |= more
    _write_wav(wav, x)
    tape = Tape(name, channel, wav, round(len(x) / RATE, 3), lines, notes)
    meta.write_text(tape.to_json(), encoding="utf-8")
    return tape


def part(tape: Tape, start: float, end: float, work: Path) -> Tape:
    """The stretch [start, end) of a tape with the reference lines inside it (unspoken lines
    between them kept), times counted from ``start``: a long tape measured in parts."""
    inside = [i for i, x in enumerate(tape.lines) if x.start is not None]
    inside = [i for i in inside if tape.lines[i].start >= start and tape.lines[i].end < end]
    name = f"{tape.name}[{start:g}-{end:g}]"
    wav = work / f"{name}.wav"
    if not wav.is_file():
        cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(tape.wav)]
        cmd += ["-ss", f"{start}", "-to", f"{end}", "-c:a", "pcm_s16le", str(wav)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    lines = []
    for x in tape.lines[inside[0] : inside[-1] + 1] if inside else []:
        shift = None if x.start is None else (round(x.start - start, 3), round(x.end - start, 3))
        lines.append(Line(x.text, *(shift or (None, None)), x.scored, [t - start for t in x.turns]))
    duration = round(min(end, tape.duration) - start, 3)
    return Tape(name, tape.channel, wav, duration, lines, {**tape.notes, "part": [start, end]})


def check_marks(tape: Tape) -> dict:
    """Do the marks still hold? The speech-to-gap level difference at the marked edges: mean
    power inside the first and last 0.2 s of each line against 0.2 s just outside it."""
    x = _decode(tape.wav)
    inside, outside = [], []
    for ln in tape.lines:
        if ln.start is None or not ln.scored:
            continue
        a, b = int(ln.start * RATE), int(ln.end * RATE)
        w = int(0.2 * RATE)
        inside += [x[a : a + w], x[b - w : b]]
        outside += [x[max(0, a - w - 800) : a - 800], x[b + 800 : b + 800 + w]]

    def db(parts):
        return round(10 * np.log10(np.mean(np.concatenate(parts).astype(np.float64) ** 2)), 1)

    return {"inside_edges_db": db(inside), "outside_edges_db": db(outside), **tape.notes}


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "tapes")
    ap.add_argument("--layouts", nargs="+", default=["real", "two_voice"])
    ap.add_argument("--channels", nargs="+", default=["clean", "decent", "worn"])
    args = ap.parse_args()
    for lay in args.layouts:
        for ch in args.channels:
            t = build(lay, ch, args.work)
            print(t.name, t.duration, json.dumps(check_marks(t)))
