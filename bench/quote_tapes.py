"""Quote search on the bench tapes, side by side: clean, worn 5-minute and worn 40-minute.

The tapes are bench/tapes.py's (``real``: recordings 1 and 2 with every sentence hand-marked;
``long``: 40 minutes with marked untouched copies of 1 and 2 among speed- and pitch-shifted
filler; ``held_out``: recordings 3 and 4 as ``real`` has 1 and 2, material the thresholds were
not set on). Each tape is transcribed first with Navar's own pipeline (transcribe.engine.run, the
defaults), as a recording without a human transcript would be, and the transcript is cached in
the work folder (``<tape>.asr.json``), so later runs go straight to the quotes.

Quotes, deterministic (seed 7): whole marked sentences of 5 to 40 words, exact and with a fifth
of the words replaced by words of other sentences on the tape (``changed``); absent quotes are
sentences of the recordings not on the tape (3 and 4 for ``real``, 1 and 2 for ``held_out``; on
the 40-minute tape, where all four are, made-up Persian sentences instead). Spliced quotes
join the first half of one marked sentence of 8 or more words to the second half of another:
every word is on the tape, but never in that order, so a match is a false one. A present quote
counts as found within 0.3 s when the top match's start and end are both within 0.3 s of a
marked copy of the sentence (a sentence spoken several times on the long tape may be found at
any marked copy).
Seconds per query are wall time on a shared machine (the machine load is printed).

One process per tape, one AudioSession and one scorer per tape, as `navar serve` holds them: the
encoder cache is warm after the first query, as it is for a user's second query.

Rows are logged as they come to bench/out/quote_rows-<tape>.jsonl, and ``--report`` prints the
BENCHMARKS.md rows from those logs (a run cut short still reports; kinds are taken in turn).
``--audio-only`` searches without any transcript (every window scored: the hardest case, and
the one of a tape not transcribed yet); ``--warm`` only encodes every window into the cache.

    nice .venv/bin/python bench/quote_tapes.py --tapes real-clean real-worn long-worn
    nice .venv/bin/python bench/quote_tapes.py --prepare --tapes long-worn  # build, transcribe
    nice .venv/bin/python bench/quote_tapes.py --report --tapes real-clean real-worn
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tapes  # noqa: E402
from tape_align import _value  # noqa: E402

# Made-up Persian sentences, spoken on none of the tapes (absent quotes on the long tape).
MADE_UP = [
    "قطار شب با تأخیر به ایستگاه رسید و مسافران خسته چمدان‌هایشان را به سوی خیابان کشیدند.",
    "در باغ پدربزرگ درختان انار و انجیر کنار جوی آب ردیف شده بودند.",
    "دانشجویان برای امتحان فیزیک تا نیمه‌شب در سالن مطالعه ماندند و بحث کردند.",
    "بازار ماهی‌فروشان صبح زود شلوغ می‌شود و فروشندگان قیمت‌ها را با صدای بلند می‌گویند.",
    "کتابفروشی کوچک سر کوچه را پس از سی سال بستند و کتاب‌ها را به مدرسه بخشیدند.",
    "باران پاییزی تمام شب بر سقف حلبی انبار کوبید و کسی نتوانست بخوابد.",
    "پزشک جوان روستا هر هفته با دوچرخه به دهکده‌های دوردست می‌رفت.",
    "نقشه‌ی قدیمی شهر را در صندوقچه‌ی مادربزرگ پیدا کردیم و به موزه دادیم.",
    "کارگران کارخانه‌ی نساجی برای افزایش دستمزد دو روز دست از کار کشیدند.",
    "مسابقه‌ی فوتبال به دلیل بارش برف سنگین به هفته‌ی بعد موکول شد.",
]


KINDS = ("exact", "changed", "absent", "spliced")


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 2)


def transcript(tape, work: Path):
    """The tape's ASR track, transcribed once and cached beside the tape."""
    from transcribe import engine
    from transcribe.transcript import track_from_dict, track_to_dict

    cache = work / f"{tape.name}.asr.json"
    if cache.is_file():
        return track_from_dict(json.loads(cache.read_text(encoding="utf-8")))
    t0, c0 = time.time(), time.process_time()
    track, info = engine.run(None, tape.wav, "bench", engine.TranscribeOptions())
    print(
        f"{tape.name}: transcribed {tape.duration:.0f} s in {time.time() - t0:.0f} s wall, "
        f"{time.process_time() - c0:.0f} s CPU (retried {info.retried}, dropped {info.dropped})",
        file=sys.stderr,
        flush=True,
    )
    part = cache.with_suffix(".part")
    part.write_text(json.dumps(track_to_dict(track), ensure_ascii=False), encoding="utf-8")
    os.replace(part, cache)
    return track


def changed(line: str, rng: random.Random, pool: list[str]) -> str:
    words = line.split()
    for i in rng.sample(range(len(words)), max(1, len(words) // 5)):
        words[i] = rng.choice(pool)
    return " ".join(words)


def cases(tape, n: int, n_absent: int, n_spliced: int = 0) -> list[tuple[str, str, list]]:
    """(kind, query, marked copies [(start, end)]) in a fixed order."""
    rng = random.Random(7)
    marked = [ln for ln in tape.lines if ln.start is not None and ln.scored]
    texts = list(dict.fromkeys(ln.text for ln in marked if 5 <= len(ln.text.split()) <= 40))
    picks = rng.sample(texts, min(n, len(texts)))
    pool = [w for t in texts for w in t.split()]
    # Every spoken copy: on the long tape the filler says the same sentences faster or slower,
    # at times scaled from the marks (exact up to the time stretch's few milliseconds).
    spoken = [ln for ln in tape.lines if ln.start is not None]
    copies = {t: [(ln.start, ln.end, ln.scored) for ln in spoken if ln.text == t] for t in picks}
    out = [("exact", t, copies[t]) for t in picks]
    out += [("changed", changed(t, rng, pool), copies[t]) for t in picks]
    on_tape = {ln.text for ln in tape.lines if ln.start is not None}
    others = [x for k in (3, 4, 1, 2) for x in tapes._lines_of(k) if x not in on_tape]
    others = [x for x in others if 5 <= len(x.split()) <= 40]
    absent = rng.sample(others, min(n_absent, len(others))) if others else []
    absent = absent or MADE_UP[:n_absent]
    out += [("absent", x, []) for x in absent]
    halves = random.Random(11)  # its own seed: the other cases stay as they were
    long = [t for t in texts if len(t.split()) >= 8]
    for _ in range(n_spliced if len(long) > 1 else 0):
        a, b = (x.split() for x in halves.sample(long, 2))
        out.append(("spliced", " ".join(a[: len(a) // 2] + b[len(b) // 2 :]), []))
    return out


def warm(tape, work: Path) -> dict:
    """Encode every scan window once into the session's disk cache (what a first query does),
    and say what it cost: later queries read the encodings back."""
    from align.quotes import QuoteOptions
    from align.scorer import open_scorer
    from align.session import AudioSession
    from align.spotting import Spotter

    scorer = open_scorer(None, "fa")
    t0, c0 = time.time(), time.process_time()
    with AudioSession(tape.wav, cache_dir=work / "sessions") as session:
        spotter = Spotter(scorer, session)
        windows = spotter.windows(QuoteOptions().scan_hop_s)
        for w in windows:
            spotter.encode(spotter.clamp(w))
    out = {"tape": tape.name, "windows": len(windows), "wall_s": round(time.time() - t0)}
    out["cpu_s"] = round(time.process_time() - c0)
    print(json.dumps(out), file=sys.stderr, flush=True)
    return out


def run_one(name: str, args) -> dict:
    from align.quotes import QuoteOptions, find
    from align.scorer import open_scorer
    from align.session import AudioSession

    layout, channel = name.rsplit("-", 1)
    work = args.work
    tape = tapes.build(layout, channel, work)
    if args.warm:
        return warm(tape, work)
    # --audio-only: no transcript at all, every quote found (or not) by scoring every window
    asr = None if args.audio_only else transcript(tape, work)
    if args.prepare:
        return {"tape": name, "prepared": True}
    scorer = open_scorer(None, "fa")
    fields = {f.name: f.type for f in dataclasses.fields(QuoteOptions)}
    sets = {k: _value(v, fields[k]) for k, v in (x.split("=", 1) for x in args.set)}
    options = QuoteOptions(limit=1, **sets)
    best = _record_gaps()
    rows = []
    cache = work / "sessions"  # the encoder cache, as a user's second query would find it
    tag = f"{name}-audio-only" if args.audio_only else name
    log = args.out.parent / f"quote_rows-{tag}.jsonl"  # row by row: a cut-short run still counts
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    with AudioSession(tape.wav, cache_dir=cache) as session:
        todo = cases(tape, args.quotes, args.absent, args.spliced)
        # Kinds taken in turn, so that a run cut short still reports on each.
        by_kind = [[c for c in todo if c[0] == k] for k in KINDS]
        todo = [c for group in itertools.zip_longest(*by_kind) for c in group if c]
        for kind, query, copies in todo:
            t0 = time.time()
            best.clear()
            notes: list[dict] = []  # places refused (a part heard elsewhere, speech left out)
            found = find(query, [asr] if asr else [], session, scorer, options, notes)
            row = {"kind": kind, "words": len(query.split()), "seconds": round(time.time() - t0, 1)}
            if notes:
                row["refused"] = [{k: n[k] for k in ("kind", "here", "speech_s") if k in n}
                                  for n in notes]  # fmt: skip
            # The margin: the best gap any candidate reached (an absent quote's nearest miss).
            row["best_gap"] = round(max(best), 3) if best else None
            if found:
                m = found[0]
                row |= {"start": m.start, "end": m.end, "score": m.score}
                row |= {k: v for k, v in m.details.items()
                        if k in ("gap", "weakest_stretch", "held_s", "source")}  # fmt: skip
                if copies:
                    s, e, marked = min(copies, key=lambda c: abs(c[0] - m.start))
                    row |= {"start_error": round(m.start - s, 3), "end_error": round(m.end - e, 3)}
                    row["copy"] = "marked" if marked else "filler"
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
            with log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = summarize(name, tape.duration, rows)
    summary["options"] = options.to_dict()
    summary["rows"] = rows
    return summary


def _record_gaps() -> list[float]:
    """Every candidate's gap, as quote search scores it, into the returned list."""
    from align import quotes

    seen: list[float] = []
    candidate = quotes._candidate

    def recorded(*args, **kwargs):
        c = candidate(*args, **kwargs)
        if c:
            seen.append(c[0])
        return c

    quotes._candidate = recorded
    return seen


def summarize(name: str, duration: float, rows: list[dict]) -> dict:
    summary = {"tape": name, "audio_s": duration, "load": os.getloadavg()}
    for kind in KINDS:
        rs = [r for r in rows if r["kind"] == kind]
        secs = [r["seconds"] for r in rs]
        within = sum(
            abs(r.get("start_error", 9)) <= 0.3 and abs(r.get("end_error", 9)) <= 0.3 for r in rs
        )
        summary[kind] = {
            "n": len(rs),
            "found": sum("start" in r for r in rs),
            "within_0.3s": within,
            "median_s": pct(secs, 0.5),
            "p95_s": pct(secs, 0.95),
            # Margins: the nearest miss of an absent quote, the weakest find of a present one.
            "best_gap_max": max((r["best_gap"] for r in rs if r.get("best_gap") is not None),
                                default=None),
            "found_gap_min": min((r["gap"] for r in rs if "gap" in r), default=None),
        }  # fmt: skip
    return summary


def table_row(r: dict) -> str:
    """A BENCHMARKS.md row: found within 0.3 s (found), false matches, seconds median (p95)."""
    e, c, a = r["exact"], r["changed"], r["absent"]
    sp = r.get("spliced", {"n": 0, "found": 0})

    def secs(k):
        return f"{k['median_s']} ({k['p95_s']})" if k["n"] else "-"

    return (
        f"| {r['tape']} | {r['audio_s']:.0f} s | {e['within_0.3s']} of {e['n']} ({e['found']}) "
        f"| {c['within_0.3s']} of {c['n']} ({c['found']}) | {a['found']} of {a['n']} "
        f"| {sp['found']} of {sp['n']} | {secs(e)} | {secs(c)} | {secs(a)} |"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tapes", nargs="+", default=["real-clean", "real-worn", "long-worn"])
    ap.add_argument("--quotes", type=int, default=10, help="present quotes of each kind per tape")
    ap.add_argument("--absent", type=int, default=6)
    ap.add_argument("--spliced", type=int, default=10, help="halves of two sentences joined")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "tapes")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "quote_tapes.json")
    ap.add_argument("--prepare", action="store_true", help="build and transcribe the tapes only")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # child process: one tape
    ap.add_argument("--report", action="store_true", help="table rows from the row logs")
    ap.add_argument("--warm", action="store_true", help="only encode every window into the cache")
    ap.add_argument("--audio-only", action="store_true", help="search without the transcript")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a QuoteOptions field for this run (recorded in the output's options)",
    )
    args = ap.parse_args()
    if args.report:  # from bench/out/quote_rows-*.jsonl, also of a run cut short
        for name in args.tapes:
            tag = f"{name}-audio-only" if args.audio_only else name
            log = args.out.parent / f"quote_rows-{tag}.jsonl"
            if log.is_file():
                rows = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x]
                layout, channel = name.rsplit("-", 1)
                tape = tapes.build(layout, channel, args.work)
                print(table_row(summarize(tag, tape.duration, rows)))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args), ensure_ascii=False))
        return
    results = []
    for name in args.tapes:
        cmd = [sys.executable, __file__, "--one", name, "--work", str(args.work), "--quotes",
               str(args.quotes), "--absent", str(args.absent), "--spliced", str(args.spliced),
               "--out", str(args.out)]  # fmt: skip
        cmd += ["--prepare"] if args.prepare else []
        cmd += ["--warm"] if args.warm else []
        cmd += ["--audio-only"] if args.audio_only else []
        cmd += [f"--set={x}" for x in args.set]
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
        if out.returncode != 0:
            print(name, "failed", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        print(json.dumps({k: v for k, v in r.items() if k != "rows"}, ensure_ascii=False))
        if "exact" in r:  # not for --prepare or --warm
            print(table_row(r), flush=True)
    if not (args.prepare or args.warm):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
