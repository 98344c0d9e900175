"""A cheap language guess for rules and the ``lang:`` query: the script decides for
CJK, Greek, Arabic, Cyrillic, Hebrew, Thai; stopwords decide between Latin-script
languages. Good enough to route a mail, not a linguistic tool."""

from __future__ import annotations

import re
from functools import cache

SAMPLE = 800

_SCRIPTS = (
    ("ja", "\u3040-\u30ff"),  # kana first: Japanese also uses Han characters
    ("ko", "\uac00-\ud7af\u1100-\u11ff"),
    ("zh", "\u4e00-\u9fff\u3400-\u4dbf"),
    ("el", "\u0370-\u03ff\u1f00-\u1fff"),
    ("ar", "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"),
    ("ru", "\u0400-\u04ff"),
    ("he", "\u0590-\u05ff"),
    ("th", "\u0e00-\u0e7f"),
)


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """Non-Latin letters, any letter, each script: compiled on the first detection, not
    at import (~8 ms that opening the inbox does not need)."""
    non_latin = re.compile("[" + "".join(r for _, r in _SCRIPTS) + "]")
    scripts = tuple((code, re.compile(f"[{ranges}]")) for code, ranges in _SCRIPTS)
    return non_latin, re.compile(r"[^\W\d_]"), scripts


_STOPWORDS = {
    "en": "the and is are you your my have not this that with for was it please thanks order",
    "de": "der die das und ist nicht ich sie mit ein eine mein meine bitte danke haben wir auf für",
    "fr": "le la les et est pas je vous avec une un mon ma mes merci pour dans que sur bonjour",
    "es": "el la los las y es no yo usted con una un mi gracias para por que hola pedido",
    "nl": "de het een en is niet ik u met mijn bedankt voor van dat op",
    "it": "il lo la gli e non io lei con una un mio grazie per che sono",
}
_STOP = {lang: tuple(words.split()) for lang, words in _STOPWORDS.items()}
_STOP_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOP.items():
    for _word in _words:
        _STOP_INDEX[_word] = (*_STOP_INDEX.get(_word, ()), _lang)
_PUNCTUATION = ".,;:!?¿¡\"'()[]«»“”„…-"


def detect(text: str) -> str:
    """An ISO 639-1 code, or ``""`` when there is too little to tell."""
    sample = text[:SAMPLE]
    if ">" in sample:  # leave quoted replies out
        sample = "\n".join(line for line in sample.splitlines() if not line.lstrip().startswith(">"))
    non_latin, letter, scripts = _patterns()
    if non_latin.search(sample):
        letters = len(letter.findall(sample))
        counts = {code: len(pattern.findall(sample)) for code, pattern in scripts}
        if counts["ja"]:
            return "ja"
        code, best = max(counts.items(), key=lambda item: item[1])
        if best >= max(2, letters * 0.2):
            return code
    # one pass of str.split over a word → languages index: several times faster than a
    # Unicode word regex or a Counter summed per language (rules detect every arrival)
    scores = dict.fromkeys(_STOP, 0)
    index = _STOP_INDEX
    for word in sample.lower().split():
        langs = index.get(word) or index.get(word.strip(_PUNCTUATION))
        if langs:
            for lang in langs:
                scores[lang] += 1
    lang, hits = max(scores.items(), key=lambda item: item[1])
    return lang if hits >= 2 else ""
