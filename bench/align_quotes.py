"""Benchmark quote search and forced alignment on tapes with known sentence boundaries.

Synthetic tape: sentences from ../shared/data/persian-read-speech transcripts spoken by
espeak-ng and joined with set silences (navar.synthetic), so every sentence's true span is
known. Quotes are whole sentences (5 to 40 words): exact, with 20 % of the words replaced by
words from elsewhere, and absent (sentences from a transcript that is not on the tape).

Real tape (--real, or --real-only to skip the synthetic one): the shared mp3 recordings
(--real-files, default 1 and 2) joined with 3 s of silence, with every sentence's true span
from the hand marks in tests/data/read_speech_sentences.json (bench/mark_sentences.py). It
reports the same table: exact and 20 %-changed whole-sentence quotes (5 to 40 words) picked
from the tape's lines, absent quotes from the transcripts not on the tape, and forced alignment
of the tape's transcripts, every line's start and end against its mark.

    .venv/bin/python bench/align_quotes.py --lines 12 --out bench/out/align_quotes.json
    .venv/bin/python bench/align_quotes.py --real-only --out bench/out/align_quotes_real.json
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


MARKS = ROOT / "tests" / "data" / "read_speech_sentences.json"


def real_tape(args, work: Path):
    """The shared mp3 recordings joined with 3 s of silence, scored against the hand-marked
    sentence times of tests/data/read_speech_sentences.json (bench/mark_sentences.py), offset
    by each recording's place on the tape. The tape keeps everything the readers said, including
    the spoken chapter titles and the sentences that the transcripts leave out."""
    marks = json.loads(MARKS.read_text(encoding="utf-8"))["recordings"]
    rng = random.Random(7)
    lead, gap_s = 1.0, 3.0
    tape = AudioSegment.silent(int(lead * 1000), frame_rate=16000)
    truth, all_lines = [], []  # truth: (text, start, end) on the tape, in transcript order
    for n in args.real_files:
        seg = AudioSegment.from_file(DATA / "audios" / f"{n}.mp3").set_channels(1)
        seg = seg.set_frame_rate(16000).set_sample_width(2)
        offset = len(tape.get_array_of_samples()) / 16000
        for s in marks[str(n)]["sentences"]:
            truth.append((s["text"], offset + s["start"], offset + s["end"]))
        tape += seg + AudioSegment.silent(int(gap_s * 1000), frame_rate=16000)
        all_lines += lines_of(n)
    assert [t[0] for t in truth] == all_lines, "marks and transcripts disagree"
    work.mkdir(parents=True, exist_ok=True)
    wav = work / "real-tape.wav"  # lossless, so the offsets are exact to the sample
    tape.export(wav, format="wav")
    archive = Archive(work / "archive")
    rec = add_transcribed(archive, wav, "real tape")

    quotable = [i for i, t in enumerate(truth) if 5 <= len(t[0].split()) <= 40]
    picks = sorted(rng.sample(quotable, min(args.quotes, len(quotable))))
    others = [n for n in (1, 2, 3, 4) if n not in args.real_files]
    pool = [w for n in (others or [3]) for x in lines_of(n) for w in x.split()]
    cases = [("exact", truth[i][0], truth[i][1], truth[i][2]) for i in picks]
    cases += [("changed", changed(truth[i][0], rng, pool), truth[i][1], truth[i][2])
              for i in picks]  # fmt: skip
    absent = [x for n in others for x in lines_of(n) if 5 <= len(x.split()) <= 40]
    absent = rng.sample(absent, min(args.absent, len(absent)))
    cases += [("absent", x, None, None) for x in absent]
    rows = [] if args.no_quotes else quote_run(archive, rec, cases)

    ref = work / "real-reference.txt"
    ref.write_text("\n".join(all_lines) + "\n", encoding="utf-8")
    t0 = time.time()
    result = align_reference(archive, rec.id, ref)
    secs = time.time() - t0
    starts, ends, lines = [], [], []
    for seg, (text, ts, te) in zip(result.track.segments, truth, strict=True):
        row = {"text": text[:40], "true_start": round(ts, 2), "true_end": round(te, 2)}
        if seg.timed:
            starts.append(abs(seg.start - ts))
            ends.append(abs(seg.end - te))
            row |= {"start": seg.start, "end": seg.end, "start_error": round(seg.start - ts, 3),
                    "end_error": round(seg.end - te, 3)}  # fmt: skip
        lines.append(row)
    both = sum(s <= 0.3 and e <= 0.3 for s, e in zip(starts, ends, strict=True))
    forced = {
        "lines": len(truth),
        "unplaced": len(result.unplaced),
        "start": summary(starts),
        "end": summary(ends),
        "both_within_0.3s": both,
        "audio_s": round(rec.duration, 1),
        "compute_s": round(secs, 1),
        "compute_s_per_audio_hour": round(secs / rec.duration * 3600),
    }
    print(json.dumps(forced), flush=True)
    return {"quotes": report_quotes(rows) if rows else {}, "forced": forced, "rows": rows,
            "forced_lines": lines}  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=12, help="sentences on the synthetic tape")
    ap.add_argument("--quotes", type=int, default=8, help="present quotes of each kind")
    ap.add_argument("--absent", type=int, default=6)
    ap.add_argument("--real", action="store_true", help="also the real-speech tape")
    ap.add_argument("--real-files", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--real-only", action="store_true", help="only the real-speech tape")
    ap.add_argument("--no-quotes", action="store_true", help="real tape: forced alignment only")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "align_quotes.json")
    ap.add_argument("--work", type=Path, help="keep tapes and archives here (default: temporary)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)  # --work keeps the transcribed tapes for the next run
        out = {} if args.real_only else {"synthetic": synthetic_tape(args, work / "syn")}
        if args.real or args.real_only:
            out["real"] = real_tape(args, work / "real")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: {"quotes": v["quotes"], "forced": v["forced"]} for k, v in out.items()},
                     ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
