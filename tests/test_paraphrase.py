"""English quote search that survives paraphrase (paraphrase.search_paraphrase), on text only."""

from pathlib import Path

import pytest

from align import paraphrase, textmatch
from align.paraphrase import EN_PARAPHRASE_THRESHOLD, search_paraphrase, stem_en
from transcribe.transcript import Provenance, Segment, Track, Word, segment_id

DEMO = Path(__file__).parents[1] / "navar" / "demo" / "montazeri-en.txt"
WITNESS = [  # a few lines of the fictional interview in bench/data/english_quotes.json
    "I was arrested in the spring of 1985 at my parents' house in Rasht, two days after my "
    "brother's wedding.",
    "We could hear trucks in the yard at night, and one of the older prisoners said that they "
    "were carrying bodies.",
    "The prisoner who went in after me said that he was not religious, and I heard later that "
    "he was hanged the same day.",
    "We never saw any of them again.",
    "In December, Hamid's sister was called to the prison and given a bag with his clothes.",
]


def english_words(lines: list[str]) -> list[textmatch.TimedWord]:
    segments, t = [], 0.0
    for i, line in enumerate(lines):
        words, start = [], t
        for w in line.split():
            words.append(Word(round(t, 3), round(t + 0.3, 3), w))
            t += 0.35
        segments.append(Segment(segment_id(i), start, round(t, 3), line, words))
        t += 0.5
    track = Track(
        id="en.reference-translation",
        recording_id="0123456789ab",
        language="en",
        kind="reference-translation",
        provenance=Provenance(software="test"),
        segments=segments,
    )
    return textmatch.timed_words(track)


@pytest.fixture(scope="module")
def demo():
    return english_words([x for x in DEMO.read_text(encoding="utf-8").splitlines() if x.strip()])


@pytest.fixture(scope="module")
def witness():
    return english_words(WITNESS)


def span(words, phrase: str) -> tuple[int, int]:
    """Indexes of the first and last word of ``phrase``, as the track has it."""
    want = [textmatch.normalize(w).replace(" ", "") for w in phrase.split()]
    norms = [w.norm for w in words]
    for i in range(len(norms)):
        if norms[i : i + len(want)] == want:
            return i, i + len(want) - 1
    raise ValueError(phrase)


def best(query, words):
    hits = search_paraphrase(query, words)
    assert hits, query
    return hits[0]


def test_paraphrase_is_found_at_its_words(demo):
    query = (
        "history will condemn us for the greatest crime of the Islamic Republic, "
        "and you committed it"
    )
    hit = best(query, demo)
    assert hit.similarity >= EN_PARAPHRASE_THRESHOLD
    a, b = span(
        demo,
        "greatest crime committed during the reign of the Islamic Republic, for which history "
        "will condemn us, has been committed by you",
    )
    assert a - 1 <= hit.first <= a + 1 and b - 2 <= hit.last <= b
    # the character ratio alone does not reach find's old threshold for it
    assert textmatch.search(query, demo)[0].similarity < 0.7


@pytest.mark.parametrize(
    "query, passage",
    [
        ("Present at the meeting were Raisi, Pourmohammadi, Nayyeri and Eshraghi",
         "Nayyeri, Eshraghi, Raisi and Pourmohammadi were present at the meeting."),
        ("Montazeri met the death commission's members in Tehran on 15 August 1988",
         "15 August 1988, Ayatollah Montazeri met the members of the death commission in Tehran."),
    ],
)  # fmt: skip
def test_reordered_quotes_are_found(demo, query, passage):
    hit = best(query, demo)
    a, b = span(demo, passage)
    assert hit.similarity >= EN_PARAPHRASE_THRESHOLD
    assert hit.first <= a + 1 and hit.last >= b - 1 and hit.last - hit.first <= (b - a) + 4


def test_exact_quote_scores_one_at_its_exact_words(demo):
    hit = best("for which history will condemn us, has been committed by you", demo)
    assert hit.similarity == pytest.approx(1.0)
    assert (hit.first, hit.last) == span(
        demo, "for which history will condemn us, has been committed by you"
    )


def test_quote_with_missing_words_is_found(witness):
    hit = best("The prisoner who went in after me was hanged the same day", witness)
    assert hit.similarity >= EN_PARAPHRASE_THRESHOLD
    a, b = span(
        witness,
        "prisoner who went in after me said that he was not religious, and I heard later that "
        "he was hanged the same day.",
    )
    assert hit.first <= a and hit.last >= b - 1


def test_quote_words_at_the_edges_join_the_hit(witness):
    hit = best("never saw them again", witness)
    assert hit.similarity >= EN_PARAPHRASE_THRESHOLD
    assert (hit.first, hit.last) == span(witness, "never saw any of them again.")


def test_testimony_paraphrase_is_found(witness):
    query = (
        "an older prisoner told us the trucks we heard in the yard at night were carrying bodies"
    )
    hit = best(query, witness)
    assert hit.similarity >= EN_PARAPHRASE_THRESHOLD
    a, b = span(
        witness,
        "trucks in the yard at night, and one of the older prisoners said that they were "
        "carrying bodies.",
    )
    assert hit.first <= a + 1 and hit.last >= b - 1


@pytest.mark.parametrize(
    "query",
    [
        "Montazeri praised the death commission for its loyalty to the Islamic Republic",
        "Raisi told Montazeri that history would forgive them",
        "your names will be remembered in history among the heroes of the revolution",
        "The death commission was dissolved in Tehran in August 1988",
        "the tape was published by Raisi",  # the words of one line, a name from another
        "the tape was fake",  # short: most of its letters, not its content
        "On 15 August 1989, Ayatollah Montazeri met the members of the death commission",
        "Raisi met the members of the death commission in Tehran",  # Raisi: the next sentence
        "The central bank raised interest rates by half a percentage point",
    ],
)
def test_absent_quotes_sharing_vocabulary_stay_below_threshold(demo, query):
    hits = search_paraphrase(query, demo)
    assert not hits or hits[0].similarity < EN_PARAPHRASE_THRESHOLD


@pytest.mark.parametrize(
    "query",
    [
        "Hamid said that he was not religious",  # verbatim words, but about someone else
        "my mother was given Hamid's watch at the prison gate",
        "I was arrested in Tehran in the summer of 1988",
    ],
)
def test_absent_quotes_in_testimony_stay_below_threshold(witness, query):
    assert search_paraphrase(query, witness)[0].similarity < EN_PARAPHRASE_THRESHOLD


def test_names_and_numbers_count():
    words = english_words(["Nayyeri and Raisi met on 15 August 1988 in Tehran."])
    ok = best("Nayeri and Raisi met in Tehran on 15 August 1988", words)  # a transliteration
    assert ok.similarity >= EN_PARAPHRASE_THRESHOLD
    wrong_year = best("Nayyeri and Raisi met in Tehran on 15 August 1987", words)
    assert wrong_year.similarity < ok.similarity


def test_index_can_be_reused(demo):
    ix = paraphrase.english_index(demo)
    q = "history will record your names among the criminals in the future"
    assert search_paraphrase(q, demo, index=ix) == search_paraphrase(q, demo)


def test_degenerate_queries(demo):
    assert search_paraphrase("", demo) == []
    assert search_paraphrase("...", demo) == []
    assert search_paraphrase("the tape", []) == []
    hit = best("was committed by you", demo)  # few content words: the character ratio decides
    assert demo[hit.first].norm in {"has", "been", "committed"}


@pytest.mark.parametrize(
    "a, b",
    [
        ("arrested", "arrests"), ("executed", "execution"), ("carried", "carries"),
        ("prisoners", "prisoner"), ("told", "tells"), ("committed", "commit"),
        ("names", "named"), ("twenty", "20"),
    ],
)  # fmt: skip
def test_stemmer_folds_inflections(a, b):
    assert stem_en(a) == stem_en(b)


def test_stemmer_keeps_different_words_apart():
    assert stem_en("committee") != stem_en("committed")
    assert stem_en("prison") != stem_en("person")


def test_quote_typed_in_capitals_scores_as_in_lower_case(demo):
    query = "Present at the meeting were Raisi, Pourmohammadi, Nayyeri and Eshraghi"
    lower, upper = best(query.lower(), demo), best(query.upper(), demo)
    assert upper == lower and upper.similarity >= EN_PARAPHRASE_THRESHOLD
