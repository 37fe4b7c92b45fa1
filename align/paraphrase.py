"""English quote search that survives paraphrase and other translations, on text only.

A paraphrase or another translation of the same Persian keeps most of the content words but
not their order, inflection or the function words around them, so the character ratio of
``textmatch.search`` misses it. ``search_paraphrase`` scores a stretch of the track by the
content words it shares with the quote (lightly stemmed, each weighted by its rarity in the
track: an F-score of the quote's weight covered and the stretch's weight matched), takes the
larger of that and the character ratio of the same stretch (lowered as far as the quote's
content words are missing from it: "the tape was fake" shares most letters of "the tape
was"), and lowers the result by 0.3 when the stretch lacks one of the quote's names or
numbers (a name found only in the edge of the next sentence does not count). No lexical
score tells a synonym from a changed fact: "the members of the commission condemned
Montazeri in Tehran" scores 0.78 against "Montazeri met the members of the death commission
in Tehran", as high as a fair translation, so the threshold is set above that.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .normalize import normalize
from .textmatch import TextHit, TimedWord, search

# Chosen with bench/english_quotes.py on bench/data/english_quotes.json (107 present and 57
# absent quotes, each searched in its own track and in both texts joined: 214 and 114
# searches). The highest absent quote scores 0.777, so at 0.8 no absent quote matches (0/114),
# while exact quotes (52/52) and quotes with missing words (40/40) are all found, paraphrases
# 32/64 and other translations 7/58: 131/214 in all. At 0.7, 155/214 but 5/114 false matches.
# (The character-ratio ``search`` at find's 0.7, 0.8 under 20 letters: 128/214 with 14/114
# false matches; at 0.92, its first threshold without any, 60/214.)
EN_PARAPHRASE_THRESHOLD = 0.8


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_IDF_CHUNK = 24  # words per "document" when counting in how many parts of the track a stem occurs
_MIN_PREFIX = 5  # the shortest stem that another can derive from (prison, prisoner)
_FUZZY = 85  # names this close in spelling are the same (transliterations: Eshraghi, Eshraqi)
# Endings that make one stem a derivation of another (prison-er, condemn-at-ion, sudden-ly).
_DERIVATIONS = _words(
    """er or ar ist ism al ial ical ic ive ous ious ful less ly y ity ship hood at ant ent ance
    ence able ible iz is ian an"""
)
_PREFIX_CREDIT = 0.9
_BETA2 = 4.0  # F-beta with beta 2: covering the quote matters more than a lean window
_ENTITY_PENALTY = 0.3  # the score loses this share for a name or number missing from a stretch
_CHAR_MISSING = 0.5  # the character ratio loses this share for the quote's missing content
_FEW_WORDS = 3  # a quote with fewer content words trusts the word score proportionally less
_LONGER = 40  # a stretch may be this many words longer than the quote, at most
_CHAR_SEARCH_WORDS = 40  # longer quotes skip the character-ratio search
_CANDIDATES = 20  # stretches scored in full per query
_EDGE = 3  # a hit's span grows by the quote's own words at its edges, this many ahead at most

_STOP = _words(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either even
    ever every few for from further had has have having he her here hers herself him himself
    his how i if in into is it its itself just may me might more most must my myself neither
    no nor not now of off on once only or other our ours ourselves out over own same shall she
    should so some such than that the their theirs them themselves then there these they this
    those through to too under until up upon us very was we were what when where whether which
    while who whom whose why will with would yet you your yours yourself yourselves also one
    since though although however unless within without across along among around behind
    beyond toward towards onto like unlike despite else quite rather almost already still
    often always never perhaps maybe ago yes s t d ll m re ve"""
)
# Verbs that carry little of a sentence's content and that translators swap freely (made
# public, got married, took place), as stems.
_LIGHT_VERBS = "be have do get make take give go come put let keep say tell"
# Irregular forms common in testimony, folded to the stem of their base form.
_IRREGULAR = {
    "took": "take", "taken": "take", "gave": "give", "given": "give", "told": "tell",
    "said": "say", "says": "say", "saw": "see", "seen": "see", "came": "come", "went": "go",
    "gone": "go", "held": "hold", "found": "find", "wrote": "write", "written": "write",
    "knew": "know", "known": "know", "brought": "bring", "thought": "think", "heard": "hear",
    "kept": "keep", "met": "meet", "sat": "sit", "stood": "stand", "got": "get",
    "began": "begin", "begun": "begin", "men": "man", "women": "woman", "children": "child",
    "felt": "feel", "left": "leave", "lost": "lose", "made": "make", "ran": "run",
    "spoke": "speak", "spoken": "speak", "taught": "teach", "caught": "catch", "fought": "fight",
    "sent": "send", "spent": "spend", "built": "build", "hung": "hang", "shot": "shoot",
    "bought": "buy", "paid": "pay", "led": "lead", "fell": "fall", "fallen": "fall",
}  # fmt: skip


_ONES = """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty"""
_TENS = "thirty forty fifty sixty seventy eighty ninety"
_NUMBERS = {w: str(i) for i, w in enumerate(_ONES.split())} | {
    w: str(10 * i) for i, w in enumerate(_TENS.split(), 3)
}


@functools.lru_cache(maxsize=65536)
def stem_en(word: str) -> str:
    """A light English stemmer for matching, not for display: inflections and a few derivations
    (arrested, arrests, arresting -> arrest; executed, execution -> execut)."""
    w = word
    if w in _IRREGULAR:  # stemmed like the base form itself: wrote, write -> writ
        return stem_en(_IRREGULAR[w])
    if w in _NUMBERS:  # twenty -> 20, as digits and words both occur
        return _NUMBERS[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    for suffix in ("ies", "ied"):  # carries, carried -> carry
        if w.endswith(suffix) and len(w) > 4:
            return w[:-3] + "y"
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed", "ment", "ness", "ion"):
        rest = w[: -len(suffix)]
        shortest = 4 if len(suffix) == 4 else 3
        if w.endswith(suffix) and len(rest) >= shortest and any(c in "aeiouy" for c in rest):
            w = rest
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":  # committ -> commit
                w = w[:-1]
            break
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]
    return w


_LIGHT = frozenset(map(stem_en, _LIGHT_VERBS.split()))


def _content_stem(norm: str) -> str | None:
    """The stem of a normalised word, or None for a function word or a light verb."""
    if norm in _STOP:
        return None
    s = stem_en(norm)
    return None if s in _LIGHT else s


def _en_tokens(text: str) -> list[str]:
    """Words as ``timed_words`` normalises them: each whitespace-separated piece, folded and
    joined (Pour-Mohammadi -> pourmohammadi, parents' -> parents)."""
    out = []
    for piece in text.split():
        n = normalize(piece).replace(" ", "")
        if n:
            out.append(n)
    return out


@dataclass
class EnglishIndex:
    """What ``search_paraphrase`` needs of a track, built once per track."""

    stems: list[str | None]  # per word: its stem, None for a function word
    idf: dict[str, float]
    unseen_idf: float
    weight_prefix: list[float]  # cumulative idf of the content words before each word
    positions: dict[str, list[int]]
    norms: list[str]
    names: frozenset[str]  # stems the track writes with a capital inside a sentence
    sentence: list[int]  # per word: the number of its sentence (by . ! ? only)


def english_index(words: list[TimedWord]) -> EnglishIndex:
    norms = [w.norm for w in words]
    stems = [_content_stem(n) for n in norms]
    n_chunks = max(1, math.ceil(len(words) / _IDF_CHUNK))
    df: dict[str, int] = {}
    for c in range(n_chunks):
        for s in {s for s in stems[c * _IDF_CHUNK : (c + 1) * _IDF_CHUNK] if s}:
            df[s] = df.get(s, 0) + 1
    idf = {s: math.log(1 + (n_chunks + 1) / (d + 0.5)) for s, d in df.items()}
    prefix = [0.0]
    positions: dict[str, list[int]] = {}
    for i, s in enumerate(stems):
        prefix.append(prefix[-1] + (idf[s] if s else 0.0))
        if s:
            positions.setdefault(s, []).append(i)
    unseen = math.log(1 + (n_chunks + 1) / 0.5)
    # stem: [capitalised inside a sentence, inside a sentence, lower case at a sentence start]
    capital: dict[str, list[int]] = {}
    for i, (w, s) in enumerate(zip(words, stems, strict=True)):
        if not s:
            continue
        starts = (
            i == 0 or words[i - 1].segment_id != w.segment_id or _ends_sentence(words[i - 1].text)
        )
        upper = w.text.lstrip(_OPENING)[:1].isupper()
        c = capital.setdefault(s, [0, 0, 0])
        if starts:
            c[2] += not upper
        else:
            c[0] += upper
            c[1] += 1
    # Written with a capital inside sentences, or only ever at their start and capitalised.
    names = frozenset(s for s, (up, n, low) in capital.items() if (up * 2 >= n if n else not low))
    if len(capital) >= 20 and len(names) * 3 > len(capital):  # a title-case or all-caps track
        names = frozenset()
    sentence, n = [], 0
    for w in words:
        sentence.append(n)
        n += w.text.rstrip("\"'”’»)]").endswith((".", "!", "?"))
    return EnglishIndex(stems, idf, unseen, prefix, positions, norms, names, sentence)


_OPENING = "\"'“‘«([¿¡"


def _ends_sentence(text: str) -> bool:
    return text.rstrip("\"'”’»)]").endswith((".", "!", "?", ":", ";"))


def _entities(query: str, ix: EnglishIndex) -> set[str]:
    """Stems of the quote's names and numbers: capitalised inside a sentence in the quote or in
    the track, or containing a digit. A quote that names someone else says something else."""
    out, capitalised, starts = set(), [], True
    for piece in query.split():
        n = normalize(piece).replace(" ", "")
        s = _content_stem(n) if n else None
        if s:
            if any(c.isdigit() for c in s) or s in ix.names:
                out.add(s)
            elif not starts and piece.lstrip(_OPENING)[:1].isupper():
                capitalised.append(s)
        starts = _ends_sentence(piece)
    n_content = sum(1 for t in _en_tokens(query) if _content_stem(t))
    if len(capitalised) * 2 <= n_content:  # not a quote typed in capitals throughout
        out.update(capitalised)
    return out


def search_paraphrase(
    query: str, words: list[TimedWord], limit: int = 5, index: EnglishIndex | None = None
) -> list[TextHit]:
    """The ``limit`` best non-overlapping stretches of an English track saying what ``query``
    says, in other words or order. Similarity 0..1 (see the notes above); a match needs
    EN_PARAPHRASE_THRESHOLD.
    ``index``: ``english_index(words)``, to save its time when searching a track repeatedly."""
    q_tokens = _en_tokens(query)
    if not q_tokens or not words:
        return []
    ix = index or english_index(words)
    q_stems = list(dict.fromkeys(s for s in map(_content_stem, q_tokens) if s))
    names = _entities(query, ix)
    q_weight = [ix.idf.get(q, ix.unseen_idf) for q in q_stems]
    related = _related(q_stems, names, ix)
    spans = _word_windows(q_stems, q_weight, len(q_tokens), related, ix) if q_stems else []
    q_words = set(q_tokens)
    spans += [_grow(a, b, q_words, ix.norms) for a, b in spans]
    # Exact and lightly edited quotes, and queries of function words only. (``search`` takes
    # seconds on a long quote; there the content words place it alone.)
    if len(q_tokens) <= _CHAR_SEARCH_WORDS or len(q_stems) < _FEW_WORDS:
        spans += [(h.first, h.last) for h in search(query, words, limit=limit)]
    q_compact = "".join(q_tokens)
    # One or two content words say little about where a longer quote is (we never saw them
    # again: saw); then the character ratio has to carry the match.
    trust = min(1.0, len(q_stems) / _FEW_WORDS)
    hits = []
    for a, b in dict.fromkeys(spans):
        word, got, core = _span_score(a, b, q_weight, related, ix)
        char = fuzz.ratio(q_compact, "".join(ix.norms[a : b + 1])) / 100
        if q_stems:  # letters in common count as far as the quote's content words are there
            covered = sum(g * w for g, w in zip(got, q_weight, strict=True)) / sum(q_weight)
            char *= 1 - _CHAR_MISSING * (1 - covered)
        named = [g for g, q in zip(core, q_stems, strict=True) if q in names]
        missing = min(1.0, len(named) - sum(named))
        sim = max(word * trust, char) * (1 - _ENTITY_PENALTY * missing)
        hits.append((round(sim, 4), char, TextHit(a, b, round(sim, 4))))
    # Ties (an exact quote scores 1 with or without its edge words): the closer letters first.
    hits.sort(key=lambda x: (-x[0], -x[1], x[2].last - x[2].first))
    kept: list[TextHit] = []
    for _, _, h in hits:
        if all(h.last < k.first or h.first > k.last for k in kept):
            kept.append(h)
    return kept[:limit]


def _related(q_stems: list[str], names: set[str], ix: EnglishIndex):
    """For each track stem related to a query stem: [(query stem's number, credit 0..1)].
    Related: the same stem; one a derivation of the other (prison, prisoner); or, for names,
    a spelling close enough to be another transliteration (Eshraghi, Eshraqi)."""
    out: dict[str, list[tuple[int, float]]] = {}
    vocab = list(ix.positions)
    for k, q in enumerate(q_stems):
        if q in ix.positions:
            out.setdefault(q, []).append((k, 1.0))
        if len(q) >= 4:
            for t, score, _ in process.extract(
                q, vocab, scorer=fuzz.ratio, score_cutoff=_FUZZY, limit=None
            ):
                if t != q and len(t) >= 4 and (q in names or t in ix.names):
                    out.setdefault(t, []).append((k, score / 100))
        for t in vocab:
            if t != q and (_derived(t, q) or _derived(q, t)):
                out.setdefault(t, []).append((k, _PREFIX_CREDIT))
    return out


def _grow(a: int, b: int, q_words: set[str], norms: list[str]) -> tuple[int, int]:
    """The stretch taking in the quote's own words at its edges (for which ... us), over at most
    ``_EDGE`` - 1 other words at a time (never saw [any of] them again)."""
    for step, stop in ((-1, -1), (1, len(norms))):
        edge = a if step < 0 else b
        while True:
            ahead = [edge + step * k for k in range(1, _EDGE + 1)]
            ahead = [i for i in ahead if 0 <= i < len(norms) and (i - stop) * step < 0]
            nxt = next((i for i in reversed(ahead) if norms[i] in q_words), None)
            if nxt is None:
                break
            edge = nxt
        a, b = (edge, b) if step < 0 else (a, edge)
    return a, b


def _derived(word: str, base: str) -> bool:
    """Whether stem ``word`` is stem ``base`` with a derivational ending (prison-er)."""
    return len(base) >= _MIN_PREFIX and word.startswith(base) and word[len(base) :] in _DERIVATIONS


def _f_score(covered: float, total: float, matched: float, weight: float) -> float:
    """F-beta of recall (the quote's weight covered) and precision (the stretch's weight that
    matches the quote)."""
    if covered <= 0 or weight <= 0:
        return 0.0
    recall, precision = covered / total, min(1.0, matched / weight)
    return (1 + _BETA2) * precision * recall / (_BETA2 * precision + recall)


def _word_windows(q_stems, q_weight, q_len, related, ix: EnglishIndex) -> list[tuple[int, int]]:
    """The best-scoring stretches from one word related to the quote to another, at most twice
    as long as the quote (missing words; 10 more words at least, 40 at most), without
    overlaps."""
    total = sum(q_weight)
    # Every track word related to a query stem, in order: (position, [(query stem, credit)]).
    marks = sorted(((p, rel) for t, rel in related.items() for p in ix.positions[t]),
                   key=lambda m: m[0])  # fmt: skip
    max_span = q_len + min(max(q_len, 10), _LONGER)
    scored: list[tuple[float, int, int]] = []
    for i, (a, _) in enumerate(marks):
        got = [0.0] * len(q_stems)
        covered = matched = best_f = 0.0
        best_b = a
        for b, rel in marks[i:]:
            if b - a >= max_span:
                break
            best = 0.0
            for k, credit in rel:
                best = max(best, credit)
                if credit > got[k]:
                    covered += (credit - got[k]) * q_weight[k]
                    got[k] = credit
            matched += best * ix.idf[ix.stems[b]]
            weight = ix.weight_prefix[b + 1] - ix.weight_prefix[a]
            f = _f_score(covered, total, matched, weight)
            if f > best_f:
                best_f, best_b = f, b
        scored.append((best_f, a, best_b))  # the best end for each start
    scored.sort(key=lambda x: (-x[0], x[2] - x[1]))
    out: list[tuple[int, int]] = []
    for _, a, b in scored:
        if len(out) >= _CANDIDATES:
            break
        if all(b < x or a > y for x, y in out):
            out.append((a, b))
    return out


def _span_score(a: int, b: int, q_weight, related, ix: EnglishIndex):
    """The stretch's content-word score; how well it has each query stem (0..1); and the same
    counting only the sentence with the most matched weight and those with two or more matched
    words, so that a name in the edge of the next sentence does not complete a quote (Raisi met
    the members of the death commission in Tehran. Nayyeri, Eshraghi, Raisi ...)."""
    got = [0.0] * len(q_weight)
    matched = 0.0
    per_sentence: dict[int, list[float]] = {}  # sentence: [matched weight, matched words]
    found = []  # (sentence, query stem, credit)
    for p in range(a, b + 1):
        s = ix.stems[p]
        if not s:
            continue
        best = 0.0
        for k, credit in related.get(s, ()):
            best = max(best, credit)
            got[k] = max(got[k], credit)
            found.append((ix.sentence[p], k, credit))
        matched += best * ix.idf[s]
        if best:
            ps = per_sentence.setdefault(ix.sentence[p], [0.0, 0])
            ps[0] += best * ix.idf[s]
            ps[1] += 1
    top = max(per_sentence, key=lambda x: per_sentence[x][0], default=None)
    core = [0.0] * len(q_weight)
    for sent, k, credit in found:
        if sent == top or per_sentence[sent][1] >= 2:
            core[k] = max(core[k], credit)
    covered = sum(g * w for g, w in zip(got, q_weight, strict=True))
    weight = ix.weight_prefix[b + 1] - ix.weight_prefix[a]
    f = _f_score(covered, sum(q_weight), matched, weight) if q_weight else 0.0
    return f, got, core
