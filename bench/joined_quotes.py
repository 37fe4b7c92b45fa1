"""Quotes joined from two sentences said within one 30 s window: every way, on a short tape.

bench/tapes.py's ``short`` tape is recording 1's first five sentences (41 s), so every two of
its sentences share a Whisper window, and the decoder hears a half said anywhere in it. Each
of the 20 ordered pairs gives one joined quote: the first half of one sentence and the second
half of the other (the bench tapes' "spliced" quotes, bench/quote_tapes.py). Every word is on
the tape, never in that order, so any match is a false one. The five sentences themselves are
searched too and must be found. The transcript track is the sentences' own text at their marked
times (a recogniser that heard every word), so the text candidates lead straight to both halves.

    nice .venv/bin/python bench/joined_quotes.py --channels clean worn --out bench/out/joined.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tapes  # noqa: E402


def run(channel: str, work: Path, settings: dict | None = None) -> dict:
    from align.quotes import QuoteOptions, find
    from align.scorer import open_scorer
    from align.session import AudioSession
    from transcribe.transcript import Provenance, Segment, Track

    scorer = open_scorer(None, "fa")
    tape = tapes.build("short", channel, work)
    spoken = [x for x in tape.lines if x.start is not None]
    segs = [Segment(f"s{i}", x.start, x.end, x.text) for i, x in enumerate(spoken)]
    track = Track("fa.asr", "bench", "fa", "asr", Provenance(software="bench"), segs)
    queries = [(f"sentence {i + 1}", x.text) for i, x in enumerate(spoken)]
    for i, j in itertools.permutations(range(len(spoken)), 2):
        a, b = spoken[i].text.split(), spoken[j].text.split()
        joined = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
        queries.append((f"{i + 1} first half + {j + 1} second half", joined))
    rows = []
    with AudioSession(tape.wav, cache_dir=work / f"cache-{channel}") as session:
        for name, query in queries:
            t0, notes = time.time(), []
            options = QuoteOptions(limit=1, **(settings or {}))
            found = find(query, [track], session, scorer, options, notes=notes)
            row = {"query": name, "joined": "half" in name, "seconds": round(time.time() - t0, 1)}
            if found:
                row["match"] = [found[0].start, found[0].end]
                row["weakest_stretch"] = found[0].details["weakest_stretch"]["gap"]
            if notes:
                row["note"] = notes[0]
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    joined = [r for r in rows if r["joined"]]
    whole = [r for r in rows if not r["joined"]]
    return {
        "channel": channel,
        "settings": settings or {},
        "sentences_found": sum("match" in r for r in whole),
        "sentences": len(whole),
        "joined_matched": sum("match" in r for r in joined),
        "joined_refused_with_note": sum("note" in r and "match" not in r for r in joined),
        "joined": len(joined),
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", nargs="+", default=["clean", "worn"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "joined.json")
    ap.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="OPTION=NUMBER",
        help="QuoteOptions to change, e.g. stretch_gap=-9 (the check off)",
    )
    args = ap.parse_args()
    settings = {k: float(v) for k, v in (x.split("=", 1) for x in args.set)}
    if not tapes.available():
        sys.exit("needs ../shared/data/persian-read-speech")
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(c, Path(tmp), settings) for c in args.channels]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print("| channel | sentences found | joined quotes matched (false) | refused with a note |")
    print("|---|---|---|---|")
    for r in results:
        found = f"{r['sentences_found']} of {r['sentences']}"
        false = f"{r['joined_matched']} of {r['joined']}"
        print(f"| {r['channel']} | {found} | {false} | {r['joined_refused_with_note']} |")


if __name__ == "__main__":
    main()
