"""Tolerant decoding of mail bytes and headers: charsets with a fallback chain, RFC 2047
encoded words, raw 8-bit header bytes, message ids and dates.

Nothing here raises on bad input; each helper reports what it had to guess through a
``problems`` list the caller passes in.
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timezone
from email.header import decode_header
from email.utils import getaddresses, parsedate_to_datetime

from inbox_tui.model import Address, clean_line

__all__ = [
    "decode_bytes",
    "decode_header_text",
    "parse_addresses",
    "parse_date",
    "first_msgid",
    "msgid_list",
]

# Names seen in the wild that are not codecs, or codecs that lie (GB2312 mail is GBK/GB18030
# in practice, ISO-8859-1 mail is windows-1252 in practice, as every browser assumes).
_ALIASES = {
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "x-user-defined": "",
    "default": "",
    "default_charset": "",
    "none": "",
    "8bit": "",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ansi_x3.4-1968": "utf-8",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cn-gb": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
}
_known: dict[str, str | None] = {}


def _codec(charset: str | None) -> tuple[str, bool]:
    """``(codec name, recognised)``; ``""`` means "no usable declaration, guess"."""
    if not charset:
        return "", True
    key = charset.strip().strip("\"'").lower()
    if key in _known:
        name = _known[key]
        return (name or "", name is not None)
    alias = _ALIASES.get(key)
    if alias is not None:
        _known[key] = alias
        return alias, True
    try:
        name = codecs.lookup(key).name
    except (LookupError, ValueError):
        _known[key] = None
        return "", False
    # codecs that are not text encodings (base64_codec, rot13 …) are not charsets
    if not codecs.lookup(name)._is_text_encoding:  # type: ignore[attr-defined]
        _known[key] = None
        return "", False
    _known[key] = name
    return name, True


def decode_bytes(data: bytes, charset: str | None, problems: list[str] | None = None) -> str:
    """Declared charset → UTF-8 → windows-1252 with replacement characters."""
    if not data:
        return ""
    codec, recognised = _codec(charset)
    if not recognised and problems is not None:
        note = f"charset {clean_line(str(charset), 40)} replaced"
        if note not in problems:
            problems.append(note)
    if codec and codec != "utf-8":
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec and codec != "utf-8":
        if problems is not None and f"bad {codec} text" not in problems:
            problems.append(f"bad {codec} text")
        return data.decode(codec, errors="replace")
    return data.decode("cp1252", errors="replace")


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def decode_header_text(value: object, problems: list[str] | None = None) -> str:
    """A raw header value (str with surrogate-escaped 8-bit bytes, as compat32 keeps it)
    → text: raw 8-bit as UTF-8 or windows-1252, RFC 2047 encoded words decoded."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _has_surrogates(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    if "=?" not in text:
        return text
    try:
        parts = decode_header(text)
    except Exception:  # HeaderParseError on broken base64, anything else on garbage
        if problems is not None:
            problems.append("undecodable encoded-word in header")
        return text
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset, problems))
    return "".join(out)


def parse_addresses(values: list[str], problems: list[str] | None = None) -> tuple[Address, ...]:
    """Addresses from raw header values: split first (a decoded name may contain a comma),
    then decode each display name. Garbage gives fewer addresses, never an exception."""
    if not values:
        return ()
    raw = [v if isinstance(v, str) else str(v) for v in values]
    try:
        pairs = getaddresses(raw)
    except Exception:
        pairs = []
    found: list[Address] = []
    for name, email in pairs:
        email = clean_line(decode_header_text(email), 320).strip("<> ")
        name = clean_line(decode_header_text(name, problems), 200).strip("\"' ")
        if not email and not name:
            continue
        if not email and "@" in name:
            email, name = name, ""
        found.append(Address(email, name))
        if len(found) >= 500:
            break
    if not found:
        # getaddresses (3.11.4+) returns nothing for input it considers malformed:
        # salvage anything that looks like an address
        for value in raw:
            for email in _LOOSE_ADDRESS.findall(decode_header_text(value)):
                found.append(Address(clean_line(email, 320)))
    return tuple(found)


_LOOSE_ADDRESS = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_MSGID_BRACKETED = re.compile(r"<([^<>\s]{1,900})>")
_MSGID_BARE = re.compile(r"[^<>\s,;\"()]{1,900}@[^<>\s,;\"()]{1,900}")


def first_msgid(value: str | None) -> str:
    """The first message id of a header, without angle brackets; tolerant of missing
    brackets and trailing junk (``<id> (comment)``, ``id``)."""
    if not value:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _has_surrogates(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    match = _MSGID_BRACKETED.search(text)
    if match:
        return clean_line(match.group(1), 998)
    match = _MSGID_BARE.search(text)
    if match:
        return clean_line(match.group(0), 998)
    token = text.strip().split()
    return clean_line(token[0].strip("<>"), 998) if token else ""


def msgid_list(value: str | None, limit: int = 100) -> tuple[str, ...]:
    """All message ids of a References header, in order, deduplicated; a huge chain keeps
    its first id and the last ``limit - 1``."""
    if not value:
        return ()
    text = value if isinstance(value, str) else str(value)
    if _has_surrogates(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    ids = _MSGID_BRACKETED.findall(text) or _MSGID_BARE.findall(text)
    seen: set[str] = set()
    unique: list[str] = []
    for msgid in ids:
        msgid = clean_line(msgid, 998)
        if msgid and msgid not in seen:
            seen.add(msgid)
            unique.append(msgid)
    if len(unique) > limit:
        unique = unique[:1] + unique[-(limit - 1) :]
    return tuple(unique)


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from an RFC 5322 date, or ``None``."""
    if not value:
        return None
    text = value if isinstance(value, str) else str(value)
    text = " ".join(text.split())[:200]
    try:
        when = parsedate_to_datetime(text)
    except Exception:
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        return when.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None
