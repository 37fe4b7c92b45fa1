"""Shared fixtures: temporary archives, real synthetic Persian and English speech, the real model.

Speech is made at test time with espeak-ng from text in this file, so every line's true start and
end are known (see navar.synthetic). Session-scoped fixtures make expensive things once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from navar import synthetic
from transcribe.archive import Archive

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "persian-read-speech"

# Short everyday Persian sentences: clear for espeak-ng, varied letters (ی ک گ چ پ ژ), a ZWNJ.
FA_LINES = [
    "امروز هوا آفتابی است و مردم در پارک قدم می‌زنند.",
    "کتابخانه شهر هر روز از ساعت نه صبح باز است.",
    "او به ما گفت که باید حقیقت را بنویسیم.",
    "بچه‌ها در حیاط مدرسه بازی می‌کردند.",
]
EN_LINES = [
    "The weather is sunny today and people are walking in the park.",
    "The city library opens every day at nine in the morning.",
    "He told us that we must write down the truth.",
    "The children were playing in the school yard.",
]


@pytest.fixture
def archive(tmp_path) -> Archive:
    return Archive(tmp_path / "archive")


@pytest.fixture(scope="session")
def model():
    """The real bundled Whisper base, loaded once."""
    from transcribe import speech_model

    return speech_model.load(None)


def _speak(tmp_path_factory, name, lines, voice):
    audio, spans = synthetic.synthesize(lines, voice=voice)
    path = tmp_path_factory.mktemp(name) / f"{name}.wav"
    audio.export(path, format="wav")
    return path, spans


@pytest.fixture(scope="session")
def fa_speech(tmp_path_factory):
    """(wav path, [SpokenLine]) for FA_LINES spoken by espeak-ng's Persian voice."""
    return _speak(tmp_path_factory, "fa_speech", FA_LINES, "fa")


@pytest.fixture(scope="session")
def en_speech(tmp_path_factory):
    return _speak(tmp_path_factory, "en_speech", EN_LINES, "en")


@pytest.fixture(scope="session")
def transcribed(tmp_path_factory, fa_speech, model):
    """An archive holding the Persian speech with real fa.asr and en.mt tracks. Read-only use.

    Made by the real pipeline, so en.mt segments carry source_ids into fa.asr.
    """
    from transcribe import pipeline

    archive = Archive(tmp_path_factory.mktemp("transcribed") / "archive")
    rec = archive.add(fa_speech[0], title="آزمون — test recording").recording
    pipeline.transcribe_recording(archive, rec.id, translate=True)  # base: only when asked
    return archive, rec


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data/persian-read-speech is not here (only CI and dev machines)")
    return SHARED_DATA


def build_player_archive(root: Path, speech, fa_lines=FA_LINES, en_lines=EN_LINES):
    """An archive holding ``speech`` (wav path, spans) with tracks at exact, known times.

    fa.asr has one segment per spoken line with words spread over the line's true span (by
    length), en.mt renders it (source_ids), and en.reference-translation is timed like it. Used
    by the player tests, which need times they can assert on rather than recognition output.
    """
    from transcribe.transcript import Provenance, Segment, Track, Word, segment_id

    wav, spans = speech
    archive = Archive(root)
    rec = archive.add(wav, title="آزمون پخش · player test").recording

    def words_over(text, start, end):
        parts = text.split()
        total = sum(len(p) for p in parts) or 1
        out, t = [], start
        for p in parts:
            d = (end - start) * len(p) / total
            out.append(Word(round(t, 3), round(t + d, 3), p))
            t += d
        return out

    fa, en, ref = [], [], []
    for i, span in enumerate(spans):
        sid = segment_id(i)
        fa.append(Segment(sid, span.start, span.end, fa_lines[i],
                          words_over(fa_lines[i], span.start, span.end)))  # fmt: skip
        en.append(Segment(sid, span.start, span.end, en_lines[i], source_ids=[sid]))
        ref.append(Segment(sid, span.start, span.end, en_lines[i]))
    prov = Provenance(software="navar tests")
    archive.save_track(Track("fa.asr", rec.id, "fa", "asr", prov, fa))
    archive.save_track(Track("en.mt", rec.id, "en", "mt", prov, en, source_track="fa.asr"))
    archive.save_track(Track("en.reference-translation", rec.id, "en", "reference-translation",
                             prov, ref))  # fmt: skip
    return archive, rec


@pytest.fixture(scope="session")
def player_archive(tmp_path_factory, fa_speech):
    """(Archive, Recording) with exactly timed Persian and English tracks. Read-only use."""
    return build_player_archive(tmp_path_factory.mktemp("player") / "archive", fa_speech)
