"""Attachment bytes made on the spot: small PNGs, a one-page PDF receipt, a text log.

Everything is generated (no binary files in the package) and deterministic.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

Colour = tuple[int, int, int]


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _row(width: int, spans: list[tuple[int, int, Colour]], background: Colour) -> bytes:
    """One RGB row: ``spans`` are (start, end, colour) painted over the background."""
    pixels = bytearray(bytes(background) * width)
    for start, end, colour in spans:
        start, end = max(0, start), min(width, end)
        if end > start:
            pixels[start * 3 : end * 3] = bytes(colour) * (end - start)
    return bytes(pixels)


@lru_cache(maxsize=8)
def checkout_screenshot(variant: int = 0) -> bytes:
    """A 360×240 'screenshot' of a checkout page with a red error banner."""
    width, height = 360, 240
    grey, white, red, text, button = (236, 236, 233), (255, 255, 255), (200, 52, 52), (120, 120, 118), (40, 70, 60)
    rows: list[bytes] = []
    for y in range(height):
        spans: list[tuple[int, int, Colour]] = []
        if 20 <= y < 220:
            spans.append((30, 330, white))
        if 36 <= y < 62:
            spans.append((46, 314, red))
            if 45 <= y < 53:
                spans.append((60, 200 + 20 * variant, white))
        for line, length in ((80, 220), (100, 260), (120, 180), (140, 240)):
            if line <= y < line + 8:
                spans.append((46, 46 + length, text))
        if 176 <= y < 204:
            spans.append((200, 314, button))
        rows.append(_row(width, spans, grey))
    return _png(width, height, rows)


@lru_cache(maxsize=8)
def parcel_photo(variant: int = 0) -> bytes:
    """A 240×180 'photo' of a crushed cardboard box (a dark diagonal tear across it)."""
    width, height = 240, 180
    floor, box, shade, tear = (196, 190, 180), (181, 136, 84), (150, 108, 62), (70, 48, 28)
    rows: list[bytes] = []
    for y in range(height):
        spans: list[tuple[int, int, Colour]] = []
        if 30 <= y < 160:
            spans.append((40, 200, box))
            if y < 60:
                spans.append((40, 200, shade))
            x = 60 + (y - 30) * (1 + variant % 2)
            spans.append((x, x + 6, tear))
        rows.append(_row(width, spans, floor))
    return _png(width, height, rows)


def _pdf_string(value: str) -> str:
    return "(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def receipt_pdf(order: str, lines: list[tuple[str, str]], total: str) -> bytes:
    """A valid one-page PDF 1.4 receipt (Helvetica, ASCII text, correct xref offsets)."""
    texts = ["Marlow & Lane", f"Receipt for order {order}", ""]
    texts += [f"{item}    {price}" for item, price in lines]
    texts += ["", f"Total paid: {total}", "Thank you for shopping with us."]
    ascii_texts = [t.replace("£", "GBP ").replace("€", " EUR").encode("ascii", "replace").decode() for t in texts]
    stream = "BT /F1 12 Tf 60 760 Td 16 TL " + " ".join(f"{_pdf_string(t)} '" for t in ascii_texts) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def checkout_log(order: str, stamp: str) -> bytes:
    """What a customer copies out of the browser console when the checkout fails."""
    return (
        f"[{stamp}] POST https://marlowlane.example/checkout/pay 502 (Bad Gateway)\n"
        f"[{stamp}] payment-widget.js:412 Uncaught (in promise) PaymentError: processor_unavailable\n"
        f"    at confirmPayment (payment-widget.js:412:19)\n"
        f"    at async submitOrder (checkout.js:88:5)\n"
        f"[{stamp}] order {order}: status=pending_payment, attempts=2\n"
        f"[{stamp}] 3ds: challenge completed, authorisation_id=auth_7Hq2LxP0, captured=true\n"
        f"[{stamp}] retry: POST /checkout/pay 200 OK, authorisation_id=auth_9Rt4MzC1, captured=true\n"
    ).encode("ascii")
