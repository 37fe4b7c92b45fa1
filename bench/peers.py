"""Navar against its peers on the same tapes: forced alignment of the same transcript.

For each tape of bench/tapes.py (real speech through the clean, decent and worn channels, and
the two-voice tape, each with unspoken lines in the reference), the same reference transcript
is aligned by
- Navar (bench/tape_align.py's child: align.forced with the bundled Whisper base),
- stable-ts 2.19.1 (``stable_whisper.load_faster_whisper`` on the same CTranslate2 Whisper base
  folder, int8 on the CPU, then ``model.align(audio, text, language="fa",
  original_split=True)``: one segment per reference line),
- aeneas-ng 1.7.4.0 (espeak-ng Persian synthesis and DTW, ``task_language=fas``, plain text,
  one fragment per line).

The peers live in their own virtual environment, outside the repository and out of Navar's
dependencies (they pull torch): build it with

    python3 -m venv /work/peers/.venv
    apt-get install libespeak-ng-dev festival-dev libestools-dev   # aeneas-ng's C extensions
    /work/peers/.venv/bin/pip install stable-ts==2.19.1 faster-whisper aeneas-ng==1.7.4.0

Each aligner runs in its own process; CPU time is that process's user+system time plus its
children's (ffmpeg, espeak), so it means something on a shared machine where wall time does
not. Scoring is tape_align's: a spoken line is placed when it got a time; edge errors are
|start - true start| and |end - true end| over placed lines; unspoken lines reported as such
(the peers have no way to say a line is not there: they always place every line; a line
stable-ts failed to align, which it leaves with no length at the end of the audio, counts as
not placed).

    nice .venv/bin/python bench/peers.py [--tapes real-clean ...] [--peers-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import tapes  # noqa: E402

PEERS_PYTHON = Path(os.environ.get("NAVAR_PEERS_PYTHON", "/work/peers/.venv/bin/python"))
MODEL = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "navar/models"
# `navar align`'s default front end; kept literal here so the peers' child needs no Navar import.
DEFAULT_ALIGN = "afftdn"
TAPES = ["real-clean", "real-decent", "real-worn", "two_voice-clean"]
TIMEOUT_S = 4 * 3600


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 3)


def cpu_now() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


# --- the peers, run inside the peers' environment ------------------------------------------------


def run_stable_ts(tape: tapes.Tape) -> list:
    import stable_whisper

    model = stable_whisper.load_faster_whisper(
        str(MODEL / "whisper-base"), device="cpu", compute_type="int8"
    )
    text = "\n".join(tape.reference)
    result = model.align(str(tape.wav), text, language="fa", original_split=True)
    segs = [(s.start, s.end, s.text) for s in result.segments]
    if len(segs) != len(tape.lines):
        # original_split should give one segment per line; if not, match by order of text.
        print(f"stable-ts gave {len(segs)} segments for {len(tape.lines)} lines", file=sys.stderr)
    return [[float(a), float(b)] for a, b, _ in segs[: len(tape.lines)]]


def run_aeneas(tape: tapes.Tape, work: Path) -> list:
    from aeneas.executetask import ExecuteTask
    from aeneas.task import Task

    text = work / f"{tape.name}.aeneas.txt"
    text.write_text("\n".join(tape.reference) + "\n", encoding="utf-8")
    task = Task(config_string="task_language=fas|is_text_type=plain|os_task_file_format=json")
    task.audio_file_path_absolute = str(tape.wav)
    task.text_file_path_absolute = str(text)
    ExecuteTask(task).execute()
    return [[float(f.begin), float(f.end)] for f in task.sync_map_leaves() if f.is_regular]


def spoken_only(tape: tapes.Tape) -> tapes.Tape:
    """The tape with the reference's unspoken lines taken out (the peers cannot report a line
    as absent, and one such line can pull every later line off its place)."""
    tape.lines = [x for x in tape.lines if x.start is not None]
    return tape


def child(peer: str, name: str, work: Path, spoken: bool) -> None:
    layout, channel = name.rsplit("-", 1)
    tape = tapes.build(layout, channel, work / "tapes")
    tape = spoken_only(tape) if spoken else tape
    c0, t0 = cpu_now(), time.time()
    times = run_stable_ts(tape) if peer == "stable-ts" else run_aeneas(tape, work)
    out = {"times": times, "cpu_s": cpu_now() - c0, "wall_s": time.time() - t0,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    print(json.dumps(out))


# --- scoring and the table ---------------------------------------------------------------------


def score(tape: tapes.Tape, times: list, cpu: float) -> dict:
    starts, ends = [], []
    spoken = placed = absent = 0
    for k, line in enumerate(tape.lines):
        got = times[k] if k < len(times) else None
        if line.start is None:
            absent += 1
            continue
        if not line.scored:
            continue
        spoken += 1
        # stable-ts puts a line it failed to align at the end with no length: not placed.
        if got is not None and got[0] is not None and got[1] > got[0]:
            placed += 1
            starts.append(abs(got[0] - line.start))
            ends.append(abs(got[1] - line.end))
    edges = starts + ends
    return {
        "spoken": spoken,
        "placed": placed,
        "absent": absent,
        "edge_median_s": pct(edges, 0.5),
        "edge_p95_s": pct(edges, 0.95),
        "within_0.3s": f"{sum(e <= 0.3 for e in edges)}/{2 * spoken}",
        "cpu_s": round(cpu, 1),
        "cpu_min_per_audio_hour": round(cpu / 60 / (tape.duration / 3600), 1),
    }


def run_navar(name: str, work: Path, spoken: bool, front_end: str) -> dict:
    if spoken:
        return {"error": ["Navar is run with the unspoken lines only (it reports them)"]}
    cmd = [sys.executable, str(ROOT / "bench" / "tape_align.py"), "--one", name, "--work",
           str(work), "--front-end", front_end]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    r = json.loads(out.stdout.strip().splitlines()[-1])
    cpu = r["cpu_min_per_audio_hour"] * 60 * r["audio_s"] / 3600
    return {  # tape_align's own scoring (it knows which lines Navar reported unplaced)
        "scored": {
            "spoken": r["spoken_lines"], "placed": r["placed"], "absent": r["absent_lines"],
            "edge_median_s": r["edge_median_s"], "edge_p95_s": r["edge_p95_s"],
            "within_0.3s": r["edges_within_0.3s"], "cpu_s": round(cpu, 1),
            "cpu_min_per_audio_hour": r["cpu_min_per_audio_hour"],
        },
        "absent_reported": r["absent_reported"],
    }  # fmt: skip


def run_peer(peer: str, name: str, work: Path, python: Path, spoken: bool) -> dict:
    if not python.is_file():
        return {"error": [f"no peers environment at {python}"]}
    # The peers' own Python: first on PATH, so the child imports torch, stable-ts and aeneas
    # from their environment and nothing from Navar's.
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    cmd = ["python", __file__, "--child", peer, "--one", name, "--work", str(work)]
    cmd += ["--spoken-only"] if spoken else []
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        return {"error": [f"did not finish in {TIMEOUT_S} s"]}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-3:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tapes", nargs="+", default=TAPES)
    ap.add_argument("--aligners", nargs="+", default=["navar", "stable-ts", "aeneas"])
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "peers.json")
    ap.add_argument("--peers-python", type=Path, default=PEERS_PYTHON)
    ap.add_argument(
        "--spoken-only",
        action="store_true",
        help="peers get the reference without its unspoken lines (Navar is not run)",
    )
    ap.add_argument(
        "--navar-denoise",
        default=DEFAULT_ALIGN,
        help="Navar's front end (default: what `navar align` uses)",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.one, args.work, args.spoken_only)
        return
    print(f"load: {os.getloadavg()}", flush=True)
    results = []
    for name in args.tapes:
        layout, channel = name.rsplit("-", 1)
        tape = tapes.build(layout, channel, args.work / "tapes")
        tape = spoken_only(tape) if args.spoken_only else tape
        for aligner in args.aligners:
            if aligner == "navar" and args.spoken_only:
                continue
            t0 = time.time()
            if aligner == "navar":
                got = run_navar(name, args.work, args.spoken_only, args.navar_denoise)
            else:
                got = run_peer(aligner, name, args.work, args.peers_python, args.spoken_only)
            who = f"navar (denoise {args.navar_denoise})" if aligner == "navar" else aligner
            row = {"tape": name, "aligner": who, "audio_s": tape.duration,
                   "reference": "spoken lines only" if args.spoken_only else "with unspoken",
                   "wall_s": round(time.time() - t0, 1), "load": os.getloadavg()[0]}  # fmt: skip
            if "error" in got:
                row["error"] = got["error"]
            else:
                row |= got.get("scored") or score(tape, got["times"], got["cpu_s"])
                row["absent_reported"] = got.get("absent_reported", 0)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"load: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
