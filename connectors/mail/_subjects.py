"""Reply subjects (``Re: `` once) and the normalised subject used for threading.

Reply prefixes of other clients count as replies: ``AW:`` (German), ``SV:``/``VS:``
(Nordic), ``Antw:`` (Dutch), ``Ynt:`` (Turkish), ``ΑΠ:``/``ΣΧΕΤ:`` (Greek), ``回复:``/``答复:``
(Chinese), ``رد:`` (Arabic), ``Odp:`` (Polish), ``Réf:``/``Rif:``, and counted forms
``Re[2]:`` / ``Re(3):``. A chain of them collapses into one ``Re: ``. Forward prefixes are
not reply prefixes: ``Fwd: x`` becomes ``Re: Fwd: x``, as every client does.
"""

from __future__ import annotations

import re

from inbox_tui.model import clean_line
from inbox_tui.model import normalize_subject as _model_normalize

__all__ = ["normalize_subject", "reply_subject"]

_REPLY = r"(?:re|aw|sv|vs|antw|antwort|ynt|odp|réf|rif|r|απ|σχετ|回复|回覆|答复|رد)"
_REPLY_PREFIX = re.compile(rf"^\s*{_REPLY}\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*", re.IGNORECASE)
_TAGS = re.compile(r"^\s*((?:\[[^\]]{0,60}\]\s*)+)")


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, never ``Re: Re:`` or ``Re: AW:``; list/ticket ``[tags]`` kept."""
    text = clean_line(subject or "", 900)
    tags = ""
    match = _TAGS.match(text)
    if match and _REPLY_PREFIX.match(text[match.end() :]):
        tags, text = match.group(1).strip() + " ", text[match.end() :]
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    rest = f"{tags}{text}".strip()
    return f"Re: {rest}" if rest else "Re: (no subject)"


def normalize_subject(subject: str) -> str:
    """Threading key: Re/Fwd prefixes and ``[tags]`` stripped, whitespace folded,
    casefolded. The same rule as the store's (``inbox_tui.model.normalize_subject``)."""
    return _model_normalize(subject)[0]
