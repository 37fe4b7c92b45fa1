"""How fast the player page and its data are served for a 3-hour, ~30,000-word transcript.

Times each request the player makes when it opens: the page, the recording's JSON, the Persian
and English tracks and the waveform peaks. Cold: the first request for a transcript nobody has
opened since it changed (the JSON parsed from disk, the waveform decoded from 3 hours of audio),
measured in-process with Flask's test client. Warm: `navar serve` (waitress) over loopback,
after its start-up prewarm, median and 95th percentile of 30 requests each. Then headless
Chromium opens the player: time until the first rows show and until all rows are built.

    .venv/bin/python bench/web_player_load.py            # prints a Markdown table
"""

from __future__ import annotations

import gzip
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import web_archive  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAVAR = ROOT / ".venv" / "bin" / "navar"
WARM_RUNS = 30


def start_server(archive_root: Path, cache: Path) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(cache)}
    proc = subprocess.Popen(
        [str(NAVAR), "--archive", str(archive_root), "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    proc.stdout.readline()
    url = proc.stdout.readline().split("Open the player: ")[1].split()[0]
    return proc, int(url.rstrip("/").rsplit(":", 1)[1])


def fetch(port: int, path: str) -> tuple[float, int, int]:
    """(seconds, bytes on the wire, bytes after gunzip) for one GET with gzip accepted."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    r = conn.getresponse()
    body = r.read()
    elapsed = time.perf_counter() - t0
    assert r.status == 200, (path, r.status)
    raw = gzip.decompress(body) if r.getheader("Content-Encoding") == "gzip" else body
    conn.close()
    return elapsed, len(body), len(raw)


def cold_times(archive_root: Path, cache: Path, paths: dict[str, str]) -> dict[str, float]:
    from web.app import create_app

    client = create_app(archive_root, {"PEAKS_CACHE_DIR": cache}).test_client()
    client.get("/r/000000000000")  # imports done, base template compiled; transcripts untouched
    out = {}
    for name, path in paths.items():
        t0 = time.perf_counter()
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        out[name] = time.perf_counter() - t0
        assert r.status_code == 200, (path, r.status_code)
    return out


def browser_open(port: int, rec_id: str) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"],
        )  # fmt: skip
        page = b.new_page(viewport={"width": 1280, "height": 900})
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/r/{rec_id}")
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        elapsed = time.perf_counter() - t0
        words = page.locator(".w").count()
        # Milliseconds per highlight update (binary searches, class changes, waveform) at 2:30:00.
        per_update = page.evaluate(
            """() => { const a = document.getElementById('audio'); const p = window.navarPlayer;
            a.currentTime = 9000; const t0 = performance.now();
            for (let i = 0; i < 1000; i++) { a.dispatchEvent(new Event('timeupdate')); }
            return (performance.now() - t0) / 1000; }"""
        )
        first_rows = page.evaluate(
            "window.navarPlayer.timings.firstRows - window.navarPlayer.timings.fetched"
        )
        b.close()
    return elapsed, words, per_update, first_rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        archive, rec = web_archive.build(tmp / "archive")
        words = sum(len(s.words) for s in archive.track(rec.id, "fa.asr").segments)
        print(f"built {rec.duration / 3600:.1f} h, {words} Persian words in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)  # fmt: skip
        paths = {
            "player page": f"/r/{rec.id}",
            "recording JSON": f"/api/recordings/{rec.id}",
            "fa.asr track": f"/api/recordings/{rec.id}/tracks/fa.asr",
            "en.mt track": f"/api/recordings/{rec.id}/tracks/en.mt",
            "waveform peaks": f"/api/recordings/{rec.id}/peaks",
        }
        cold = cold_times(archive.root, tmp / "cold-cache", paths)
        proc, port = start_server(archive.root, tmp / "cache")
        try:
            fetch(port, paths["waveform peaks"])  # waits for the prewarm to finish it
            rows = []
            for name, path in paths.items():
                _, wire, raw = fetch(port, path)
                warm = sorted(fetch(port, path)[0] for _ in range(WARM_RUNS))
                rows.append((name, cold[name], statistics.median(warm),
                             warm[int(0.95 * len(warm)) - 1], wire, raw))  # fmt: skip
            opened, shown, per_update, first_rows = browser_open(port, rec.id)
        finally:
            proc.terminate()
            proc.wait(10)

    print(f"Synthetic recording: {rec.duration / 3600:.0f} h, {words} Persian words "
          f"(+ en.mt with as many); load average {os.getloadavg()[0]:.1f}.\n")  # fmt: skip
    print("| request | cold | warm median | warm p95 | sent (gzip) | JSON/HTML size |")
    print("|---|---|---|---|---|---|")
    for name, cold, med, p95, wire, raw in rows:
        print(f"| {name} | {cold * 1000:.0f} ms | {med * 1000:.1f} ms | {p95 * 1000:.1f} ms "
              f"| {wire / 1024:.0f} KiB | {raw / 1024:.0f} KiB |")  # fmt: skip
    total = sum(r[2] for r in rows)
    print(f"\nAll five warm requests together: {total * 1000:.0f} ms. Chromium: player opened "
          f"with {shown} word elements in {opened:.2f} s (first rows on screen {first_rows:.0f} ms "
          f"after the data arrived); one highlight update "
          f"{per_update:.3f} ms.")  # fmt: skip


if __name__ == "__main__":
    main()
