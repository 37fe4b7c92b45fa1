"""Bad input: a clear message, and whatever could be done is kept."""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner
from conftest import FA_LINES
from pydub import AudioSegment

from navar import synthetic
from navar.cli import main
from transcribe import engine, guards, pipeline
from transcribe.archive import Archive

pytestmark = pytest.mark.model


def _transcribe(archive, path, **kw):
    rec = archive.add(path).recording
    said = []
    tracks = pipeline.transcribe_recording(archive, rec.id, say=said.append, **kw)
    return rec, tracks, said


def test_silence_only(archive, tmp_path, model):
    rec, tracks, said = _transcribe(archive, synthetic.silence(tmp_path / "silence.wav", 6))
    assert [t.id for t in tracks] == ["fa.asr"]  # kept, empty, and nothing to translate
    assert tracks[0].segments == []
    assert any("no speech was found" in n for n in tracks[0].provenance.notes)
    assert any(line.startswith("warning") and "no speech" in line for line in said)
    assert archive.has_track(rec.id, "fa.asr") and not archive.has_track(rec.id, "en.mt")


def test_music_only(archive, tmp_path, model):
    # A C major chord, its loudness swinging three times a second.
    chord = synthetic.tones(tmp_path / "chord.wav", [261.6, 329.6, 392.0], 8, tremolo=3)
    _rec, tracks, _said = _transcribe(archive, chord)
    assert tracks[0].segments == []
    assert any("no speech" in n for n in tracks[0].provenance.notes)


def test_a_fifth_of_a_second(archive, tmp_path, model):
    short = synthetic.tones(tmp_path / "short.wav", [440], 0.2)
    _rec, tracks, said = _transcribe(archive, short)
    assert tracks[0].segments == []
    assert any("only 0.20 s long" in line for line in said)


def test_speech_in_another_language_than_asked(archive, tmp_path, model):
    audio, _spans = synthetic.synthesize(["He told us that we must write down the truth."], "en")
    path = tmp_path / "english.wav"
    audio.export(path, format="wav")
    # Temperature 0 only: the default fallback to sampling takes a minute on this speech.
    opts = engine.TranscribeOptions(temperature=[0.0])
    _rec, tracks, said = _transcribe(archive, path, language="fa", translate=False, options=opts)
    track = tracks[0]
    assert track.id == "fa.asr"
    warning = [line for line in said if "sounds like en" in line]
    assert warning and "--language en" in warning[0]
    # What was said is kept, flagged: it is real speech, in another language.
    assert track.segments and all("wrong-language:en" in s.flags for s in track.segments)


def test_damaged_half_way(tmp_path, fa_speech, model):
    clip = AudioSegment.from_wav(fa_speech[0])[:9500]  # the first two lines
    mp3 = tmp_path / "damaged.mp3"
    clip.export(mp3, format="mp3", bitrate="64k")
    data = bytearray(mp3.read_bytes())
    rng = random.Random(7)
    middle = len(data) // 2 + 200  # inside the pause between the two lines
    for i in range(middle, middle + 1500):
        data[i] = rng.randrange(256)
    mp3.write_bytes(bytes(data))
    archive_dir = tmp_path / "archive"

    runner = CliRunner()
    refused = runner.invoke(main, ["--archive", str(archive_dir), "transcribe", str(mp3)])
    assert refused.exit_code == 1
    assert "damaged" in refused.output and "--allow-damaged" in refused.output
    assert not (archive_dir / "media").exists() or not any((archive_dir / "media").iterdir())

    args = ["--archive", str(archive_dir), "transcribe", str(mp3), "--allow-damaged",
            "--no-translate"]  # fmt: skip
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    archive = Archive(archive_dir)
    (rec,) = archive.recordings()
    track = archive.track(rec.id, "fa.asr")
    assert any("damaged" in n for n in track.provenance.notes)
    spans = fa_speech[1][:2]
    # Both lines, before and after the damage, were transcribed (Whisper may put them in one
    # segment, and the decoder skips the damaged frames, so later times run a little early).
    words = [w for s in track.segments for w in s.words]
    for line in spans:
        assert sum(line.start - 0.6 <= w.start <= line.end for w in words) >= 2, line


def test_repetition_loop_is_caught_in_a_real_run(tmp_path, model):
    # With plain temperature-0 decoding Whisper base turns this speech into "ما ما ما ..." or
    # "که باید که باید ..." (checked when this test was written): a loop the guards must catch.
    audio, _spans = synthetic.synthesize([FA_LINES[0], FA_LINES[2]])
    path = tmp_path / "loop.wav"
    audio.export(path, format="wav")
    opts = engine.TranscribeOptions(temperature=[0.0])
    track, info = engine.run(None, path, "0" * 12, opts)
    assert info.retried + info.trimmed + info.dropped >= 1
    for seg in track.segments:  # nothing kept fails the guards
        assert not guards.check(seg.text, "fa"), seg.text
    flagged = [s for s in track.segments if any(f.startswith("retried:") for f in s.flags)]
    dropped = [n for n in track.provenance.notes if n.startswith(("dropped", "trimmed"))]
    assert len(flagged) + len(dropped) >= 1
    assert all("repetition-loop" in n or "compression-ratio" in n for n in dropped)
