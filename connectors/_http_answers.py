"""What an HTTP answer means: the error-tree exception for a status, the wait a 429 asks
for, a one-line summary of an error body, and JSON that is really JSON (not an HTML login
page or a cut-off body). Used by ``connectors._http``; vendors import from there."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from inbox_tui.errors import AuthError, Conflict, ConnectorError, NotFound, TransportError

ErrorMessage = Callable[[httpx.Response], str]
RETRY_AFTER_HEADERS = ("Retry-After", "X-RateLimit-Retry-After", "ratelimit-reset", "x-ratelimit-reset")
"""Looked at in this order when the caller names no header of its own."""


def error_for(response: httpx.Response, error_message: ErrorMessage | None = None) -> ConnectorError:
    """The error-tree exception for a 3xx/4xx ``response`` (not raised, returned)."""
    vendor = response.extensions.get("inbox_vendor") or "the server"
    status = response.status_code
    where = f"{response.request.method} {response.request.url.path}"
    detail = _scrub(describe(response, error_message), response.request)
    if status in (401, 403):
        verb = "refused the credentials" if status == 401 else "does not allow this for these credentials"
        return with_status(AuthError(f"{vendor} {verb} ({status} on {where}: {detail})"), status)
    if status in (404, 410):
        return with_status(NotFound(f"{vendor}: not found ({status} on {where}: {detail})"), status)
    if status in (409, 412):
        return with_status(Conflict(f"{vendor}: changed meanwhile ({status} on {where}: {detail})"), status)
    return with_status(ConnectorError(f"{vendor} rejected {where} ({status}: {detail})", title="Request rejected"), status)


def error_body(response: httpx.Response) -> Mapping[str, Any] | None:
    """An error answer's JSON object, for a vendor's ``error_message``; ``None`` when the
    body is not a JSON object (HTML from a proxy, empty, a bare string)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, Mapping) else None


def response_json(response: httpx.Response, vendor: str | None = None) -> Any:
    """The JSON body, or ``TransportError`` with a one-line reason (HTML instead of JSON,
    cut-off JSON, not UTF-8). An empty body is ``None``."""
    vendor = vendor or response.extensions.get("inbox_vendor") or "the server"
    content = response.content
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except (UnicodeDecodeError, ValueError):
        pass
    if _looks_like_html(response):
        raise with_status(TransportError(f"{vendor} answered HTML instead of JSON (status {response.status_code})"), response.status_code)
    raise with_status(
        TransportError(
            f"{vendor} answered truncated or invalid JSON (status {response.status_code}, {len(content)} bytes, "
            f"{response.request.method} {response.request.url.path})"
        ),
        response.status_code,
    )


def describe(response: httpx.Response, error_message: ErrorMessage | None = None) -> str:
    """A one-line summary of an error body: the vendor's own words when it sent JSON."""
    text = ""
    if error_message is not None:
        try:
            text = error_message(response)
        except Exception:  # a hostile body must not break error handling
            text = ""
    if not text:
        text = _generic_message(response)
    return " ".join(text.split())[:300] or f"HTTP {response.status_code}"


def retry_after(response: httpx.Response, header: str | None = None) -> float | None:
    """Seconds to wait from a 429's headers (seconds, an HTTP date, or an epoch stamp)."""
    names = (header, *RETRY_AFTER_HEADERS) if header else RETRY_AFTER_HEADERS
    for name in names:
        value = response.headers.get(name)
        if value is None:
            continue
        seconds = _seconds(value.strip())
        if seconds is not None:
            return seconds
    return None


# --------------------------------------------------------------------------- helpers


def _seconds(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    if number != number or number < 0:  # NaN or negative
        return None
    if number > 1_000_000_000:  # an epoch stamp (x-ratelimit-reset on some APIs)
        return max(0.0, number - time.time())
    return number


def _looks_like_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", "").lower():
        return True
    head = response.content[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml")) or b"<html" in head


def _generic_message(response: httpx.Response) -> str:
    content = response.content
    if not content.strip():
        return response.reason_phrase or f"HTTP {response.status_code}"
    try:
        body = json.loads(content)
    except (UnicodeDecodeError, ValueError):
        if _looks_like_html(response):
            return f"answered HTML instead of JSON (status {response.status_code})"
        text = content[:200].decode("utf-8", "replace")
        return "".join(ch for ch in text if ch.isprintable()) or f"HTTP {response.status_code}"
    return _json_message(body) or f"HTTP {response.status_code}"


def _json_message(body: Any) -> str:
    """``{"error": …, "description": …}``, ``{"message": …}``, ``{"errors": [...]}`` …"""
    if isinstance(body, str):
        return body
    if not isinstance(body, Mapping):
        return ""
    parts: list[str] = []
    for key in ("error", "title", "message", "description", "error_description"):
        value = body.get(key)
        if isinstance(value, str) and value not in parts:
            parts.append(value)
        elif isinstance(value, Mapping):
            parts.append(_json_message(value))
    return ": ".join(p for p in parts if p)


def _scrub(text: str, request: httpx.Request) -> str:
    """Remove any credential the request carried from ``text`` (a server may echo it)."""
    header = request.headers.get("authorization", "")
    _, _, credential = header.partition(" ")
    secrets = {credential.strip()} if credential.strip() else set()
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(credential).decode("utf-8", "replace")
        except (ValueError, TypeError):
            decoded = ""
        secrets.update(part for part in decoded.replace("/token", "").split(":") if len(part) >= 6)
        secrets.add(decoded)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def with_status(exc: ConnectorError, status: int) -> ConnectorError:
    exc.status = status  # type: ignore[attr-defined]
    return exc


__all__ = ["RETRY_AFTER_HEADERS", "ErrorMessage", "describe", "error_for", "response_json", "retry_after", "with_status"]
