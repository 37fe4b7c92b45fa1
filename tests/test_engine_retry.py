"""How the engine re-decodes a failing stretch, and how it caps a pass's cost (issue 12)."""

from __future__ import annotations

import pytest

from transcribe import engine
from transcribe.transcript import Segment, Word


def test_retry_windows_cut_at_pauses_and_stay_short():
    speech = [(0.0, 3.0), (3.5, 6.0), (6.4, 20.0), (21.0, 22.0)]
    windows = engine._retry_windows(speech, (0.0, 22.0), longest=8.0)
    assert windows[0] == (0.0, 6.0)  # two voiced spans joined: they fit in one window
    assert all(b - a <= 8.0 + 1e-9 for a, b in windows)
    assert windows[-1][1] == 22.0
    covered = sum(b - a for a, b in windows)  # every voiced second, nothing of the pauses
    assert covered == pytest.approx(sum(b - a for a, b in speech) + 0.5)  # one pause joined
    # A stretch with no voice activity found is still decoded, in short windows.
    assert engine._retry_windows([], (2.0, 5.0), longest=8.0) == [(2.0, 5.0)]


def test_a_failing_segment_claims_the_speech_it_touches():
    speech = [(0.0, 4.0), (5.0, 12.0), (13.0, 15.0)]
    assert engine._stretch(speech, 6.0, 9.0, 30.0) == (5.0, 12.0)
    assert engine._stretch(speech, 3.0, 13.5, 30.0) == (0.0, 15.0)


def test_text_already_kept_by_a_retry_is_not_kept_twice():
    words = [Word(1.0, 1.4, "یک"), Word(1.5, 2.0, "دو"), Word(2.2, 2.8, "سه")]
    seg = Segment("", 1.0, 2.8, "یک دو سه", words)
    assert engine._after(seg, 0.5) is seg
    later = engine._after(seg, 1.9)
    assert later.text == "سه" and later.start == 2.2 and [w.text for w in later.words] == ["سه"]
    assert engine._after(seg, 3.0) is None


@pytest.mark.model
def test_a_pass_stops_when_its_cpu_budget_is_spent_and_says_so(fa_speech):
    opts = engine.TranscribeOptions(task="translate", cpu_budget=0.0)
    track, info = engine.run(None, fa_speech[0], "0" * 12, opts)
    assert info.stopped_at == 0.0 and not track.segments
    assert any("CPU budget" in n and "stopped at 0.0 s" in n for n in track.provenance.notes)
    assert track.provenance.settings["cpu_budget"] == 0.0
