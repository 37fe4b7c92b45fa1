"""Batch throughput: audio hours per wall hour with 1 and 2 local workers, per-recording costs,
and how fast the catalog can hand out work (the ceiling for a large cluster).

    .venv/bin/python bench/batch_throughput.py [--clips 6] [--lines 6] [--translate]

Makes ``--clips`` synthetic Persian recordings of ``--lines`` espeak-ng sentences each (about
4 s per sentence), runs ``navar batch`` on them in a fresh archive with 1 and then 2 workers,
and reads the per-stage timings back from the catalog. Prints a Markdown block for
BENCHMARKS.md. The machine's load average is printed too: other work on it skews the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from navar import synthetic
from navar.batch.catalog import Catalog
from transcribe.archive import Archive

NAVAR = str(Path(sys.executable).parent / "navar")
SENTENCES = [
    "امروز هوا آفتابی است و مردم در پارک قدم می‌زنند.",
    "کتابخانه شهر هر روز از ساعت نه صبح باز است.",
    "او به ما گفت که باید حقیقت را بنویسیم.",
    "بچه‌ها در حیاط مدرسه بازی می‌کردند.",
    "ما آن روزها را هرگز فراموش نخواهیم کرد.",
    "نامه‌ای از خانواده‌ام به دستم رسید.",
    "در زندان هر شب صدای پای نگهبانان می‌آمد.",
]


def make_clips(folder: Path, clips: int, lines: int) -> float:
    total = 0.0
    for i in range(clips):
        text = [SENTENCES[(i + j) % len(SENTENCES)] for j in range(lines)]
        audio, _ = synthetic.synthesize(text, gap=0.6)
        audio.export(folder / f"testimony_{i:02d}.mp3", format="mp3", bitrate="64k")
        total += len(audio) / 1000
    return total


def run(folder: Path, workers: int, translate: bool) -> dict:
    root = Path(tempfile.mkdtemp(prefix="navar-bench-")) / "archive"
    cmd = [NAVAR, "--archive", str(root), "-q", "batch", str(folder), "--workers", str(workers),
           "--json", "--translate" if translate else "--no-translate"]  # fmt: skip
    began = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - began
    summary = json.loads(out.stdout)
    archive = Archive(root)
    stages = Catalog(archive).stage_rows()
    per_stage: dict[str, list[float]] = {}
    for s in stages:
        per_stage.setdefault(s["stage"], []).append(s["seconds"] or 0.0)
    durations = {r.id: r.duration for r in archive.recordings()}
    audio = sum(durations.values())
    transcribe = [s for s in stages if s["stage"] == "transcribe"]
    rtf = [durations[s["recording_id"]] / s["seconds"] for s in transcribe if s["seconds"]]
    return {
        "workers": workers,
        "recordings": summary["processed"],
        "audio_seconds": round(audio, 1),
        "wall_seconds": round(wall, 1),
        "audio_hours_per_hour": round(audio / wall, 2),
        "stage_seconds_median": {k: round(statistics.median(v), 2) for k, v in per_stage.items()},
        "transcribe_speed_x_real_time_median": round(statistics.median(rtf), 2),
        "load_average": os.getloadavg(),
    }


def catalog_rate(n: int = 500) -> float:
    """Claims and releases per second on one catalog: what a coordinator can hand out."""
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Archive(Path(tmp) / "archive"))
        for i in range(n):
            catalog.register("b", f"{i:012x}", f"/in/{i}.wav", None, 3600.0, ["add"])
        began = time.monotonic()
        while (claim := catalog.claim("b")) is not None:
            catalog.stage_started(claim.recording_id, "add", "b")
            catalog.stage_finished(claim.recording_id, "add", "done", 1.0)
            catalog.release(claim.recording_id)
        return n / (time.monotonic() - began)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--lines", type=int, default=6)
    ap.add_argument("--translate", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        audio = make_clips(folder, args.clips, args.lines)
        print(f"{args.clips} clips, {audio:.0f} s of synthetic Persian", file=sys.stderr)
        results = [run(folder, w, args.translate) for w in (1, 2)]
    rate = catalog_rate()
    print(json.dumps({"runs": results, "catalog_recordings_per_second": round(rate)}, indent=1))
    print("\n| workers | recordings | audio (s) | wall (s) | audio h per wall h | load avg |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['workers']} | {r['recordings']} | {r['audio_seconds']} | "
              f"{r['wall_seconds']} | {r['audio_hours_per_hour']} | "
              f"{r['load_average'][0]:.1f} |")  # fmt: skip
    print(f"\nCatalog: {rate:.0f} claim+release cycles per second.")


if __name__ == "__main__":
    main()
