"""HTTP access to Help Scout's Mailbox API 2.0: OAuth2 client credentials, HAL paging,
merged-conversation redirects, ``vnd.error`` bodies.

Retries, rate limits (``X-RateLimit-Retry-After``), the error tree and garbage detection
come from ``connectors._http``; this module adds what is Help Scout's own:

* a bearer token from ``POST /v2/oauth2/token`` (``grant_type=client_credentials``), taken
  again once when a request answers 401 (tokens expire after about two days; the shared
  layer's ``refresh`` hook sends the request again, a POST included: a 401 did nothing);
* **301** on a merged conversation: the same request goes to the ``Location`` once more
  (the server did nothing yet, so even a POST is safe to repeat) and ``moved`` remembers
  ``old id → new id``;
* the error text from ``{"message", "_embedded": {"errors": [{path, message}]}}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from connectors._http import BearerAuth, make_client, request, response_json
from connectors._http_answers import error_body
from connectors.helpscout.mapping import as_int, parse_time
from inbox_tui.errors import AmbiguousSend, AuthError, NotFound, TransportError

MAX_REDIRECTS = 3
THREAD_PAGES_LIMIT = 1000
"""50 threads a page: far past any real conversation (a runaway pager stops here)."""
_MOVED = re.compile(r"/v2/conversations/(\d+)")


def vnd_message(response: httpx.Response) -> str:
    """Help Scout's ``application/vnd.error+json`` body as one line."""
    body = error_body(response)
    if body is None:
        return ""
    parts = [str(body.get("message") or body.get("error_description") or body.get("error") or "")]
    embedded = body.get("_embedded")
    for item in (embedded.get("errors") if isinstance(embedded, Mapping) else None) or ():
        if isinstance(item, Mapping):
            parts.append(f"{item.get('path') or '?'}: {item.get('message') or 'invalid'}")
    return "; ".join(p for p in parts if p)[:500]


class HelpScoutClient:
    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        access_token: str = "",
        on_tokens: Callable[[str, str], None] | None = None,
    ) -> None:
        """``access_token``: one kept from an earlier run (tried first; a 401 fetches a new
        one). ``on_tokens(access, "")`` hears of every new token so the caller can keep it."""
        self.base = url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._auth = BearerAuth(access_token)
        self.on_tokens = on_tokens
        self.http = make_client(
            self.base,
            auth=self._auth,
            timeout=timeout,
            transport=transport,
            vendor="Help Scout",
            refresh=self.authorize,
        )
        self.moved: dict[str, str] = {}
        """Conversation ids Help Scout answered with 301 during this session: old → new."""

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ plumbing
    def authorize(self) -> None:
        """A new access token (client credentials); also the 401 hook of every request."""
        try:
            response = request(
                self.http,
                "POST",
                "/v2/oauth2/token",
                data={"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._secret},
                error_message=vnd_message,
                retry_after_header="X-RateLimit-Retry-After",
                refresh=False,
                auth=None,  # no bearer on the token request itself
            )
        except AuthError:
            raise AuthError(
                "Help Scout refused the client id / client secret (check the app under Your Profile → My Apps)"
            ) from None
        body = response_json(response)
        token = body.get("access_token") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token:
            raise TransportError("Help Scout's token endpoint answered without an access_token")
        self._auth.token = token
        if self.on_tokens is not None:
            self.on_tokens(token, "")

    def call(self, method: str, path: str, *, idempotent: bool | None = None, **kwargs: Any) -> httpx.Response:
        """One API request (a token first if there is none yet; a new one once on 401)
        with merged-conversation redirects followed."""
        if not self._auth.token:
            self.authorize()
        for _hop in range(MAX_REDIRECTS + 1):
            response = request(
                self.http,
                method,
                path,
                idempotent=idempotent,
                expected=(301,),
                error_message=vnd_message,
                retry_after_header="X-RateLimit-Retry-After",
                **kwargs,
            )
            if response.status_code != 301:
                return response
            location = response.headers.get("location", "")
            old, new = _MOVED.search(path), _MOVED.search(location)
            if not new:
                raise TransportError(f"Help Scout moved {path} to an unexpected place ({location[:100]!r})")
            if old:
                self.moved[old.group(1)] = new.group(1)
            path = _MOVED.sub(f"/v2/conversations/{new.group(1)}", path, count=1)
        raise TransportError(f"Help Scout redirected {path} more than {MAX_REDIRECTS} times")

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return response_json(self.call("GET", path, params=dict(params or {})))

    # ------------------------------------------------------------------ reading
    def list_conversations(self, mailbox: str, since: str | None, page: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "mailbox": mailbox,
            "status": "all",
            "sortField": "modifiedAt",
            "sortOrder": "asc",
            "embed": "threads",
            "page": page,
        }
        if since:
            params["modifiedSince"] = since
        data = self.get("/v2/conversations", params)
        if not isinstance(data, dict):
            raise TransportError("Help Scout's conversation list is not a JSON object")
        return data

    def conversation(self, conv_id: str, *, embed_threads: bool = False) -> tuple[dict[str, Any], str]:
        """The conversation and its id now (another one when it was merged away)."""
        path = f"/v2/conversations/{_id(conv_id)}"
        data = self.get(path, {"embed": "threads"} if embed_threads else None)
        if not isinstance(data, dict) or as_int(data.get("id")) is None:
            raise TransportError(f"Help Scout conversation {conv_id} came back without an id")
        return data, str(data["id"])

    def threads(self, conv_id: str, *, newer_than: datetime | None = None) -> list[dict[str, Any]]:
        """Every thread (newest first, as Help Scout lists them); with ``newer_than`` the
        paging stops at the first page that reaches older threads."""
        return list(self._threads(conv_id, newer_than))

    def _threads(self, conv_id: str, newer_than: datetime | None) -> Iterator[dict[str, Any]]:
        path = f"/v2/conversations/{_id(conv_id)}/threads"
        for page in range(1, THREAD_PAGES_LIMIT + 1):
            data = self.get(path, {"page": page})
            embedded = data.get("_embedded") if isinstance(data, Mapping) else None
            items = embedded.get("threads") if isinstance(embedded, Mapping) else None
            if items is None and isinstance(data, Mapping) and "page" not in data:
                raise TransportError(f"Help Scout's thread list for {conv_id} has no _embedded.threads")
            items = [t for t in items or () if isinstance(t, dict)]
            yield from items
            info = data.get("page") if isinstance(data.get("page"), Mapping) else {}
            if not items or page >= (as_int(info.get("totalPages")) or 0):
                return
            if newer_than is not None:
                oldest = parse_time(items[-1].get("createdAt"))
                if oldest is not None and oldest < newer_than:
                    return
        raise TransportError(f"Help Scout conversation {conv_id} has more than {THREAD_PAGES_LIMIT} pages of threads")

    def user_id(self, email: str) -> int | None:
        data = self.get("/v2/users", {"email": email})
        embedded = data.get("_embedded") if isinstance(data, Mapping) else None
        for user in (embedded.get("users") if isinstance(embedded, Mapping) else None) or ():
            if isinstance(user, Mapping) and str(user.get("email") or "").casefold() == email.casefold():
                return as_int(user.get("id"))
        return None

    # ------------------------------------------------------------------ writing
    def create_thread(self, conv_id: str, kind: str, body: Mapping[str, Any]) -> str:
        """``POST …/reply`` or ``…/notes``; the new thread's id from ``Resource-ID`` (may be
        empty on a server that predates the header).

        Only ``201 Created`` says it happened: any other success-looking answer (a proxy's
        ``200`` login page) may or may not have reached Help Scout, so it is ``AmbiguousSend``
        and the engine looks upstream before sending again."""
        path = f"/v2/conversations/{_id(conv_id)}/{kind}"
        response = self.call("POST", path, json=dict(body))
        if response.status_code != 201:
            kind_of = response.headers.get("content-type", "no content type").split(";")[0]
            raise AmbiguousSend(
                f"Help Scout answered {response.status_code} ({kind_of}) to POST {path}, not 201 Created"
            )
        return response.headers.get("resource-id", "").strip()

    def patch(self, conv_id: str, operation: Mapping[str, Any]) -> None:
        # a "replace" sets a value: sending it twice is harmless, so 5xx may be retried
        self.call(
            "PATCH", f"/v2/conversations/{_id(conv_id)}", json=dict(operation), idempotent=operation.get("op") != "add"
        )

    def put_tags(self, conv_id: str, tags: list[str]) -> None:
        self.call("PUT", f"/v2/conversations/{_id(conv_id)}/tags", json={"tags": tags}, idempotent=True)


def _id(conv_id: str) -> str:
    text = str(conv_id).strip()
    if not text.isdigit():
        raise NotFound(f"{conv_id!r} is not a Help Scout conversation id")
    return text
