"""The audio cache's size cap: least recently used recordings go, the ones in use stay."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from align import audio_cache
from align.session import AudioSession

ROOT = Path(__file__).resolve().parents[1]


def _tone(path: Path, hz: int, seconds: float = 3.0) -> Path:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i"]
    cmd += [f"sine=frequency={hz}:duration={seconds}", "-ar", "16000", str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return path


@pytest.fixture
def tones(tmp_path):
    return [_tone(tmp_path / f"tone{hz}.wav", hz) for hz in (300, 500, 700)]


def _age(folder: Path, seconds_ago: float) -> None:
    used = folder / ".used"
    t = used.stat().st_mtime - seconds_ago
    os.utime(used, (t, t))


def test_the_least_recently_used_recording_goes_first(tmp_path, tones):
    cache = tmp_path / "cache"
    # 3 s of 16 kHz s16 is 96 kB per recording; a cap of 0.2 MB holds two of them.
    with AudioSession(tones[0], cache_dir=cache, cache_limit_mb=0.2) as a:
        first = a.cache_dir
    with AudioSession(tones[1], cache_dir=cache, cache_limit_mb=0.2) as b:
        second = b.cache_dir
    _age(first, 20)
    _age(second, 10)
    # Use the first again: now the second is the least recently used.
    with AudioSession(tones[0], cache_dir=cache, cache_limit_mb=0.2) as a:
        assert a.evicted == []
    with AudioSession(tones[2], cache_dir=cache, cache_limit_mb=0.2) as c:
        assert c.evicted == [second.name]
        assert c.samples(0.0, 1.0).size == 16000  # its own copy is whole
    assert first.is_dir() and not second.exists()
    assert not list(cache.glob(".evicting-*"))  # nothing half-removed left behind


def test_a_recording_in_use_by_another_process_is_not_removed(tmp_path, tones):
    cache = tmp_path / "cache"
    with AudioSession(tones[0], cache_dir=cache, cache_limit_mb=0) as a:
        held = a.cache_dir
    _age(held, 60)  # the oldest: eviction would take it first
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from align.session import AudioSession; "
        "s = AudioSession(Path(sys.argv[2]), cache_dir=Path(sys.argv[3]), cache_limit_mb=0); "
        "print('open', flush=True); sys.stdin.read(); s.close()"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", code, str(ROOT), str(tones[0]), str(cache)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert other.stdout.readline().strip() == "open"
        _age(held, 60)  # the other process touched it on opening; make it the oldest again
        # A cap smaller than any one recording: everything not in use must go.
        with AudioSession(tones[1], cache_dir=cache, cache_limit_mb=0.01) as b:
            assert b.evicted == []  # the only other recording is in use
            assert held.is_dir() and (held / "16k-none.s16").is_file()
    finally:
        other.communicate("", timeout=60)
    assert other.returncode == 0
    # Released: the next session over the cap removes it.
    with AudioSession(tones[1], cache_dir=cache, cache_limit_mb=0.01) as b:
        assert b.evicted == [held.name]


def test_the_cap_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(audio_cache.LIMIT_ENV, "1.5")
    assert audio_cache.limit_bytes() == int(1.5 * 1024 * 1024)
    monkeypatch.setenv(audio_cache.LIMIT_ENV, "0")
    assert audio_cache.limit_bytes() is None  # off
    monkeypatch.delenv(audio_cache.LIMIT_ENV)
    assert audio_cache.limit_bytes() == int(audio_cache.DEFAULT_LIMIT_MB * 1024 * 1024)
    monkeypatch.setenv(audio_cache.LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match=audio_cache.LIMIT_ENV):
        audio_cache.limit_bytes()


def test_a_session_opening_an_evicted_folder_makes_a_fresh_one(tmp_path, tones):
    cache = tmp_path / "cache"
    with AudioSession(tones[0], cache_dir=cache, cache_limit_mb=0) as a:
        folder = a.cache_dir
    assert audio_cache.evict(cache, 1) == [folder.name]
    with AudioSession(tones[0], cache_dir=cache, cache_limit_mb=0) as a:
        assert (folder / "16k-none.s16").is_file()
        assert a.samples(0.0, 3.0).size == 48000


def test_the_cap_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{audio_cache.LIMIT_ENV}`" in readme
    assert f"default {int(audio_cache.DEFAULT_LIMIT_MB)}" in readme
