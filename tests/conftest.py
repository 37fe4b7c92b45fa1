"""Shared fixtures: temporary archives, real synthetic Persian and English speech, the real model.

Speech is made at test time with espeak-ng from text in this file, so every line's true start and
end are known (see navar.synthetic). Session-scoped fixtures make expensive things once.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import signal
import warnings
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


def pytest_configure(config):
    """Run with SIGINT at its default, as in a terminal, however the suite was started.

    A shell without job control (a script, CI, `./scripts/test.sh &`) starts a background command
    with SIGINT ignored; Python keeps an inherited SIG_IGN, pytest-xdist's workers inherit it and
    so does every program a test starts, so a test that interrupts `navar` saw nothing happen.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _sigint_kept(request):
    """A test (or a library it calls) that changes SIGINT is named, and SIGINT put back, so the
    tests after it on the same worker still run with Ctrl-C at its default."""
    before = signal.getsignal(signal.SIGINT)
    yield
    if signal.getsignal(signal.SIGINT) != before:
        signal.signal(signal.SIGINT, before)
        warnings.warn(f"{request.node.nodeid} changed SIGINT's handler; put back", stacklevel=1)


@pytest.fixture(autouse=True)
def _model_defaults_kept():
    """Put the process's model defaults back after each test.

    `navar ... --device cuda` through CliRunner, and a batch stage run in this process (Dask's
    in-process worker), call speech_model.set_defaults as a real process would at its start. Left
    set, every later model test on the same worker failed with "no CUDA device" (or ran on the
    batch's thread count), depending on which tests that worker had run before.
    """
    from transcribe import speech_model

    saved = dict(speech_model._defaults)
    yield
    speech_model.set_defaults(**saved)


@pytest.fixture
def archive(tmp_path) -> Archive:
    return Archive(tmp_path / "archive")


@pytest.fixture(scope="session")
def model():
    """The real bundled Whisper base, loaded once."""
    from transcribe import speech_model

    return speech_model.load(None)


def once_per_run(tmp_path_factory, name: str, build) -> Path:
    """A folder that ``build(folder)`` fills once per test run, not once per xdist worker.

    With pytest-xdist every worker builds its own session fixtures, so a model run would be done
    twice. The first worker to get here builds under a lock in the run's shared temporary folder
    (the pattern pytest-xdist documents); the others wait for it and reuse the result. A build
    that raised leaves no mark, so the next worker tries again (and fails the same way). Callers
    copy what they will write to.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / f"once-{name}"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


def _speak(tmp_path_factory, name, lines, voice):
    """(wav path, [SpokenLine]) made once per run, so every worker tests the same audio."""

    def build(folder):
        audio, spans = synthetic.synthesize(lines, voice=voice)
        audio.export(folder / f"{name}.wav", format="wav")
        spans = [dataclasses.asdict(s) for s in spans]
        (folder / "spans.json").write_text(json.dumps(spans, ensure_ascii=False), "utf-8")

    folder = once_per_run(tmp_path_factory, name, build)
    spans = json.loads((folder / "spans.json").read_text("utf-8"))
    return folder / f"{name}.wav", [synthetic.SpokenLine(**s) for s in spans]


@pytest.fixture(scope="session")
def fa_speech(tmp_path_factory):
    """(wav path, [SpokenLine]) for FA_LINES spoken by espeak-ng's Persian voice."""
    return _speak(tmp_path_factory, "fa_speech", FA_LINES, "fa")


@pytest.fixture(scope="session")
def fa_line(tmp_path_factory):
    """(wav path, [SpokenLine]) for FA_LINES[0] alone: for tests that need real Persian speech
    transcribed but not what it says, at a quarter of fa_speech's model time."""
    return _speak(tmp_path_factory, "fa_line", FA_LINES[:1], "fa")


@pytest.fixture(scope="session")
def en_speech(tmp_path_factory):
    return _speak(tmp_path_factory, "en_speech", EN_LINES, "en")


@pytest.fixture(scope="session")
def transcribed(tmp_path_factory, fa_speech):
    """An archive holding the Persian speech with a real fa.asr track. Read-only use.

    Made by the real pipeline (once per run: each worker gets its own copy). No en.mt: the
    bundled base makes none unless asked, and asked it cost 31 s more here (what base writes
    for this speech); tests/test_transcribe_pipeline.py translates one line instead.
    """

    def build(folder):
        from transcribe import pipeline

        archive = Archive(folder / "archive")
        rec = archive.add(fa_speech[0], title="آزمون — test recording").recording
        pipeline.transcribe_recording(archive, rec.id, translate=False)

    built = once_per_run(tmp_path_factory, "transcribed", build) / "archive"
    root = tmp_path_factory.mktemp("transcribed") / "archive"
    shutil.copytree(built, root)
    archive = Archive(root)
    (rec,) = archive.recordings()
    return archive, rec


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data/persian-read-speech is not here (only CI and dev machines)")
    return SHARED_DATA


# What a recogniser left in line 2 of FA_LINES: it heard ده for نه.
MISHEARD = "کتابخانه شهر هر روز از ساعت ده صبح باز است."


def build_misheard_archive(root: Path, speech):
    """The player archive with fa.asr at true times, but line 2 misheard (MISHEARD) and its
    words crammed into its first 0.2 s: what the edit loop must correct and re-time."""
    from transcribe.transcript import Word

    archive, rec = build_player_archive(root, speech)
    asr = archive.track(rec.id, "fa.asr")
    seg = asr.segments[1]
    seg.text = MISHEARD
    seg.words = [Word(seg.start, seg.start + 0.2, w) for w in MISHEARD.split()]
    archive.save_track(asr)
    return archive, rec


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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n 2`: the tests of a module that defines a module-scoped fixture run on one worker.

    Such fixtures are the expensive ones (a model run, an alignment, a browser); spread over two
    workers, as xdist's default load balancing does, each worker builds its own. Other tests are
    still handed out one by one, after the grouped modules, so the two workers end together.
    (xdist's own `--dist loadgroup` marks stopped working with pytest 9.2: pytest-xdist#1386.)
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    grouped: dict[str, bool] = {}

    def has_module_fixture(module: str) -> bool:
        if module not in grouped:
            path = config.rootpath / module
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            grouped[module] = 'scope="module"' in text
        return grouped[module]

    class ModuleFixturesOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if has_module_fixture(module) else nodeid

    return ModuleFixturesOnOneWorker(config, log)
