"""The guards on crafted text: Whisper's failure shapes are caught, ordinary Persian passes."""

from __future__ import annotations

import pytest

from transcribe import guards

FINE = [
    "امروز هوا آفتابی است و مردم در پارک قدم می‌زنند.",
    "او گفت: «نه، نه، نه؛ این درست نیست.» چرا؟",
    "بله بله، من آنجا بودم.",
    "کتابخانه شهر هر روز از ساعت ۹ صبح باز است.",
]


@pytest.mark.parametrize("text", FINE)
def test_ordinary_persian_passes(text):
    assert guards.check(text, "fa", speech_fraction=0.9) == []


def test_one_character_repeated_dozens_of_times():
    text = "و او گفت " + "ه" * 40
    assert "repeated-character" in guards.check(text, "fa")


def test_phrase_loop():
    text = "او به ما گفت " + "که باید " * 8 + "بنویسیم"
    reasons = guards.check(text, "fa")
    assert "repetition-loop" in reasons
    assert "compression-ratio" in reasons  # the same loop, seen the way Whisper measures it


def test_syllable_loop_without_spaces():
    assert guards.repetition_loop("سلام " + "با" * 12)


def test_a_word_said_three_times_is_not_a_loop():
    assert not guards.repetition_loop("نه نه نه، من نرفتم")


def test_text_over_silence_is_no_speech():
    assert guards.check("ممنون که تماشا کردید", "fa", speech_fraction=0.02) == ["no-speech"]


def test_wrong_script_for_the_language():
    assert guards.check("Thank you for watching this video.", "fa") == ["wrong-script"]
    assert guards.check("از شما متشکرم که این را دیدید", "en") == ["wrong-script"]
    assert guards.check("The truth, he said.", "en") == []
    # A Latin name or number inside Persian is normal.
    assert guards.check("او در سال 1988 با BBC صحبت کرد و همه چیز را گفت", "fa") == []


def test_retryable_excludes_no_speech():
    assert "no-speech" not in guards.RETRYABLE
    assert {"repetition-loop", "repeated-character"} <= guards.RETRYABLE


def test_describe_is_one_readable_line():
    line = guards.describe(12.0, 15.5, ["repetition-loop"], "که باید " * 20)
    assert line.startswith("dropped 12.00-15.50 s (repetition-loop)")
    assert "\n" not in line and len(line) < 140


def test_collapse_loops_keeps_the_heard_text_and_one_saying():
    line = "او به ما گفت " + "که باید " * 5 + "بنویسیم"
    words = line.split()
    kept, removed = guards.collapse_loops(words)
    assert " ".join(words[j] for j in kept) == "او به ما گفت که باید بنویسیم"
    assert removed == 8
    fine = "نه نه نه من نرفتم"
    assert guards.collapse_loops(fine.split()) == ([0, 1, 2, 3, 4], 0)
