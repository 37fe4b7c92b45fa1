"""Forced alignment (and optionally quote search) on the bench tapes, side by side.

For each tape of bench/tapes.py (clean, decent and worn channel; real, two-voice, long layouts):
lines placed (of the spoken ones), unspoken lines reported, start/end errors against the
marks (median, p95, share within 0.3 s), CPU-minutes per audio hour and peak memory. Each tape
runs in its own process (so peak memory is that tape's) under the same options.

    nice .venv/bin/python bench/tape_align.py --tapes real-clean real-worn --null text
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tapes  # noqa: E402


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 3)


def run_one(name: str, work: Path, args) -> dict:
    from align.energy import EnergyOptions
    from align.forced import ForcedOptions, align
    from align.scorer import open_scorer
    from align.session import AudioSession
    from transcribe.transcript import Provenance, Segment, Track

    layout, channel = name.rsplit("-", 1)
    tape = tapes.build(layout, channel, work / "tapes")
    if args.part:
        tape = tapes.part(tape, *args.part, work / "tapes")
    ref = Track(
        id="fa.reference",
        recording_id="bench",
        language="fa",
        kind="reference",
        provenance=Provenance(software="bench", source=name),
        segments=[Segment(f"s{i}", None, None, x.text) for i, x in enumerate(tape.lines)],
    )
    fields = {f.name: f.type for f in dataclasses.fields(ForcedOptions)}
    sets = {k: _value(v, fields[k]) for k, v in (x.split("=", 1) for x in args.set)}
    opts = ForcedOptions(null=args.null, placed_gap=args.gap, **sets)
    band = None if args.broadband else EnergyOptions().band_hz
    scorer = open_scorer(None, "fa")
    c0, t0 = time.process_time(), time.time()
    with AudioSession(tape.wav, front_end=args.front_end,
                      energy_options=EnergyOptions(band_hz=band)) as session:  # fmt: skip
        result = align(ref, session, scorer, opts)
        cpu, wall = time.process_time() - c0, time.time() - t0
        # Children (ffmpeg) count as CPU too.
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += ch.ru_utime + ch.ru_stime
        quotes = quote_run(tape, session, scorer, args.quotes) if args.quotes else None
    starts, ends, rows = [], [], []
    spoken = placed = absent = absent_reported = filler = filler_off = 0
    for seg, line in zip(result.track.segments, tape.lines, strict=True):
        row = {"text": line.text[:30], "true": [line.start, line.end], "got": [seg.start, seg.end]}
        if line.start is not None and not line.scored and seg.timed:
            # Filler times are scaled from the marks (about 0.1 s): a line more than 2 s from
            # them was placed on other speech.
            filler += 1
            filler_off += max(abs(seg.start - line.start), abs(seg.end - line.end)) > 2.0
        if line.start is None:
            absent += 1
            absent_reported += "unplaced" in seg.flags
        elif line.scored:
            spoken += 1
            if seg.timed:
                placed += 1
                starts.append(abs(seg.start - line.start))
                ends.append(abs(seg.end - line.end))
        rows.append(row)
    edges = starts + ends
    return {
        "tape": name,
        "audio_s": tape.duration,
        "part": args.part,
        "spoken_lines": spoken,
        "placed": placed,
        "absent_lines": absent,
        "absent_reported": absent_reported,
        "filler_placed": filler,
        "filler_over_2s_off": filler_off,
        "edge_median_s": pct(edges, 0.5),
        "edge_p95_s": pct(edges, 0.95),
        "edges_within_0.3s": f"{sum(e <= 0.3 for e in edges)}/{2 * spoken}",
        "start_median_s": pct(starts, 0.5),
        "end_median_s": pct(ends, 0.5),
        "cpu_min_per_audio_hour": round(cpu / 60 / (tape.duration / 3600), 2),
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "quotes": quotes and quotes["summary"],
        "quote_rows": quotes and quotes["rows"],
        "options": {**opts.to_dict(), "front_end": args.front_end, "band_hz": band},
        "gaps": result.gaps,
        "lines": rows,
    }


def _value(text: str, kind):
    kind = str(kind)
    if "bool" in kind:
        return text.lower() in ("1", "true", "yes")
    return int(text) if "int" in kind else float(text) if "float" in kind else text


def changed(line: str, rng, pool: list[str]) -> str:
    words = line.split()
    for i in rng.sample(range(len(words)), max(1, len(words) // 5)):
        words[i] = rng.choice(pool)
    return " ".join(words)


def quote_run(tape, session, scorer, n: int) -> dict:
    """Whole-line quotes searched in the audio alone (no transcript track: the hardest case,
    and the one of a tape nobody has transcribed well): exact, 20 % of words changed, and
    absent (the tape's unspoken lines and lines of recordings not on it)."""
    import random

    from align.quotes import QuoteOptions, find

    rng = random.Random(7)
    spoken = [ln for ln in tape.lines if ln.start is not None and ln.scored]
    spoken = [ln for ln in spoken if 5 <= len(ln.text.split()) <= 40]
    picks = rng.sample(spoken, min(n, len(spoken)))
    pool = [w for ln in spoken for w in ln.text.split()]
    on_tape = {ln.text for ln in tape.lines}
    others = [x for k in (3, 4) for x in tapes._lines_of(k) if x not in on_tape]
    absent = [ln.text for ln in tape.lines if ln.start is None]
    absent += rng.sample(others, min(max(0, n - len(absent)), len(others)))
    cases = [("exact", ln.text, ln) for ln in picks]
    cases += [("changed", changed(ln.text, rng, pool), ln) for ln in picks]
    cases += [("absent", x, None) for x in absent]
    rows = []
    for kind, q, ln in cases:
        t0 = time.time()
        found = find(q, [], session, scorer, QuoteOptions(limit=1))
        row = {"kind": kind, "seconds": round(time.time() - t0, 1)}
        if found:
            m = found[0]
            row |= {"start": m.start, "end": m.end}
            if ln is not None:  # the same text may be spoken at other places (long tape)
                same = [x for x in tape.lines if x.text == ln.text and x.start is not None]
                best = min(same, key=lambda x: abs(x.start - m.start))
                row["error"] = round(max(abs(m.start - best.start), abs(m.end - best.end)), 3)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    summary = {}
    for kind in ("exact", "changed", "absent"):
        rs = [r for r in rows if r["kind"] == kind]
        secs = sorted(r["seconds"] for r in rs)
        summary[kind] = {
            "n": len(rs),
            "found": sum("start" in r for r in rs),
            "within_0.3s": sum(r.get("error", 9) <= 0.3 for r in rs),
            "median_s": pct(secs, 0.5),
            "p95_s": pct(secs, 0.95),
        }
    return {"summary": summary, "rows": rows}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tapes", nargs="+", default=["real-clean", "real-decent", "real-worn"])
    ap.add_argument("--null", default="text", choices=["text", "reversed"])
    ap.add_argument("--gap", type=float, default=0.5)
    ap.add_argument("--front-end", default="none")
    ap.add_argument("--broadband", action="store_true", help="energy over all frequencies")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "tape_align.json")
    ap.add_argument("--quotes", type=int, default=0, help="also N quotes of each kind")
    ap.add_argument("--part", nargs=2, type=float, metavar=("START", "END"),
                    help="only this stretch of each tape (s), with its lines")  # fmt: skip
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a ForcedOptions field, for trying a setting")  # fmt: skip
    ap.add_argument("--one", help=argparse.SUPPRESS)  # child process: one tape
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.work, args), ensure_ascii=False))
        return
    results = []
    for name in args.tapes:
        cmd = [sys.executable, __file__, "--one", name, "--null", args.null, "--gap",
               str(args.gap), "--front-end", args.front_end, "--work", str(args.work),
               "--quotes", str(args.quotes)]  # fmt: skip
        cmd += ["--broadband"] if args.broadband else []
        cmd += [f"--set={x}" for x in args.set]
        cmd += ["--part", *map(str, args.part)] if args.part else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(name, "failed:", out.stderr[-2000:], flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        brief = {k: v for k, v in r.items() if k not in ("lines", "gaps", "options", "quote_rows")}
        print(json.dumps(brief, ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
