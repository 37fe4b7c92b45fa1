// The same folding as align/normalize.py, for searching the loaded transcript in the browser:
// Arabic/Persian letter forms, digits, diacritics, ZWNJ, invisible marks and punctuation.
"use strict";
(function (global) {
  const LETTERS = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا", "ؤ": "و",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
    "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
    "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
  };
  const LETTER_RE = new RegExp("[" + Object.keys(LETTERS).join("") + "]", "g");
  const MARKS = /[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;
  // Hamza on a yeh seat before a letter other than yeh is the alef spelling (هیئت, هیأت, هیات);
  // a lone hamza is dropped (اجزاء, اجزا). As align/normalize.py.
  const HAMZA_FOR_ALEF = /(?<=[\p{L}\p{N}_])\u0626(?=(?![\u06cc\u064a])[\p{L}\p{N}_])/gu;
  const LONE_HAMZA = /\u0621/g;
  const INVISIBLE = /[\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
  const PUNCT = /[\p{P}\p{S}\p{Cf}]/gu;

  function normalize(text, joinZwnj = true) {
    let t = String(text).normalize("NFKC");
    t = t.replace(MARKS, "");
    t = t.replace(HAMZA_FOR_ALEF, "ا").replace(LONE_HAMZA, "");
    t = t.replace(LETTER_RE, (c) => LETTERS[c]);
    t = t.replace(INVISIBLE, "");
    t = t.replace(/\u200c/g, joinZwnj ? "" : " ");
    t = t.replace(PUNCT, " ");
    return t.replace(/\s+/g, " ").trim().toLowerCase();
  }

  function compact(text) {
    return normalize(text).replace(/ /g, "");
  }

  global.NavarText = { normalize, compact };
})(window);
