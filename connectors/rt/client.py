"""A thin REST 2.0 client for Request Tracker: requests, JSON, pages, RT's quirks.

HTTP itself (timeouts, retries of idempotent requests, 401/403/404/412/429/5xx → the
error tree, HTML or cut-off JSON → ``TransportError``) is the shared layer's job
(``connectors._http``); this module adds what is RT's own:

* collections: ``per_page`` is clamped to 100; ``total``/``pages`` are ``null`` for users
  who are not SuperUser (RT filters rows by rights *after* the SQL page, so a short page
  does not prove the end) — without a total we read until an empty page;
* the server clock: every response's ``Date`` header is recorded (``server_now``), because
  relative TicketSQL dates (``'-300 seconds'``) are the only ones RT does not shift by the
  API user's timezone (see ``connectors.rt.pull``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from connectors import _http
from inbox_tui.errors import ConnectorError, NotFound, TransportError

MAX_PER_PAGE = 100
USER_AGENT = "inbox-tui (Request Tracker connector)"
"""Not a browser: RT answers a ``Mozilla`` user agent's failed login with a 302 to its web
form instead of a 401."""


class RTClient:
    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api = url.rstrip("/") + "/REST/2.0"
        headers: dict[str, str] = {}
        auth: httpx.Auth | None = None
        if token:
            headers["Authorization"] = f"token {token}"
        elif user:
            auth = httpx.BasicAuth(user, password or "")
        self.http = _http.make_client(
            self.api,
            auth=auth,
            headers=headers,
            timeout=timeout,
            transport=transport,
            user_agent=USER_AGENT,
            vendor="RT",
        )
        self.skew: float | None = None
        """Server clock minus ours (seconds), from the last ``Date`` header; ``Date`` has
        whole seconds, so the server may be up to one second ahead of this."""
        self._users: dict[str, Mapping[str, Any]] = {}

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return _http.count(self.http)

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ plumbing
    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """One request. ``idempotent`` (default: GET/PUT) allows the shared layer to retry;
        a search sent as POST says so itself, a correspond or comment never is."""
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT")
        kwargs: dict[str, Any] = {}
        if params is not None:
            kwargs["params"] = params
        if body is not None:
            kwargs["json"] = body
        if headers:
            kwargs["headers"] = dict(headers)
        response = _http.request(self.http, method, path, idempotent=idempotent, **kwargs)
        self._note_clock(response)
        return response

    def json(self, response: httpx.Response) -> Any:
        """The body as JSON; an HTML page or cut-off JSON is a ``TransportError``."""
        return _http.response_json(response)

    def get(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None) -> Any:
        return self.json(self.call("GET", path, params=params))

    def pages(
        self,
        path: str,
        params: Sequence[tuple[str, Any]],
        *,
        body: Any = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a collection (``POST`` with a JSON query when ``body`` is given)."""
        page = 1
        while True:
            query = [*params, ("per_page", per_page), ("page", page)]
            if body is None:
                data = self.get(path, query)
            else:
                data = self.json(self.call("POST", path, params=query, body=body, idempotent=True))
            items = _items(data, path)
            yield items
            total = data.get("total")
            if not items or (total is not None and page * per_page >= int(total)):
                return
            page += 1

    def search(
        self, path: str, params: Sequence[tuple[str, Any]], *, body: Any = None, per_page: int = MAX_PER_PAGE
    ) -> list[dict[str, Any]]:
        return [item for page in self.pages(path, params, body=body, per_page=per_page) for item in page]

    def server_now(self) -> float:
        return time.time() + (self.skew or 0.0)

    def _note_clock(self, response: httpx.Response) -> None:
        stamp = response.headers.get("Date")
        if not stamp:
            return
        try:
            server = parsedate_to_datetime(stamp).timestamp()
        except (TypeError, ValueError, IndexError):
            return
        self.skew = server - time.time()

    # ------------------------------------------------------------------ RT resources
    def ticket(self, ticket_id: str) -> tuple[dict[str, Any], str]:
        """The ticket record and its ETag (for ``If-Match``)."""
        response = self.call("GET", f"/ticket/{_ticket_path(ticket_id)}")
        data = self.json(response)
        if not isinstance(data, dict) or "id" not in data:
            raise TransportError(f"RT sent a ticket record without an id for ticket {ticket_id}")
        return data, response.headers.get("ETag", "")

    def user(self, name: str) -> Mapping[str, Any]:
        """A user record (``Privileged`` is only in the single-user view); cached per client."""
        if name not in self._users:
            try:
                self._users[name] = self.get(f"/user/{quote(name, safe='@')}")
            except NotFound:
                self._users[name] = {"Name": name, "Privileged": 0}
        return self._users[name]

    def post_message(self, ticket_id: str, kind: str, content: str, content_type: str = "text/plain") -> list[str]:
        """``kind`` is ``correspond`` (mailed to the requestors) or ``comment`` (internal)."""
        response = self.call(
            "POST",
            f"/ticket/{_ticket_path(ticket_id)}/{kind}",
            body={"Content": content, "ContentType": content_type},
        )
        data = self.json(response)
        return [str(m) for m in data] if isinstance(data, list) else []

    def update_ticket(self, ticket_id: str, fields: Mapping[str, Any], etag: str = "") -> list[str]:
        """``PUT /ticket/{id}``. RT answers 200 with human-readable results even when it
        changed nothing, so callers re-read the ticket to know."""
        headers = {"If-Match": etag} if etag else None
        data = self.json(self.call("PUT", f"/ticket/{_ticket_path(ticket_id)}", body=dict(fields), headers=headers))
        return [str(m) for m in data] if isinstance(data, list) else []


def _items(data: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise TransportError(f"RT sent a collection without items for {path}")
    return [item for item in data["items"] if isinstance(item, dict)]


def _ticket_path(ticket_id: str) -> str:
    """Ticket ids are numbers; anything else would address another resource."""
    text = str(ticket_id).strip()
    if not text.isdigit():
        raise NotFound(f"{ticket_id!r} is not an RT ticket id")
    return text


def ticketsql_quote(value: str) -> str:
    """A TicketSQL string literal (RT accepts backslash escapes inside single quotes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def message_error(messages: Sequence[str], what: str) -> ConnectorError:
    return ConnectorError(f"RT did not {what}: {'; '.join(messages) or 'no reason given'}")
