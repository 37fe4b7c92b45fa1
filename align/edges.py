"""Where a forced text really starts and ends: the one edge repair of forced alignment and quotes.

Teacher forcing must put every token somewhere, and its path starts at the window's first
frame, so the first word takes whatever audio comes before it (a pause, or seconds of other
speech when the window starts early or the text's first words are changed or left out), and the
last word may run on to the next sound. Ends are good otherwise; starts sit where the silence
before the word begins. The repair, from the words' lengths (``wordtiming``) and the
recording's energy (``energy.Energy``):

- stretched or squeezed first words (``unsound_lead``): the text starts after the last clear
  pause within reach of the first well-timed word, and the words before it share the time up
  to it;
- a first word that swallowed other speech (or one whose path began at the window's start,
  ``anchored=False``): it starts at the last onset before its end;
- the start moves to the speech onset; a start that lands in a pause moves to where speech
  resumes;
- the mirror at the end: unsound last words end at the first clear pause within reach; a last
  word that swallowed seconds ends at the first pause after it begins; the end is the last
  voiced frame, followed down to the background while the sound fades (``trail``).

Words are any objects with ``text``, ``start`` and ``end`` (``transcribe.transcript.Word``,
``spotting.AlignedWord``); they are changed in place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .wordtiming import plausible, spoken_length, unsound_lead, unsound_tail


@dataclass(frozen=True)
class EdgeOptions:
    """The edge repair's tunables; recorded in the provenance of what uses them."""

    # Stretched first (last) words: the text starts (ends) at a pause at least this long.
    lead_pause_s: float = 0.3
    # A first or last word longer than swallow_factor x its spoken length + swallow_s has
    # swallowed other speech (or silence the path gave it).
    swallow_factor: float = 1.5
    swallow_s: float = 1.0
    # Without a real boundary before the first word (anchored=False), its onset is looked for
    # at most this far before its end.
    unanchored_reach_s: float = 1.2
    unanchored_pause_s: float = (
        0.2  # a pause this long before it; closures inside words are shorter
    )
    # A line's end follows its fading last sound down to this far over the local background
    # (hiss hides weak final consonants under the speech threshold), at most end_trail_s;
    # end_trail_s 0: no trail.
    end_trail_db: float = 6.0
    end_trail_s: float = 0.3
    # A path end on the onset of the next sound after a pause this long: the text ended
    # before the pause.
    end_gap_s: float = 0.15
    # How far after the path's end the energy may move a well-timed last word's end.
    end_push_s: float = 0.15
    # First words stretched over a silence this long (the window began in a pause before the
    # line): the text starts where the speech resumes after it, not after the last short pause
    # (a worn tape breaks the first words into blobs with pauses between them).
    silence_s: float = 1.0
    # First words squeezed into too little time: the text starts after the last pause at least
    # this long before them (a breath before the line is often more than lead_pause_s earlier).
    squeeze_pause_s: float = 0.15
    # A first word that starts on a short, faint voiced sound (a murmur, a sigh: at least
    # murmur_db below the word after it, at most murmur_max_s long) followed by a pause of
    # murmur_pause_s starts after that pause.
    murmur_db: float = 10.0
    murmur_max_s: float = 0.5
    murmur_pause_s: float = 0.15
    # An energy end that leaves a well-timed last word too short (worn tapes: a final nasal
    # under the hiss) gives way to the path's end when the audio between them still stands
    # this far over the local floor on average; at the floor, the path ran on into the pause.
    # The 40-minute worn tape (bench/tape_align.py, BENCHMARKS.md): paths that ended right had
    # 1.6-6.6 dB there, paths that ran 0.25-0.6 s on -0.1-1.0 dB.
    end_faint_db: float = 1.5
    # Text forced with nothing after it (a quote) can run on over the talk after it: a word in
    # its second half swallows seconds in which at least run_on_voiced of the frames are speech
    # (talk on the 40-minute worn tape: 0.46-0.54), and words after it are squeezed in at the
    # end. It then ends at the first clear pause (lead_pause_s) once the words from that one on
    # have had half their spoken length, else after all of it. (A pause the speaker made is
    # mostly quiet; an interjection the quote spans leaves the words after it well timed.)
    run_on_voiced: float = 0.3

    def to_dict(self) -> dict:
        return asdict(self)


def _share(words: list, start: float, end: float) -> None:
    """Give ``words`` the time from ``start`` to ``end``, each in proportion to its spoken
    length."""
    total = sum(spoken_length(w.text) for w in words)
    t = start
    for w in words:
        w.start = round(t, 3)
        t += (end - start) * spoken_length(w.text) / total
        w.end = round(t, 3)


def swallowed(word, options: EdgeOptions) -> bool:
    """The word took far longer than it takes to say: the path gave it other audio."""
    est = spoken_length(word.text)
    return word.end - word.start > options.swallow_factor * est + options.swallow_s


def repair_start(words: list, energy, options: EdgeOptions, anchored: bool = True) -> float:
    """Move the first words' times to where the text is spoken; returns the new start.

    ``anchored``: the path had a real boundary before the first word (a prefix of the words
    heard before it, or text placed before it in the same window). Without one, the first word
    soaked up the window's lead-in and its start says nothing."""
    if not words:
        raise ValueError("no words to repair")
    lead = unsound_lead(words)
    if lead is None and not anchored:
        lead = _swallowing_lead(words, options)
    start = None
    if lead:
        i, est = lead
        anchor = words[i].start
        start = _lead_start(words, i, est, energy, options)
    else:
        # The first words span a clear pause that leaves them room to be said after it: the
        # path ran a short first word on the end of the speech before, and the next word
        # over the pause (Whisper's path hugs the words together across silence).
        lead = _spans_pause(words, energy, options)
        if lead:
            i, est, start = lead
            anchor = words[i].start
    if lead:
        # The words before the first well-timed one share the time up to it.
        _share(words[:i], start, anchor)
    w0 = words[0]
    if not anchored and not lead:
        # The first word starts after the last clear pause before its end (a shorter one may
        # be a stop's closure inside the word: آن|قدر), else after the last short one.
        earliest = max(w0.start, w0.end - options.unanchored_reach_s)
        found = energy.last_onset(earliest, w0.end - 0.05, pause=options.unanchored_pause_s)
        if found is None:
            found = energy.last_onset(earliest, w0.end - 0.05)
        if found is None:
            found = max(w0.start, w0.end - spoken_length(w0.text))
        w0.start = found
    elif swallowed(w0, options):
        found = energy.last_onset(w0.end - spoken_length(w0.text) - 0.5, w0.end - 0.05)
        w0.start = found if found is not None else w0.end - spoken_length(w0.text)
    w0.start = energy.onset(w0.start, limit=max(w0.start, w0.end - 0.05))
    if len(words) > 1 and energy.quiet(w0.start, w0.start + 0.2):
        # The path put the first word in the pause before the text (a changed first word does
        # this): the text begins where the speech does.
        w0.start = energy.onset(w0.start, limit=words[1].end)
    w0.start = _past_murmur(w0, energy, options)
    w0.start = round(min(w0.start, w0.end), 3)
    return w0.start


def _swallowing_lead(words: list, options: EdgeOptions) -> tuple[int, float] | None:
    """(index after it, spoken length of the words up to it) of the last word in the first half
    that swallowed seconds of audio: with no boundary before the text, its first words may
    have gone onto speech before it (talk a transcript leaves out), each of a plausible length,
    and the word after them across the pause up to where the text is really spoken."""
    half = words[: len(words) // 2]
    i = next((k for k in range(len(half) - 1, -1, -1) if swallowed(half[k], options)), None)
    if i is None:
        return None
    return i + 1, sum(spoken_length(w.text) for w in words[: i + 1])


def _past_murmur(w0, energy, options: EdgeOptions) -> float:
    """Where the first word starts if what sounds at its start is a murmur before it: a short
    voiced stretch far fainter than the speech after the pause that follows it."""
    stop = energy.first_offset(w0.start + 0.02, w0.end, pause=options.murmur_pause_s)
    if stop is None or stop - w0.start > options.murmur_max_s:
        return w0.start
    after = energy.onset(stop + options.murmur_pause_s, limit=w0.end + options.murmur_pause_s)
    if after <= stop or after > w0.end + options.murmur_pause_s or energy.quiet(after, after):
        return w0.start
    faint = energy.peak_db(w0.start, stop) <= energy.peak_db(after, after + 0.3) - options.murmur_db
    return after if faint else w0.start


def _lead_start(words: list, i: int, est: float, energy, options: EdgeOptions) -> float:
    """Where the text starts when its first ``i`` words (spoken length ``est``) took far more
    or far less time than that before the first well-timed word."""
    anchor = words[i].start
    took = anchor - words[0].start
    earliest = anchor - 1.5 * est - 0.5
    if took > est:
        # Stretched over a silence: the speech after it (if the words fit in what is left).
        after = energy.last_onset(words[0].start, anchor - 0.1, pause=options.silence_s)
        if after is not None and energy.speech_fraction(after, anchor) * (anchor - after) <= (
            1.2 * est + 0.2
        ):
            return after
        # Stretched over speech the text leaves out: after the last clear pause within reach
        # that leaves the words room (a pause between them is not one: 0.76 s late).
        found = energy.last_onset(earliest, anchor - 0.5 * est, pause=options.lead_pause_s)
    else:
        # Squeezed: after the last pause that leaves the words some room.
        found = energy.last_onset(earliest, anchor - 0.4 * est, pause=options.squeeze_pause_s)
    return found if found is not None else max(words[0].start, anchor - est)


def _spans_pause(words: list, energy, options: EdgeOptions) -> tuple | None:
    """(index of the first of three plausibly long words, spoken length of the words before
    it, onset after the pause) when those words span a clear pause with room after it."""
    n = len(words)
    i = next((k for k in range(n - 2) if all(map(plausible, words[k : k + 3]))), None)
    if not i or i > n // 2:
        return None
    est = sum(spoken_length(w.text) for w in words[:i])
    anchor = words[i].start
    found = energy.last_onset(words[0].start, anchor - 0.5 * est, pause=options.lead_pause_s)
    return None if found is None or found <= words[0].start + 0.05 else (i, est, found)


def ran_on(words: list, energy, options: EdgeOptions) -> float | None:
    """Where a text forced with nothing after it ends when its path ran on over the talk after
    it (see ``run_on_voiced``), the words from the one that swallowed it on sharing the time up
    to there; None when it did not."""
    n = len(words)
    k = next(
        (
            k
            for k in range(n // 2, n - 1)
            if swallowed(words[k], options)
            and energy.speech_fraction(words[k].start, words[k].end) >= options.run_on_voiced
        ),
        None,
    )
    if n < 4 or k is None or all(map(plausible, words[k + 1 :])):
        return None
    anchor = words[k].start
    est = sum(spoken_length(w.text) for w in words[k:])
    stop = energy.first_offset(anchor + 0.5 * est, anchor + 1.5 * est + 0.5, options.lead_pause_s)
    end = stop if stop is not None else anchor + est
    _share(words[k:], anchor, end)
    return end


def repair_end(words: list, energy, options: EdgeOptions) -> float:
    """Move the last word's end to where the text stops sounding; returns the new end."""
    if not words:
        raise ValueError("no words to repair")
    wn = words[-1]
    start = words[0].start
    said = spoken_length(wn.text)
    if energy.quiet(wn.start, wn.start + said):
        # The energy hears nothing of the last word (hiss over a final nasal, a band-limited
        # fricative): the path's end, unless the word ran on past its spoken length.
        wn.end = round(max(wn.start, min(wn.end, wn.start + said)), 3)
        return wn.end
    path_end = wn.end
    end = energy.offset(wn.end, limit=max(start, wn.start))
    stop = None
    if swallowed(wn, options):
        # The last word ran on over seconds of audio (a changed last word lets the path do
        # that): it ends at the first pause after it begins.
        stop = energy.first_offset(max(start, wn.start) + 0.1, wn.end)
        end = stop if stop is not None else min(end, wn.start + spoken_length(wn.text))
    tail = unsound_tail(words)
    if tail and stop is None:
        # Mirror of the start: the speech ends at the first clear pause within reach.
        j, est = tail
        anchor = words[j].end
        stop = energy.first_offset(
            anchor + 0.05, anchor + 1.5 * est + 0.5, pause=options.lead_pause_s
        )
        end = stop if stop is not None else anchor + est
        if end > anchor:
            # The words after the anchor share the time up to the new end (they may have been
            # stretched or squeezed well past it).
            _share(words[j + 1 :], anchor, end)
    # Whatever moved it, the text ends with a voiced frame (a guess by spoken length may land
    # in the pause after it), and then follows its fading sound (``trail``).
    end = energy.offset(end, limit=max(start, end - 1.0), ahead=0.0)
    if options.end_trail_s > 0:
        end = energy.trail(end, options.end_trail_s, options.end_trail_db)
    if stop is None and not tail:
        rise = energy.last_onset(path_end - 0.1, path_end + 0.08, pause=options.end_gap_s)
        if rise is not None:
            # The path ended the text on the next sound's onset, after a pause (its words
            # hug across silence): the text ended before that pause.
            before = energy.offset(rise - options.end_gap_s, limit=wn.start, ahead=0.0)
            if before - wn.start >= 0.4 * said:
                end = min(end, before)
        if plausible(wn):
            # Whisper's ends are good; hiss and a low-bitrate codec smear a fading end on, so
            # the energy moves a well-timed end on by at most end_push_s.
            end = min(end, path_end + options.end_push_s)
    # The energy left a well-timed last word almost nothing: it cut a weak final sound (worn
    # tapes: a final nasal under the hiss), or the path ran on into the pause. The level
    # between the two ends tells which.
    short = plausible(wn) and end - wn.start < 0.4 * said and path_end > end
    if short and energy.over_floor_db(end, path_end) >= options.end_faint_db:
        end = path_end
    wn.end = round(max(end, wn.start), 3)
    return wn.end
