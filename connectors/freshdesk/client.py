"""HTTP access to Freshdesk API v2: Basic ``API_KEY:X``, ``Link`` paging, the page cap,
``{"description", "errors"}`` bodies.

Retries, rate limits (``Retry-After``), the error tree and garbage detection come from
``connectors._http``; this module adds what is Freshdesk's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from connectors._http import make_client, request, response_json
from connectors._http_answers import error_body
from inbox_tui.errors import AmbiguousSend, ConnectorError, NotFound, TransportError

PAGES_LIMIT = 1000
"""Conversation pages of one ticket (100 each): a runaway pager stops here."""
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class PageCapReached(ConnectorError):
    """Freshdesk refused a tickets page past its cap (300 in production)."""


def error_message(response: httpx.Response) -> str:
    """``{"description": "Validation failed", "errors": [{field, message, code}]}`` or
    ``{"code", "message"}`` as one line."""
    body = error_body(response)
    if body is None:
        return ""
    parts = [str(body.get("description") or body.get("message") or body.get("code") or "")]
    for item in body.get("errors") or ():
        if isinstance(item, Mapping):
            parts.append(f"{item.get('field') or '?'}: {item.get('message') or item.get('code') or 'invalid'}")
    return "; ".join(p for p in parts if p)[:500]


def next_page(response: httpx.Response) -> int | None:
    """The page number in ``Link: <…?page=3>; rel="next"``; ``None`` on the last page."""
    match = _NEXT.search(response.headers.get("link", ""))
    if not match:
        return None
    values = parse_qs(urlsplit(match.group(1)).query).get("page")
    try:
        return int(values[-1]) if values else None
    except ValueError:
        return None


class FreshdeskClient:
    def __init__(
        self, url: str, api_key: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base = url.rstrip("/")
        self.http = make_client(
            self.base, auth=(api_key, "X"), timeout=timeout, transport=transport, vendor="Freshdesk"
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return request(self.http, method, f"/api/v2{path}", error_message=error_message, **kwargs)

    @property
    def requests(self) -> int:
        return self.http.stats.requests

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[Any, httpx.Response]:
        response = self.call("GET", path, params=dict(params or {}))
        return response_json(response), response

    # ------------------------------------------------------------------ reading
    def list_tickets(self, since: str, page: int, per_page: int) -> tuple[list[Any], bool]:
        params = {
            "updated_since": since,
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": per_page,
            "page": page,
            "include": "description,requester",
        }
        try:
            data, response = self.get("/tickets", params)
        except ConnectorError as exc:
            if getattr(exc, "status", None) == 400 and "page" in str(exc).lower():
                raise PageCapReached(str(exc)) from None
            raise
        if not isinstance(data, list):
            raise TransportError("Freshdesk's ticket list is not a JSON array")
        return data, next_page(response) is not None

    def ticket(self, ticket_id: str, *, include_requester: bool = False) -> dict[str, Any]:
        data, _ = self.get(f"/tickets/{_id(ticket_id)}", {"include": "requester"} if include_requester else None)
        if not isinstance(data, dict):
            raise TransportError(f"Freshdesk ticket {ticket_id} is not a JSON object")
        return data

    def conversations(self, ticket_id: str) -> list[dict[str, Any]]:
        return list(self._paged(f"/tickets/{_id(ticket_id)}/conversations", {}))

    def agents(self) -> list[dict[str, Any]]:
        return list(self._paged("/agents", {}))

    def agent_id(self, email: str) -> int | None:
        for agent in self._paged("/agents", {"email": email}):
            contact = agent.get("contact") if isinstance(agent.get("contact"), Mapping) else {}
            if str(contact.get("email") or "").casefold() == email.casefold():
                return agent.get("id") if isinstance(agent.get("id"), int) else None
        return None

    def _paged(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        page: int | None = 1
        for _ in range(PAGES_LIMIT):
            data, response = self.get(path, {**params, "per_page": 100, "page": page})
            if not isinstance(data, list):
                raise TransportError(f"Freshdesk {path} is not a JSON array")
            yield from (item for item in data if isinstance(item, dict))
            page = next_page(response)
            if page is None or not data:
                return
        raise TransportError(f"Freshdesk {path} has more than {PAGES_LIMIT} pages")

    # ------------------------------------------------------------------ writing
    def create(self, ticket_id: str, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /tickets/{id}/reply`` or ``…/notes`` → the new conversation.

        Only ``201 Created`` with the conversation in JSON says it happened; anything else
        that looks like success (a proxy's HTML page, a cut-off body) may or may not have
        reached Freshdesk: ``AmbiguousSend``, so the engine looks before sending again."""
        path = f"/tickets/{_id(ticket_id)}/{kind}"
        response = self.call("POST", path, json=dict(payload))
        try:
            data = response_json(response)
        except TransportError as exc:
            raise AmbiguousSend(f"{exc}; the {kind} may or may not have been created") from None
        if response.status_code != 201 or not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise AmbiguousSend(
                f"Freshdesk answered {response.status_code} to POST {path} without the new conversation"
            )
        return data

    def update(self, ticket_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        # setting fields to values: sending it twice is harmless, so 5xx may be retried
        data = response_json(self.call("PUT", f"/tickets/{_id(ticket_id)}", json=dict(payload), idempotent=True))
        return data if isinstance(data, dict) else {}


def _id(ticket_id: str) -> str:
    text = str(ticket_id).strip()
    if not text.isdigit():
        raise NotFound(f"{ticket_id!r} is not a Freshdesk ticket id")
    return text
