"""Persian normalisation: what readers do not see must not stop a match."""

from align.normalize import compact, normalize, tokens


def test_arabic_and_persian_letters_fold_together():
    assert normalize("كتاب علي") == normalize("کتاب علی")


def test_zwnj_diacritics_digits_and_punctuation():
    assert normalize("می‌خواهم") == normalize("میخواهم")
    assert normalize("مَدرِسه") == "مدرسه"
    assert normalize("۱۳۶۷") == normalize("١٣٦٧") == "1367"
    assert tokens("«سلام»، دنیا!") == ["سلام", "دنیا"]


def test_compact_ignores_word_splits():
    assert compact("می خواهم") == compact("می‌خواهم")


def test_hamza_spellings_fold_together():
    assert normalize("هیات") == normalize("هیئت") == normalize("هیأت")
    assert normalize("مسئله") == normalize("مسأله") == normalize("مساله")
    assert normalize("پائیز") == normalize("پاییز")  # before yeh, hamza's seat stands for yeh
    assert normalize("رئیس") == normalize("رییس")
    assert normalize("اجزاء") == normalize("اجزا")
