"""The correction loop without a browser: export a track as text, edit it, import it back.

Real model, real synthetic Persian speech: unchanged segments keep their times exactly, changed
ones get new word times inside their old window, and a stale edit is refused.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FA_LINES, MISHEARD, build_misheard_archive

from align.corrections import EditError, apply_edit
from navar.cli import main
from transcribe import edit_text

MARGIN = 0.5
WRONG = MISHEARD


@pytest.fixture
def edit_archive(tmp_path, fa_speech):
    """An archive whose fa.asr has every line at its true time, but line 2 misheard and its
    words crammed into its first 0.2 s."""
    archive, rec = build_misheard_archive(tmp_path / "archive", fa_speech)
    return archive, rec, fa_speech[1]


def _run(archive, *args):
    return CliRunner().invoke(main, ["--archive", str(archive.root), *args])


def _export(archive, rec, track, tmp_path):
    out = tmp_path / f"{track}.edit.txt"
    result = _run(archive, "export", rec.id, track, "--format", "edit", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_edit_export_has_ids_and_speakers(edit_archive, tmp_path):
    archive, rec, _ = edit_archive
    text = _export(archive, rec, "fa.asr", tmp_path).read_text("utf-8")
    assert text.startswith("# Navar edit: fa.asr version 1 of recording " + rec.id)
    assert f"[s00002] {WRONG}" in text.splitlines()
    assert f"[s00001] {FA_LINES[0]}" in text.splitlines()


def test_the_loop_keeps_unchanged_times_and_aligns_changed_words_in_their_window(
    edit_archive, tmp_path, monkeypatch
):
    archive, rec, spans = edit_archive
    before = archive.track(rec.id, "fa.asr")
    path = _export(archive, rec, "fa.asr", tmp_path)
    third = FA_LINES[2].split()
    lines = path.read_text("utf-8").splitlines()
    edited = (
        [line for line in lines if line.startswith("#") or not line.strip()]
        + [
            f"[s00001] مهدی بازرگان: {FA_LINES[0]}",  # a speaker named, the words unchanged
            f"[s00002] Ali: {FA_LINES[1]}",  # corrected: ده -> نه
            f"[s00003] مهدی بازرگان: {' '.join(third[:4])}",  # split in two lines
            " ".join(third[4:]),
            f"[s00004] {FA_LINES[3]}",  # untouched
        ]
    )
    path.write_text("\n".join(edited) + "\n", "utf-8")
    original = path.read_bytes()
    monkeypatch.delenv("NAVAR_ACTOR", raising=False)
    result = _run(archive, "import", rec.id, str(path), "--edit-of", "fa.asr", "--editor", "Maryam")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == original  # the edit file is only read

    ref = archive.track(rec.id, "fa.reference")
    assert ref.kind == "reference" and ref.version == 1
    by_id = {s.id: s for s in ref.segments}
    assert [s.id for s in ref.segments] == ["s00001", "s00002", "s00003", "s00003-1", "s00004"]
    for sid in ("s00001", "s00004"):  # unchanged: times and word times exactly as they were
        old, new = before.segment(sid), by_id[sid]
        assert (new.start, new.end, new.words, new.text) == (old.start, old.end, old.words,
                                                              old.text)  # fmt: skip

    old = before.segment("s00002")
    lo, hi = old.start - MARGIN, old.end + MARGIN
    new = by_id["s00002"]
    assert [w.text for w in new.words] and "".join(w.text for w in new.words) == "".join(
        FA_LINES[1].split()
    )
    assert all(lo <= w.start <= w.end <= hi for w in new.words)
    assert all(a.end <= b.start + 1e-3 for a, b in zip(new.words, new.words[1:], strict=False))
    assert new.words != old.words
    # the corrected line is placed over its speech, not squeezed: at least half its true span
    true = spans[1]
    assert new.end - new.start >= 0.5 * (true.end - true.start)
    assert "edited" in new.flags

    # The split lines share their parent's window, in order.
    parent = before.segment("s00003")
    a, b = by_id["s00003"], by_id["s00003-1"]
    for seg in (a, b):
        assert parent.start - MARGIN <= seg.start <= seg.end <= parent.end + MARGIN
    assert a.end <= b.start + 1e-3
    assert a.text == " ".join(third[:4]) and b.text == " ".join(third[4:])

    # Speakers: on the recording, by id on the segments.
    names = {s.id: s.name for s in archive.recording(rec.id).speakers}
    assert [names.get(s.speaker) for s in ref.segments] == [
        "مهدی بازرگان", "Ali", "مهدی بازرگان", "مهدی بازرگان", None
    ]  # fmt: skip
    settings = ref.provenance.settings
    assert settings["edited_from"]["track"] == "fa.asr"
    assert settings["edited_from"]["version"] == 1
    assert settings["editor"] == "Maryam" and settings["edited"]
    assert settings["edit_margin_s"] == MARGIN
    assert archive.track(rec.id, "fa.asr") == before  # the machine track is untouched

    # A second edit of the human track: merge lines 3 and 4; a new version, the old one kept.
    path2 = _export(archive, rec, "fa.reference", tmp_path)
    text = path2.read_text("utf-8")
    assert "[s00002] Ali: " in text
    rows = text.splitlines()
    i = next(k for k, r in enumerate(rows) if r.startswith("[s00003-1]"))
    rows[i : i + 2] = [rows[i] + " " + rows[i + 1]]  # join s00003-1 and s00004 into one line
    path2.write_text("\n".join(rows) + "\n", "utf-8")
    result = _run(archive, "import", rec.id, str(path2), "--edit-of", "fa.reference")
    assert result.exit_code == 0, result.output
    v2 = archive.track(rec.id, "fa.reference")
    assert v2.version == 2
    assert [s.id for s in v2.segments] == ["s00001", "s00002", "s00003", "s00003-1"]
    merged = v2.segment("s00003-1")
    lo = by_id["s00003-1"].start - MARGIN
    hi = by_id["s00004"].end + MARGIN
    assert merged.words and all(lo <= w.start <= w.end <= hi for w in merged.words)
    assert v2.segment("s00002") == by_id["s00002"]  # unchanged since version 1: kept exactly
    (kept,) = archive.versions(rec.id, "fa.reference")
    assert kept.name.startswith("fa.reference.v1.")
    assert json.loads(kept.read_text("utf-8"))["segments"][3]["id"] == "s00003-1"
    assert v2.provenance.settings["edited_from"]["version"] == 1


def test_a_stale_edit_is_refused_and_nothing_is_lost(edit_archive, tmp_path):
    archive, rec, _ = edit_archive
    path = _export(archive, rec, "fa.asr", tmp_path)
    path.write_text(path.read_text("utf-8").replace(WRONG, FA_LINES[1]), "utf-8")
    mine = path.read_bytes()
    asr = archive.track(rec.id, "fa.asr")  # meanwhile someone changes the track
    asr.segments[0].text = "تغییر دیگری"
    archive.save_track(asr)
    result = _run(archive, "import", rec.id, str(path), "--edit-of", "fa.asr")
    assert result.exit_code == 1
    assert "has changed since" in result.output and "Nothing was imported" in result.output
    assert not archive.has_track(rec.id, "fa.reference")
    assert path.read_bytes() == mine
    assert archive.track(rec.id, "fa.asr") == asr


def test_an_edit_of_another_track_does_not_replace_a_human_track_without_force(
    edit_archive, tmp_path
):
    archive, rec, _ = edit_archive
    path = _export(archive, rec, "fa.asr", tmp_path)
    asr = archive.track(rec.id, "fa.asr")
    asr.id, asr.kind = "fa.reference", "reference"
    archive.save_track(asr)
    result = _run(archive, "import", rec.id, str(path), "--edit-of", "fa.asr")
    assert result.exit_code == 1 and "--force" in result.output
    assert archive.track(rec.id, "fa.reference") == asr


def test_edit_text_reads_splits_merges_and_keeps_bracketed_words():
    raw = (
        "# Navar edit: fa.asr version 3 of recording 0123456789ab (digest "
        + "ab" * 32
        + ")\n# a note\n\n"
        "[s00001] علی: یک [inaudible] دو [s00002] سه\n"
        "چهار\n"
        "[s00003]\n"
        "[s00003] او گفت: نه\n"  # its own text, not a speaker
        "[s00004] علی: پنج [s00005] علی: شش\n"  # merged: one speaker
    )
    segments = {"s00001": "یک دو", "s00002": "سه", "s00003": "او گفت: نه", "s00004": "پنج",
                "s00005": "شش"}  # fmt: skip
    edit = edit_text.parse_edit_text(raw, segments, ("علی",))
    assert (edit.track, edit.version, edit.recording_id) == ("fa.asr", 3, "0123456789ab")
    assert [(x.ids, x.speaker, x.text) for x in edit.lines] == [
        (["s00001", "s00002"], "علی", "یک [inaudible] دو سه"),
        ([], None, "چهار"),
        (["s00003"], None, "او گفت: نه"),
        (["s00004", "s00005"], "علی", "پنج شش"),
    ]  # the emptied s00003 is dropped


def test_an_edit_naming_one_segment_twice_is_refused(edit_archive):
    archive, rec, _ = edit_archive
    track = archive.track(rec.id, "fa.asr")
    lines = [edit_text.EditLine(1, ["s00001"], "یک"), edit_text.EditLine(2, ["s00002"], "دو"),
             edit_text.EditLine(3, ["s00001"], "سه")]  # fmt: skip
    with pytest.raises(EditError, match="line 3: segment s00001 appears twice"):
        apply_edit(track, lines, decode=None)


def test_a_file_that_is_not_an_edit_is_refused(edit_archive, tmp_path):
    archive, rec, _ = edit_archive
    path = tmp_path / "plain.txt"
    path.write_text("[s00001] سلام\n", "utf-8")
    result = _run(archive, "import", rec.id, str(path), "--edit-of", "fa.asr")
    assert result.exit_code == 1 and "not a Navar edit file" in result.output
    assert not archive.has_track(rec.id, "fa.reference")


def test_a_changed_translation_line_keeps_its_window_without_word_times(edit_archive):
    archive, rec, _ = edit_archive
    mt = archive.track(rec.id, "en.mt")
    lines = [edit_text.EditLine(i + 1, [s.id], s.text) for i, s in enumerate(mt.segments)]
    lines[2].text = "He told us that we have to write the truth."
    result = apply_edit(mt, lines, decode=None)
    assert result.changed == ["s00003"] and len(result.unchanged) == 3
    seg, old = result.segments[2], mt.segments[2]
    assert seg.text == lines[2].text and not seg.words and "edited" in seg.flags
    assert (seg.start, seg.end) == (old.start, old.end)
    assert result.segments[3] == mt.segments[3]
