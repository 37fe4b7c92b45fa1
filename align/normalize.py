"""Text normalisation for matching Persian and English, the same on every side of a comparison.

Persian text from different keyboards, OCR and speech recognisers differs in ways a reader does
not see: Arabic yeh and kaf (ي ك) against Persian (ی ک), optional diacritics, the zero-width
non-joiner inside words (می‌خواهم, میخواهم, می خواهم), hamza spellings (هیئت, هیأت, هیات),
Persian, Arabic-Indic or Latin digits, and punctuation. ``normalize`` removes those
differences; ``tokens`` splits the result.
"""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"
# Letters that are written interchangeably in Persian text, mapped to one form.
_LETTERS = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ە": "ه",
        "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا", "ؤ": "و",
        "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
        "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
        "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    }
)  # fmt: skip
# Hamza on a yeh seat inside a word, before a letter other than yeh, is the spelling that the
# older orthography writes with alef: هیئت / هیأت / هیات, مسئله / مسأله / مساله. Before a yeh it
# stands for yeh (پائیز / پاییز, رئیس / رییس), which the letter table below already gives.
_HAMZA_FOR_ALEF = re.compile("(?<=\\w)\u0626(?=[^\\W\u06cc\u064a])")
# A lone hamza is dropped: اجزاء / اجزا, جزء / جز (readers and recognisers omit it).
_LONE_HAMZA = "\u0621"
# Harakat, tanwin, shadda, sukun, superscript alef, hamza marks, and tatweel.
_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Directional marks and other invisible format characters (ZWNJ is handled on its own).
_INVISIBLE = re.compile("[\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")


def normalize(text: str, join_zwnj: bool = True) -> str:
    """Fold ``text`` to a canonical form for matching (not for display).

    ``join_zwnj`` joins the parts of a word separated by a ZWNJ (می‌خواهم -> میخواهم), which is
    how most recognisers write it; with False the ZWNJ becomes a space.
    """
    text = unicodedata.normalize("NFKC", text)  # also folds Arabic presentation forms
    text = _MARKS.sub("", text)
    text = _HAMZA_FOR_ALEF.sub("ا", text).replace(_LONE_HAMZA, "")
    text = text.translate(_LETTERS)
    text = _INVISIBLE.sub("", text)
    text = text.replace(ZWNJ, "" if join_zwnj else " ")
    text = "".join(" " if _is_punct(ch) else ch for ch in text)
    return _SPACE.sub(" ", text).strip().casefold()


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def compact(text: str) -> str:
    """Normalised text without spaces: word splits differ between transcripts, letters less."""
    return normalize(text).replace(" ", "")


def _is_punct(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PS" or cat == "Cf"
