"""`navar serve` runs the app under waitress on 127.0.0.1 and prints the player's URL."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

NAVAR = Path(sys.executable).parent / "navar"


@pytest.fixture
def served(player_archive, tmp_path):
    archive, rec = player_archive
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [str(NAVAR), "--archive", str(archive.root), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        yield proc, lines, rec
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_prints_a_loopback_url_and_serves_the_player(served):
    _proc, lines, rec = served
    assert "Serving the archive" in lines[0]
    url = lines[1].split("Open the player: ")[1].split()[0]
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{url}r/{rec.id}", timeout=10) as r:
        assert r.status == 200 and r.headers["Server"] == "navar"
        assert "آزمون پخش" in r.read().decode("utf-8")
    req = urllib.request.Request(f"{url}media/{rec.id}", headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 206 and len(r.read()) == 100


def test_serve_refuses_a_port_in_use(player_archive, served):
    _proc, lines, _rec = served
    port = lines[1].split("Open the player: ")[1].split()[0].rsplit(":", 1)[1].strip("/")
    out = subprocess.run(
        [str(NAVAR), "--archive", str(player_archive[0].root), "serve", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode != 0
    assert "cannot listen on 127.0.0.1:" in out.stderr and "Traceback" not in out.stderr


def test_serve_builds_the_search_index_its_routes_only_read(player_archive, tmp_path):
    import json
    import shutil
    import time

    root = tmp_path / "archive"
    shutil.copytree(player_archive[0].root, root)
    for stale in root.glob("transcripts/.search.sqlite*"):
        stale.unlink()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [str(NAVAR), "--archive", str(root), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        proc.stdout.readline()
        url = proc.stdout.readline().split("Open the player: ")[1].split()[0]
        query = urllib.parse.quote("مدرسه")
        deadline, hits = time.monotonic() + 30, []
        while not hits and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}api/search?q={query}", timeout=10) as r:
                    hits = json.loads(r.read())
            except urllib.error.HTTPError as exc:  # 503 while the index is being written
                assert exc.code == 503
            time.sleep(0.2)
        assert hits and hits[0]["permalink"].startswith("/r/")
    finally:
        proc.terminate()
        proc.wait(10)
