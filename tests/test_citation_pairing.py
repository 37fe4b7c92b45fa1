"""Citations pair text only where the pairing is known; nothing is sliced by proportion.

The archive holds real synthetic speech with tracks at exact, known times (conftest's
``build_player_archive``): fa.reference has word times; en.reference-translation is timed only by
sentence, and renders the third Persian sentence with two lines, as ``align.translation`` does
when it pairs two lines with one segment (sharing its span out by length, so those two lines'
own times are guesses). Each test would fail if a quote's English (or an English quote's span)
were cut out of a sentence by proportion again.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import EN_LINES, FA_LINES, build_player_archive
from pydub import AudioSegment

from align import citation, pairing
from align.citation import Citation, cite_quote, cite_span, cite_text, timestamp
from align.clip import clip_citation, write_clip
from align.quotes import QuoteOptions
from navar.cli import main
from transcribe.transcript import Provenance, Segment, Track, Word
from web.app import create_app

SPLIT = ["He told us", "that we must write down the truth."]  # EN_LINES[2] as two lines


@pytest.fixture(scope="module")
def split(tmp_path_factory, fa_speech):
    """(archive, recording, fa.reference track, en.reference-translation track)."""
    archive, rec = build_player_archive(tmp_path_factory.mktemp("pairing") / "a", fa_speech)
    asr = archive.track(rec.id, "fa.asr")
    prov = Provenance(software="navar tests")
    ref = Track("fa.reference", rec.id, "fa", "reference", prov, asr.segments)
    archive.save_track(ref)
    en: list[Segment] = []
    for i, seg in enumerate(ref.segments):
        lines = SPLIT if i == 2 else [EN_LINES[i]]
        sizes = [len(x) + 1 for x in lines]
        t = seg.start
        for line, size in zip(lines, sizes, strict=True):
            d = (seg.end - seg.start) * size / sum(sizes)  # as align.translation shares a span
            en.append(Segment(f"s{len(en) + 1:05d}", round(t, 3), round(t + d, 3), line,
                              source_ids=[seg.id]))  # fmt: skip
            t += d
    tr = Track("en.reference-translation", rec.id, "en", "reference-translation", prov, en,
               source_track="fa.reference")  # fmt: skip
    archive.save_track(tr)
    return archive, rec, ref, tr


def test_persian_words_pair_with_the_whole_english_sentence(split):
    archive, rec, ref, _ = split
    seg = ref.segments[1]
    words = seg.words[:3]  # the first words of a sentence, as a reader selects them
    cit = cite_span(archive, rec.id, words[0].start, words[-1].end)
    fa, en = cit.texts
    assert (fa.track, fa.match) == ("fa.reference", "words")
    assert fa.text.split() == FA_LINES[1].split()[:3]
    assert (fa.start, fa.end) == (words[0].start, words[-1].end)
    # The English is the whole sentence, over its own span, labelled so: never its first third.
    assert (en.track, en.match, en.text) == ("en.reference-translation", "segments", EN_LINES[1])
    assert (en.start, en.end) == (seg.start, seg.end)
    sentence = f"translation of the sentence {timestamp(seg.start)}–{timestamp(seg.end)}"
    assert sentence in cit.text and EN_LINES[1] in cit.text
    assert (cit.start, cit.end) == (words[0].start, words[-1].end)


def test_a_sentence_rendered_by_two_lines_is_cited_with_both(split):
    archive, rec, ref, _ = split
    seg = ref.segments[2]
    words = seg.words[-3:]  # «حقیقت را بنویسیم.», at the end of the sentence
    cit = cite_text(archive, rec.id, "fa.reference", "حقیقت را بنویسیم")
    assert (cit.start, cit.end) == (words[0].start, words[-1].end)
    fa, en = cit.texts
    assert fa.text == "حقیقت را بنویسیم." and fa.match == "words"
    # By time alone only the second line would be picked, over a span guessed by length.
    assert en.text == " ".join(SPLIT) and en.segment_ids == ["s00003", "s00004"]
    assert (en.start, en.end) == (seg.start, seg.end)
    assert f"sentences {timestamp(seg.start)}–{timestamp(seg.end)}" in cit.text


def test_a_phrase_of_the_translation_is_cited_over_its_whole_sentence(split):
    archive, rec, ref, tr = split
    seg = ref.segments[2]
    cit = cite_text(archive, rec.id, "en.reference-translation", "write down the truth")
    # The phrase's own time is not known: the span is the sentence's, never a share of it.
    assert (cit.start, cit.end) == (seg.start, seg.end)
    guessed = tr.segments[3]  # the line the phrase is in, timed by length
    assert (cit.start, cit.end) != (guessed.start, guessed.end)
    en, fa = cit.texts
    assert en.text == "write down the truth." and en.match == "segments"
    assert en.segments_text == " ".join(SPLIT)
    assert (fa.track, fa.match, fa.text) == ("fa.reference", "segments", FA_LINES[2])
    assert (fa.start, fa.end) == (seg.start, seg.end)
    assert "the whole sentence the quote is in" in cit.text.splitlines()[0]
    assert f"quoted from the sentences {timestamp(seg.start)}" in cit.text


def test_an_english_quote_found_by_search_gets_the_sentence_span(split):
    archive, rec, ref, _ = split
    seg = ref.segments[1]
    cit = cite_quote(archive, rec.id, "opens every day at nine")
    assert (cit.start, cit.end) == (seg.start, seg.end)
    en, fa = cit.texts
    assert en.text == "opens every day at nine" and en.segments_text == EN_LINES[1]
    assert fa.text == FA_LINES[1] and fa.match == "segments"
    # How it was found goes with it (every search option), and survives the file.
    assert cit.found_by["method"] == "text only (paraphrase search)"
    assert cit.found_by["options"] == QuoteOptions().to_dict() | {"limit": 1}
    assert Citation.from_dict(json.loads(cit.to_json())).found_by == cit.found_by
    # And `navar find` gives the sentence too, not a span guessed by length inside it.
    from align.quotes import find_quotes

    m = find_quotes(archive, rec.id, "opens every day at nine", language="en")[0]
    assert (m.start, m.end) == (seg.start, seg.end)


def test_words_with_their_own_times_pair_with_words(split):
    """A translation with word times (Whisper's) pairs word by word, over their own times."""
    archive, rec, ref, _ = split
    seg = ref.segments[0]
    words = seg.words[1:3]
    en = Track("en.mt", rec.id, "en", "mt", Provenance(software="navar tests"), [
        Segment("s00001", seg.start, seg.end, "weather sunny",
                [pairing_word(words[0], "weather"), pairing_word(words[1], "sunny")],
                source_ids=["s00001"]),
    ], source_track="fa.asr")  # fmt: skip
    anchor = pairing.text_in_span(ref, words[0].start, words[1].end)
    got = pairing.counterpart(en, anchor, ref)
    assert (got.text, got.match) == ("weather sunny", "words")
    assert (got.start, got.end) == (words[0].start, words[1].end)


def pairing_word(w, text):
    return Word(w.start, w.end, text)


def test_locate_refuses_what_the_track_does_not_say(split):
    archive, rec, *_ = split
    with pytest.raises(citation.CitationError, match="does not say"):
        cite_text(archive, rec.id, "en.reference-translation", "the truth was never written")
    ref = split[2]
    seg = ref.segments[0]
    # Only where asked: the phrase is in the third sentence, not the first.
    assert pairing.locate(split[3], "write down", seg.start, seg.end) is None


def test_old_citations_still_load(split):
    archive, rec, ref, _ = split
    d = cite_span(archive, rec.id, ref.segments[1].start, ref.segments[1].end).to_dict()
    for t in d["texts"]:  # as navar-citation/1 files were written before granularity
        for key in ("match", "start", "end", "segments_text"):
            del t[key]
    old = Citation.from_dict(json.loads(json.dumps(d)))
    assert old.texts[0].match is None and old.texts[1].text == EN_LINES[1]
    assert EN_LINES[1] in old.text


def test_cli_cites_a_phrase_of_a_track_and_clips_its_sentence(split, tmp_path):
    archive, rec, ref, _ = split
    seg = ref.segments[2]
    out, clip = tmp_path / "c.json", tmp_path / "c.wav"
    args = ["cite", rec.id, "write down the truth", "--track", "en.reference-translation",
            "--out", str(out), "--clip", str(clip), "--context", "0"]  # fmt: skip
    r = CliRunner().invoke(main, ["--archive", str(archive.root), *args])
    assert r.exit_code == 0, r.output
    assert f"quoted from the sentences {timestamp(seg.start)}–{timestamp(seg.end)}" in r.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert (saved["start"], saved["end"]) == (seg.start, seg.end)
    carried = clip_citation(clip)
    assert carried["texts"][0]["match"] == "segments" and "quoted from" in carried["text"]
    cut = AudioSegment.from_file(clip)
    assert len(cut) / 1000 == pytest.approx(seg.end - seg.start, abs=0.02)


def test_write_clip_cuts_the_known_span(split, tmp_path):
    archive, rec, ref, _ = split
    seg = ref.segments[1]
    cit = cite_text(archive, rec.id, "en.reference-translation", "every day at nine")
    offset = write_clip(archive, cit, tmp_path / "c.wav", context=0.0)
    assert offset == seg.start
    cut = AudioSegment.from_file(tmp_path / "c.wav")
    assert len(cut) / 1000 == pytest.approx(seg.end - seg.start, abs=0.02)


@pytest.fixture(scope="module")
def client(split, tmp_path_factory):
    cache = tmp_path_factory.mktemp("peaks")
    return create_app(split[0].root, {"PEAKS_CACHE_DIR": cache}).test_client()


def test_api_cites_a_selected_phrase_of_the_translation(client, split):
    archive, rec, ref, tr = split
    seg = ref.segments[2]
    line = tr.segments[3]  # the selection's own line, as the player sends it
    r = client.get(f"/api/recordings/{rec.id}/cite", query_string={
        "start": line.start, "end": line.end, "quote": "write down",
        "track": "en.reference-translation"})  # fmt: skip
    assert r.status_code == 200, r.get_json()
    c = r.get_json()
    assert (c["start"], c["end"]) == (seg.start, seg.end)
    assert c["texts"][0]["text"] == "write down" and c["texts"][0]["match"] == "segments"
    assert c["texts"][1]["text"] == FA_LINES[2] and "quoted from the sentences" in c["text"]
    absent = client.get(f"/api/recordings/{rec.id}/cite", query_string={
        "start": line.start, "end": line.end, "quote": "the library",
        "track": "en.reference-translation"})  # fmt: skip
    assert absent.status_code == 400 and "does not say" in absent.get_json()["error"]


def test_api_span_citation_names_the_sentence_of_the_translation(client, split):
    archive, rec, ref, _ = split
    seg = ref.segments[3]
    words = seg.words[:2]
    r = client.get(f"/api/recordings/{rec.id}/cite",
                   query_string={"start": words[0].start, "end": words[1].end})  # fmt: skip
    c = r.get_json()
    en = next(t for t in c["texts"] if t["language"] == "en")
    assert en["text"] == EN_LINES[3] and (en["start"], en["end"]) == (seg.start, seg.end)
    assert f"translation of the sentence {timestamp(seg.start)}" in c["text"]


def test_clip_of_a_quoted_phrase_is_its_sentence(client, split, tmp_path):
    archive, rec, ref, tr = split
    seg = ref.segments[2]
    line = tr.segments[3]
    r = client.get(f"/r/{rec.id}/clip.mp3", query_string={
        "start": line.start, "end": line.end, "quote": "write down",
        "track": "en.reference-translation"})  # fmt: skip
    assert r.status_code == 200
    out = tmp_path / "clip.mp3"
    out.write_bytes(r.data)
    carried = clip_citation(out)
    assert (carried["start"], carried["end"]) == (seg.start, seg.end)
    assert carried["clip_offset"] == seg.start
    assert "quoted from the sentences" in carried["text"]
    missing = client.get(f"/r/{rec.id}/clip.mp3", query_string={
        "start": line.start, "end": line.end, "quote": "the library",
        "track": "en.reference-translation"})  # fmt: skip
    assert missing.status_code == 400


def test_aligned_translation_lines_take_whole_segment_spans(split):
    """Two lines for one segment both take its span: no time is guessed inside a segment."""
    from align.translation import align_translation

    archive, rec, ref, _ = split
    texts = [*EN_LINES[:2], *SPLIT, *EN_LINES[3:]]
    untimed = [Segment(f"s{i + 1:05d}", None, None, t) for i, t in enumerate(texts)]
    lines = Track("en.reference-translation", rec.id, "en", "reference-translation",
                  Provenance(software="navar tests"), untimed)  # fmt: skip
    tr = align_translation(archive, rec.id, lines, source_track="fa.reference")
    assert [s.text for s in tr.segments] == texts
    by_id = {s.id: s for s in ref.segments}
    for seg in tr.segments:
        rendered = [by_id[i] for i in seg.source_ids]
        assert (seg.start, seg.end) == (rendered[0].start, rendered[-1].end)
    assert tr.segments[2].source_ids == tr.segments[3].source_ids == [ref.segments[2].id]


def test_quote_search_never_slices_a_track_without_word_times(tmp_path, fa_speech):
    """Quote search may look near a length-shared time, but reports only known spans and text."""
    from align.quotes import find_quotes

    archive, rec = build_player_archive(tmp_path / "a", fa_speech)
    asr = archive.track(rec.id, "fa.asr")
    for seg in asr.segments:  # a Persian track timed only by segment (e.g. imported SRT)
        seg.words = []
    archive.save_track(asr)
    seg = asr.segments[2]
    en = find_quotes(archive, rec.id, "write down the truth", language="en")[0]
    assert (en.start, en.end) == (seg.start, seg.end) and en.source_text == FA_LINES[2]
    fa = find_quotes(archive, rec.id, "حقیقت را بنویسیم", verify=False)[0]
    assert (fa.start, fa.end) == (seg.start, seg.end)
    # A span heard in the audio inside a sentence: the track's text for it is the whole sentence.
    from align import quotes, textmatch

    words = {asr.id: textmatch.timed_words(asr)}
    middle = (seg.start + seg.end) / 2
    _, ids, text, _ = quotes._describe([asr], words, middle, seg.end)
    assert (ids, text) == ([seg.id], FA_LINES[2])
    r = CliRunner().invoke(main, ["--archive", str(archive.root), "find", rec.id,
                                  "write down the truth"])  # fmt: skip
    assert r.exit_code == 0 and "span of the whole sentence" in r.output
    assert f"{timestamp(seg.start)}–{timestamp(seg.end)}" in r.output


def test_navar_cite_records_the_search_options_it_was_given(split):
    archive, rec, _, _ = split
    args = ["cite", rec.id, "opens every day at nine", "--set", "present_gap=1.25", "--json"]
    r = CliRunner().invoke(main, ["--archive", str(archive.root), *args])
    assert r.exit_code == 0, r.output
    found_by = json.loads(r.output)["found_by"]
    assert found_by["options"]["present_gap"] == 1.25 and found_by["options"]["limit"] == 1
    bad = CliRunner().invoke(main, ["--archive", str(archive.root), *args[:3], "--set", "nope=1"])
    assert bad.exit_code == 2 and "nope=1" in bad.output
