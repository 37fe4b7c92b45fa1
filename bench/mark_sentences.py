"""Mark the true start and end of every transcript line of the shared Persian read speech.

Produces tests/data/read_speech_sentences.json, the ground truth for the real-speech benchmark
(bench/align_quotes.py --real) and tests/test_real_speech.py. The marks are made without the
forced aligner under test (align/forced.py) and without quote search, so they can judge them
(but see step 7, a one-off review prompted by the aligner's disagreements). Note that the energy
threshold below is the same formula as align/energy.py's, which the aligner uses to sharpen its
word starts: where both snap to the same onset they agree to 0.00 s by construction, so an
error of zero means "the aligner found the right pause", not "both are exact".

Procedure (semi-manual, repeatable: run it again and you get the same file):

1. Decode each mp3 with ffmpeg to 16 kHz mono (transcribe.audio.decode). All times are seconds in
   that decoding of the ORIGINAL file.
2. Short-time energy in 10 ms frames. A frame is speech when it is above a threshold set from
   the recording's own levels (floor = 10th percentile, speech level = 95th percentile of frame
   dB; threshold = max(floor + 25 % of the range, speech level - 30 dB)). A voiced run under
   0.3 s that never rises 6 dB above the threshold (an inhale, the floor flickering across the
   threshold) counts as quiet; quiet runs broken only by a blip under 60 ms (a click) are joined.
   Pauses are quiet runs >= 150 ms; leading and trailing silence count as pauses. A final
   plosive release or fricative tail within 0.25 s after an end (0.1 s before a start), 3 dB
   above the threshold and followed by 150 ms of quiet, is put back into the line (refine).
3. Independent evidence of where each line is: Whisper base (bundled) transcribes the whole
   recording freely (language fa, word timestamps, no VAD). The transcript (all lines, joined,
   normalised with align.normalize.compact) is aligned character by character to Whisper's
   characters with a semi-global edit distance (Whisper's extra words before the first line,
   the spoken chapter title, and after the last one cost nothing). Each line's first and last
   characters thereby get a rough time (Whisper word times, +-0.5 s or so).
4. A line's start is the END of the pause nearest its rough start (speech onset, 10 ms), its end
   the START of the pause nearest its rough end (speech offset). Start and end are chosen
   separately, so speech that is not in the transcript (a title, an unscripted sentence between
   two lines, a reading that continues past the transcript) stays outside every line. Where no
   150 ms pause is near, the deepest quiet run of at least 50 ms is used and the check says so.
   Commas and semicolons also make pauses, so only the pauses nearest the line's own ends count.
   As a sanity check the line's share of the transcript's characters predicts its start from
   the recording's speech time; a disagreement over 6 s is reported.
5. CHECK: each marked span [start - 0.05, end + 0.05] is cut out and transcribed alone by
   Whisper (language fa); its character error rate against the line (compact text) and the
   first and last words (fuzzy) are recorded in "check". A boundary in the wrong place shows as
   missing or extra words at the clip's edges, i.e. as a CER well above the recording's median
   or a first/last word that does not match.
6. Every line flagged by step 5 was looked at (10 ms energy around the edge, Whisper's words
   there, and Whisper on trial cuts that move the edge) and either fixed in HAND_FIXES below or
   kept in REVIEWED, each with the reason. Hand fixes are applied before the check, so their
   clips are checked too.
7. Cross-check, done once after the marks were made (so, unlike steps 1-6, NOT independent of
   the aligner under test): align/forced.py was run on recording 1 and every edge more than
   0.15 s from its mark was looked at again with the energy and clip transcriptions. That found
   two faults in the marking rules, not in the aligner: an inhale before a line (recording 1,
   47.98-48.22 s) and the noise floor flickering across the threshold after a line (76.8-77.0,
   86.7-86.9 and 99.1-99.3 s) had been counted as speech, making four ends 0.2-0.4 s late.
   Clips confirm it (44.68-47.90 s already ends 'بده هم'; 78.0-86.6 s already ends 'ترمی
   کردم'). The rules were fixed (weak_runs_quiet, BURST_DB) rather than the times copied, and
   all four recordings were marked again with them. The remaining disagreements on recording
   1 are the aligner's (it gives the spoken title to line 0, 3.8 s early, and starts line 10
   at a noise flicker 1.1 s early), plus 0.14-0.17 s at two edges with no clean pause.

Residual uncertainty: the marks sit at energy onsets/offsets, +-0.03 s where the pause is clean;
a soft onset (a fricative, a breathy vowel) below the threshold can make a start up to ~0.08 s
late and an end up to ~0.08 s early; +-0.1 s at recording 2 line 0 (music underneath); and
where two lines meet with no 150 ms pause (recording 1, lines 4/5: a 0.06 s dip) the boundary
is the dip, which is where the words divide but not a silence.

Whisper's outputs are cached in /tmp/navar-mark-sentences (delete it to redo them).

    .venv/bin/python bench/mark_sentences.py                 # all four recordings
    .venv/bin/python bench/mark_sentences.py --recordings 1 --show   # print evidence, no write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from align.normalize import compact  # noqa: E402
from transcribe import audio  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "persian-read-speech"
OUT = ROOT / "tests" / "data" / "read_speech_sentences.json"
CACHE = Path("/tmp/navar-mark-sentences")
SR = 16000
FRAME = 0.01
MIN_PAUSE = 0.15
WEAK_PAUSE = 0.05
BLIP = 0.06
WEAK_DB = 6.0  # a voiced run must rise this far above the threshold to count as speech
BURST_DB = 3.0  # a final or initial burst must rise this far above it (refine)
PAD = 0.05

# (recording, line) -> {"start"/"end": seconds, "why": reason}. From the review (step 6).
HAND_FIXES: dict[tuple[int, int], dict] = {
    (2, 0): {
        "start": 8.95,
        "why": "music runs under the chapter title and into this line, so no pause precedes it "
        "(the automatic mark took a 0.08 s dip inside the line, 10.14 s, clip CER 0.69, clip "
        "'بوش رو یاده ترحست'); start at the sharp onset of 'داستان' (-37 -> -24 dB at 8.95 s); "
        "the clip from 8.90 s begins 'دستن خالبشا ...' and 0-8.95 s holds only the title "
        "('فسلا با'). +-0.1 s because of the music",
    },
    (1, 8): {
        "start": 65.78,
        "why": "the automatic start (65.25 s) took a quiet voiced murmur (65.25-65.60 s, 15 dB "
        "below the speech around it, periodic: not the affricate 'چ') for the line's first "
        "word; 'چ' is the noise burst at 65.78-65.83 s (-34 dB after -41 dB) followed by the "
        "vowel at -18 dB; Whisper's transcription of the clip from 65.70 s begins with the "
        "line's first words ('شاش پشار خوندن' for 'چشم چرخاندم'). Found "
        "in stop 18, when the forced aligner and quote search both put the start 0.53 s "
        "later than the mark on every tape; the end is unchanged",
    },
    (2, 3): {
        "end": 44.91,
        "why": "the reader adds a sentence that the transcript leaves out (about 'no pain no "
        "gain' written on the garage wall, 46.0-50.1 s) and the character alignment gave it to "
        "this line (automatic end 48.06 s, clip CER 0.67 ending 'اون روید دیبار گارج خونه "
        "نباشتبود'); end at the offset of 'بهم بزنه' before the 1.1 s pause at 44.91 s; the "
        "clip 38.09-44.96 ends '... شروپ هم بزن'",
    },
}
# Lines whose clip CER is well above the recording's median, looked at and kept as marked.
REVIEWED = {
    (1, 6): "both edges heard ('چشم که' ... 'تو ادی بین از ار بیلسام' = 'تا عادی به‌نظر برسم'); "
    "fast speech badly recognised, the span is right",
    (3, 5): "both edges heard ('که را کولا' = 'چرا کلاه' ... 'کت هرسندری' = 'که ترس نداره'); "
    "the clip 55.31-59.91 s began 'چرا کلا'; Whisper varies on short clips",
    (4, 2): "both edges heard ('پیدراش' ... 'ایستادبود'); 'غذاخوری' badly recognised",
    (4, 9): "both edges heard ('پیدر' ... 'آلین رکت' = 'آلن ریخت'); a short line, badly "
    "recognised in the middle ('چند قطره در' -> 'چن کتر درونی')",
}
# Where the spoken chapter title ends, when the automatic rule (the pause before the first
# line, with at least 1 s of speech before it) cannot see it.
HAND_TITLE_END = {
    2: (8.14, "music under the title: end of Whisper's last title word ('با', 7.80-8.14 s)"),
}


def lines_of(n: int) -> list[str]:
    text = (DATA / "transcripts" / f"{n}.txt").read_text(encoding="utf-8")
    return [" ".join(x.split()) for x in text.splitlines() if x.strip()]


# ---- energy and pauses ------------------------------------------------------------------------


def frame_db(x: np.ndarray) -> np.ndarray:
    n = len(x) // int(SR * FRAME)
    f = x[: n * int(SR * FRAME)].reshape(n, -1).astype(np.float64)
    return 20 * np.log10(np.sqrt((f**2).mean(axis=1) + 1e-12) + 1e-9)


def threshold(db: np.ndarray) -> float:
    floor, peak = float(np.percentile(db, 10)), float(np.percentile(db, 95))
    return max(floor + 0.25 * (peak - floor), peak - 30.0)


def weak_runs_quiet(db: np.ndarray, thr: float) -> np.ndarray:
    """Frames at or below the threshold, plus short weak runs above it: a run under 0.3 s that
    never rises WEAK_DB above the threshold is a breath or the noise floor flickering across the
    threshold, not speech (recording 1's floor between sentences sits only 1-2 dB under it; the
    inhale at 47.98-48.22 s there peaks at -34 dB against a -39 dB threshold)."""
    quiet = db <= thr
    i, n = 0, len(db)
    while i < n:
        if quiet[i]:
            i += 1
            continue
        j = i
        while j < n and not quiet[j]:
            j += 1
        if (j - i) * FRAME < 0.3 and db[i:j].max() < thr + WEAK_DB:
            quiet[i:j] = True
        i = j
    return quiet


def quiet_runs(db: np.ndarray, thr: float, min_len: float) -> list[tuple[float, float, float]]:
    """(start, end, mean dB) of quiet runs >= min_len s, joined across voiced blips < BLIP s."""
    quiet = weak_runs_quiet(db, thr)
    runs, i, n = [], 0, len(db)
    while i < n:
        if quiet[i]:
            j = i
            while j < n and quiet[j]:
                j += 1
            runs.append([i, j])
            i = j
        else:
            i += 1
    joined = []
    for a, b in runs:
        if joined and (a - joined[-1][1]) * FRAME < BLIP:
            joined[-1][1] = b
        else:
            joined.append([a, b])
    return [
        (round(a * FRAME, 2), round(b * FRAME, 2), float(db[a:b].mean()))
        for a, b in joined
        if (b - a) * FRAME >= min_len
    ]


def refine(db: np.ndarray, thr: float, t: float, kind: str) -> float:
    """Move a line's edge out over the short bursts that quiet-run joining swallowed.

    A word-final plosive release or the tail of a fricative shows as a blip or two above the
    threshold within a quarter second after the vowel's offset; the end is after the last such
    frame that is followed by at least MIN_PAUSE of quiet. Starts likewise move back over
    bursts at most 0.1 s before the onset (an initial plosive's release; anything earlier is a
    click or a breath). Checked with Whisper: it hears the final syllable only with the
    extended end, e.g. recording 3 line 0 ends 'رومی با' at 14.77 s but 'رومی بلی' at 15.00 s,
    recording 4 line 9 'آلندی' at 72.37 s but 'آلین رکت' at 72.56 s.
    """
    v = db > thr + BURST_DB
    i = int(round(t / FRAME))
    n, quiet = len(v), int(round(MIN_PAUSE / FRAME))
    k = int(round((0.25 if kind == "end" else 0.1) / FRAME))
    if kind == "end":
        for j in range(min(n - 1, i + k), i - 1, -1):
            if v[j] and not v[j + 1 : j + 1 + quiet].any() and j + 1 + quiet <= n:
                return round((j + 1) * FRAME, 2)
        return t
    for j in range(max(0, i - k), i + 1):
        if v[j] and j >= quiet and not v[j - quiet : j].any():
            return round(j * FRAME, 2)
    return t


# ---- Whisper evidence -------------------------------------------------------------------------


def model():
    from transcribe import speech_model

    return speech_model.load(None)


def whisper_words(n: int, x: np.ndarray) -> list[list]:
    """[start, end, word] from a free transcription of the whole recording (cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{n}.words.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    segs, _ = model().transcribe(x, language="fa", word_timestamps=True, beam_size=5,
                                 vad_filter=False, condition_on_previous_text=False)  # fmt: skip
    words = [[round(w.start, 2), round(w.end, 2), w.word.strip()] for s in segs for w in s.words]
    path.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    return words


def clip_text(n: int, x: np.ndarray, start: float, end: float) -> str:
    """Whisper's transcription of [start, end] of recording ``n`` alone (cached)."""
    path = CACHE / f"{n}.clips.json"
    done = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    key = f"{start:.2f}-{end:.2f}"
    if key not in done:
        clip = x[int(start * SR) : int(end * SR)]
        segs, _ = model().transcribe(clip, language="fa", beam_size=5, vad_filter=False,
                                     condition_on_previous_text=False)  # fmt: skip
        done[key] = " ".join(s.text.strip() for s in segs)
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(done, ensure_ascii=False, indent=0), encoding="utf-8")
    return done[key]


def semi_global(ref: str, hyp: str) -> list[int]:
    """For each character of ``ref``, the index of the ``hyp`` character it aligns to (or the
    next one when it is a deletion). Gaps in ``hyp`` before and after ``ref`` are free."""
    n, m = len(ref), len(hyp)
    INF = 10**9
    D = np.zeros((n + 1, m + 1), dtype=np.int32)
    D[:, 0] = np.arange(n + 1)
    D[0, :] = 0  # free leading hyp characters
    back = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 diag, 1 up (ref gap), 2 left (hyp gap)
    back[1:, 0] = 1
    back[0, 1:] = 2
    h = np.array([ord(c) for c in hyp])
    for i in range(1, n + 1):
        sub = D[i - 1, :-1] + (h != ord(ref[i - 1]))
        up = D[i - 1, 1:] + 1
        row = np.minimum(sub, up)
        choice = np.where(sub <= up, 0, 1).astype(np.int8)
        # left moves need a sequential pass
        Di, bi = np.empty(m + 1, dtype=np.int32), np.empty(m + 1, dtype=np.int8)
        Di[0], bi[0] = i, 1
        for j in range(1, m + 1):
            left = Di[j - 1] + 1
            if left < row[j - 1]:
                Di[j], bi[j] = left, 2
            else:
                Di[j], bi[j] = row[j - 1], choice[j - 1]
        D[i], back[i] = Di, bi
    j = int(np.argmin(D[n]))  # free trailing hyp characters
    i, where = n, [INF] * n
    while i > 0 and j > 0:
        b = back[i, j]
        if b == 0:
            where[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif b == 1:
            where[i - 1] = -(j + 1)  # deletion before hyp j: marked negative
            i -= 1
        else:
            j -= 1
    while i > 0:
        where[i - 1] = -1
        i -= 1
    return where


def line_evidence(lines: list[str], words: list[list]) -> list[dict]:
    """Rough [start, end] of each line from Whisper's word times via the character alignment."""
    hyp, hyp_word = [], []
    for k, w in enumerate(wd[2] for wd in words):
        c = compact(w)
        hyp.append(c)
        hyp_word += [k] * len(c)
    hyp = "".join(hyp)
    refs = [compact(x) for x in lines]
    where = semi_global("".join(refs), hyp)
    out, pos = [], 0
    for r in refs:
        idx = where[pos : pos + len(r)]
        matched = [i for i in idx if i >= 0]
        first = matched[0] if matched else max(0, -idx[0] - 1)
        last = matched[-1] if matched else max(0, -idx[-1] - 1)
        fw, lw = hyp_word[min(first, len(hyp_word) - 1)], hyp_word[min(last, len(hyp_word) - 1)]
        out.append({
            "rough_start": words[fw][0], "rough_end": words[lw][1],
            "first_word": words[fw][2], "last_word": words[lw][2],
            "matched_share": round(len(matched) / max(1, len(r)), 2),
        })  # fmt: skip
        pos += len(r)
    return out


# ---- marking ----------------------------------------------------------------------------------


def nearest_pause(pauses, t: float, kind: str, lo: float, hi: float):
    """The pause nearest ``t`` (distance to the interval), preferring long pauses a little."""
    best, score = None, None
    for p in pauses:
        a, b = p[0], p[1]
        edge = b if kind == "start" else a
        if not lo <= edge <= hi:
            continue
        dist = 0.0 if a <= t <= b else min(abs(t - a), abs(t - b))
        s = dist - 0.3 * min(b - a, 1.0)
        if score is None or s < score:
            best, score = p, s
    return best


def mark(n: int, show: bool = False) -> dict:
    path = DATA / "audios" / f"{n}.mp3"
    x = audio.decode(path)
    duration = len(x) / SR
    db = frame_db(x)
    thr = threshold(db)
    pauses = quiet_runs(db, thr, MIN_PAUSE)
    weak = quiet_runs(db, thr, WEAK_PAUSE)
    # Leading and trailing silence are pauses too (a line may start or end the file).
    voiced = np.flatnonzero(db > thr)
    first_v, last_v = voiced[0] * FRAME, (voiced[-1] + 1) * FRAME
    edges = [(0.0, round(first_v, 2), -99.0), (round(last_v, 2), round(duration, 2), -99.0)]
    pauses = sorted(set(pauses) | set(edges))
    weak = sorted(set(weak) | set(edges))
    lines = lines_of(n)
    words = whisper_words(n, x)
    ev = line_evidence(lines, words)

    # Character-share prior: line k starts at speech start + share of chars before it.
    refs = [len(compact(x_)) for x_ in lines]
    total = sum(refs)
    sp_a, sp_b = ev[0]["rough_start"], ev[-1]["rough_end"]

    sentences, prev_end, title_end = [], 0.0, None
    for k, line in enumerate(lines):
        e = ev[k]
        notes = []
        p = nearest_pause(pauses, e["rough_start"], "start", prev_end, e["rough_end"])
        if p is None or abs(p[1] - e["rough_start"]) > 1.0:
            q = nearest_pause(weak, e["rough_start"], "start", prev_end, e["rough_end"])
            if q is not None and (
                p is None or abs(q[1] - e["rough_start"]) < abs(p[1] - e["rough_start"])
            ):
                p = q
                notes.append(f"start at a short pause ({q[1] - q[0]:.2f} s)")
        start = p[1]
        if k == 0 and np.count_nonzero(db[: int(p[0] / FRAME)] > thr) * FRAME >= 1.0:
            title_end = p[0]  # speech (the spoken chapter title) before the first line
        nxt = ev[k + 1]["rough_start"] if k + 1 < len(lines) else duration
        p = nearest_pause(pauses, e["rough_end"], "end", start, nxt + 1.0)
        if p is None or abs(p[0] - e["rough_end"]) > 1.0:
            q = nearest_pause(weak, e["rough_end"], "end", start, nxt + 1.0)
            if q is not None and (
                p is None or abs(q[0] - e["rough_end"]) < abs(p[0] - e["rough_end"])
            ):
                p = q
                notes.append(f"end at a short pause ({q[1] - q[0]:.2f} s)")
        end = p[0]
        start, end = refine(db, thr, start, "start"), refine(db, thr, end, "end")
        if (n, k) in HAND_FIXES:
            fix = HAND_FIXES[(n, k)]
            start, end = fix.get("start", start), fix.get("end", end)
            notes = [x for x in notes if not any(x.startswith(f"{f} at") for f in fix)]
            notes.append("hand-fixed: " + fix["why"])
        prior = sp_a + (sp_b - sp_a) * sum(refs[:k]) / total
        if abs(prior - start) > 6.0:
            notes.append(f"character-share prior disagrees ({prior:.1f} s)")
        prev_end = end
        sentences.append({"line": k, "text": line, "start": round(start, 2), "end": round(end, 2),
                          "_notes": notes, "_ev": e})  # fmt: skip

    # Step 5: check every span by transcribing it alone.
    for s in sentences:
        a, b = max(0.0, s["start"] - PAD), min(duration, s["end"] + PAD)
        hyp = clip_text(n, x, a, b)
        ref = compact(s["text"])
        s["cer"] = round(Levenshtein.distance(ref, compact(hyp)) / max(1, len(ref)), 3)
        s["_hyp"] = hyp
        rw, hw = s["text"].split(), hyp.split()
        s["_first"] = (compact(rw[0]), compact(hw[0]) if hw else "")
        s["_last"] = (compact(rw[-1]), compact(hw[-1]) if hw else "")
    med = statistics.median(s["cer"] for s in sentences)
    for s in sentences:
        edge_ok = [
            Levenshtein.normalized_similarity(r, h) >= 0.5 for r, h in (s["_first"], s["_last"])
        ]
        verdict = "ok"
        if s["cer"] > med + 0.15:
            verdict = "CER high: " + REVIEWED.get((n, s["line"]), "NOT REVIEWED YET")
        elif (n, s["line"]) in HAND_FIXES:
            verdict = "ok after the hand fix"
        s["check"] = (
            f"clip CER {s['cer']:.2f} (recording median {med:.2f}); clip says "
            f"first '{s['_first'][1]}' last '{s['_last'][1]}' for '{s['_first'][0]}' / "
            f"'{s['_last'][0]}'; {verdict}" + "".join("; " + x for x in s["_notes"])
        )
        s["_edges"] = edge_ok
    if show:
        print(f"== recording {n}: {duration:.2f} s, threshold {thr:.1f} dB, "
              f"{len(pauses)} pauses, median clip CER {med:.2f}")  # fmt: skip
        for s in sentences:
            e = s["_ev"]
            print(f"[{s['line']:2d}] {s['start']:7.2f}-{s['end']:7.2f}  rough "
                  f"{e['rough_start']:.2f}-{e['rough_end']:.2f} ({e['matched_share']}) CER "
                  f"{s['cer']:.2f} edges {s['_edges']} {s['_notes']}")  # fmt: skip
            print("     line:", s["text"][:90])
            print("     clip:", s["_hyp"][:90])
    if n in HAND_TITLE_END:
        title_end = HAND_TITLE_END[n][0]
    return {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "duration": round(duration, 3),
        "title_end": title_end,  # None: the reading starts with the first line
        **({"title_note": HAND_TITLE_END[n][1]} if n in HAND_TITLE_END else {}),
        "speech_after_last_line": bool(last_v > sentences[-1]["end"] + 0.3),
        "median_clip_cer": round(med, 3),
        "sentences": [{k: v for k, v in s.items() if not k.startswith("_")} for s in sentences],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recordings", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--show", action="store_true", help="print the evidence; do not write")
    args = ap.parse_args()
    recs = {str(n): mark(n, show=args.show) for n in args.recordings}
    if args.show:
        return
    doc = {
        "source": "../shared/data/persian-read-speech (alifarrokh/persian-asr, MIT)",
        "method": (
            "bench/mark_sentences.py: 10 ms energy pauses (>= 150 ms, threshold relative to the "
            "recording's speech level); which pause starts/ends each line from a semi-global "
            "character alignment of the transcript to a free Whisper-base transcription with word "
            "times (not the forced aligner under test); start = speech onset after the pause, "
            "end = offset before it; each span checked by transcribing it alone (CER against the "
            "line) and reviewed by hand where worse than typical (hand fixes listed in the "
            "script). Times in seconds of the original mp3 decoded by ffmpeg at 16 kHz; about "
            "+-0.05 s at clean pauses; up to 0.1-0.2 s where a line ends in a weak consonant "
            "after a closure or music runs under it (see each line's check)."
        ),
        "recordings": recs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
