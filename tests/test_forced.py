"""Forced alignment of a human transcript on real espeak-ng Persian speech with known spans."""

import shutil

import pytest
from click.testing import CliRunner
from conftest import FA_LINES

from align.quotes import find_quotes
from navar.cli import main
from transcribe.archive import Archive

pytestmark = pytest.mark.model
NOT_SPOKEN = "دولت قیمت نان را افزایش داد و مردم در خیابان‌ها اعتراض کردند."


@pytest.fixture(scope="module")
def aligned(transcribed, tmp_path_factory):
    """The reference (with one line that is not in the audio) aligned through the CLI."""
    src, rec = transcribed
    root = tmp_path_factory.mktemp("forced") / "archive"
    shutil.copytree(src.root, root)
    ref = root.parent / "reference.txt"
    lines = FA_LINES[:2] + [NOT_SPOKEN] + FA_LINES[2:]
    ref.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--archive", str(root), "align", rec.id, "--reference",
                                       str(ref)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return Archive(root).track(rec.id, "fa.reference"), result.output, root


def test_spoken_lines_get_their_times(aligned, fa_speech):
    track, _, _ = aligned
    spoken = [s for s in track.segments if "unplaced" not in s.flags]
    assert [s.text for s in spoken] == FA_LINES
    for seg, truth in zip(spoken, fa_speech[1], strict=True):
        assert abs(seg.start - truth.start) < 0.3, (seg.text, seg.start, truth.start)
        assert abs(seg.end - truth.end) < 0.3, (seg.text, seg.end, truth.end)
        assert seg.words and seg.words[0].start == seg.start and seg.words[-1].end == seg.end
        assert all(a.start <= b.start for a, b in zip(seg.words, seg.words[1:], strict=False))
    starts = [s.start for s in spoken]
    assert starts == sorted(starts)


def test_line_not_in_the_audio_is_reported_not_smeared(aligned):
    track, output, _ = aligned
    seg = track.segments[2]
    assert seg.text == NOT_SPOKEN
    assert "unplaced" in seg.flags and seg.start is None and seg.end is None
    assert "unplaced line 3" in output
    assert track.kind == "reference" and any("line 3" in n for n in track.provenance.notes)


def test_quote_in_the_aligned_reference_is_found_there(aligned, fa_speech):
    """A quote the human transcript has verbatim is found through it, with its aligned times,
    even where the recogniser heard something else; the unplaced line is not citable."""
    track, _, root = aligned
    archive = Archive(root)
    truth = fa_speech[1][2]
    matches = find_quotes(archive, track.recording_id, FA_LINES[2])
    assert matches and matches[0].track == "fa.reference"
    assert abs(matches[0].start - truth.start) < 0.3 and abs(matches[0].end - truth.end) < 0.3
    assert find_quotes(archive, track.recording_id, NOT_SPOKEN) == []


def test_a_piece_scores_the_same_without_the_text_forced_after_it(model, fa_speech, tmp_path):
    """The walk forces the null text only for the pieces it scores in a window, not for the
    piece run into the window's end or those after it (align.forced._scored_nulls). That saves work
    only because the decoder scores each token from the tokens before it: a first piece forced
    alone scores as it does with the next piece after it, token by token."""
    from align.scorer import Scorer
    from align.session import AudioSession
    from align.spotting import Spotter

    scorer = Scorer(model, "fa", "transcribe", "whisper-base (test)")
    with AudioSession(fa_speech[0], cache_dir=tmp_path) as session:
        spotter = Spotter(scorer, session)
        both = spotter.align_pieces([NOT_SPOKEN, FA_LINES[1]], 0.0)
        alone = spotter.align_pieces([NOT_SPOKEN], 0.0)
    assert len(alone[0].token_logprobs) == len(both[0].token_logprobs) > 5
    assert alone[0].token_logprobs == pytest.approx(both[0].token_logprobs, abs=1e-3)


def test_an_answer_is_the_same_from_a_cold_and_a_warm_encoder_cache(model, fa_speech, tmp_path):
    """The disk cache keeps encoder outputs as float16. A window encoded now is scored as the
    cache will give it back, so a search or an alignment answers the same the first time and
    every time after (a path can tip either way on the last decimals)."""
    from align.scorer import Scorer
    from align.session import AudioSession
    from align.spotting import Spotter

    scorer = Scorer(model, "fa", "transcribe", "whisper-base (test)")
    runs = []
    for _ in range(2):  # the second session reads the window from the disk cache
        with AudioSession(fa_speech[0], cache_dir=tmp_path) as session:
            runs.append(Spotter(scorer, session).align(FA_LINES[1], 0.0))
    assert list(tmp_path.rglob("encoder/*/*.npy"))
    assert runs[0].token_logprobs == runs[1].token_logprobs
    assert [(w.start, w.end) for w in runs[0].words] == [(w.start, w.end) for w in runs[1].words]
