"""HTTP access to the Zendesk Support API: auth, token refresh, cursor pagination.

Retries, 429/``Retry-After``, the error tree and HTML/cut-off JSON detection come from
``connectors._http``; this module adds what is Zendesk's own:

* auth: OAuth ``Authorization: Bearer`` (preferred; API tokens are being retired), or the
  legacy API token as ``Basic base64("{email}/token:{token}")``;
* an expired OAuth access token (401) is refreshed once with
  ``POST /oauth/tokens`` ``grant_type=refresh_token`` and the request sent again; Zendesk
  rotates the refresh token, so ``on_tokens(access, refresh)`` lets the caller keep it;
* cursor pagination: ``page[size]`` ≤ 100, ``meta.has_more`` / ``meta.after_cursor``,
  ``page[after]=`` (offset paging stops at 10,000 records, cursors do not);
* error bodies ``{"error": …, "description": …, "details": {field: [{description}]}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from connectors._http import BearerAuth, RetryPolicy, make_client, request, response_json
from connectors._http_answers import error_body
from inbox_tui.errors import AuthError, ConnectorError, NotFound, TransportError

PAGE_SIZE = 100
MAX_PAGES = 200
"""Cursor pages of one listing (20,000 comments; Zendesk caps a ticket at 5,000)."""
USER_AGENT = "inbox-tui (Zendesk connector)"

ShouldStop = Callable[[], bool]


def error_message(response: httpx.Response) -> str:
    """Zendesk's error envelope as one line (the Ruby client reads the same fields)."""
    body = error_body(response)
    if body is None:
        return ""
    error = body.get("error")
    if isinstance(error, Mapping):  # {"error": {"title", "message"}} on some endpoints
        error = ": ".join(str(error.get(k)) for k in ("title", "message") if error.get(k))
    parts = [str(p) for p in (error, body.get("description") or body.get("error_description")) if p]
    details = body.get("details")
    if isinstance(details, Mapping):
        for name, items in details.items():
            for item in items if isinstance(items, list) else [items]:
                text = item.get("description") if isinstance(item, Mapping) else item
                if text:
                    parts.append(f"{name}: {text}")
    return "; ".join(parts)[:400]


class ZendeskClient:
    def __init__(
        self,
        url: str,
        *,
        token: str,
        auth: str = "oauth",
        email: str = "",
        refresh_token: str = "",
        client_id: str = "",
        client_secret: str = "",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        on_tokens: Callable[[str, str], None] | None = None,
    ) -> None:
        self.base = url.rstrip("/")
        self._refresh_token = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        self.on_tokens = on_tokens
        credentials: httpx.Auth
        if auth == "token":
            credentials = httpx.BasicAuth(f"{email}/token", token)
            refresh = None
        else:
            credentials = self._bearer = BearerAuth(token)
            refresh = self._refresh if refresh_token else None
        self.http = make_client(
            self.base,
            auth=credentials,
            timeout=timeout,
            transport=transport,
            user_agent=USER_AGENT,
            vendor="Zendesk",
            retry=retry,
            refresh=refresh,
        )

    @property
    def requests(self) -> int:
        return self.http.stats.requests

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ plumbing
    def call(self, method: str, path: str, *, idempotent: bool | None = None, should_stop: ShouldStop | None = None, **kwargs: Any) -> httpx.Response:
        return request(self.http, method, path, idempotent=idempotent, should_stop=should_stop, error_message=error_message, **kwargs)

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, should_stop: ShouldStop | None = None) -> dict[str, Any]:
        data = response_json(self.call("GET", path, params=dict(params or {}), should_stop=should_stop))
        if not isinstance(data, dict):
            raise TransportError(f"Zendesk answered {path} with something that is not a JSON object")
        return data

    def pages(self, path: str, key: str, params: Mapping[str, Any] | None = None, *, should_stop: ShouldStop | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a cursor-paginated listing; each page's ``key`` list is checked."""
        query = {**(params or {}), "page[size]": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            data = self.get(path, query, should_stop=should_stop)
            if not isinstance(data.get(key), list):
                raise TransportError(f"Zendesk answered {path} without a {key!r} list")
            yield data
            meta = data.get("meta") if isinstance(data.get("meta"), Mapping) else {}
            after = meta.get("after_cursor")
            if not meta.get("has_more") or not after:
                return
            query["page[after]"] = after
        raise TransportError(f"Zendesk {path} has more than {MAX_PAGES} pages; stopped")

    def _refresh(self) -> None:
        """A new access token from the refresh token (called by the shared layer on 401)."""
        body = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = request(self.http, "POST", "/oauth/tokens", json=body, auth=None, refresh=False, error_message=error_message)
        except (AuthError, ConnectorError) as exc:
            if isinstance(exc, TransportError):
                raise
            raise AuthError("Zendesk refused the refresh token; sign in to Zendesk again (inbox account add …)") from None
        data = response_json(response)
        token = data.get("access_token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise TransportError("Zendesk's token endpoint answered without an access_token")
        self._bearer.token = token
        rotated = data.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            self._refresh_token = rotated
        if self.on_tokens is not None:
            self.on_tokens(token, self._refresh_token)

    # ------------------------------------------------------------------ reading
    def ticket(self, ticket_id: str) -> dict[str, Any]:
        data = self.get(f"/api/v2/tickets/{ticket_path(ticket_id)}.json")
        ticket = data.get("ticket")
        if not isinstance(ticket, dict):
            raise TransportError(f"Zendesk ticket {ticket_id} came back without a ticket object")
        return ticket

    def comments(self, ticket_id: str, *, newest_first: bool = False, should_stop: ShouldStop | None = None) -> Iterator[tuple[list[dict[str, Any]], list[Any]]]:
        """Pages of ``(comments, side-loaded users)`` of one ticket."""
        params: dict[str, Any] = {"include": "users"}
        if newest_first:
            params["sort"] = "-created_at"
        for data in self.pages(f"/api/v2/tickets/{ticket_path(ticket_id)}/comments.json", "comments", params, should_stop=should_stop):
            yield [c for c in data["comments"] if isinstance(c, dict)], list(data.get("users") or ())

    def users(self, ids: list[int]) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(ids), 100):
            chunk = ",".join(str(i) for i in ids[start : start + 100])
            found.extend(self.get("/api/v2/users/show_many.json", {"ids": chunk}).get("users") or ())
        return found

    def me(self) -> dict[str, Any]:
        user = self.get("/api/v2/users/me.json").get("user")
        if not isinstance(user, dict):
            raise TransportError("Zendesk /users/me answered without a user")
        return user

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        data = self.get("/api/v2/users/search.json", {"query": f"email:{email}"})
        for user in data.get("users") or ():
            if isinstance(user, dict) and str(user.get("email") or "").casefold() == email.casefold():
                return user
        return None

    # ------------------------------------------------------------------ writing
    def update(self, ticket_id: str, fields: Mapping[str, Any], *, idempotent: bool) -> dict[str, Any]:
        """``PUT /tickets/{id}`` → ``{"ticket": …, "audit": …}``. A comment makes it
        non-idempotent (a second send would post a second comment)."""
        response = self.call("PUT", f"/api/v2/tickets/{ticket_path(ticket_id)}.json", json={"ticket": dict(fields)}, idempotent=idempotent)
        data = response_json(response)
        if not isinstance(data, dict) or not isinstance(data.get("ticket"), dict):
            raise TransportError(f"Zendesk answered the update of ticket {ticket_id} without the ticket")
        return data


def ticket_path(ticket_id: str) -> str:
    text = str(ticket_id).strip()
    if not text.isdigit():
        raise NotFound(f"{ticket_id!r} is not a Zendesk ticket id")
    return text


__all__ = ["PAGE_SIZE", "ZendeskClient", "error_message", "ticket_path"]
