"""A small fuzzy matcher for the canned-reply picker (and anything list-like).

``score(query, text)`` is ``None`` when the query's characters are not a subsequence of
the text; otherwise higher is better. Bonuses go to matches at word starts, runs of
consecutive characters and an early first match, so ``late`` ranks "Late delivery"
above "Lost parcel — we are sorry it is late" and ``ld`` still finds "Late Delivery".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

_WORD_START = 8.0
_CONSECUTIVE = 5.0
_MATCH = 1.0
_GAP = 0.15
_LEADING = 0.05


def _is_word_start(text: str, i: int) -> bool:
    if i == 0:
        return True
    before, here = text[i - 1], text[i]
    return not before.isalnum() or (before.islower() and here.isupper())


def score(query: str, text: str) -> float | None:
    """Best alignment score of ``query`` as a subsequence of ``text`` (case-insensitive)."""
    q = query.casefold().replace(" ", "")
    if not q:
        return 0.0
    folded = text.casefold()
    if len(folded) != len(text):  # casefold changed lengths (ß → ss): match on the folded text only
        text = folded
    best: float | None = None
    start = folded.find(q[0])
    tries = 0
    while start != -1 and tries < 50:  # every occurrence of the first character is a candidate start
        total = _align(q, folded, text, start)
        if total is not None and (best is None or total > best):
            best = total
        start = folded.find(q[0], start + 1)
        tries += 1
    if best is not None and q in folded.replace(" ", ""):
        best += 2.0 * len(q)  # the query appears as one piece
    return best


def _align(q: str, folded: str, text: str, start: int) -> float | None:
    """Greedy alignment from ``start`` that prefers word starts for each next character."""
    total = _MATCH + (_WORD_START if _is_word_start(text, start) else 0.0) - _LEADING * start
    previous = start
    for ch in q[1:]:
        nxt = folded.find(ch, previous + 1)
        if nxt == -1:
            return None
        if nxt != previous + 1:
            # a later occurrence at a word start beats the nearest one in mid-word
            probe = nxt
            while probe != -1 and not _is_word_start(text, probe):
                probe = folded.find(ch, probe + 1)
            if probe != -1 and probe - nxt < 40:
                nxt = probe
        total += _MATCH
        if nxt == previous + 1:
            total += _CONSECUTIVE
        else:
            total -= _GAP * (nxt - previous - 1)
        if _is_word_start(text, nxt):
            total += _WORD_START
        previous = nxt
    return total


def rank(query: str, items: Iterable[T], fields: Callable[[T], Sequence[tuple[str, float]]]) -> list[T]:
    """Items whose best weighted field score matches, best first (stable for ties).

    ``fields(item)`` gives ``(text, weight)`` pairs, e.g. name ×1, shortcut ×1.5, body ×0.3.
    An empty query keeps the original order.
    """
    pool = list(items)
    if not query.strip():
        return pool
    scored: list[tuple[float, int, T]] = []
    for index, item in enumerate(pool):
        best: float | None = None
        for text, weight in fields(item):
            s = score(query, text)
            if s is not None:
                s *= weight
                best = s if best is None else max(best, s)
        if best is not None:
            scored.append((best, index, item))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [item for _, _, item in scored]
