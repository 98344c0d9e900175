"""A small, fast RFC 5322 / MIME writer for the demo mailbox.

``email.message.EmailMessage`` builds the same messages, but at ~4 ms each (header
registry classes, re-parsing and re-folding every header) the 900-odd demo messages would
take seconds; ``inbox demo`` has a 1.5 s budget. This writer uses the stdlib's encoders
(``binascii`` quoted-printable, ``base64``, RFC 2231 parameters) and emits standard output:
RFC 2047 base64 encoded-words for non-ASCII headers, folded lines under 78 characters,
``utf-8`` bodies as quoted-printable or base64. The tests parse every message back with
``email.policy.default`` and require zero defects (except the deliberately broken ones).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from email.utils import encode_rfc2231

_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")
_MAX_WORD_BYTES = 45  # 60 base64 characters: "=?utf-8?b?" + 60 + "?=" stays under 75


@dataclass(frozen=True)
class Part:
    """A leaf MIME part (text body or attachment)."""

    content_type: str
    data: bytes
    cte: str
    """7bit, 8bit, quoted-printable or base64."""
    charset: str = ""
    filename: str = ""
    inline: bool = False


@dataclass(frozen=True)
class Multipart:
    subtype: str
    parts: tuple[Part | Multipart, ...] = field(default_factory=tuple)


def text(body: str, *, subtype: str = "plain", cte: str = "") -> Part:
    """A utf-8 text part; ``cte`` defaults to 7bit for ASCII, quoted-printable otherwise."""
    if not body.endswith("\n"):
        body += "\n"
    data = body.encode("utf-8")
    if not cte:
        cte = "7bit" if body.isascii() and max(map(len, body.splitlines()), default=0) <= 900 else "quoted-printable"
    return Part(f"text/{subtype}", data, cte, charset="utf-8")


def attachment(data: bytes, content_type: str, filename: str, *, inline: bool = False) -> Part:
    cte = "base64"
    if content_type.startswith("text/"):
        cte = "quoted-printable"
    return Part(content_type, data, cte, charset="utf-8" if content_type.startswith("text/") else "", filename=filename, inline=inline)


# ---------------------------------------------------------------------- headers


def encode_words(value: str) -> str:
    """RFC 2047 base64 encoded-words, split on character boundaries, folded with CRLF-less
    ``\\n `` (the Maildir line ending)."""
    words: list[str] = []
    chunk = b""
    for char in value:
        raw = char.encode("utf-8")
        if len(chunk) + len(raw) > _MAX_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += raw
    if chunk:
        words.append(chunk)
    return "\n ".join("=?utf-8?b?" + base64.b64encode(w).decode("ascii") + "?=" for w in words)


def unstructured(name: str, value: str) -> str:
    """``Name: value`` for free text (Subject): encoded if non-ASCII, folded at spaces."""
    if not value.isascii():
        return f"{name}: {encode_words(value)}"
    return fold(f"{name}: {value}")


def fold(line: str, width: int = 76) -> str:
    if len(line) <= width:
        return line
    out: list[str] = []
    current = ""
    for token in re.split(r"(?<=\S)(?= )", line):
        if current and len(current) + len(token) > width:
            out.append(current)
            current = token
        else:
            current += token
    out.append(current)
    return "\n".join(out)


def address(name: str, email: str) -> str:
    """One mailbox: ``Name <a@b>``, ``"Quoted, Name" <a@b>`` or an encoded-word phrase."""
    if not name:
        return email
    if not name.isascii():
        return f"{encode_words(name)} <{email}>"
    if _ATOM_PHRASE.fullmatch(name):
        return f"{name} <{email}>"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{email}>'


def address_list(name: str, mailboxes: list[tuple[str, str]]) -> str:
    return f"{name}: " + ",\n ".join(address(n, e) for n, e in mailboxes)


def id_list(name: str, ids: list[str]) -> str:
    return f"{name}: " + "\n ".join(f"<{i}>" for i in ids)


def _param(key: str, value: str) -> str:
    if value.isascii():
        return f'{key}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
    return f"{key}*={encode_rfc2231(value, 'utf-8')}"


# ---------------------------------------------------------------------- bodies


def _encode(part: Part) -> bytes:
    if part.cte == "base64":
        return base64.encodebytes(part.data)
    if part.cte == "quoted-printable":
        encoded = binascii.b2a_qp(part.data, istext=True)
        return encoded if encoded.endswith(b"\n") else encoded + b"\n"
    return part.data


def _part_headers(part: Part) -> list[str]:
    ctype = part.content_type
    if part.charset:
        ctype += f'; charset="{part.charset}"'
    if part.filename:
        ctype += "; " + _param("name", part.filename)
    lines = [fold(f"Content-Type: {ctype}"), f"Content-Transfer-Encoding: {part.cte}"]
    if part.filename:
        disposition = "inline" if part.inline else "attachment"
        lines.append(fold(f"Content-Disposition: {disposition}; " + _param("filename", part.filename)))
    return lines


def _render(node: Part | Multipart, boundary_seed: str, counter: list[int]) -> tuple[list[str], bytes]:
    """(headers of this entity, its encoded body); ``counter`` numbers the boundaries."""
    if isinstance(node, Part):
        return _part_headers(node), _encode(node)
    counter[0] += 1
    boundary = f"=_ml{counter[0]}_{boundary_seed}"
    chunks: list[bytes] = []
    for child in node.parts:
        headers, body = _render(child, boundary_seed, counter)
        chunks.append(f"--{boundary}\n".encode() + "\n".join(headers).encode("ascii") + b"\n\n" + body)
    chunks.append(f"--{boundary}--\n".encode())
    head = [f'Content-Type: multipart/{node.subtype};\n boundary="{boundary}"']
    return head, b"".join(chunks)


def render(headers: list[str], body: Part | Multipart, *, boundary_seed: str) -> bytes:
    """A whole message: ``headers`` are ready ``Name: value`` lines (use the helpers above);
    MIME-Version and the body's own headers are appended."""
    own, payload = _render(body, boundary_seed, [0])
    head = "\n".join([*headers, "MIME-Version: 1.0", *own])
    return head.encode("ascii") + b"\n\n" + payload
