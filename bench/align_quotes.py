"""Benchmark quote search and forced alignment on tapes with known sentence boundaries.

Synthetic tape: sentences from ../shared/data/persian-read-speech transcripts spoken by
espeak-ng and joined with set silences (navar.synthetic), so every sentence's true span is
known. Quotes are whole sentences (5 to 40 words): exact, with 20 % of the words replaced by
words from elsewhere, and absent (sentences from a transcript that is not on the tape).

Real tape (--real): the shared mp3 recordings joined with 3 s of silence. Only the recordings'
edges are known exactly, so it reports the start of each recording's first sentence and the
end of its last one, for quotes and for forced alignment.

    .venv/bin/python bench/align_quotes.py --lines 12 --out bench/out/align_quotes.json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydub import AudioSegment  # noqa: E402
from pydub.silence import detect_leading_silence  # noqa: E402

from align import quotes  # noqa: E402
from align.forced import align_reference  # noqa: E402
from navar import synthetic  # noqa: E402
from transcribe import engine  # noqa: E402
from transcribe.archive import Archive  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "persian-read-speech"


def lines_of(n: int) -> list[str]:
    text = (DATA / "transcripts" / f"{n}.txt").read_text(encoding="utf-8")
    return [" ".join(x.split()) for x in text.splitlines() if x.strip()]


def changed(line: str, rng: random.Random, pool: list[str]) -> str:
    words = line.split()
    for i in rng.sample(range(len(words)), max(1, len(words) // 5)):
        words[i] = rng.choice(pool)
    return " ".join(words)


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 3)


def summary(errors):
    return {
        "n": len(errors),
        "median_s": pct(errors, 0.5),
        "p95_s": pct(errors, 0.95),
        "within_0.3s": sum(e <= 0.3 for e in errors),
    }


def add_transcribed(archive: Archive, path: Path, title: str):
    rec = archive.add(path, title=title).recording
    if not archive.has_track(rec.id, "fa.asr"):
        t0 = time.time()
        track, _ = engine.run(None, archive.media_path(rec.id), rec.id, engine.TranscribeOptions())
        archive.save_track(track)
        print(f"transcribed {rec.duration:.0f} s in {time.time() - t0:.0f} s", flush=True)
    return rec


def quote_run(archive, rec, cases):
    """cases: (kind, query, true start or None, true end or None)."""
    out = []
    for kind, query, ts, te in cases:
        t0 = time.time()
        found = quotes.find_quotes(archive, rec.id, query, limit=1)
        row = {"kind": kind, "words": len(query.split()), "seconds": round(time.time() - t0, 1)}
        if found:
            m = found[0]
            row |= {"start": m.start, "end": m.end, "score": m.score, **m.details}
            if ts is not None:
                row["start_error"] = round(abs(m.start - ts), 3)
            if te is not None:
                row["end_error"] = round(abs(m.end - te), 3)
        out.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return out


def report_quotes(rows):
    rep = {}
    for kind in ("exact", "changed"):
        rs = [r for r in rows if r["kind"] == kind]
        if not rs:
            continue
        found = [r for r in rs if "start" in r]
        rep[kind] = {
            "quotes": len(rs),
            "found": len(found),
            "start": summary([r["start_error"] for r in found if "start_error" in r]),
            "end": summary([r["end_error"] for r in found if "end_error" in r]),
            "found_and_within_0.3s": sum(
                r.get("start_error", 0) <= 0.3 and r.get("end_error", 0) <= 0.3 for r in found
            ),
            "seconds_per_quote": round(statistics.mean(r["seconds"] for r in rs), 1),
        }
    absent = [r for r in rows if r["kind"] == "absent"]
    rep["absent"] = {"quotes": len(absent), "false_matches": sum("start" in r for r in absent)}
    gaps = {k: sorted(r.get("gap", 0) for r in rows if r["kind"] == k and "gap" in r)
            for k in ("exact", "changed", "absent")}  # fmt: skip
    rep["gaps"] = gaps
    return rep


def synthetic_tape(args, work: Path):
    rng = random.Random(7)
    tape_lines = [x for x in lines_of(1) + lines_of(2) if 5 <= len(x.split()) <= 40]
    tape_lines = tape_lines[: args.lines]
    audio, spans = synthetic.synthesize(tape_lines, voice="fa", gap=0.8)
    work.mkdir(parents=True, exist_ok=True)
    wav = work / "synthetic-tape.wav"
    audio.export(wav, format="wav")
    archive = Archive(work / "archive")
    rec = add_transcribed(archive, wav, "synthetic tape")
    pool = [w for x in lines_of(3) for w in x.split()]
    picks = rng.sample(range(len(spans)), min(args.quotes, len(spans)))
    cases = [("exact", spans[i].text, spans[i].start, spans[i].end) for i in picks]
    cases += [("changed", changed(spans[i].text, rng, pool), spans[i].start, spans[i].end)
              for i in picks]  # fmt: skip
    absent = [x for x in lines_of(4) if 5 <= len(x.split()) <= 40][: args.absent]
    cases += [("absent", x, None, None) for x in absent]
    rows = quote_run(archive, rec, cases)

    ref = work / "reference.txt"
    ref.write_text("\n".join(tape_lines) + "\n", encoding="utf-8")
    t0 = time.time()
    result = align_reference(archive, rec.id, ref)
    secs = time.time() - t0
    starts, ends = [], []
    for seg, truth in zip(result.track.segments, spans, strict=True):
        if seg.timed:
            starts.append(abs(seg.start - truth.start))
            ends.append(abs(seg.end - truth.end))
    forced = {
        "lines": len(spans),
        "unplaced": len(result.unplaced),
        "start": summary(starts),
        "end": summary(ends),
        "audio_s": round(rec.duration, 1),
        "compute_s": round(secs, 1),
        "compute_s_per_audio_hour": round(secs / rec.duration * 3600),
    }
    print(json.dumps(forced), flush=True)
    return {"quotes": report_quotes(rows), "forced": forced, "rows": rows}


def real_tape(args, work: Path):
    gap = AudioSegment.silent(3000, frame_rate=16000)
    tape = AudioSegment.silent(1000, frame_rate=16000)
    edges, all_lines = [], []
    for n in args.real_files:
        seg = AudioSegment.from_file(DATA / "audios" / f"{n}.mp3").set_channels(1)
        seg = seg.set_frame_rate(16000)
        lead = detect_leading_silence(seg, silence_threshold=-40.0) / 1000
        tail = detect_leading_silence(seg.reverse(), silence_threshold=-40.0) / 1000
        start = len(tape) / 1000
        edges.append((start + lead, start + len(seg) / 1000 - tail))
        tape += seg + gap
        all_lines.append(lines_of(n))
    work.mkdir(parents=True, exist_ok=True)
    mp3 = work / "real-tape.mp3"
    tape.export(mp3, format="mp3", bitrate="64k")
    archive = Archive(work / "archive")
    rec = add_transcribed(archive, mp3, "real tape")
    cases = []
    for (a, b), lines in zip(edges, all_lines, strict=True):
        cases.append(("exact", lines[0], a, None))
        cases.append(("exact", lines[-1], None, b))
    rows = quote_run(archive, rec, cases)
    ref = work / "real-reference.txt"
    ref.write_text("\n".join(x for ls in all_lines for x in ls) + "\n", encoding="utf-8")
    t0 = time.time()
    result = align_reference(archive, rec.id, ref)
    secs = time.time() - t0
    segs = result.track.segments
    starts, ends, k = [], [], 0
    for (a, b), lines in zip(edges, all_lines, strict=True):
        first, last = segs[k], segs[k + len(lines) - 1]
        k += len(lines)
        if first.timed:
            starts.append(abs(first.start - a))
        if last.timed:
            ends.append(abs(last.end - b))
    forced = {
        "lines": len(segs),
        "unplaced": len(result.unplaced),
        "recording_first_line_start": summary(starts),
        "recording_last_line_end": summary(ends),
        "audio_s": round(rec.duration, 1),
        "compute_s": round(secs, 1),
        "compute_s_per_audio_hour": round(secs / rec.duration * 3600),
    }
    print(json.dumps(forced), flush=True)
    return {"quotes": report_quotes(rows), "forced": forced, "rows": rows}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=12, help="sentences on the synthetic tape")
    ap.add_argument("--quotes", type=int, default=8, help="present quotes of each kind")
    ap.add_argument("--absent", type=int, default=6)
    ap.add_argument("--real", action="store_true", help="also the real-speech tape")
    ap.add_argument("--real-files", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "align_quotes.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = {"synthetic": synthetic_tape(args, Path(tmp) / "syn")}
        if args.real:
            out["real"] = real_tape(args, Path(tmp) / "real")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: {"quotes": v["quotes"], "forced": v["forced"]} for k, v in out.items()},
                     ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
