"""Forced alignment (and optionally quote search) on the bench tapes, side by side.

For each tape of bench/tapes.py (clean, decent and worn channel; real, two-voice, long layouts):
lines placed (of the spoken ones), unspoken lines reported, start/end errors against the
marks (median, p95, share within 0.3 s), CPU-minutes per audio hour and peak memory. Each tape
runs in its own process (so peak memory is that tape's) under the same options.

    nice .venv/bin/python bench/tape_align.py --tapes real-clean real-worn --null text
"""

from __future__ import annotations

import argparse
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
    ref = Track(
        id="fa.reference",
        recording_id="bench",
        language="fa",
        kind="reference",
        provenance=Provenance(software="bench", source=name),
        segments=[Segment(f"s{i}", None, None, x.text) for i, x in enumerate(tape.lines)],
    )
    opts = ForcedOptions(null=args.null, placed_gap=args.gap)
    band = None if args.broadband else (300.0, 3400.0)
    scorer = open_scorer(None, "fa")
    c0, t0 = time.process_time(), time.time()
    with AudioSession(tape.wav, front_end=args.front_end,
                      energy_options=EnergyOptions(band_hz=band)) as session:  # fmt: skip
        result = align(ref, session, scorer, opts)
    cpu, wall = time.process_time() - c0, time.time() - t0
    # Children (ffmpeg) count as CPU too.
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += ch.ru_utime + ch.ru_stime
    starts, ends, rows = [], [], []
    spoken = placed = absent = absent_reported = 0
    for seg, line in zip(result.track.segments, tape.lines, strict=True):
        row = {"text": line.text[:30], "true": [line.start, line.end], "got": [seg.start, seg.end]}
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
        "spoken_lines": spoken,
        "placed": placed,
        "absent_lines": absent,
        "absent_reported": absent_reported,
        "edge_median_s": pct(edges, 0.5),
        "edge_p95_s": pct(edges, 0.95),
        "edges_within_0.3s": f"{sum(e <= 0.3 for e in edges)}/{2 * spoken}",
        "start_median_s": pct(starts, 0.5),
        "end_median_s": pct(ends, 0.5),
        "cpu_min_per_audio_hour": round(cpu / 60 / (tape.duration / 3600), 2),
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "options": {**opts.to_dict(), "front_end": args.front_end, "band_hz": band},
        "gaps": result.gaps,
        "lines": rows,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tapes", nargs="+", default=["real-clean", "real-decent", "real-worn"])
    ap.add_argument("--null", default="text", choices=["text", "reversed"])
    ap.add_argument("--gap", type=float, default=0.5)
    ap.add_argument("--front-end", default="none")
    ap.add_argument("--broadband", action="store_true", help="energy over all frequencies")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "tape_align.json")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # child process: one tape
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.work, args), ensure_ascii=False))
        return
    results = []
    for name in args.tapes:
        cmd = [sys.executable, __file__, "--one", name, "--null", args.null, "--gap",
               str(args.gap), "--front-end", args.front_end, "--work", str(args.work)]  # fmt: skip
        cmd += ["--broadband"] if args.broadband else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(name, "failed:", out.stderr[-2000:], flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        brief = {k: v for k, v in r.items() if k not in ("lines", "gaps", "options")}
        print(json.dumps(brief, ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
