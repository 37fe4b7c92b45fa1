"""Is a forced alignment's word timing believable? Rough spoken lengths of Persian words.

Teacher forcing must place every token somewhere, so where the text and the audio disagree at
an edge (a window that starts too early or too late, a changed word, speech the text leaves
out) the edge words are stretched over seconds or squeezed into a few frames. Their lengths
give that away: a run of words of plausible length anchors the text, and the words outside it
are placed again from there.
"""

from __future__ import annotations

import statistics


def spoken_length(word: str) -> float:
    return 0.1 + 0.07 * len(word)  # a rough Persian speaking rate, for a first guess only


# The bounds are wide: slow, careful reading (the shared read speech) gives a three-letter word
# 0.9 s with a pause inside it; what they must catch is seconds of other speech, or none.


def plausible(w) -> bool:
    est = spoken_length(w.text)
    return 0.4 * est <= w.end - w.start <= 2.0 * est + 0.5


def unsound_lead(words) -> tuple[int, float] | None:
    """(index of the first of three plausibly long words, spoken length of the words before
    it) when those words took far more or far less time than that; None otherwise."""
    i = next((k for k in range(len(words) - 2) if all(map(plausible, words[k : k + 3]))), None)
    if not i or i > len(words) // 2:
        return None
    est = sum(spoken_length(w.text) for w in words[:i])
    took = words[i].start - words[0].start
    return None if 0.5 * est <= took <= 2.0 * est + 0.7 else (i, est)


def unsound_tail(words) -> tuple[int, float] | None:
    """The same at the end: (index of the last of three plausibly long words, spoken length
    of the words after it) when those words took far more or far less time than that."""
    n = len(words)
    k = next((k for k in range(n - 2) if all(map(plausible, words[n - 3 - k : n - k]))), None)
    if not k or k > n // 2:
        return None
    j = n - 1 - k
    est = sum(spoken_length(w.text) for w in words[j + 1 :])
    took = words[-1].end - words[j].end
    return None if 0.5 * est <= took <= 2.0 * est + 0.7 else (j, est)


def squeezed_tail(words) -> bool:
    """The path squeezed the last words into far less time than they take to say (it ran on
    past where they are spoken, or the text is not there)."""
    tail = unsound_tail(words)
    if not tail:
        return False
    j, est = tail
    return words[-1].end - words[j].end < 0.5 * est


def squeezed_run(words, shorter_than: float) -> int:
    """The longest run of consecutive words the path gave (almost) no time: it skipped them."""
    longest = run = 0
    for w in words:
        run = run + 1 if w.end - w.start < shorter_than else 0
        longest = max(longest, run)
    return longest


def held_over_speech(words, energy, voiced: float) -> tuple[int, float]:
    """(index, seconds) of the inner word that the path holds longest beyond its own spoken
    length over audio at least ``voiced`` of whose frames are speech (a pause is mostly
    quiet), with two or more plausibly long words after it: speech the text leaves out, said
    between words heard before and after it. (The first word takes the lead-in; a word with
    no sound words after it is a path running on past the text's end, edges.ran_on.)
    (-1, 0.0) when there is none."""
    best = (-1, 0.0)
    for i in range(1, len(words) - 2):
        w = words[i]
        over = w.end - w.start - spoken_length(w.text)
        if over <= best[1] or energy.speech_fraction(w.start, w.end) < voiced:
            continue
        if sum(map(plausible, words[i + 1 :])) >= 2:
            best = (i, over)
    return best


def estimated_start(words) -> float:
    """Where a forced text starts by the bulk of its words: each word's start less the spoken
    length of the words before it, the median of those (first words stretched back over other
    speech do not move it)."""
    before, starts = 0.0, []
    for w in words:
        starts.append(w.start - before)
        before += spoken_length(w.text)
    return statistics.median(starts) if starts else float("inf")
