"""A 3-hour synthetic recording with a ~30,000-word transcript, for the player benchmarks.

The audio is a short espeak-ng Persian passage repeated with ffmpeg's stream copy (seconds to
make, real MP3 frames to seek in). The tracks are written directly: fa.asr with ~30,000 timed
words and en.mt rendering it segment by segment, shaped like what the engine writes.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from navar import synthetic  # noqa: E402
from transcribe.archive import ID_LENGTH, Archive  # noqa: E402
from transcribe.transcript import Provenance, Recording, Segment, Track, Word, segment_id  # noqa: E402

HOURS = 3.0
WORDS = 30_000
FA_TEXT = (
    "امروز هوا آفتابی است و مردم در پارک قدم می‌زنند. کتابخانه شهر هر روز از ساعت نه صبح باز "
    "است. او به ما گفت که باید حقیقت را بنویسیم. بچه‌ها در حیاط مدرسه بازی می‌کردند."
)
EN_TEXT = (
    "The weather is sunny today and people are walking in the park. The city library opens "
    "every day at nine in the morning. He told us that we must write down the truth."
)


def build(
    root: Path, hours: float = HOURS, words: int = WORDS, seed: int = 7
) -> tuple[Archive, Recording]:
    archive = Archive(root)
    archive.media_dir.mkdir(parents=True, exist_ok=True)
    seconds = hours * 3600
    with tempfile.TemporaryDirectory() as tmp:
        piece = Path(tmp) / "piece.mp3"
        audio, _ = synthetic.synthesize(FA_TEXT.split(". "))
        audio.export(piece, format="mp3", bitrate="32k")
        loops = int(seconds / (len(audio) / 1000)) + 1
        long = Path(tmp) / "long.mp3"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops), "-i", str(piece),
             "-t", f"{seconds:.0f}", "-c", "copy", str(long)],
            check=True,
        )  # fmt: skip
        data = long.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    rec = Recording(
        id=sha[:ID_LENGTH], sha256=sha, title="Benchmark: three hours (synthetic)",
        media=f"{sha[:ID_LENGTH]}.mp3", duration=seconds, language="fa",
        format={"container": "mp3", "codec": "mp3", "sample_rate": 16000, "channels": 1},
    )  # fmt: skip
    (archive.media_dir / rec.media).write_bytes(data)
    archive.save_recording(rec)

    rng = random.Random(seed)
    fa_vocab, en_vocab = FA_TEXT.split(), EN_TEXT.split()
    per_word = seconds / words
    fa_segs, en_segs, t, i = [], [], 0.0, 0
    while t < seconds - 1 and i * 10 < words:
        n = rng.randint(7, 13)
        ws = []
        for _ in range(n):
            d = per_word * rng.uniform(0.6, 1.0)
            ws.append(Word(round(t, 3), round(t + d, 3), rng.choice(fa_vocab), 0.8))
            t += per_word
        sid = segment_id(i)
        fa_segs.append(Segment(sid, ws[0].start, ws[-1].end, " ".join(w.text for w in ws), ws))
        en_words = [rng.choice(en_vocab) for _ in range(n)]
        step = (ws[-1].end - ws[0].start) / n
        ew = [Word(round(ws[0].start + k * step, 3), round(ws[0].start + (k + 1) * step, 3), w, 0.7)
              for k, w in enumerate(en_words)]  # fmt: skip
        en_segs.append(Segment(sid, ws[0].start, ws[-1].end, " ".join(en_words), ew, [sid]))
        i += 1
    prov = Provenance(software="navar bench", model="synthetic")
    archive.save_track(Track("fa.asr", rec.id, "fa", "asr", prov, fa_segs))
    archive.save_track(Track("en.mt", rec.id, "en", "mt", prov, en_segs, source_track="fa.asr"))
    return archive, rec
