"""Speaker turns from a user's diarisation model: the loading path and its one-line errors, and
how turns name segments. No diarisation model ships, so the model itself is not run here."""

from __future__ import annotations

import importlib.util

from click.testing import CliRunner

from navar.cli import main
from transcribe.diarisation import Turn, speakers_of
from transcribe.transcript import Segment

HAVE_PYANNOTE = importlib.util.find_spec("pyannote") is not None


def test_each_segment_takes_the_turn_it_overlaps_most():
    segments = [
        Segment("s1", 0.0, 4.0, "a"),
        Segment("s2", 4.0, 9.0, "b"),  # 1 s of SPEAKER_00, 3 s of SPEAKER_01 (in two turns)
        Segment("s3", 9.0, 10.0, "c"),  # in silence between turns
        Segment("s4", None, None, "d"),  # untimed
    ]
    turns = [Turn(0.2, 5.0, "SPEAKER_00"), Turn(5.0, 6.5, "SPEAKER_01"),
             Turn(7.0, 8.5, "SPEAKER_01"), Turn(10.5, 12.0, "SPEAKER_00")]  # fmt: skip
    assert speakers_of(segments, turns) == ["SPEAKER_00", "SPEAKER_01", None, None]


def _run(archive, *args):
    return CliRunner().invoke(main, ["--archive", str(archive.root), *args])


def test_a_model_that_cannot_load_gets_one_clear_line(player_archive, tmp_path):
    archive, rec = player_archive
    before = archive.track(rec.id, "fa.asr")
    missing = _run(archive, "speakers", rec.id, "--diarisation-model", str(tmp_path / "nope"))
    assert missing.exit_code == 1
    assert "no pipeline there" in missing.output and "Traceback" not in missing.output
    model = tmp_path / "pipeline"
    model.mkdir()
    (model / "config.yaml").write_text("pipeline:\n  name: not.a.real.Pipeline\n", "utf-8")
    result = _run(archive, "speakers", rec.id, "--diarisation-model", str(model))
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = [line for line in result.output.splitlines() if line.strip()]
    assert len(said) == 1, said
    if HAVE_PYANNOTE:
        assert "could not be loaded" in said[0]
    else:
        assert "pyannote.audio, which is not installed" in said[0]
        assert "pip install pyannote.audio" in said[0]
    assert archive.track(rec.id, "fa.asr") == before  # nothing written
