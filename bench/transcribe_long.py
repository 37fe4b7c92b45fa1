"""Real-time factor and peak memory of `navar transcribe` on 10 and 60 minutes of audio.

The audio is the four Persian read-speech recordings in ../shared/data, looped (with a second of
silence between them) to the length asked for, as one 16 kHz mono mp3. The recording is added
to a fresh archive first; then `navar transcribe ID --no-translate` runs in a child process, so
its peak RSS (getrusage of children) is the transcription's own.

    .venv/bin/python bench/transcribe_long.py 10 60     # minutes; prints one line per length
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "persian-read-speech" / "audios"
sys.path.insert(0, str(ROOT))

from transcribe.archive import Archive  # noqa: E402


def make_audio(minutes: float, out: Path) -> None:
    files = sorted(DATA.glob("*.mp3"))
    inputs, parts, total, i = [], [], 0.0, 0
    while total < minutes * 60:
        f = files[i % len(files)]
        inputs += ["-i", str(f)]
        parts.append(f"[{i}:a]aresample=16000,aformat=channel_layouts=mono,apad=pad_dur=1[a{i}]")
        total += float(_probe(f)) + 1.0
        i += 1
    chain = ";".join(parts) + ";" + "".join(f"[a{k}]" for k in range(i))
    chain += f"concat=n={i}:v=0:a=1,atrim=0:{minutes * 60}[out]"
    cmd = ["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", chain, "-map", "[out]",
           "-b:a", "48k", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)


def _probe(f: Path) -> str:
    cmd = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(f)]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def main(lengths: list[float]) -> None:
    navar = str(ROOT / ".venv" / "bin" / "navar")
    for minutes in lengths:
        with tempfile.TemporaryDirectory() as tmp:
            mp3 = Path(tmp) / f"persian-{minutes:g}min.mp3"
            make_audio(minutes, mp3)
            archive = Archive(Path(tmp) / "archive")
            rec = archive.add(mp3).recording
            load = os.getloadavg()[0]
            began = time.monotonic()
            cmd = [navar, "--archive", str(archive.root), "transcribe", rec.id, "--no-translate"]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # wait4 gives this child's own peak RSS (getrusage would mix in other children).
            _pid, status, usage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - began
            peak_mb = usage.ru_maxrss / 1024
            if status != 0:
                print(proc.stderr.read().decode(), file=sys.stderr)
                raise SystemExit(1)
            track = archive.track(rec.id, "fa.asr")
            retried = sum(any(f.startswith("retried") for f in s.flags) for s in track.segments)
            dropped = sum(n.startswith("dropped") for n in track.provenance.notes)
            print(
                f"{minutes:g} min: audio {rec.duration:.0f} s, wall {wall:.0f} s, "
                f"{rec.duration / wall:.2f}x real time (RTF {wall / rec.duration:.3f}), "
                f"peak RSS {peak_mb:.0f} MB, cpu {usage.ru_utime + usage.ru_stime:.0f} s, "
                f"{len(track.segments)} segments, {retried} retried, {dropped} dropped, "
                f"load average at start {load:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main([float(x) for x in sys.argv[1:]] or [10.0, 60.0])
