"""Navar against a plain faster-whisper script: time overhead and Persian CER/WER, in one run.

For each recording in ../shared/data/persian-read-speech, in alternating order (so machine
load hits both sides alike):
  plain  faster-whisper's WhisperModel.transcribe on the whole file, same model (bundled base,
         int8), same settings as Navar's defaults (language fa, beam 5, word timestamps,
         condition_on_previous_text False, temperature fallback 0.0-1.0);
  navar  transcribe.pipeline.transcribe_recording (no translation): pieces, guards with retries,
         start refinement, provenance, the atomic write.
Both share one loaded model, so the times compare the transcription work itself.

Text is scored against the human transcripts after align.normalize on both sides (NFKC; Arabic
to Persian letters; digits to Latin; diacritics, tatweel, ZWNJ and punctuation removed;
whitespace collapsed). CER = character edit distance / reference characters (spaces
included), WER = word edit distance / reference words, both summed over the corpus.

    .venv/bin/python bench/transcribe_compare.py [ROUNDS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "persian-read-speech"
sys.path.insert(0, str(ROOT))

from align.normalize import normalize  # noqa: E402
from transcribe import audio, engine, pipeline, speech_model  # noqa: E402
from transcribe.archive import Archive  # noqa: E402


def plain(model, path: Path) -> str:
    opts = engine.TranscribeOptions()
    segments, _ = model.transcribe(
        audio.decode(path),
        language="fa",
        beam_size=opts.beam_size,
        word_timestamps=True,
        condition_on_previous_text=False,
        temperature=opts.temperature,
    )
    return " ".join(s.text.strip() for s in segments)


def navar(archive: Archive, rec_id: str) -> str:
    (track,) = pipeline.transcribe_recording(archive, rec_id, translate=False, force=True)
    acted = [n.split(" ", 1)[0] for n in track.provenance.notes if " s (" in n]
    retried = sum(any(f.startswith("retried") for f in s.flags) for s in track.segments)
    print(f"  guards: {retried} retried, {acted.count('trimmed')} trimmed, "
          f"{acted.count('dropped')} dropped", flush=True)  # fmt: skip
    return " ".join(s.text for s in track.segments)


def score(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    chars = words = ref_chars = ref_words = 0
    for ref, hyp in pairs:
        r, h = normalize(ref), normalize(hyp)
        chars += Levenshtein.distance(r, h)
        words += Levenshtein.distance(r.split(), h.split())
        ref_chars += len(r)
        ref_words += len(r.split())
    return chars / ref_chars, words / ref_words


def main(rounds: int) -> None:
    model = speech_model.load(None)
    files = sorted((DATA / "audios").glob("*.mp3"))
    refs = {f: (DATA / "transcripts" / f"{f.stem}.txt").read_text(encoding="utf-8") for f in files}
    times = {"plain": 0.0, "navar": 0.0}
    cpu = {"plain": 0.0, "navar": 0.0}  # this process's CPU time: steadier under shared load
    texts = {"plain": {}, "navar": {}}
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "archive")
        ids = {f: archive.add(f).recording.id for f in files}  # adding is not transcribing
        for r in range(rounds):
            for i, f in enumerate(files):
                order = ["plain", "navar"] if (i + r) % 2 == 0 else ["navar", "plain"]
                for side in order:
                    began, began_cpu = time.monotonic(), time.process_time()
                    text = plain(model, f) if side == "plain" else navar(archive, ids[f])
                    took = time.monotonic() - began
                    times[side] += took
                    cpu[side] += time.process_time() - began_cpu
                    texts[side].setdefault(f, text)  # score the first round's text
                    print(f"round {r + 1} {f.name} {side}: {took:.1f} s", flush=True)
                    print(f"  cpu {time.process_time() - began_cpu:.1f} s", flush=True)
    audio_s = sum(audio.inspect(f).duration for f in files) * rounds
    for side in ("plain", "navar"):
        cer, wer = score([(refs[f], texts[side][f]) for f in files])
        rtf = times[side] / audio_s
        print(f"{side}: {times[side]:.1f} s wall, {cpu[side]:.1f} s cpu for {audio_s:.0f} s of "
              f"audio ({1 / rtf:.2f}x real time), CER {cer:.3f}, WER {wer:.3f}")  # fmt: skip
    print(f"navar overhead: wall {100 * (times['navar'] / times['plain'] - 1):+.1f}%, "
          f"cpu {100 * (cpu['navar'] / cpu['plain'] - 1):+.1f}%")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
