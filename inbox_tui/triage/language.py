"""A cheap language guess for rules and the ``lang:`` query: the script decides for
CJK, Greek, Arabic, Cyrillic, Hebrew, Thai; stopwords decide between Latin-script
languages. Good enough to route a mail, not a linguistic tool."""

from __future__ import annotations

import re

SAMPLE = 2000

_SCRIPTS = (
    ("ja", ((0x3040, 0x30FF),)),  # kana first: Japanese also uses Han characters
    ("ko", ((0xAC00, 0xD7AF), (0x1100, 0x11FF))),
    ("zh", ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))),
    ("el", ((0x0370, 0x03FF), (0x1F00, 0x1FFF))),
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("ru", ((0x0400, 0x04FF),)),
    ("he", ((0x0590, 0x05FF),)),
    ("th", ((0x0E00, 0x0E7F),)),
)

_STOPWORDS = {
    "en": "the and is are you your my have not this that with for was it please thanks order",
    "de": "der die das und ist nicht ich sie mit ein eine mein meine bitte danke haben wir auf für",
    "fr": "le la les et est pas je vous avec une un mon ma mes merci pour dans que sur bonjour",
    "es": "el la los las y es no yo usted con una un mi gracias para por que hola pedido",
    "nl": "de het een en is niet ik u met mijn bedankt voor van dat op",
    "it": "il lo la gli e non io lei con una un mio grazie per che sono",
}
_STOP = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect(text: str) -> str:
    """An ISO 639-1 code, or ``""`` when there is too little to tell."""
    sample = "\n".join(line for line in text[: SAMPLE * 2].splitlines() if not line.lstrip().startswith(">"))
    sample = sample[:SAMPLE]
    counts = dict.fromkeys((code for code, _ in _SCRIPTS), 0)
    letters = 0
    for char in sample:
        if not char.isalpha():
            continue
        letters += 1
        point = ord(char)
        if point < 0x0370:
            continue
        for code, ranges in _SCRIPTS:
            if any(lo <= point <= hi for lo, hi in ranges):
                counts[code] += 1
                break
    if letters == 0:
        return ""
    if counts["ja"]:
        return "ja"
    code, best = max(counts.items(), key=lambda item: item[1])
    if best >= max(2, letters * 0.2):
        return code
    words = [w.lower() for w in _WORD.findall(sample)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOP.items()}
    lang, hits = max(scores.items(), key=lambda item: item[1])
    return lang if hits >= 2 else ""
