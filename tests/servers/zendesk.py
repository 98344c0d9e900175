"""A Zendesk Support API contract server: documented JSON, in-memory state, 127.0.0.1.

Run it by hand and point the app at it::

    python -m tests.servers.zendesk --port 8765      # seeded demo tickets, OAuth token below

What it models (``/work/shared/reference/connector-apis.md`` §2):

* auth: ``Authorization: Bearer <ACCESS_TOKEN>`` or ``Basic base64("agent@…/token:<API_TOKEN>")``;
  a wrong one → 401 ``{"error": "Couldn't authenticate you"}``; an expired OAuth token → 401
  ``invalid_token``; ``POST /oauth/tokens`` ``grant_type=refresh_token`` rotates both tokens;
* ``GET /api/v2/incremental/tickets/cursor.json`` (admins only, else 403): ``start_time`` or
  ``cursor``, ``per_page`` ≤ 1000, ``include=users``; ordered by ``generated_timestamp``;
  tickets changed in the last ``exclude_recent`` seconds (60) are held back; with
  ``repeat_boundary`` the last ticket of a page comes again first on the next one;
* ``GET /api/v2/search/export.json?query=type:ticket updated>ISO&filter[type]=ticket``
  (cursor paged, ``search_lag`` seconds of index lag);
* ``GET /api/v2/tickets/{id}.json``, ``…/comments.json`` (cursor paged, ``sort=-created_at``,
  ``include=users``), ``GET /api/v2/users/show_many.json``, ``/users/me.json``,
  ``/users/search.json?query=email:…``;
* ``PUT /api/v2/tickets/{id}.json`` with ``comment``, ``status``, ``assignee_id``, ``tags``,
  ``additional_tags``/``remove_tags``, ``safe_update``+``updated_stamp`` (409), closed tickets
  refuse updates (422); ``/tickets/{id}/tags`` (GET, POST=set, PUT=add, DELETE=remove);
  ``POST /tickets/{id}/merge`` (source closed, tagged ``closed_by_merge``, merge comments);
* error bodies ``{"error": "RecordNotFound", "description": "Not found"}`` and friends;
  ``X-Rate-Limit``/``X-Rate-Limit-Remaining`` on every answer, 429 + ``Retry-After``;
* test controls from ``tests.servers._base``: ``fault()``, ``storm()``, ``burst()``,
  ``slow()``, a rate limit; plus ``admin``, ``advance(seconds)`` (the server clock),
  ``expire_tokens()``, ``bulk_seed()``.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from typing import Any

from tests.servers._base import Reply, Request, VendorApp, run_cli
from tests.servers.zendesk_data import (
    ACCESS_TOKEN,
    AGENT_EMAIL,
    AGENT_ID,
    API_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_AGENT_EMAIL,
    REFRESH_TOKEN,
    STATUSES,
    Ticket,
    User,
    ZendeskData,
    stamp,
)

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
NO_AUTH = {"error": "Couldn't authenticate you"}
EXPIRED = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons.",
}
FORBIDDEN = {
    "error": "Forbidden",
    "description": "You do not have access to this page. Please contact the account owner of this help desk for further help.",
}
CONFLICT = {
    "error": "UpdateConflict",
    "description": "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.",
}
_UPDATED = re.compile(r"updated(>=?|<=?|:)(\S+)")


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except ValueError:
        return None


class ZendeskState(ZendeskData, VendorApp):
    vendor = "Zendesk"
    rate_headers = ("X-Rate-Limit", "X-Rate-Limit-Remaining", "Retry-After")

    def __init__(self, *, rate_limit: int | None = None, rate_window: float = 60.0) -> None:
        VendorApp.__init__(self, rate_limit=rate_limit, rate_window=rate_window)
        self._init_data()

    # ------------------------------------------------------------------ HTTP
    def throttled_reply(self, retry_after: str) -> Reply:
        body = {"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"}
        return Reply(429, body, headers={"Retry-After": retry_after})

    def route(self, req: Request) -> Reply:
        path = req.path[:-5] if req.path.endswith(".json") else req.path
        if path == "/oauth/tokens" and req.method == "POST":
            return self._token(req)
        if not path.startswith("/api/v2/"):
            return Reply(404, {"error": "InvalidEndpoint", "description": "Not found"})
        caller = self._caller(req)
        if isinstance(caller, Reply):
            return caller
        parts = path.split("/")[3:]
        handler = self._handler(req.method, parts)
        if handler is None:
            return Reply(404, {"error": "InvalidEndpoint", "description": "Not found"})
        return handler(req, parts, caller)

    def _handler(self, method: str, parts: list[str]) -> Any:
        table = {
            ("GET", "incremental/tickets/cursor"): self._export,
            ("GET", "search/export"): self._search,
            ("GET", "users/show_many"): self._show_many,
            ("GET", "users/me"): self._me,
            ("GET", "users/search"): self._user_search,
            ("POST", "tickets"): self._create,
        }
        key = "/".join(parts)
        if (method, key) in table:
            return table[(method, key)]
        if len(parts) >= 2 and parts[0] == "tickets" and parts[1].isdigit():
            rest = "/".join(parts[2:])
            return {
                ("GET", ""): self._show,
                ("PUT", ""): self._update,
                ("GET", "comments"): self._comments,
                ("GET", "tags"): self._tags,
                ("POST", "tags"): self._tags,
                ("PUT", "tags"): self._tags,
                ("DELETE", "tags"): self._tags,
                ("POST", "merge"): self._merge_route,
            }.get((method, rest))
        if len(parts) == 2 and parts[0] == "users" and parts[1].isdigit() and method == "GET":
            return self._show_user
        return None

    def _caller(self, req: Request) -> int | Reply:
        header = req.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            if value.strip() in self.access_tokens:
                return AGENT_ID
            return Reply(
                401,
                EXPIRED if value.startswith("zd-access-") else NO_AUTH,
                headers={"WWW-Authenticate": 'Bearer realm="Web Password", error="invalid_token"'},
            )
        if scheme.lower() == "basic":
            try:
                user, _, secret = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return Reply(401, NO_AUTH)
            email, _, kind = user.rpartition("/")
            if kind == "token" and (email, secret) in self.api_tokens:
                return AGENT_ID
        return Reply(401, NO_AUTH, headers={"WWW-Authenticate": 'Basic realm="Web Password"'})

    def _token(self, req: Request) -> Reply:
        data = req.json() or req.form() or {}
        if (
            data.get("grant_type") != "refresh_token"
            or data.get("client_id") != CLIENT_ID
            or data.get("client_secret") != CLIENT_SECRET
        ):
            return Reply(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
                },
            )
        if data.get("refresh_token") not in self.refresh_tokens:
            return Reply(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
                },
            )
        access, refresh = f"zd-access-{self._next('audit')}", f"zd-refresh-{self._next('audit')}"
        self.refresh_tokens = {refresh}
        self.access_tokens.add(access)
        return Reply(
            200,
            {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "scope": "read write",
                "expires_in": 172800,
                "refresh_token_expires_in": 7776000,
            },
        )

    # ------------------------------------------------------------------ reading
    def _export(self, req: Request, parts: list[str], caller: int) -> Reply:
        if not self.admin:
            return Reply(403, FORBIDDEN)
        per_page = min(int(req.arg("per_page") or 1000), 1000)
        horizon = self.now() - self.exclude_recent
        ordered = sorted(
            (t for t in self.tickets.values() if t.generated <= horizon), key=lambda t: (t.generated, t.id)
        )
        cursor = _decode(req.arg("cursor"))
        if req.arg("cursor") is not None:
            if not isinstance(cursor, list) or len(cursor) != 2:
                return Reply(400, {"error": "InvalidPaginationParameter", "description": "cursor is invalid"})
            mark = (cursor[0], cursor[1])
            rows = [
                t
                for t in ordered
                if ((t.generated, t.id) >= mark if self.repeat_boundary else (t.generated, t.id) > mark)
            ]
        else:
            start = req.arg("start_time")
            if start is None or not start.isdigit():
                return Reply(400, {"error": "InvalidValue", "description": "start_time is required"})
            rows = [t for t in ordered if t.generated >= int(start)]
        page = rows[:per_page]
        end = len(rows) <= per_page
        last = page[-1] if page else None
        after = (
            _encode([last.generated, last.id])
            if last
            else (req.arg("cursor") or _encode([int(req.arg("start_time") or 0), 0]))
        )
        tickets = [t.json(req.base) for t in page]
        body: dict[str, Any] = {
            "tickets": tickets,
            "after_cursor": after,
            "after_url": f"{req.base}/api/v2/incremental/tickets/cursor.json?cursor={after}",
            "before_cursor": None,
            "before_url": None,
            "end_of_stream": end,
        }
        if "users" in (req.arg("include") or ""):
            body["users"] = self._users_of(page)
        return Reply(200, body, headers=self._list_headers())

    def _search(self, req: Request, parts: list[str], caller: int) -> Reply:
        if req.arg("filter[type]") != "ticket":
            return Reply(400, {"error": "InvalidSearchQuery", "description": "filter[type] is required"})
        query = req.arg("query") or ""
        match = _UPDATED.search(query)
        since = None
        if match:
            moment = _parse(match.group(2))
            if moment is None:
                return Reply(400, {"error": "InvalidSearchQuery", "description": "Invalid search: bad date"})
            since = (match.group(1), moment.timestamp())
        visible = self.now() - self.search_lag
        rows = sorted(
            (t for t in self.tickets.values() if t.updated <= visible and _compare(t.updated, since)),
            key=lambda t: (t.updated, t.id),
        )
        return self._cursor_page(
            req, rows, "results", lambda t: {**t.json(req.base), "result_type": "ticket"}, limit=1000
        )

    def _show(self, req: Request, parts: list[str], caller: int) -> Reply:
        ticket = self.tickets.get(int(parts[1]))
        return Reply(200, {"ticket": ticket.json(req.base)}) if ticket else Reply(404, NOT_FOUND)

    def _comments(self, req: Request, parts: list[str], caller: int) -> Reply:
        ticket = self.tickets.get(int(parts[1]))
        if ticket is None:
            return Reply(404, NOT_FOUND)
        rows = list(reversed(ticket.comments)) if req.arg("sort") == "-created_at" else list(ticket.comments)
        reply = self._cursor_page(req, rows, "comments", lambda c: dict(c), limit=100)
        if "users" in (req.arg("include") or "") and reply.status == 200:
            ids = {c["author_id"] for c in reply.body["comments"] if isinstance(c.get("author_id"), int)}
            reply.body["users"] = [self.users[i].json() for i in sorted(ids) if i in self.users]
        return reply

    def _cursor_page(self, req: Request, rows: list[Any], key: str, render: Any, *, limit: int) -> Reply:
        size_text = req.arg("page[size]")
        size = min(int(size_text), limit) if size_text and size_text.isdigit() else limit
        position = _decode(req.arg("page[after]")) if req.arg("page[after]") else 0
        if not isinstance(position, int):
            return Reply(400, {"error": "InvalidPaginationParameter", "description": "page[after] is invalid"})
        page = rows[position : position + size]
        more = position + size < len(rows)
        after = _encode(position + size) if page else None
        query = "&".join(f"{k}={v[-1]}" for k, v in req.query.items() if k != "page[after]")
        body = {
            key: [render(r) for r in page],
            "meta": {"has_more": more, "after_cursor": after, "before_cursor": _encode(position) if page else None},
            "links": {"next": f"{req.base}{req.path}?{query}&page[after]={after}" if more else None, "prev": None},
        }
        return Reply(200, body, headers=self._list_headers())

    def _list_headers(self) -> dict[str, str]:
        return {
            "ratelimit-limit": str(self.rate_limit or self.default_rate_limit),
            "ratelimit-remaining": "-",
            "ratelimit-reset": "60",
        }

    def _users_of(self, tickets: list[Ticket]) -> list[dict[str, Any]]:
        ids = {i for t in tickets for i in (t.requester_id, t.assignee_id) if i is not None}
        return [self.users[i].json() for i in sorted(ids) if i in self.users]

    def _show_many(self, req: Request, parts: list[str], caller: int) -> Reply:
        ids = [int(i) for i in (req.arg("ids") or "").split(",") if i.strip().isdigit()]
        return Reply(200, {"users": [self.users[i].json() for i in ids if i in self.users]})

    def _show_user(self, req: Request, parts: list[str], caller: int) -> Reply:
        user = self.users.get(int(parts[1]))
        return Reply(200, {"user": user.json()}) if user else Reply(404, NOT_FOUND)

    def _me(self, req: Request, parts: list[str], caller: int) -> Reply:
        return Reply(200, {"user": self.users[caller].json()})

    def _user_search(self, req: Request, parts: list[str], caller: int) -> Reply:
        query = req.arg("query") or ""
        email = query.split("email:", 1)[1].strip() if "email:" in query else query.strip()
        found = [u.json() for u in self.users.values() if u.email.casefold() == email.casefold()]
        return Reply(200, {"users": found, "count": len(found), "next_page": None, "previous_page": None})

    # ------------------------------------------------------------------ writing
    def _create(self, req: Request, parts: list[str], caller: int) -> Reply:
        data = (req.json() or {}).get("ticket") or {}
        requester = data.get("requester") or {}
        comment = data.get("comment") or {}
        if not requester.get("email") or not comment.get("body"):
            return Reply(
                422,
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {"requester": [{"description": "Requester is required"}]},
                },
            )
        ticket_id = self.create_ticket(
            requester["email"], data.get("subject") or "", comment["body"], name=requester.get("name") or ""
        )
        return Reply(201, {"ticket": self.tickets[ticket_id].json(req.base)})

    def _update(self, req: Request, parts: list[str], caller: int) -> Reply:
        ticket = self.tickets.get(int(parts[1]))
        if ticket is None:
            return Reply(404, NOT_FOUND)
        data = (req.json() or {}).get("ticket")
        if not isinstance(data, dict):
            return Reply(400, {"error": "InvalidValue", "description": "ticket parameter is missing"})
        if ticket.status == "closed":
            return _invalid("status", "Status: closed prevents ticket update")
        if data.get("safe_update") and data.get("updated_stamp") != stamp(ticket.updated):
            return Reply(409, CONFLICT)
        if "status" in data and data["status"] not in STATUSES:
            return _invalid("status", f"Status: {data['status']} is not valid")
        if "assignee_id" in data and data["assignee_id"] is not None:
            user = self.users.get(data["assignee_id"]) if isinstance(data["assignee_id"], int) else None
            if user is None or user.role == "end-user":
                return _invalid("assignee", "Assignee is not an agent")
        events: list[dict[str, Any]] = []
        moment = self.now()
        comment = data.get("comment")
        if isinstance(comment, dict) and (comment.get("body") or comment.get("html_body")):
            author = comment.get("author_id") if isinstance(comment.get("author_id"), int) else caller
            made = self._comment(
                ticket,
                author,
                str(comment.get("body") or comment.get("html_body")),
                comment.get("public", True) is not False,
                moment,
            )
            events.append(
                {
                    "id": made["id"],
                    "type": "Comment",
                    "author_id": author,
                    "body": made["body"],
                    "public": made["public"],
                }
            )
            if ticket.status == "new" and made["public"]:
                ticket.status = "open"
        if "status" in data:
            ticket.status = data["status"]
        if "assignee_id" in data:
            ticket.assignee_id = data["assignee_id"]
        if isinstance(data.get("tags"), list):
            ticket.tags = _tags(data["tags"])
        if isinstance(data.get("additional_tags"), list):
            ticket.tags = _tags([*ticket.tags, *data["additional_tags"]])
        if isinstance(data.get("remove_tags"), list):
            gone = set(_tags(data["remove_tags"]))
            ticket.tags = [t for t in ticket.tags if t not in gone]
        self._touch(ticket, moment)
        audit = {
            "id": self._next("audit"),
            "ticket_id": ticket.id,
            "created_at": stamp(moment),
            "author_id": caller,
            "events": events,
        }
        return Reply(200, {"ticket": ticket.json(req.base), "audit": audit})

    def _tags(self, req: Request, parts: list[str], caller: int) -> Reply:
        ticket = self.tickets.get(int(parts[1]))
        if ticket is None:
            return Reply(404, NOT_FOUND)
        if req.method != "GET":
            given = _tags((req.json() or {}).get("tags") or [])
            if req.method == "POST":
                ticket.tags = given
            elif req.method == "PUT":
                ticket.tags = _tags([*ticket.tags, *given])
            else:
                ticket.tags = [t for t in ticket.tags if t not in given]
            self._touch(ticket, self.now())
        return Reply(200, {"tags": list(ticket.tags)})

    def _merge_route(self, req: Request, parts: list[str], caller: int) -> Reply:
        target = int(parts[1])
        ids = (req.json() or {}).get("ids") or []
        if target not in self.tickets or any(i not in self.tickets for i in ids):
            return Reply(404, NOT_FOUND)
        self.merge([int(i) for i in ids], target)
        return Reply(
            200,
            {"job_status": {"id": f"merge-{target}", "status": "completed", "progress": len(ids), "total": len(ids)}},
        )


def _invalid(name: str, description: str) -> Reply:
    return Reply(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {name: [{"description": description, "error": "InvalidValue"}]},
        },
    )


def _tags(values: list[Any]) -> list[str]:
    """Zendesk lower-cases tags and splits on spaces."""
    out: list[str] = []
    for value in values:
        for tag in str(value).lower().split():
            if tag not in out:
                out.append(tag)
    return out


def _parse(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _compare(value: float, since: tuple[str, float] | None) -> bool:
    if since is None:
        return True
    op, moment = since
    value = int(value)
    return {
        ">": value > moment,
        ">=": value >= moment,
        "<": value < moment,
        "<=": value <= moment,
        ":": int(value) // 86400 == int(moment) // 86400,
    }[op]


def main() -> None:
    def make(args: Any) -> ZendeskState:
        state = ZendeskState()
        state.seed_demo()
        if args.bulk:
            state.bulk_seed(args.bulk)
        return state

    def banner(app: Any, server: Any) -> str:
        return (
            f"Zendesk contract server on {server.url}\n"
            f"  OAuth access token {ACCESS_TOKEN!r} (refresh {REFRESH_TOKEN!r}, client {CLIENT_ID!r}/{CLIENT_SECRET!r})\n"
            f"  API token: email {AGENT_EMAIL!r}, token {API_TOKEN!r}\n"
            f'  config: url = "{server.url}", email = "{AGENT_EMAIL}"'
        )

    run_cli(
        make,
        "Zendesk contract server (127.0.0.1, in-memory)",
        extra=lambda p: p.add_argument("--bulk", type=int, default=0, help="also seed N bulk tickets"),
        banner=banner,
    )


__all__ = [
    "ACCESS_TOKEN",
    "AGENT_EMAIL",
    "AGENT_ID",
    "API_TOKEN",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "OTHER_AGENT_EMAIL",
    "REFRESH_TOKEN",
    "User",
    "Ticket",
    "ZendeskState",
    "main",
]


if __name__ == "__main__":
    main()
