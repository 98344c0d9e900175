"""Did the customer only say thanks? Then a snooze they interrupted may simply resume.

A reply that wakes a snoozed conversation is often just "Thanks!" — nothing to do. The
queue then offers "snooze again until the same time". The test is deliberately narrow: a
short text made only of gratitude words, greetings, names and punctuation, in the
languages the shop sees; anything with a question or a request is not "only thanks".
"""

from __future__ import annotations

import re

MAX_CHARS = 120
"""Longer than this is a message, not a thank-you."""

_THANKS = (
    "thanks", "thank", "thx", "ty", "cheers", "merci", "danke", "gracias", "grazie", "obrigado",
    "obrigada", "bedankt", "dank", "tack", "takk", "kiitos", "dziękuję", "dzięki", "děkuji",
    "спасибо", "дякую", "ευχαριστώ", "ευχαριστω", "شكرا", "شكراً", "תודה", "谢谢", "多谢", "謝謝",
    "ありがとう", "ありがとうございます", "감사합니다", "고맙습니다",
)  # fmt: skip
_FILLER = (
    "you", "so", "much", "very", "a", "lot", "many", "again", "for", "the", "help", "your", "all",
    "great", "perfect", "ok", "okay", "got", "it", "received", "hi", "hello", "dear", "best",
    "regards", "kind", "vielen", "beaucoup", "muchas", "mille", "heel", "erg", "schön", "sehr",
    "and", "have", "nice", "day", "weekend", "!", "bien", "reçu", "super", "toll", "genial",
    "πολύ", "большое", "جزيلا", "非常", "どうも", "정말",
)  # fmt: skip
_WORD = re.compile(r"[^\W_]+|[!]", re.UNICODE)
_CJK_THANKS = ("谢谢", "多谢", "謝謝", "ありがとう", "감사합니다", "고맙습니다")


def only_thanks(text: str, customer_words: frozenset[str] = frozenset()) -> bool:
    """True when ``text`` (quoted lines already removed, e.g. a queue snippet) says
    nothing but thanks. ``customer_words``: the customer's own name parts, allowed too."""
    compact = " ".join(text.split())
    if not compact or len(compact) > MAX_CHARS or "?" in compact or "？" in compact:
        return False
    lowered = compact.lower()
    words = _WORD.findall(lowered)
    if not words:
        return False
    thanked = False
    for word in words:
        if word in _THANKS or any(word.startswith(t) for t in _CJK_THANKS):
            thanked = True
        elif word in _FILLER or word in customer_words:
            continue
        else:
            return False
    return thanked
