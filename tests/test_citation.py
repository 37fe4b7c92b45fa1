"""Citations: SHA-256, times, both languages, permalink; clips; checking with only the audio."""

import json

import pytest
from click.testing import CliRunner

from align.citation import cite_span, timestamp
from align.clip import clip_citation
from navar.cli import main

pytestmark = pytest.mark.model


def test_cite_span_names_the_recording_and_its_words(transcribed, fa_speech):
    archive, rec = transcribed
    line = fa_speech[1][1]
    cit = cite_span(archive, rec.id, line.start, line.end)
    assert cit.sha256 == rec.sha256 and cit.title == rec.title
    assert cit.start_time == timestamp(line.start) and timestamp(3725.5) == "01:02:05.500"
    assert cit.permalink == f"/r/{rec.id}#t={line.start:.3f},{line.end:.3f}"
    fa = cit.text_in("fa")
    assert fa.track == "fa.asr" and fa.text and fa.segment_ids
    # The machine translation may stop short (its CPU is capped at transcription's, and how
    # far it gets depends on the CPU): English is cited from en.mt whenever there is any.
    en = cit.text_in("en")
    assert en is None or (en.track == "en.mt" and en.text)
    d = cit.to_dict()
    assert d["sha256"] == rec.sha256 and d["texts"][0]["language"] == "fa"
    assert rec.sha256 in cit.text and "machine" in cit.text


def test_cite_clip_and_verify(transcribed, fa_speech, tmp_path):
    archive, rec = transcribed
    line = fa_speech[1][2]
    out, clip = tmp_path / "c.json", tmp_path / "c.wav"
    run = CliRunner().invoke
    base = ["--archive", str(archive.root)]
    r = run(main, [*base, "cite", rec.id, "--start", str(line.start), "--end", str(line.end),
                   "--clip", str(clip), "--out", str(out), "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    cited = json.loads(out.read_text(encoding="utf-8"))
    assert cited["sha256"] == rec.sha256
    carried = clip_citation(clip)
    assert carried["sha256"] == rec.sha256 and carried["start"] == cited["start"]

    ok = run(main, ["verify", str(out), str(archive.media_path(rec.id))])
    assert ok.exit_code == 0 and "is the cited recording" in ok.output
    assert timestamp(line.start) in ok.output
    wrong = run(main, ["verify", str(out), str(clip)])
    assert wrong.exit_code == 1 and "clip" in wrong.output


def test_cite_span_outside_the_recording_is_refused(transcribed):
    archive, rec = transcribed
    r = CliRunner().invoke(main, ["--archive", str(archive.root), "cite", rec.id, "--start",
                                  "9999", "--end", "10000"])  # fmt: skip
    assert r.exit_code == 1 and "not inside the recording" in r.output
