"""Transcription through a cassette channel: CER clean vs decent vs worn, loops, CPU cost.

For each recording in ../shared/data/persian-read-speech, the channel copies are made with
navar.synthetic.cassette (decent: 100-7000 Hz, hiss 20 dB down, 48 kbps MP3; worn: 250-3400
Hz, 50/150 Hz hum, hiss 12 dB down, 24 kbps MP3; deterministic), then each copy is transcribed
with transcribe.engine.run (Navar's guards and retries, no translation). Optionally the worn
copy is also run with a denoiser in front: ``worn+afftdn`` uses Navar's named front end
(``denoise="afftdn"``, applied while decoding); ``worn+noisereduce`` (bench only, needs the
noisereduce package) writes a spectral-gated copy of the channel's output first and transcribes
that.

Scored on the hand-marked sentences of tests/data/read_speech_sentences.json: a sentence's
text is the words whose middle falls inside its span; CER = character edits / reference
characters, summed over sentences, after align.normalize on both sides (as
bench/transcribe_compare.py). Also: sentences with nothing kept, segments the loop detector
(transcribe.guards.check) still flags (must be 0), segments retried / trimmed / dropped, and
CPU-seconds per audio minute (this process's CPU time; steadier than wall time on a shared
machine).

    nice .venv/bin/python bench/transcribe_cassette.py [--channels clean,decent,worn,worn+afftdn]
        [--recordings 1,2,3,4] [--set retry_window=6 ...] [--translate] [--json out.json]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "persian-read-speech"
MARKS = ROOT / "tests" / "data" / "read_speech_sentences.json"
sys.path.insert(0, str(ROOT))

from align.normalize import normalize  # noqa: E402
from navar.synthetic import cassette  # noqa: E402
from transcribe import engine, guards  # noqa: E402
from transcribe.denoise import NAMES as DENOISERS  # noqa: E402


def python_denoised(name: str, media: Path, out: Path) -> Path:
    """A denoised copy of ``media`` made in Python (for front ends Navar does not ship)."""
    import subprocess

    import numpy as np

    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(media), "-ac", "1", "-ar", "16000"]
    pcm = subprocess.run([*cmd, "-f", "s16le", "-"], capture_output=True, check=True).stdout
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    if name != "noisereduce":
        raise SystemExit(f"unknown front end {name!r}")
    import noisereduce

    # Stationary spectral gating: the noise profile is the whole copy's, as tape hiss is.
    y = noisereduce.reduce_noise(y=x, sr=16000, stationary=True, prop_decrease=NR_PROP)
    data = (np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes()
    wav = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "s16le", "-ar", "16000", "-ac", "1"]
    subprocess.run([*wav, "-i", "-", str(out)], input=data, check=True)
    return out


NR_PROP = float(os.environ.get("NAVAR_BENCH_NR_PROP", "1.0"))  # noisereduce's prop_decrease


def sentence_texts(track, sentences) -> list[str]:
    """The words of ``track`` whose middle falls inside each marked sentence's span."""
    words = [w for s in track.segments for w in s.words]
    return [
        " ".join(w.text for w in words if s["start"] <= (w.start + w.end) / 2 <= s["end"])
        for s in sentences
    ]


def score(refs: list[str], hyps: list[str]) -> tuple[int, int]:
    edits = chars = 0
    for ref, hyp in zip(refs, hyps, strict=True):
        r, h = normalize(ref), normalize(hyp)
        edits += Levenshtein.distance(r, h)
        chars += len(r)
    return edits, chars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--channels", default="clean,decent,worn,worn+afftdn")
    ap.add_argument("--recordings", default="1,2,3,4")
    ap.add_argument("--set", nargs="*", default=[], help="TranscribeOptions overrides k=v")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument(
        "--translate",
        action="store_true",
        help="also translate each copy, capped at its transcription's CPU (as the pipeline does)",
    )
    args = ap.parse_args()
    marks = json.loads(MARKS.read_text(encoding="utf-8"))["recordings"]
    changes = {k: ast.literal_eval(v) for k, v in (x.split("=", 1) for x in args.set)}
    base = engine.replace(engine.TranscribeOptions(), **changes)
    print(f"load: {os.getloadavg()}  options: {changes or 'defaults'}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for channel in args.channels.split(","):
            strength, _, front = channel.partition("+")
            navar_front = front in DENOISERS
            opts = engine.replace(base, denoise=front) if navar_front else base
            total = {"edits": 0, "chars": 0, "empty": 0, "sentences": 0, "loops": 0,
                     "retried": 0, "trimmed": 0, "dropped": 0, "cpu": 0.0, "audio": 0.0,
                     "wall": 0.0, "mt_cpu": 0.0, "mt_stopped": 0}  # fmt: skip
            for n in args.recordings.split(","):
                src = DATA / "audios" / f"{n}.mp3"
                media = src
                if strength != "clean":
                    media = cassette(src, Path(tmp) / f"{n}-{strength}.wav", strength)
                if front and not navar_front:
                    media = python_denoised(front, media, Path(tmp) / f"{n}-{channel}.wav")
                began, began_cpu = time.monotonic(), time.process_time()
                track, info = engine.run(None, media, n, opts)
                cpu = time.process_time() - began_cpu
                sentences = marks[n]["sentences"]
                hyps = sentence_texts(track, sentences)
                edits, chars = score([s["text"] for s in sentences], hyps)
                loops = [s.text for s in track.segments if guards.check(s.text, "fa")]
                row = {"edits": edits, "chars": chars, "empty": sum(not h for h in hyps),
                       "sentences": len(sentences), "loops": len(loops),
                       "retried": info.retried, "trimmed": info.trimmed,
                       "dropped": info.dropped, "cpu": cpu, "audio": info.duration,
                       "wall": time.monotonic() - began}  # fmt: skip
                if args.translate:
                    mt_opts = engine.replace(opts, task="translate", cpu_budget=round(cpu, 1))
                    began_cpu = time.process_time()
                    _mt, mt_info = engine.run(None, media, n, mt_opts)
                    row["mt_cpu"] = time.process_time() - began_cpu
                    row["mt_stopped"] = int(mt_info.stopped_at is not None)
                    print(f"{channel} {n}: translation {row['mt_cpu']:.0f} CPU-s against "
                          f"transcription {cpu:.0f} (stopped early: {mt_info.stopped_at})",
                          flush=True)  # fmt: skip
                for k, v in row.items():
                    total[k] += v
                print(f"{channel} {n}: CER {edits / chars:.3f}, empty {row['empty']}/"
                      f"{len(sentences)}, loops kept {len(loops)}, retried {info.retried}, "
                      f"trimmed {info.trimmed}, dropped {info.dropped}, cpu {cpu:.0f} s "
                      f"for {info.duration:.0f} s", flush=True)  # fmt: skip
                for text in loops:
                    print(f"   LOOP KEPT: {text[:80]!r}", flush=True)
            total["cer"] = round(total["edits"] / total["chars"], 3)
            total["cpu_s_per_audio_min"] = round(total["cpu"] / (total["audio"] / 60), 1)
            results[channel] = total
            print(f"== {channel}: CER {total['cer']}, nothing kept {total['empty']}/"
                  f"{total['sentences']}, loops kept {total['loops']}, retried "
                  f"{total['retried']}, trimmed {total['trimmed']}, dropped {total['dropped']}, "
                  f"{total['cpu_s_per_audio_min']} CPU-s per audio minute", flush=True)  # fmt: skip
    print(f"load: {os.getloadavg()}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"options": changes, "results": results}, indent=1))


if __name__ == "__main__":
    main()
