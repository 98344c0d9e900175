"""One demo message as RFC 5322 bytes: headers, plain/HTML bodies, quotes, attachments."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from inbox_tui.demo import mime
from inbox_tui.demo.people import SUPPORT_EMAIL, SUPPORT_NAME

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»”]")


@dataclass
class Outgoing:
    """Everything one message needs; ``render()`` makes the bytes."""

    sender: tuple[str, str]
    to: list[tuple[str, str]]
    subject: str
    when: datetime
    utc_offset: int
    message_id: str
    body: str
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    style: str = "plain"
    """plain, alternative (text + HTML) or html (HTML only)."""
    rtl: bool = False
    cte: str = ""
    attachments: list[mime.Part] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)
    html_body: str = ""
    """Hand-written HTML (else made from ``body``)."""
    cc: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> bytes:
        local = self.when.astimezone(timezone(timedelta(minutes=self.utc_offset)))
        headers = [
            *self.extra_headers,
            f"Date: {format_datetime(local)}",
            mime.address_list("From", [self.sender]),
            mime.address_list("To", self.to),
            *([mime.address_list("Cc", self.cc)] if self.cc else []),
            mime.unstructured("Subject", self.subject),
            f"Message-ID: <{self.message_id}>",
        ]
        if self.in_reply_to:
            headers.append(f"In-Reply-To: <{self.in_reply_to}>")
        if self.references:
            headers.append(mime.id_list("References", self.references))
        return mime.render(headers, self._body(), boundary_seed=self.message_id.split("@")[0][-12:])

    def _body(self) -> mime.Part | mime.Multipart:
        plain = mime.text(self.body, cte=self.cte)
        html_text = self.html_body or (to_html(self.body, rtl=self.rtl) if self.style != "plain" else "")
        if self.style == "html" or (self.html_body and self.style != "alternative"):
            main: mime.Part | mime.Multipart = mime.text(html_text, subtype="html", cte=self.cte)
        elif self.style == "alternative":
            main = mime.Multipart("alternative", (plain, mime.text(html_text, subtype="html", cte=self.cte)))
        else:
            main = plain
        if not self.attachments:
            return main
        return mime.Multipart("mixed", (main, *self.attachments))


def inbound_headers(sender_email: str, when: datetime, relay: int, mailer: str) -> list[str]:
    """Trace headers the support mailbox's MX added on delivery (and the customer's client)."""
    domain = sender_email.rpartition("@")[2]
    arrived = format_datetime(when.astimezone(timezone.utc) + timedelta(seconds=2 + relay % 5))
    lines = [
        f"Return-Path: <{sender_email}>",
        f"Delivered-To: {SUPPORT_EMAIL}",
        f"Received: from mail.{domain} (mail.{domain} [192.0.2.{relay % 250 + 2}])\n"
        f"\tby mx.marlowlane.example (Postfix) with ESMTPS id {relay:010X}\n"
        f"\tfor <{SUPPORT_EMAIL}>; {arrived}",
    ]
    if mailer:
        lines.append(f"X-Mailer: {mailer}")
    return lines


def support_mailbox() -> tuple[str, str]:
    return (SUPPORT_NAME, SUPPORT_EMAIL)


def quote(body: str, intro: str) -> str:
    quoted = "\n".join(("> " + line) if line and not line.startswith(">") else (">" + line) for line in body.splitlines())
    return f"{intro}\n{quoted}"


def quote_intro(template: str, when: datetime, utc_offset: int, who: tuple[str, str]) -> str:
    local = when.astimezone(timezone(timedelta(minutes=utc_offset)))
    name, email = who
    return template.format(
        d=local.day, m=local.month, mon=MONTHS[local.month - 1], y=local.year, time=local.strftime("%H:%M"),
        who=f"{name} <{email}>" if name else email,
    )  # fmt: skip


def _inline(text: str) -> str:
    out, last = [], 0
    for m in _URL.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        url = html.escape(m.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _blocks(text: str) -> str:
    parts: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith(">"):
            quoted = []
            while i < len(lines) and lines[i].startswith(">"):
                quoted.append(lines[i][1:].removeprefix(" "))
                i += 1
            parts.append(f'<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">{_blocks(chr(10).join(quoted))}</blockquote>')
            continue
        paragraph = []
        while i < len(lines) and lines[i].strip() and not lines[i].startswith(">"):
            paragraph.append(_inline(lines[i]))
            i += 1
        if paragraph:
            parts.append("<div>" + "<br>\n".join(paragraph) + "</div>")
        else:
            i += 1
    return "\n".join(parts)


def to_html(text: str, *, rtl: bool = False) -> str:
    """The HTML a webmail client would send for ``text`` (paragraphs, links, blockquotes)."""
    direction = ' dir="rtl"' if rtl else ' dir="ltr"'
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\n'
        f'<body><div{direction} style="font-family:Arial,sans-serif;font-size:14px">\n{_blocks(text)}\n</div></body></html>\n'
    )
