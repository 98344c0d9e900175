"""RFC 5322 ↔ model: parse raw mail into ``Message``, build reply bytes, reply subjects.

Parsing uses the ``compat32`` policy with targeted decoding instead of ``policy.default``
and ``get_body()``/``get_content()``: the reference measured ~1,400 against ~260 messages
per second on one core, and a first sync of 50,000 messages is parse-bound
(``bench/parse_bench.py`` measures both in one run).

:func:`parse_message` never raises. Whatever cannot be read is listed in
``Message.problems`` and the rest is kept: a message without a Date gets the newest
Received date or the epoch, an unknown charset is decoded as UTF-8 or windows-1252, a body
past ~1 MB of text is cut.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message as MimePart
from email.parser import BytesParser
from email.policy import compat32

from connectors.mail._decode import (
    decode_bytes,
    decode_header_text,
    first_msgid,
    msgid_list,
    parse_addresses,
    parse_date,
)
from connectors.mail._reply import build_reply, references_for
from connectors.mail._subjects import normalize_subject, reply_subject
from connectors.mail.html_text import html_to_text
from inbox_tui.model import Address, Attachment, Direction, Message, clean_line, clean_text, safe_filename

__all__ = [
    "BODY_LIMIT",
    "build_reply",
    "normalize_subject",
    "parse_message",
    "references_for",
    "reply_subject",
]

BODY_LIMIT = 1_000_000
"""Characters of body text kept; the rest is dropped with a problem noted."""
_HEADER_LIMIT = 32_000
"""Characters of one header value read; address lists past this are hostile."""
_MAX_PARTS = 500
_MAX_DEPTH = 40
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HEADERS_WANTED = frozenset(
    ("from", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references", "received")
)


def parse_message(
    raw: bytes,
    *,
    remote_id: str,
    folder: str = "INBOX",
    identity: Collection[str] = (),
    sent_folder: bool = False,
    flags: frozenset[str] = frozenset(),
    keywords: frozenset[str] = frozenset(),
) -> Message:
    """A ``Message`` from raw RFC 5322 bytes; never raises (see the module docstring).

    ``identity`` holds the agent's addresses: a message from one of them, or any message in
    the Sent folder (``sent_folder``), is ``Direction.OUT``.
    """
    data = bytes(raw or b"")
    context = _Context(remote_id, folder, identity, sent_folder, flags, keywords)
    problems: list[str] = []
    try:
        return _parse(data, context, problems, headers_only=False)
    except RecursionError:
        problems.append("MIME nested too deeply; body shown raw")
    except Exception as exc:  # a parser bug on hostile input must not stop a sync
        problems.append(f"unreadable MIME structure ({type(exc).__name__}); body shown raw")
    try:
        return _parse(data, context, problems, headers_only=True)
    except Exception as exc:
        problems.append(f"unparseable message ({type(exc).__name__})")
    direction = Direction.OUT if sent_folder else Direction.IN
    return Message(
        remote_id=remote_id,
        direction=direction,
        sender=Address(""),
        date=_EPOCH,
        body_text=clean_text(decode_bytes(data[:BODY_LIMIT], None)),
        folder=folder,
        flags=flags,
        keywords=keywords,
        problems=tuple(problems),
        author_is_agent=direction is Direction.OUT,
    )


@dataclass(frozen=True)
class _Context:
    remote_id: str
    folder: str
    identity: Collection[str]
    sent_folder: bool
    flags: frozenset[str]
    keywords: frozenset[str]


def _parse(raw: bytes, context: _Context, problems: list[str], *, headers_only: bool) -> Message:
    if not raw.strip():
        problems.append("empty message")
    msg = BytesParser(policy=compat32).parsebytes(raw, headersonly=headers_only)
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in _HEADERS_WANTED:
            if len(value) > _HEADER_LIMIT:
                value = value[:_HEADER_LIMIT]
                problems.append(f"{name[:40]} header truncated")
            headers.setdefault(key, []).append(value)

    def one(key: str) -> str:
        values = headers.get(key)
        return values[0] if values else ""

    senders = parse_addresses(headers.get("from", []), problems)
    if senders:
        sender = senders[0]
    else:
        sender = Address("")
        problems.append("no From header" if "from" not in headers else "unreadable From header")
    to = parse_addresses(headers.get("to", []), problems)
    cc = parse_addresses(headers.get("cc", []), problems)
    reply_to = parse_addresses(headers.get("reply-to", []), problems)

    subject = clean_line(decode_header_text(one("subject"), problems), 1000)
    date = parse_date(one("date"))
    if date is None:
        problems.append("no Date header" if "date" not in headers else "unreadable Date header")
        date = _newest_received(headers.get("received", []))
        if date is None:
            date = _EPOCH
    message_id = first_msgid(one("message-id"))
    if not message_id:
        problems.append("no Message-ID header")

    body = _Body(problems)
    if headers_only:
        payload = msg.get_payload()
        if isinstance(payload, str):
            body.texts.append(decode_bytes(payload[: 4 * BODY_LIMIT].encode("utf-8", "surrogateescape"), None))
    else:
        body.walk(msg, 0)
    text = body.text()

    identity_set = {a.casefold() for a in context.identity}
    outgoing = context.sent_folder or (bool(sender.email) and sender.email.casefold() in identity_set)
    direction = Direction.OUT if outgoing else Direction.IN
    return Message(
        remote_id=context.remote_id,
        direction=direction,
        sender=sender,
        date=date,
        subject=subject,
        body_text=text,
        to=to,
        cc=cc,
        message_id=message_id,
        in_reply_to=first_msgid(one("in-reply-to")),
        references=msgid_list(" ".join(headers.get("references", []))),
        attachments=tuple(body.attachments),
        folder=context.folder,
        flags=context.flags,
        keywords=context.keywords,
        problems=tuple(dict.fromkeys(problems)),
        author_is_agent=outgoing,
        reply_to=reply_to,
    )


def _newest_received(values: list[str]) -> datetime | None:
    dates = [d for d in (parse_date(v.rpartition(";")[2]) for v in values[:50] if ";" in v) if d]
    return max(dates) if dates else None


class _Body:
    """Walks the MIME tree: picks the readable text, lists everything else as attachments."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.texts: list[str] = []
        self.attachments: list[Attachment] = []
        self.size = 0
        self.parts = 0

    def text(self) -> str:
        text = "\n\n".join(t for t in self.texts if t.strip())
        if len(text) > BODY_LIMIT:
            text = text[:BODY_LIMIT]
            self.problems.append("body truncated at 1 MB")
        return clean_text(text).strip("\n")

    def walk(self, part: MimePart, depth: int) -> None:
        self.parts += 1
        if self.parts > _MAX_PARTS:
            if self.parts == _MAX_PARTS + 1:
                self.problems.append(f"more than {_MAX_PARTS} MIME parts; the rest ignored")
            return
        if depth > _MAX_DEPTH:
            self.problems.append("MIME nested too deeply")
            return
        ctype = part.get_content_type()
        maintype = ctype.partition("/")[0]
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if ctype == "message/rfc822" or maintype == "message":
                self._attach(part, ctype)
                return
            if not children:
                self.problems.append("empty multipart")
                return
            if ctype == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self.walk(child, depth + 1)
            return
        if part.get_payload() is None:
            return
        if maintype == "multipart":
            # its boundary never appears: the parser left the whole body as one string
            self.problems.append("multipart without its boundary; body shown raw")
            self.texts.append(self._decoded_text(part, "text/plain"))
            return
        if self._is_body_text(part, ctype, depth):
            self.texts.append(self._decoded_text(part, ctype))
        else:
            self._attach(part, ctype)

    def _alternative(self, children: list[MimePart], depth: int) -> None:
        def rank(child: MimePart) -> int:
            ctype = child.get_content_type()
            if ctype == "text/plain" and not _is_attachment(child):
                return 0
            if ctype == "text/html" and not _is_attachment(child):
                return 1
            if child.is_multipart():
                return 2
            return 3

        ranked = sorted(range(len(children)), key=lambda i: rank(children[i]))
        chosen = ranked[0]
        before = len(self.texts)
        self.walk(children[chosen], depth + 1)
        if len(self.texts) > before and not self.texts[-1].strip() and len(ranked) > 1:
            # an empty text/plain next to real HTML: show the HTML instead
            self.texts.pop()
            chosen = ranked[1]
            self.walk(children[chosen], depth + 1)
        for index, child in enumerate(children):
            if index != chosen:
                self._attachments_only(child, depth + 1)

    def _attachments_only(self, part: MimePart, depth: int) -> None:
        """Inline images of the HTML alternative still count as attachments."""
        if depth > _MAX_DEPTH:
            return
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                for child in children:
                    self._attachments_only(child, depth + 1)
            return
        if part.get_content_maintype() != "text":
            self._attach(part, part.get_content_type())

    @staticmethod
    def _is_body_text(part: MimePart, ctype: str, depth: int) -> bool:
        if ctype not in ("text/plain", "text/html"):
            return False
        if _is_attachment(part):
            return False
        return depth == 0 or not part.get_param("name")

    def _decoded_text(self, part: MimePart, ctype: str) -> str:
        encoded = part.get_payload()
        if isinstance(encoded, str) and len(encoded) > 6 * BODY_LIMIT:
            part.set_payload(encoded[: 6 * BODY_LIMIT])  # decode only what can be kept
            self.problems.append("body truncated at 1 MB")
        payload = _payload_bytes(part, self.problems)
        if len(payload) > 4 * BODY_LIMIT:
            payload = payload[: 4 * BODY_LIMIT]
            self.problems.append("body truncated at 1 MB")
        text = decode_bytes(payload, _charset(part), self.problems)
        if ctype == "text/html":
            return html_to_text(text)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if (part.get_param("format") or "").lower() == "flowed":
            text = _unflow(text, (part.get_param("delsp") or "").lower() == "yes")
        return text

    def _attach(self, part: MimePart, ctype: str) -> None:
        if len(self.attachments) >= _MAX_PARTS:
            return
        try:
            name = part.get_filename() or ""
        except Exception:
            name = ""
        name = decode_header_text(name) if name else ""
        if ctype == "message/rfc822":
            size = _message_size(part)
            if not name:
                inner = part.get_payload()
                subject = ""
                if isinstance(inner, list) and inner:
                    subject = decode_header_text(inner[0].get("subject", ""))
                name = f"{subject or 'message'}.eml"
        else:
            size = len(_payload_bytes(part, self.problems))
        fallback = "attachment"
        if ctype.startswith("image/"):
            fallback = "image." + (ctype.partition("/")[2][:10] or "bin")
        self.attachments.append(Attachment(safe_filename(name, fallback), clean_line(ctype, 100), size))


def _is_attachment(part: MimePart) -> bool:
    disposition = part.get("content-disposition", "")
    return isinstance(disposition, str) and disposition.strip().lower().startswith("attachment")


def _charset(part: MimePart) -> str | None:
    try:
        charset = part.get_param("charset")
    except Exception:
        return None
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return str(charset) if charset else None


def _payload_bytes(part: MimePart, problems: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        problems.append("undecodable transfer encoding")
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data if isinstance(data, bytes) else b""


def _message_size(part: MimePart) -> int:
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        try:
            return len(inner[0].as_bytes())
        except Exception:
            return 0
    return 0


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next line."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        if line == "-- ":  # the signature separator is never flowed
            if current:
                out.append(current)
                current = ""
            out.append(line)
            continue
        if line.endswith(" ") and not line.startswith(">"):
            current += line[:-1] if delsp else line
            continue
        out.append(current + line)
        current = ""
    if current:
        out.append(current)
    return "\n".join(out)
