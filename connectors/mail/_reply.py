"""Reply bytes: threading headers, the quoted parent, an optional HTML alternative.

The bytes are built once per operation; every retry (and the copy filed in Sent) is the
same message. Line ends are CRLF and the content is 7-bit clean (quoted-printable or
base64 UTF-8), so the bytes can go to SMTP, IMAP APPEND or a sendmail pipe unchanged.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, timezone
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from connectors.base import OutgoingReply
from inbox_tui.model import Address, clean_line, clean_text

__all__ = ["build_reply", "references_for"]

_REPLY_POLICY = SMTP.clone(cte_type="7bit", max_line_length=78)


def references_for(parent_message_id: str, parent_references: Sequence[str], parent_in_reply_to: str) -> tuple[str, ...]:
    """References of a reply (RFC 5322 §3.6.4): the parent's References, or else its single
    In-Reply-To, followed by the parent's Message-ID; long chains keep the first id and the
    last ten."""
    chain = [r.strip("<> ") for r in parent_references if r and r.strip("<> ")]
    if not chain and parent_in_reply_to and parent_in_reply_to.strip("<> "):
        chain = [parent_in_reply_to.strip("<> ")]
    if parent_message_id and parent_message_id.strip("<> "):
        chain.append(parent_message_id.strip("<> "))
    return _trim_chain(chain)


def _trim_chain(chain: Sequence[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(c for c in chain if c))
    if len(unique) > 11:
        unique = unique[:1] + unique[-10:]
    return tuple(unique)


def _address_header(addresses: Sequence[Address]) -> str:
    parts = []
    for address in addresses:
        addr = clean_line(address.email, 320).strip("<> ")
        if not addr:
            continue
        parts.append(formataddr((clean_line(address.name, 200), addr), charset="utf-8"))
    return ", ".join(parts)


def _quote(parent_body: str) -> str:
    lines = parent_body.strip("\n").split("\n")
    return "\n".join((">" + line) if line.startswith(">") else ("> " + line if line else ">") for line in lines)


def build_reply(reply: OutgoingReply, sender: Address, *, quote: str = "below", html: bool = False) -> bytes:
    """The reply as wire bytes (CRLF line ends, 7-bit clean, UTF-8 text).

    Threading headers come from ``reply`` (``references_for`` when the service left them
    empty). ``X-Inbox-Op-Id`` carries the operation id as a dedupe marker. With
    ``quote="below"`` the parent's text follows the reply under an attribution line.
    """
    msg = EmailMessage(policy=_REPLY_POLICY)
    msg["From"] = _address_header([sender])
    to = _address_header(reply.to)
    if to:
        msg["To"] = to
    cc = _address_header(reply.cc)
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = clean_line(reply.subject, 900)
    msg["Date"] = clean_line(reply.date_text, 100) or format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = f"<{clean_line(reply.message_id, 900).strip('<> ')}>"
    parent = reply.parent
    in_reply_to = reply.in_reply_to or (parent.message_id if parent else "")
    if in_reply_to:
        msg["In-Reply-To"] = f"<{clean_line(in_reply_to, 900).strip('<> ')}>"
    references = reply.references
    if not references and parent is not None:
        references = references_for(parent.message_id, parent.references, "")
    chain = _trim_chain([clean_line(r, 900).strip("<> ") for r in references])
    if chain:
        msg["References"] = " ".join(f"<{r}>" for r in chain)
    msg["MIME-Version"] = "1.0"
    msg["X-Inbox-Op-Id"] = clean_line(reply.op_id, 200)

    text = clean_text(reply.body_text).rstrip() + "\n"
    quoted = ""
    attribution = ""
    if quote == "below" and parent is not None and parent.body_text.strip():
        who = parent.sender.name or parent.sender.email or "you"
        attribution = clean_line(f"On {parent.date_text}, {who} wrote:" if parent.date_text else f"{who} wrote:", 300)
        quoted = _quote(clean_text(parent.body_text))
        text = f"{text}\n{attribution}\n{quoted}\n"
    msg.set_content(text, charset="utf-8")
    if html:
        alternative = MIMEPart(policy=_REPLY_POLICY)
        parent_text = clean_text(parent.body_text) if parent is not None and quoted else ""
        alternative.set_content(_html_body(reply.body_text, attribution, parent_text), subtype="html", charset="utf-8")
        msg.make_alternative()
        msg.attach(alternative)
    return msg.as_bytes()


def _html_paragraphs(text: str) -> str:
    blocks = [b for b in clean_text(text).strip().split("\n\n") if b.strip()]
    return "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in b.strip("\n").split("\n")) + "</p>" for b in blocks)


def _html_body(body: str, attribution: str, parent_body: str) -> str:
    parts = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"></head><body>', _html_paragraphs(body)]
    if attribution and parent_body:
        parts.append(f"<p>{html.escape(attribution)}</p>")
        parts.append(f'<blockquote type="cite">\n{_html_paragraphs(parent_body)}\n</blockquote>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
