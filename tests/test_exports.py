"""Exports say what they are: text has a header and times; machine output says so in TXT, SRT
and VTT; archive search marks hits in machine output."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import FA_LINES

from align import archive_search
from navar.cli import main
from transcribe.subtitles import export, parse_captions, read_track, timestamp
from transcribe.transcript import Provenance, Recording, Segment, Track
from web.app import create_app

REC = Recording(id="0123456789ab", sha256="ab" * 32, title="آزمون · export test",
                media="x.wav", duration=20.0)  # fmt: skip


def make_track(kind: str, language: str = "fa") -> Track:
    segs = [Segment(f"s{i + 1:05d}", 1.25 + 3 * i, 3.5 + 3 * i, t) for i, t in enumerate(FA_LINES)]
    segs.append(Segment("s00099", None, None, "سطر بی‌زمان"))
    return Track(f"{language}.{kind}", REC.id, language, kind, Provenance("navar"), segs)


def test_text_export_has_a_header_and_times_and_imports_back(tmp_path):
    track = make_track("reference")
    txt = export(track, "txt", REC)
    head, _, body = txt.partition("\n\n")
    assert "fa.reference (human transcript)" in head and REC.title in head
    assert REC.id in head and REC.sha256 in head
    assert "machine" not in head
    lines = body.splitlines()
    assert lines[0] == f"[{timestamp(1.25)}-{timestamp(3.5)}] {FA_LINES[0]}"
    assert lines[-1] == "[untimed] سطر بی‌زمان"
    # Read back as a text file: the header and the times are not taken for transcript lines.
    path = tmp_path / "t.txt"
    path.write_text(txt, encoding="utf-8")
    back = read_track(path, REC.id, "fa", "reference")
    assert [s.text for s in back.segments] == [*FA_LINES, "سطر بی‌زمان"]


@pytest.mark.parametrize("kind", ["asr", "mt"])
def test_machine_tracks_say_so_in_every_format(kind):
    track = make_track(kind)
    txt, srt, vtt = (export(track, f, REC) for f in ("txt", "srt", "vtt"))
    warning = "machine output, not checked by a person"
    assert f"# WARNING: {track.label} ({track.id}): {warning}" in txt.partition("\n\n")[0]
    assert "NOTE " in vtt and warning in vtt.split("\n\n", 2)[1]
    first_cue = srt.split("\n\n")[0]
    assert first_cue.startswith("1\n00:00:00,000 --> ") and warning in first_cue
    # The warning is not a line of the transcript when the SRT is imported back.
    assert [s.text for s in parse_captions(srt, "srt")] == FA_LINES


def test_human_tracks_carry_no_machine_warning():
    track = make_track("reference")
    for fmt in ("txt", "srt", "vtt"):
        assert "machine" not in export(track, fmt, REC)


def test_downloads_and_cli_export_name_the_recording(player_archive, tmp_path):
    archive, rec = player_archive
    client = create_app(archive.root, {"PEAKS_CACHE_DIR": tmp_path}).test_client()
    web_txt = client.get(f"/r/{rec.id}/tracks/fa.asr.txt").get_data(as_text=True)
    assert rec.sha256 in web_txt and "WARNING: machine transcription (fa.asr)" in web_txt
    r = CliRunner().invoke(main, ["--archive", str(archive.root), "export", rec.id, "fa.asr",
                                  "--format", "txt"])  # fmt: skip
    assert r.exit_code == 0 and r.stdout == web_txt


def test_front_page_marks_search_hits_in_machine_output(player_archive, tmp_path):
    archive, rec = player_archive
    archive_search.refresh(archive)
    client = create_app(archive.root, {"PEAKS_CACHE_DIR": tmp_path}).test_client()
    # fa.asr (machine) has this line; the human translation has the English one.
    page = client.get("/", query_string={"q": "كتابخانه شهر"}).get_data(as_text=True)
    hit = page.split('class="hits"')[1].split("</li>")[0]
    assert FA_LINES[1] in hit and 'class="badge">machine<' in hit
    hits = client.get("/api/search", query_string={"q": "library opens"}).get_json()
    by_track = {h["track"]: h["machine"] for h in hits}
    assert by_track["en.reference-translation"] is False and by_track["en.mt"] is True
