"""Benchmark English quote search: exact quotes, quotes with missing words, paraphrases, other
translations, and absent quotes, over English tracks built from text (no audio, no model).

The set is bench/data/english_quotes.json: the demo's English text and a fictional witness
interview written for the benchmark. Each quote is searched in its own track ("own") and in one
track holding both texts ("combined"), with the character-ratio ``textmatch.search`` (at the
threshold ``find`` uses today, 0.7, 0.8 under 20 letters) and with ``search_paraphrase``.
A present quote is found when the best hit reaches the threshold and overlaps the passage it
was written from (at least half of the passage and half of the hit); an absent quote is a
false match when its best hit reaches the threshold.

    .venv/bin/python bench/english_quotes.py [--json bench/out/english_quotes.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from align import paraphrase, textmatch  # noqa: E402
from align.normalize import compact  # noqa: E402
from transcribe.transcript import Provenance, Segment, Track, Word, segment_id  # noqa: E402

DATA = ROOT / "bench" / "data" / "english_quotes.json"
KINDS = ("exact", "missing", "paraphrase", "translation", "absent-shared", "absent-unrelated")
GRID = (0.6, 0.65, 0.7, 0.72, 0.74, 0.76, 0.78, 0.8, 0.82, 0.85)


def make_track(lines: list[str], track_id: str = "en.reference-translation") -> Track:
    """Lines as segments 0.4 s apart; each word's time in proportion to its letters."""
    segments, t = [], 0.0
    for i, line in enumerate(lines):
        words, start = [], t
        for w in line.split():
            d = 0.06 * len(w) + 0.08
            words.append(Word(round(t, 3), round(t + d, 3), w))
            t += d + 0.05
        segments.append(Segment(segment_id(i), start, round(t, 3), line, words))
        t += 0.4
    return Track(
        id=track_id,
        recording_id="0123456789ab",
        language="en",
        kind="reference-translation",
        provenance=Provenance(software="bench", source="english_quotes.json"),
        segments=segments,
    )


def locate(passage: str, words: list[textmatch.TimedWord]) -> tuple[int, int]:
    want = paraphrase._en_tokens(passage)
    norms = [w.norm for w in words]
    for i in range(len(norms) - len(want) + 1):
        if norms[i : i + len(want)] == want:
            return i, i + len(want) - 1
    raise ValueError(f"passage not in its track: {passage!r}")


def at_place(hit: textmatch.TextHit, span: tuple[int, int]) -> bool:
    a, b = span
    inter = min(b, hit.last) - max(a, hit.first) + 1
    return inter >= 0.5 * (b - a + 1) and inter >= 0.5 * (hit.last - hit.first + 1)


def old_threshold(query: str) -> float:
    return 0.7 + (0.1 if len(compact(query)) < 20 else 0.0)


def run(data: dict) -> list[dict]:
    texts = {}
    for name, spec in data["tracks"].items():
        if "file" in spec:
            lines = (ROOT / spec["file"]).read_text(encoding="utf-8").splitlines()
        else:
            lines = spec["lines"]
        texts[name] = [x.strip() for x in lines if x.strip()]
    tracks = {name: textmatch.timed_words(make_track(lines)) for name, lines in texts.items()}
    combined = textmatch.timed_words(make_track([x for ls in texts.values() for x in ls]))
    offsets, n = {}, 0
    for name in texts:
        offsets[name] = n
        n += len(tracks[name])
    rows = []
    for q in data["quotes"]:
        for mode, words, off in (
            ("own", tracks[q["track"]], 0),
            ("combined", combined, offsets[q["track"]]),
        ):
            row = {"mode": mode, "kind": q["kind"], "set": q.get("set", "main"), "text": q["text"]}
            span = None
            if "passage" in q:
                a, b = locate(q["passage"], tracks[q["track"]])
                span = (a + off, b + off)
            for name, fn in (("old", textmatch.search), ("new", paraphrase.search_paraphrase)):
                t0 = time.perf_counter()
                hits = fn(q["text"], words, limit=5)
                row[f"{name}_ms"] = (time.perf_counter() - t0) * 1000
                best = hits[0] if hits else None
                row[f"{name}_score"] = best.similarity if best else 0.0
                row[f"{name}_place"] = bool(best and span and at_place(best, span))
                row[f"{name}_hit"] = " ".join(w.text for w in words[best.first : best.last + 1])
            rows.append(row)
    return rows


def found(row: dict, name: str, threshold: float) -> bool:
    ok = row[f"{name}_score"] >= threshold
    return ok and (row["kind"].startswith("absent") or row[f"{name}_place"])


def rng(xs):
    if not xs:
        return "-"
    return f"{min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f}"


def report(rows: list[dict], threshold: float) -> None:
    for mode in ("own", "combined"):
        rs = [r for r in rows if r["mode"] == mode]
        print(f"\n== {mode} track(s): found (present) or false matches (absent)")
        head = f"{'kind':18}{'n':>4}  {'old@0.7/0.8':>12}  {f'new@{threshold}':>9}"
        print(head + "   new score min/median/max    old score min/median/max")
        for kind in KINDS:
            ks = [r for r in rs if r["kind"] == kind]
            old = sum(found(r, "old", old_threshold(r["text"])) for r in ks)
            new = sum(found(r, "new", threshold) for r in ks)
            print(
                f"{kind:18}{len(ks):>4}  {old:>12}  {new:>9}   "
                f"{rng([r['new_score'] for r in ks]):24}    {rng([r['old_score'] for r in ks])}"
            )
        present = [r for r in rs if not r["kind"].startswith("absent")]
        wrong = [r for r in present if not r["new_place"]]
        print(f"present quotes whose best new hit is elsewhere: {len(wrong)}")
        for r in wrong:
            print(f"   {r['new_score']:.2f} {r['kind']:12} {r['text']!r} -> {r['new_hit']!r}")
    print(
        "\n== threshold sweep for search_paraphrase: present found / absent matched, both modes;"
        "\n   'check': the quotes written after the scoring was chosen"
    )
    for t in GRID:
        cells = []
        for which in ("main", "check", None):
            rs = [r for r in rows if which is None or r["set"] == which]
            p = [r for r in rs if not r["kind"].startswith("absent")]
            a = [r for r in rs if r["kind"].startswith("absent")]
            cells.append(
                f"{which or 'all'}: {sum(found(r, 'new', t) for r in p):>3}/{len(p)} "
                f"false {sum(found(r, 'new', t) for r in a):>2}/{len(a)}"
            )
        print(f"  {t:.2f}  " + "   ".join(cells))
    for which in ("main", "check", None):
        rs = [r for r in rows if which is None or r["set"] == which]
        p = [r for r in rs if not r["kind"].startswith("absent")]
        a = [r for r in rs if r["kind"].startswith("absent")]
        print(
            f"  old search at 0.7 (0.8 under 20 letters), {which or 'all'}: "
            f"{sum(found(r, 'old', old_threshold(r['text'])) for r in p)}/{len(p)} found, "
            f"false {sum(found(r, 'old', old_threshold(r['text'])) for r in a)}/{len(a)}"
        )
    absent = sorted(
        (r for r in rows if r["kind"].startswith("absent")), key=lambda r: -r["new_score"]
    )
    print("\n== highest-scoring absent quotes (new)")
    for r in absent[:8]:
        print(f"   {r['new_score']:.3f} {r['mode']:8} {r['text']!r} -> {r['new_hit']!r}")
    present = [r for r in rows if not r["kind"].startswith("absent") and r["new_place"]]
    print("\n== lowest-scoring present quotes at the right place (new)")
    for r in sorted(present, key=lambda r: r["new_score"])[:10]:
        print(f"   {r['new_score']:.3f} {r['mode']:8} {r['kind']:11} {r['text']!r}")


def speed(data: dict, n_words: int = 30000) -> dict:
    """Query time on a ~30 000-word track (the witness lines, shuffled and repeated)."""
    lines, r = [], random.Random(3)
    base = data["tracks"]["witness"]["lines"]
    while sum(len(x.split()) for x in lines) < n_words:
        lines += r.sample(base, len(base))
    words = textmatch.timed_words(make_track(lines))
    queries = [q["text"] for q in data["quotes"]]
    t0 = time.perf_counter()
    index = paraphrase.english_index(words)
    index_ms = (time.perf_counter() - t0) * 1000
    times, times_ix = [], []
    for q in queries:
        t0 = time.perf_counter()
        paraphrase.search_paraphrase(q, words)
        times.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        paraphrase.search_paraphrase(q, words, index=index)
        times_ix.append((time.perf_counter() - t0) * 1000)
    old = []
    for q in queries[:20]:
        t0 = time.perf_counter()
        textmatch.search(q, words)
        old.append((time.perf_counter() - t0) * 1000)
    out = {
        "words": len(words),
        "index_ms": round(index_ms),
        "query_ms_median": round(statistics.median(times)),
        "query_ms_max": round(max(times)),
        "query_ms_median_with_index": round(statistics.median(times_ix)),
        "query_ms_max_with_index": round(max(times_ix)),
        "old_search_ms_median": round(statistics.median(old)),
    }
    print("\n== speed on a long track:", json.dumps(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threshold", type=float, default=paraphrase.EN_PARAPHRASE_THRESHOLD)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--json", type=Path, help="write the rows and timings here")
    args = ap.parse_args()
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rows = run(data)
    report(rows, args.threshold)
    timing = None if args.no_speed else speed(data)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "speed": timing}, indent=1))


if __name__ == "__main__":
    main()
