"""50 concurrent listeners seeking with HTTP Range requests for a minute, on loopback.

`navar serve` (waitress) serves a 3-hour MP3 (bench/web_archive.py). Each listener keeps one
HTTP/1.1 connection and loops: seek to a random point (a Range request for 64 KiB there, as a
browser does when you click the waveform), then "play" a few following 64 KiB ranges. Every
response is checked: status 206, the Content-Range asked for, and the exact bytes of the file.
Bounded: a fixed number of listeners for a fixed time.

    .venv/bin/python bench/web_range_load.py [--listeners 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import web_archive  # noqa: E402
from web_player_load import start_server  # noqa: E402

CHUNK = 64 * 1024
PLAY_CHUNKS = 3  # ranges read after each seek


class Listener(threading.Thread):
    def __init__(self, port: int, path: str, data: bytes, until: float, seed: int):
        super().__init__(daemon=True)
        self.port, self.path, self.data, self.until = port, path, data, until
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.bytes = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        size = len(self.data)
        while time.perf_counter() < self.until:
            start = self.rng.randrange(0, size - CHUNK * (PLAY_CHUNKS + 1))
            for k in range(PLAY_CHUNKS + 1):
                a = start + k * CHUNK
                b = a + CHUNK - 1
                try:
                    t0 = time.perf_counter()
                    conn.request("GET", self.path, headers={"Range": f"bytes={a}-{b}"})
                    r = conn.getresponse()
                    body = r.read()
                    self.latencies.append(time.perf_counter() - t0)
                    if r.status != 206 or r.getheader("Content-Range") != f"bytes {a}-{b}/{size}":
                        self.errors.append(f"status {r.status} {r.getheader('Content-Range')}")
                    elif body != self.data[a : b + 1]:
                        self.errors.append(f"wrong bytes at {a}")
                    self.bytes += len(body)
                except (OSError, http.client.HTTPException) as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--listeners", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        archive, rec = web_archive.build(tmp / "archive")
        path = archive.media_dir / rec.media
        data = path.read_bytes()
        proc, port = start_server(archive.root, tmp / "cache")
        try:
            until = time.perf_counter() + args.seconds
            listeners = [
                Listener(port, f"/media/{rec.id}", data, until, seed)
                for seed in range(args.listeners)
            ]
            t0 = time.perf_counter()
            for listener in listeners:
                listener.start()
            for listener in listeners:
                listener.join(args.seconds + 60)
            elapsed = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(10)

    lat = sorted(x for li in listeners for x in li.latencies)
    errors = [e for li in listeners for e in li.errors]
    total = sum(li.bytes for li in listeners)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    print(
        f"{args.listeners} listeners, {elapsed:.0f} s, file {len(data) / 2**20:.0f} MiB "
        f"({rec.duration / 3600:.0f} h MP3): {len(lat)} Range requests "
        f"({len(lat) / elapsed:.0f}/s, {total / elapsed / 2**20:.1f} MiB/s), "
        f"{len(errors)} errors; latency median {statistics.median(lat) * 1000:.1f} ms, "
        f"p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, max {lat[-1] * 1000:.0f} ms"
    )
    if errors:
        print("first errors:", errors[:5])
        sys.exit(1)


if __name__ == "__main__":
    main()
