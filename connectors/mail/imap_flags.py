"""IMAP flags ↔ canonical flags, and tags ↔ IMAP keywords.

Canonical flags are ``seen``, ``answered``, ``flagged`` (``\\Seen``, ``\\Answered``,
``\\Flagged``); other system flags are not carried.

Tags travel as keywords with the prefix ``$t_``. A keyword is an IMAP atom, so the tag's
UTF-8 bytes outside ``[A-Za-z0-9.-]`` are written ``_XX`` (hex): ``billing`` ↔
``$t_billing``, ``vip customer`` ↔ ``$t_vip_20customer``, ``Müller`` ↔
``$t_M_C3_BCller``. The mapping is reversible, so no local table is needed. Keywords
without the prefix (another client's ``$Label1``, ``Junk``) are not tags and stay
untouched. Tags are only written when the folder's PERMANENTFLAGS contains ``\\*``.
"""

from __future__ import annotations

from collections.abc import Iterable

TAG_PREFIX = "$t_"
SYSTEM_TO_CANONICAL = {"\\seen": "seen", "\\answered": "answered", "\\flagged": "flagged"}
CANONICAL_TO_SYSTEM = {"seen": "\\Seen", "answered": "\\Answered", "flagged": "\\Flagged"}
_PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
MAX_TAG_BYTES = 100


def _text(flag: bytes | str) -> str:
    return flag.decode("ascii", "replace") if isinstance(flag, bytes) else str(flag)


def canonical_flags(raw: Iterable[bytes | str]) -> frozenset[str]:
    out = set()
    for flag in raw:
        name = SYSTEM_TO_CANONICAL.get(_text(flag).casefold())
        if name:
            out.add(name)
    return frozenset(out)


def tags_from_flags(raw: Iterable[bytes | str]) -> frozenset[str]:
    """Tag names carried as ``$t_`` keywords (undecodable ones are skipped)."""
    out = set()
    for flag in raw:
        tag = keyword_to_tag(_text(flag))
        if tag:
            out.add(tag)
    return frozenset(out)


def tag_to_keyword(tag: str) -> str:
    data = tag.strip().encode("utf-8")[:MAX_TAG_BYTES]
    if not data:
        raise ValueError("an empty tag has no keyword")
    return TAG_PREFIX + "".join(chr(b) if b in _PLAIN else f"_{b:02X}" for b in data)


def keyword_to_tag(keyword: str) -> str | None:
    if not keyword[: len(TAG_PREFIX)].casefold() == TAG_PREFIX:
        return None
    body = keyword[len(TAG_PREFIX) :]
    out = bytearray()
    index = 0
    try:
        while index < len(body):
            char = body[index]
            if char == "_":
                out.append(int(body[index + 1 : index + 3], 16))
                index += 3
            else:
                out.append(ord(char))
                index += 1
        tag = out.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return tag or None


def system_flags(canonical: Iterable[str]) -> list[str]:
    return [CANONICAL_TO_SYSTEM[f] for f in canonical if f in CANONICAL_TO_SYSTEM]


def allows_keywords(permanent_flags: Iterable[bytes | str]) -> bool:
    return any(_text(flag) == "\\*" for flag in permanent_flags)
