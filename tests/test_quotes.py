"""Quote search on real espeak-ng Persian speech, checked against the audio by teacher forcing."""

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import EN_LINES, FA_LINES

from align.quotes import QuoteMatch, QuoteOptions, find_quotes
from align.translation import align_translation
from navar.cli import main
from transcribe.archive import Archive

pytestmark = pytest.mark.model
ABSENT = "دولت قیمت نان را افزایش داد و مردم اعتراض کردند"


def test_present_quote_found_at_its_time(transcribed, fa_speech):
    archive, rec = transcribed
    spoken = fa_speech[1][1]  # FA_LINES[1]
    matches = find_quotes(archive, rec.id, FA_LINES[1], limit=3)
    assert matches, "a spoken sentence must be found"
    best = matches[0]
    assert isinstance(best, QuoteMatch)
    assert abs(best.start - spoken.start) < 0.3
    assert abs(best.end - spoken.end) < 0.3
    assert 0.5 <= best.score <= 1
    assert best.language == "fa" and best.track == "fa.asr" and best.segment_ids
    # How it was found is recorded: every option, the model and the audio front end.
    assert best.provenance["options"] == QuoteOptions(limit=3).to_dict()
    assert best.provenance["model"] and best.provenance["front_end"] == "none"
    assert set(best.to_dict()) == {
        "start", "end", "text", "language", "track", "score", "segment_ids", "context", "evidence"
    }  # fmt: skip
    # What the match rests on: its gap over the null, the gap it needed, its weakest words.
    evidence = best.to_dict()["evidence"]
    assert evidence["gap"] >= evidence["needed"] == QuoteOptions().present_gap
    assert evidence["weakest_stretch"]["gap"] >= QuoteOptions().stretch_gap
    assert 0 <= evidence["held_s"] < QuoteOptions().held_speech_s


def test_absent_quote_returns_nothing(transcribed):
    archive, rec = transcribed
    assert find_quotes(archive, rec.id, ABSENT) == []


def test_cli_absent_quote_exits_1_with_a_message(transcribed):
    archive, rec = transcribed
    result = CliRunner().invoke(main, ["--archive", str(archive.root), "find", rec.id, ABSENT])
    assert result.exit_code == 1
    assert "not found" in result.output


def test_cli_records_the_options_of_an_absent_quote_search(transcribed):
    """An answer of "not there" is evidence too: the JSON says which thresholds gave it."""
    archive, rec = transcribed
    args = ["--archive", str(archive.root), "find", rec.id, ABSENT, "--json",
            "--set", "present_gap=0.9", "--set", "edges.end_trail_s=0.2"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["matches"] == []
    options = out["provenance"]["options"]
    assert options["present_gap"] == 0.9 and options["edges"]["end_trail_s"] == 0.2
    assert options == QuoteOptions.from_dict(options).to_dict()
    assert out["provenance"]["method"] == "teacher-forced verification"
    bad = CliRunner().invoke(main, [*args[:5], "--set", "no_such_option=1"])
    assert bad.exit_code == 2 and "present_gap" in bad.output


def _holds(start: float, end: float, spoken) -> None:
    """A match through a translation timed by whole Persian segments holds its sentence (and
    at most a neighbour that Whisper put in the same segment), never a slice of it."""
    assert start - 1.0 < spoken.start < spoken.end < end + 1.0
    assert end - start < 2.5 * (spoken.end - spoken.start)


def test_english_quote_maps_back_to_persian(transcribed, fa_speech, tmp_path):
    src, rec = transcribed
    archive = Archive(tmp_path / "archive")
    shutil.copytree(src.root, archive.root)
    lines = tmp_path / "en.txt"
    lines.write_text("\n".join(EN_LINES) + "\n", encoding="utf-8")
    archive.save_track(align_translation(archive, rec.id, lines))
    result = CliRunner().invoke(
        main, ["--archive", str(archive.root), "find", rec.id, "we must write down the truth",
               "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    best = out["matches"][0]
    assert best["track"] == "en.reference-translation" and best["language"] == "en"
    spoken = fa_speech[1][2]  # the third sentence
    # The translation is timed by whole Persian segments, never a slice of one. Segments are cut
    # at pauses, but Whisper may still join two sentences it hears no pause between (how depends
    # on the CPU), so the match holds the sentence and at most its neighbour.
    _holds(best["start"], best["end"], spoken)
    m = find_quotes(archive, rec.id, "we must write down the truth")[0]
    assert m.source_track == "fa.asr" and m.source_text
    # A paraphrase finds the same sentence; a sentence on the same topic that says something
    # else finds nothing.
    p = find_quotes(archive, rec.id, "the library of the city is open at nine each morning")
    assert p and p[0].track == "en.reference-translation"
    _holds(p[0].start, p[0].end, fa_speech[1][1])
    closes = "the city library closes every day at nine in the evening"
    assert find_quotes(archive, rec.id, closes) == []


LONG_EXTRA = [
    "دانشجویان در کتابخانه درس می‌خوانند.",
    "باران دیشب تا صبح بارید.",
    "مادرم برای ما نان تازه پخت.",
    "قطار ساعت هشت به ایستگاه رسید.",
]


def test_quotes_in_the_last_window_of_a_longer_recording(archive, tmp_path):
    # Over 30 s, so quotes near the end share their window with earlier speech: each quote must
    # come back at its own time, and nothing else may claim its words elsewhere.
    from align.forced import align_reference
    from navar import synthetic
    from transcribe import subtitles

    lines = FA_LINES + LONG_EXTRA
    audio, spans = synthetic.synthesize(lines, gap=1.5)
    wav = tmp_path / "long.wav"
    audio.export(wav, format="wav")
    rec = archive.add(wav).recording
    assert rec.duration > 35
    ref = tmp_path / "ref.txt"
    ref.write_text("\n".join(lines) + "\n", encoding="utf-8")
    track = subtitles.read_track(ref, rec.id, "fa", "reference")
    aligned = align_reference(archive, rec.id, track).track
    # Stored as if a flawless recogniser had written it: a reference track would be trusted
    # as it is, and this test is about checking quotes against the audio near the end.
    aligned.id, aligned.kind = "fa.asr", "asr"
    archive.save_track(aligned)

    for i in (1, 6):  # one early, one inside the last 30 s
        matches = find_quotes(archive, rec.id, lines[i])
        assert matches, lines[i]
        best = matches[0]
        assert abs(best.start - spans[i].start) < 0.3, (i, best.start, spans[i])
        assert abs(best.end - spans[i].end) < 0.3, (i, best.end, spans[i])
        for other in matches[1:]:  # nothing else may claim the same words elsewhere
            assert other.start > spans[i].end or other.end < spans[i].start
            assert other.score < best.score


def test_long_quote_is_found_as_consecutive_pieces(transcribed, fa_speech):
    """A quote too long for one window is searched piece by piece; the pieces must follow one
    another. The limits are lowered so that two short sentences count as long."""
    import align.quotes as q

    archive, rec = transcribed
    options = QuoteOptions(limit=1, long_quote_s=3.0, long_piece_s=4.5)
    query = FA_LINES[1] + " " + FA_LINES[2]
    assert len(q._pieces(query, options)) == 2
    matches = find_quotes(archive, rec.id, query, options=options)
    assert matches
    assert matches[0].provenance["options"]["long_quote_s"] == 3.0
    first, last = fa_speech[1][1], fa_speech[1][2]
    assert abs(matches[0].start - first.start) < 0.3 and abs(matches[0].end - last.end) < 0.3
    assert len(matches[0].details["pieces"]) >= 2
    # The same two sentences in the wrong order are not the quote.
    assert find_quotes(archive, rec.id, FA_LINES[2] + " " + FA_LINES[1], options=options) == []


@pytest.fixture(scope="module")
def worn_tape(tmp_path_factory, model):
    """Recording 1's first lines of real read speech through the worn cassette channel
    (bench/tapes.py: 250-3400 Hz, hum, hiss 12 dB down, 24 kbps MP3), one session on it."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import tapes

    from align.scorer import Scorer
    from align.session import AudioSession

    if not tapes.available():
        pytest.skip("needs ../shared/data/persian-read-speech")
    work = tmp_path_factory.mktemp("worn-quotes")
    tape = tapes.build("short", "worn", work)
    with AudioSession(tape.wav, cache_dir=work / "cache") as session:
        yield tape, session, Scorer(model, "fa", "transcribe", "whisper-base (test)")


@pytest.mark.shared_data
def test_quote_through_a_worn_cassette_is_found_with_tight_edges(worn_tape):
    """Searched in the audio alone (no transcript to lean on): every window scored, the best
    swept, the edges repaired (align/edges.py) within the 0.3 s the issue asks.

    The longest line (21 words). The first (16 words) was used until an AMD CPU: there its
    weakest five words beat their null by 0.02 (0.17 with MKL, the kernels Intel CPUs get;
    `stretch_gap` asks 0.1), so it is found on one CPU and not on another. How often such
    lines are missed is the benchmark's question (BENCHMARKS.md), not this test's."""
    from align.quotes import find

    tape, session, scorer = worn_tape
    line = max((x for x in tape.lines if x.start is not None), key=lambda x: len(x.text.split()))
    matches = find(line.text, [], session, scorer, QuoteOptions(limit=1))
    assert matches, line.text
    assert abs(matches[0].start - line.start) <= 0.3, (matches[0].start, line.start)
    assert abs(matches[0].end - line.end) <= 0.3, (matches[0].end, line.end)
    assert matches[0].provenance["options"]["limit"] == 1


@pytest.mark.shared_data
def test_absent_quote_not_matched_through_a_worn_cassette(worn_tape):
    """Hiss lowers every score; a sentence that is not on the tape must still find nothing."""
    from align.quotes import find

    tape, session, scorer = worn_tape
    absent = next(x.text for x in tape.lines if x.start is None)
    assert find(absent, [], session, scorer, QuoteOptions()) == []


def test_a_changed_word_costs_the_score_no_more_than_its_share():
    """A changed word of four tokens among five words: leaving out the worst fifth of the words
    drops all four of its tokens; leaving out a fifth of the tokens kept three of them."""
    from align.quotes import _Search
    from align.spotting import Alignment

    lp = [-0.2, -0.2, -5.0, -5.0, -5.0, -5.0, -0.2, -0.2]
    spans = [(0, 1), (1, 2), (2, 6), (6, 7), (7, 8)]
    a = Alignment(0.0, sum(lp) / len(lp), [], lp, spans)
    by_words = _Search.__new__(_Search)
    by_words.o = QuoteOptions()
    assert by_words.o.trim_unit == "words"
    assert by_words.score(a) == pytest.approx(-0.2)
    by_tokens = _Search.__new__(_Search)
    by_tokens.o = QuoteOptions(trim_unit="tokens")
    assert by_tokens.score(a) < -2.0


@pytest.mark.shared_data
def test_word_token_spans_cover_the_text_once_in_order(worn_tape):
    """The spans that word trimming leaves words out by: one per word, contiguous, every token
    of the text (not of the prefix) in exactly one, with a prefix or without, alone or in pieces."""
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    spoken = [x for x in tape.lines if x.start is not None]
    line, nxt = spoken[0], spoken[1]
    spotter = Spotter(scorer, session)
    plain = spotter.align(nxt.text, line.start)
    prefixed = spotter.align(nxt.text, line.start, prefix=line.text)
    pieces = spotter.align_pieces([line.text, nxt.text], line.start)
    for a in (plain, prefixed, *pieces):
        assert len(a.word_tokens) == len(a.words) > 3
        assert a.word_tokens[0][0] == 0 and a.word_tokens[-1][1] == len(a.token_logprobs)
        assert all(i < j for i, j in a.word_tokens)
        assert all(b[0] == a_[1] for a_, b in zip(a.word_tokens, a.word_tokens[1:], strict=False))


@pytest.mark.shared_data
def test_a_shorter_window_is_encoded_shorter_and_kept_apart(worn_tape):
    """`ForcedOptions.window_s`: a 24 s window is encoded as 24 s (1200 encoder frames, not
    1500), cached under its own key, and a line in it is placed as in the 30 s window."""
    from align.scorer import Scorer as RealScorer
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    line = next(x for x in tape.lines if x.start is not None and x.start > 2)
    start = line.start - 1.0
    short, full = Spotter(scorer, session, 24.0), Spotter(scorer, session)
    enc24, frames24 = short.encode(start)[:2]
    enc30, frames30 = full.encode(start)[:2]
    assert (frames24, frames30) == (2400, 3000)
    assert RealScorer.to_array((enc24, frames24)).shape[1] == 1 + 1200
    assert RealScorer.to_array((enc30, frames30)).shape[1] == 1 + 1500
    a24, a30 = short.align(line.text, start), full.align(line.text, start)
    assert abs(a24.words[-1].end - a30.words[-1].end) < 0.2
    assert abs(a24.words[-1].end - line.end) < 0.5


@pytest.mark.shared_data
def test_halves_of_two_sentences_are_not_one_quote(worn_tape):
    """The first half of the last sentence and the second half of the first: every word is on
    the tape, 30 s apart. Checked where its first half is spoken, the mean over the words is
    carried by that half (it beat the gap needed on this tape); the other half is not heard
    there, so it is not a match. The sentence itself is, every stretch of it heard. (The whole
    search ends the same way, after scoring every window: see bench/quote_tapes.py.)"""
    from align.quotes import _candidate, _null_score, _Search
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    spoken = [x for x in tape.lines if x.start is not None]
    a, b = spoken[-1].text.split(), spoken[0].text.split()
    spliced = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
    search = _Search(Spotter(scorer, session), [], QuoteOptions(limit=1))
    windows = search.spotter.windows(search.o.scan_hop_s)
    for query, heard in ((spliced, False), (spoken[-1].text, True)):
        found = _candidate(search, query, spoken[-1].start, _null_score(search, query, windows))
        assert (found is not None and found[1] is not None) == heard, query
    weakest = found[1].details["weakest_stretch"]
    assert weakest["gap"] >= search.o.stretch_gap and weakest["words"][0] >= 1


def test_the_weakest_stretch_is_the_run_of_words_not_heard():
    """Word gaps of a quote with four words in a row not there, and of one with two changed
    words apart: a run of unheard words decides, scattered ones are trimmed away. Runs of 0.4
    of the words (five) would each take a heard word in and pass."""
    from align.quotes import _Search

    search = _Search.__new__(_Search)
    search.o = QuoteOptions()
    spliced = [1.5, 1.2, 1.4, 1.1, 1.3, 1.6, 1.2, -0.3, 0.1, -0.5, 0.0, 1.4]
    first, end, gap = search.weakest_stretch(spliced)
    assert (first, end) == (7, 11) and gap < search.o.stretch_gap
    search.o = QuoteOptions(stretch_share=0.4)
    assert search.weakest_stretch(spliced)[2] > search.o.stretch_gap
    search.o = QuoteOptions()
    changed = [1.5, -1.2, 1.4, 1.1, 1.3, 1.6, 1.2, -0.9, 1.0, 1.3, 1.1, 1.2]
    assert search.weakest_stretch(changed)[2] > 1.0
    assert search.weakest_stretch([]) == (0, 0, float("-inf"))


def test_the_run_looked_for_elsewhere_is_the_one_that_stands_out():
    """Word gaps of a quote over the first of two sentences (measured on the short worn tape,
    the audio after the place silenced): its last 11 words are the other sentence's. The
    longest end run under split_weak_gap takes in 20 of the 21 words, which are said together
    nowhere; the run that stands out from the rest is the 11."""
    from align.quotes import _longest_weak_end, _weak_end

    gaps = [-0.4, 1.6, 1.3, -2.1, 2.0, -0.6, 0.1, 1.6, 2.3, 1.7, -2.4, -1.3, -0.4, -1.2, -0.7]
    gaps += [0.0, -0.2, -0.1, -0.1, 0.1, 0.1]
    o = QuoteOptions()
    assert _longest_weak_end(gaps, o) == (0, 20)
    assert _weak_end(gaps, o) == (10, 21)
    heard = [1.5, 1.2, 1.4, 1.1, 1.3, 1.6, 1.2, 1.0, 1.1, 1.3]
    assert _weak_end(heard, o) is None and _weak_end(gaps[:4], o) is None


def _last_two_joined(tape):
    """The tape's spoken lines, the last one's words and the one before's, the quote joining
    the first half of the last to the second half of the one before, and a track of the
    lines' own text at their marked times."""
    from transcribe.transcript import Provenance, Segment, Track

    spoken = [x for x in tape.lines if x.start is not None]
    a, b = spoken[-1].text.split(), spoken[-2].text.split()
    joined = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
    segs = [Segment(f"s{i}", x.start, x.end, x.text) for i, x in enumerate(spoken)]
    track = Track("fa.asr", "t", "fa", "asr", Provenance(software="test"), segs)
    return spoken, a, b, joined, track


@pytest.mark.shared_data
def test_a_quote_whose_second_half_is_said_elsewhere_says_where(worn_tape):
    """The first half of the last sentence and the second half of the one before it. With the
    per-word rules off, it passes where its first half is spoken. Its second half, barely heard
    there, is heard well where the transcript has it: the quote joins two places, and the note
    says where each is. The last sentence itself passes."""
    from align.quotes import _candidate, _null_score, _Search
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    spoken, a, b, spliced, track = _last_two_joined(tape)
    loose = QuoteOptions(limit=1, stretch_gap=-99.0, squeezed_words=99)
    search = _Search(Spotter(scorer, session), [track], loose)
    windows = search.spotter.windows(loose.scan_hop_s)
    found = _candidate(search, spliced, spoken[-1].start, _null_score(search, spliced, windows))
    assert found is not None and found[0] >= search.needed(spliced) and found[1] is None
    (note,) = search.notes
    assert note["words"][1] == len(a) // 2 + len(b) - len(b) // 2
    assert note["words"][0] > len(a) // 2 - 2  # the unheard run may take a weak word before
    assert spoken[-2].start < note["at"] < spoken[-2].end and note["gap"] >= loose.split_gap
    assert abs(note["here"][0] - spoken[-1].start) < 0.5
    whole = spoken[-1].text
    assert _candidate(search, whole, spoken[-1].start, _null_score(search, whole, windows))[1]


@pytest.mark.shared_data
def test_a_quote_whose_first_half_is_said_just_after_it_is_refused(worn_tape):
    """The first half of the last sentence and the second half of the one before: the halves
    are 1.5 s apart, in one 30 s window. Laid over the sentence before, the quote's first words
    scored as if heard there (the decoder hears the whole window), and it matched there. The
    last check on a place about to be returned silences the audio after it: its first words
    are not heard there, they are heard where the transcript has them, and the note says so.
    Without the silencing the place passes."""
    from align.quotes import QuoteMatch, _accepted, _null_score, _Search
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    spoken, a, b, spliced, track = _last_two_joined(tape)
    results = {}
    for crop in (QuoteOptions().split_crop_s, 99.0):
        search = _Search(Spotter(scorer, session), [track], QuoteOptions(split_crop_s=crop))
        nulls = _null_score(search, spliced, search.spotter.windows(search.o.scan_hop_s))
        there = spoken[-2]  # where the search put it (26.88-33.90 s)
        place = QuoteMatch(there.start, there.end, there.text, "fa", "fa.asr", 0.0, ["s3"])
        found = (search.needed(spliced), place)
        results[crop] = _accepted(search, spliced, [found], nulls, 1), search.notes
    matches, (note,) = results[QuoteOptions().split_crop_s]
    assert matches == []
    assert note["words"][0] == 1 and note["words"][1] >= len(a) // 2
    assert spoken[-1].start - 0.5 < note["at"] < spoken[-1].end
    assert note["gap"] >= search.o.split_gap
    assert abs(note["here"][0] - spoken[-2].start) < 0.5
    assert results[99.0] == ([place], [])


@pytest.mark.shared_data
def test_where_else_an_end_run_is_heard_is_asked_once_per_place(worn_tape):
    """_candidate and then _said_after ask where the same end words are heard, for the same
    place: the second asking costs no forced pass, and gives the same answer."""
    from align.quotes import _run_elsewhere, _Search
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    spoken, a, b, spliced, track = _last_two_joined(tape)
    search = _Search(Spotter(scorer, session), [track], QuoteOptions())
    passes = []
    real_align = search.spotter.align
    search.spotter.align = lambda *args, **kw: passes.append(args) or real_align(*args, **kw)
    run = spliced.split()[len(a) // 2 :]  # the second half, said at the sentence before
    first = _run_elsewhere(search, run, spoken[-1].start, spoken[-1].end)
    asked = len(passes)
    assert first is not None and spoken[-2].start < first[0] < spoken[-2].end
    assert _run_elsewhere(search, run, spoken[-1].start, spoken[-1].end) == first
    assert len(passes) == asked > 0
    assert _run_elsewhere(search, run, 0.0, 0.5) == first  # another place: asked again
    assert len(passes) > asked


@pytest.mark.shared_data
def test_a_quote_that_leaves_out_what_is_said_between_its_words_is_refused(worn_tape):
    """The first half of the third sentence and the second half of the fourth, said one
    after the other. Forced from where the third starts, the path holds one word over the
    rest of the third sentence and the start of the fourth, seconds of speech, and then finds
    the fourth's last words where they are said: the quote's words are heard (the stretch
    check is off here, and no text says where else they are), but not said together. The note
    says where the speech left out is. Each sentence itself holds no word that long."""
    from align.quotes import _candidate, _null_score, _Search, describe_note
    from align.spotting import Spotter

    tape, session, scorer = worn_tape
    spoken = [x for x in tape.lines if x.start is not None]
    a, b = spoken[2].text.split(), spoken[3].text.split()
    joined = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])

    def candidate(query, guess=spoken[2].start, **options):
        o = QuoteOptions(limit=1, stretch_gap=-9.0, **options)
        search = _Search(Spotter(scorer, session), [], o)
        nulls = _null_score(search, query, search.spotter.windows(o.scan_hop_s))
        return _candidate(search, query, guess, nulls), search.notes

    (gap, match), notes = candidate(joined)
    assert gap >= QuoteOptions().present_gap and match is None
    (note,) = notes
    assert note["kind"] == "apart" and note["speech_s"] > QuoteOptions().held_speech_s
    assert spoken[2].start < note["between"][0] < note["between"][1] <= spoken[3].end
    assert note["between"][1] - note["between"][0] > 3.0  # most of two half sentences
    assert describe_note(note).startswith(f"between its words {note['words'][0]} and ")
    (_, kept), _ = candidate(joined, held_speech_s=99.0)  # the rule off: a match
    assert kept is not None and kept.start < spoken[2].start + 0.5
    for line in spoken[2:4]:
        (_, whole), notes = candidate(line.text, line.start)
        assert whole is not None and abs(whole.start - line.start) < 0.3 and notes == []
        assert whole.details["held_s"] < QuoteOptions().held_speech_s
