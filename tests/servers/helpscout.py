"""A Help Scout Mailbox API 2.0 contract server: documented JSON, in-memory state, 127.0.0.1.

Start by hand to try the connector without an account::

    python -m tests.servers.helpscout --port 8766

then configure an account with ``url = "http://127.0.0.1:8766"``, ``mailbox = 1``,
``client_id = "demo-client"`` and the secret ``demo-secret`` (printed at start).

What it speaks (see ``/work/shared/reference/connector-apis.md`` §3): OAuth2 client
credentials at ``POST /v2/oauth2/token`` (tokens expire; ``expire_tokens()`` forces the 401
path); ``GET /v2/conversations`` (HAL, 25 a page, ``status`` defaults to ``active``,
``modifiedSince`` is inclusive so the boundary item comes back twice, ``embed=threads``
truncates chat threads and very long conversations); ``GET /v2/conversations/{id}``
(**301** + ``Location`` for a merged conversation); ``GET …/threads`` (newest first, 50 a
page); ``POST …/reply`` and ``…/notes`` (201 + ``Resource-ID``); ``PATCH`` JSON-Patch for
``/status`` and ``/assignTo``; ``PUT …/tags`` (replaces the set); ``GET /v2/users``.
Errors are ``application/vnd.error+json``. Rate limit: ``X-RateLimit-Limit-Minute``,
``X-RateLimit-Remaining-Minute``, 429 + ``X-RateLimit-Retry-After``; writes cost 2.
"""

from __future__ import annotations

import argparse
import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from tests.servers._base import Reply, Request, Server, VendorApp, iso, parse_iso, run_cli

PAGE_SIZE = 25
THREAD_PAGE_SIZE = 50
EMBED_CAP = 100
"""⚠ assumption: embedded threads are capped; the connector must notice and page them."""
TOKEN_LIFETIME = 172800
VND = "application/vnd.error+json"
CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"


def vnd_error(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Reply:
    body: dict[str, Any] = {
        "logRef": str(uuid.uuid4()),
        "message": message,
        "_links": {"about": {"href": "https://developer.helpscout.com/mailbox-api/overview/errors/"}},
    }
    if errors:
        body["_embedded"] = {"errors": errors}
    return Reply(status, body, content_type=VND)


def bad_request(path: str, message: str, rejected: Any = None, source: str = "JSON") -> Reply:
    """400 with one ``_embedded.errors`` entry, as Help Scout reports a validation error."""
    return vnd_error(
        400, "Bad request", [{"path": path, "message": message, "rejectedValue": rejected, "source": source}]
    )


@dataclass
class Conversation:
    id: int
    number: int
    subject: str | None
    customer: dict[str, Any]
    status: str
    created: datetime
    modified: datetime
    mailbox: int = 1
    type: str = "email"
    assignee: int | None = None
    tags: list[str] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    closed: datetime | None = None
    nulls: bool = False
    """Send ``null`` where the docs promise values (subject, customer, timestamps)."""


class HelpScoutState(VendorApp):
    """The whole account: users, customers, conversations, merged ids, tokens."""

    rate_headers = ("X-RateLimit-Limit-Minute", "X-RateLimit-Remaining-Minute", "X-RateLimit-Retry-After")
    vendor = "Help Scout"
    default_rate_limit = 200

    def __init__(self, *, rate_limit: int | None = None, rate_window: float = 60.0) -> None:
        super().__init__(rate_limit=rate_limit, rate_window=rate_window)
        self.users = {
            7: {"id": 7, "firstName": "Ada", "lastName": "Agent", "email": "ada@support.example", "role": "owner"},
            8: {"id": 8, "firstName": "Bo", "lastName": "Backup", "email": "bo@support.example", "role": "user"},
        }
        self.customers: dict[str, dict[str, Any]] = {}
        self.conversations: dict[int, Conversation] = {}
        self.merged: dict[int, int] = {}
        self.tokens: dict[str, tuple[float, int]] = {}
        self.secrets = {CLIENT_ID: CLIENT_SECRET}
        self.ids = itertools.count(1001)
        self.thread_ids = itertools.count(50001)
        self.embed_cap = EMBED_CAP
        self.page_size = PAGE_SIZE
        self.clock = lambda: datetime.now(timezone.utc).replace(microsecond=0)
        self.version = 0
        """Bumped on every change; a listing is sorted once per query and version."""
        self._listing: tuple[Any, list[Conversation]] = (None, [])
        self.on_request = None
        """Test hook: ``callable(request)`` run after a request was answered (injects races)."""

    # ------------------------------------------------------------------ seeding (tests)
    def customer(self, email: str, name: str = "") -> dict[str, Any]:
        if email not in self.customers:
            first, _, last = (name or email.split("@")[0]).partition(" ")
            self.customers[email] = {"id": 200 + len(self.customers), "first": first, "last": last, "email": email}
        return self.customers[email]

    def add_conversation(
        self,
        subject: str,
        customer: str,
        messages: list[tuple[str, str]] | None = None,
        *,
        status: str = "active",
        tags: list[str] | None = None,
        at: datetime | None = None,
        step: timedelta = timedelta(minutes=1),
        type: str = "email",
    ) -> int:
        """``messages``: ``("customer"|"reply"|"note", text)`` oldest first."""
        with self.lock:
            start = at or self.clock() - step * (len(messages or ()) + 1)
            conv_id = next(self.ids)
            conv = Conversation(
                conv_id, conv_id - 1000, subject, self.customer(customer), status, start, start, type=type
            )
            conv.tags = list(tags or [])
            self.conversations[conv_id] = conv
            self.version += 1
            for index, (kind, text) in enumerate(messages or [("customer", f"About {subject}")]):
                self._thread(conv, kind, text, start + step * index)
            return conv_id

    def _thread(
        self, conv: Conversation, kind: str, text: str, when: datetime, user: int = 7, **extra: Any
    ) -> dict[str, Any]:
        by_customer = kind in ("customer",) or (kind == "chat" and user == 0)
        author = dict(conv.customer, type="customer") if by_customer else dict(self._person(user), type="user")
        thread = {
            "id": next(self.thread_ids),
            "type": kind,
            "status": conv.status,
            "state": "published",
            "body": text,
            "source": {"type": "email", "via": "customer" if by_customer else "user"},
            "customer": dict(conv.customer),
            "createdBy": author,
            "to": [conv.customer["email"]] if kind == "reply" else [],
            "cc": [],
            "bcc": [],
            "createdAt": iso(when),
            **extra,
        }
        conv.threads.append(thread)
        conv.modified = max(conv.modified, when)
        return thread

    def _person(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        return {"id": user_id, "first": user["firstName"], "last": user["lastName"], "email": user["email"]}

    def customer_writes(self, conv_id: int, text: str) -> int:
        with self.lock:
            conv = self.conversations[conv_id]
            thread = self._thread(conv, "customer", text, self._tick(conv))
            conv.status = "active"
            return thread["id"]

    def agent_tags(self, conv_id: int, tags: list[str]) -> None:
        """Another agent edits the tags in the Help Scout UI."""
        with self.lock:
            conv = self.conversations[conv_id]
            conv.tags = list(tags)
            conv.modified = self._tick(conv)

    def merge(self, old_id: int, into_id: int) -> None:
        """Help Scout merge: the old conversation's threads move over, the old id answers 301."""
        with self.lock:
            old, into = self.conversations.pop(old_id), self.conversations[into_id]
            into.threads.extend(old.threads)
            when = self._tick(into)
            action = {
                "type": "merged",
                "text": f"Merged with #{old.number}",
                "associatedEntities": {"conversation": old_id},
            }
            into.threads.append(
                {
                    "id": next(self.thread_ids),
                    "type": "lineitem",
                    "state": "published",
                    "action": action,
                    "createdAt": iso(when),
                    "createdBy": dict(self._person(7), type="user"),
                }
            )
            self.merged[old_id] = into_id
            for source, target in list(self.merged.items()):
                if target == old_id:
                    self.merged[source] = into_id

    def _tick(self, conv: Conversation) -> datetime:
        """A change time strictly after the conversation's last one (seconds resolution)."""
        now = max(self.clock(), conv.modified + timedelta(seconds=1))
        conv.modified = now
        self.version += 1
        return now

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def upstream(self, conv_id: int) -> dict[str, Any]:
        with self.lock:
            conv = self.conversations[conv_id]
            return {
                "status": conv.status,
                "tags": list(conv.tags),
                "assignee": self.users[conv.assignee]["email"] if conv.assignee else "",
                "replies": [t["body"] for t in conv.threads if t["type"] == "reply"],
                "notes": [t["body"] for t in conv.threads if t["type"] == "note"],
                "threads": len(conv.threads),
            }

    def seed_demo(self) -> None:
        """Conversations to try the connector on: every status, a merge, nulls, an unknown status."""
        now, day = self.clock(), timedelta(days=1)
        refund = [("customer", "<p>Hi, I was charged twice.</p>"), ("reply", "<p>Sorry! Looking into it.</p>")]
        refund += [("note", "Check Stripe"), ("customer", "<p>Any news?</p>")]
        self.add_conversation(
            "Refund for order #1234", "carol@customer.example", refund, at=now - 3 * day, tags=["billing"]
        )
        login = [("customer", "Password reset mail never arrives.")]
        self.add_conversation("Cannot log in", "dan@customer.example", login, status="pending", at=now - 2 * day)
        old = self.add_conversation(
            "Invoice copy", "erin@customer.example", [("customer", "May invoice?")], at=now - 2 * day
        )
        keep = self.add_conversation(
            "Invoice copy (again)", "erin@customer.example", [("customer", "And April.")], at=now - day
        )
        self.merge(old, keep)
        odd = [("customer", "Custom workflow status.")]
        odd_id = self.add_conversation("Escalated", "finn@customer.example", odd, status="escalated", at=now - day / 4)
        self.conversations[odd_id].nulls = True
        done = [("customer", "Thanks!"), ("reply", "You're welcome.")]
        self.add_conversation("Closed long ago", "gia@customer.example", done, status="closed", at=now - 40 * day)
        self.add_conversation("Spam", "spam@spam.example", [("customer", "Buy now")], status="spam", at=now - day / 8)

    # ------------------------------------------------------------------ JSON shapes
    def conversation_json(self, conv: Conversation, base: str, embed: bool = False) -> dict[str, Any]:
        published = [t for t in conv.threads if t["type"] != "lineitem" and t.get("state") == "published"]
        newest = sorted(conv.threads, key=lambda t: (t["createdAt"], t["id"]), reverse=True)
        last_customer = max(
            (t["createdAt"] for t in conv.threads if t["type"] == "customer"), default=iso(conv.created)
        )
        body: dict[str, Any] = {
            "id": conv.id,
            "number": conv.number,
            "threads": len(published),
            "type": conv.type,
            "folderId": 1,
            "status": conv.status,
            "state": "published",
            "subject": None if conv.nulls else conv.subject,
            "preview": (newest[0].get("body") or "")[:185] if newest else "",
            "mailboxId": conv.mailbox,
            "createdBy": dict(conv.customer, type="customer"),
            "createdAt": iso(conv.created),
            "closedAt": iso(conv.closed) if conv.closed else None,
            "userUpdatedAt": None if conv.nulls else iso(conv.modified),
            "customerWaitingSince": {"time": last_customer, "friendly": "", "latestReplyFrom": "customer"},
            "source": {"type": "email", "via": "customer"},
            "tags": [{"id": abs(hash(t)) % 10000, "color": "#929499", "tag": t} for t in conv.tags],
            "cc": [],
            "bcc": [],
            "primaryCustomer": None if conv.nulls else dict(conv.customer, type="customer"),
            "customFields": [],
            "_links": {
                "self": {"href": f"{base}/v2/conversations/{conv.id}"},
                "threads": {"href": f"{base}/v2/conversations/{conv.id}/threads/"},
            },
        }
        if conv.assignee:
            body["assignee"] = dict(self._person(conv.assignee), type="user")
        if embed:
            shown = newest if conv.type != "chat" else [dict(t, body=(t.get("body") or "")[:50]) for t in newest]
            body["_embedded"] = {"threads": shown[: self.embed_cap]}
        return body

    # ------------------------------------------------------------------ routes
    def credits(self, req: Request) -> int:
        return 2 if req.method in ("POST", "PUT", "PATCH", "DELETE") else 1

    def throttled_reply(self, retry_after: str) -> Reply:
        reply = vnd_error(429, "Rate limit exceeded")
        reply.headers[self.rate_headers[2]] = retry_after
        return reply

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Server:
        return _no_nagle(super().serve(port, host))

    def route(self, req: Request) -> Reply:
        if req.method == "POST" and req.path == "/v2/oauth2/token":
            return self.token(req)
        user = self.authenticate(req)
        if user is None:
            return vnd_error(401, "Unauthorized: invalid or expired access token")
        parts = req.path.strip("/").split("/")
        with self.lock:
            if parts[:2] == ["v2", "conversations"] and len(parts) == 2 and req.method == "GET":
                return self.list_conversations(req)
            if parts[:2] == ["v2", "users"]:
                return self.list_users(req, user)
            if parts[:2] != ["v2", "conversations"] or len(parts) < 3 or not parts[2].isdigit():
                return vnd_error(404, f"Resource not found: {req.path}")
            conv_id = int(parts[2])
            if conv_id in self.merged:
                moved = f"{req.base}/v2/conversations/{self.merged[conv_id]}" + "".join(f"/{p}" for p in parts[3:])
                return Reply(301, b"", headers={"Location": moved})
            conv = self.conversations.get(conv_id)
            if conv is None:
                return vnd_error(404, f"Conversation {conv_id} not found")
            return self.conversation_route(req, conv, parts[3:], user)

    def conversation_route(self, req: Request, conv: Conversation, rest: list[str], user: int) -> Reply:
        if not rest and req.method == "GET":
            return Reply(
                200,
                self.conversation_json(conv, req.base, req.arg("embed") == "threads"),
                content_type="application/hal+json",
            )
        if not rest and req.method == "PATCH":
            return self.patch(req, conv)
        if rest == ["threads"] and req.method == "GET":
            return self.list_threads(req, conv)
        if rest in (["reply"], ["notes"]) and req.method == "POST":
            return self.create_thread(req, conv, "reply" if rest == ["reply"] else "note", user)
        if rest == ["tags"] and req.method == "PUT":
            tags = (req.json() or {}).get("tags")
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                return bad_request("tags", "must be a list of strings", tags)
            conv.tags = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
            self._tick(conv)
            return Reply(204, b"")
        return vnd_error(405 if not rest else 404, f"No route for {req.method} {req.path}")

    def token(self, req: Request) -> Reply:
        data = req.form() or req.json() or {}
        if data.get("grant_type") != "client_credentials" or self.secrets.get(str(data.get("client_id"))) != data.get(
            "client_secret"
        ):
            return Reply(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = (time.monotonic() + TOKEN_LIFETIME, 7)
        return Reply(200, {"token_type": "bearer", "access_token": token, "expires_in": TOKEN_LIFETIME})

    def authenticate(self, req: Request) -> int | None:
        header = req.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        with self.lock:
            entry = self.tokens.get(header[7:].strip())
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def list_conversations(self, req: Request) -> Reply:
        status = req.arg("status") or "active"
        mailboxes = {int(m) for m in (req.arg("mailbox") or "").split(",") if m.strip().isdigit()}
        since = parse_iso(req.arg("modifiedSince"))
        if req.arg("modifiedSince") and since is None:
            return bad_request("modifiedSince", "must be an ISO 8601 date", req.arg("modifiedSince"), "QUERY")
        field_name, order = req.arg("sortField") or "createdAt", req.arg("sortOrder") or "desc"
        query = (status, tuple(sorted(mailboxes)), since, field_name, order, self.version)
        if self._listing[0] != query:  # paging through one query sorts once
            wanted = {"all": None, "open": {"active", "pending"}}.get(status, {status})
            convs = [
                c
                for c in self.conversations.values()
                if (wanted is None or c.status in wanted)
                and (not mailboxes or c.mailbox in mailboxes)
                and (since is None or c.modified >= since)
            ]
            key = {"modifiedAt": lambda c: (c.modified, c.id), "number": lambda c: (c.number, c.id)}.get(
                field_name, lambda c: (c.created, c.id)
            )
            self._listing = (query, sorted(convs, key=key, reverse=order == "desc"))
        convs = self._listing[1]
        page = max(int(req.arg("page") or 1), 1)
        chunk = convs[(page - 1) * self.page_size : page * self.page_size]
        embed = req.arg("embed") == "threads"
        return Reply(
            200,
            self.hal(
                "conversations",
                [self.conversation_json(c, req.base, embed) for c in chunk],
                req,
                page,
                len(convs),
                self.page_size,
            ),
            content_type="application/hal+json",
        )

    def list_threads(self, req: Request, conv: Conversation) -> Reply:
        newest = sorted(conv.threads, key=lambda t: (t["createdAt"], t["id"]), reverse=True)
        page = max(int(req.arg("page") or 1), 1)
        chunk = newest[(page - 1) * THREAD_PAGE_SIZE : page * THREAD_PAGE_SIZE]
        return Reply(
            200,
            self.hal("threads", chunk, req, page, len(newest), THREAD_PAGE_SIZE),
            content_type="application/hal+json",
        )

    def hal(self, name: str, items: list[Any], req: Request, page: int, total: int, size: int) -> dict[str, Any]:
        pages = max((total + size - 1) // size, 1) if total else 0
        query = {k: v[-1] for k, v in req.query.items() if k != "page"}

        def link(number: int) -> dict[str, str]:
            return {"href": f"{req.base}{req.path}?{urlencode({**query, 'page': number})}"}

        links = {
            "self": link(page),
            "first": link(1),
            "last": link(max(pages, 1)),
            "page": {"href": f"{req.base}{req.path}?page={{page}}", "templated": True},
        }
        if page < pages:
            links["next"] = link(page + 1)
        if page > 1:
            links["previous"] = link(page - 1)
        return {
            "_embedded": {name: items},
            "_links": links,
            "page": {"size": size, "totalElements": total, "totalPages": pages, "number": page},
        }

    def create_thread(self, req: Request, conv: Conversation, kind: str, user: int) -> Reply:
        data = req.json()
        if not isinstance(data, dict):
            return bad_request("", "body must be a JSON object")
        errors = []
        if not str(data.get("text") or "").strip():
            errors.append(("text", "may not be empty", data.get("text")))
        if kind == "reply" and not isinstance(data.get("customer"), dict):
            errors.append(("customer", "may not be null", None))
        author = data.get("user", user)
        if author not in self.users:
            errors.append(("user", "user not found", author))
        if errors:
            listed = [{"path": p, "message": m, "rejectedValue": v, "source": "JSON"} for p, m, v in errors]
            return vnd_error(400, "Bad request", listed)
        thread = self._thread(conv, kind, str(data["text"]), self._tick(conv), user=author)
        if kind == "reply":
            conv.status = str(data.get("status") or "active")
        where = f"{req.base}/v2/conversations/{conv.id}/threads/{thread['id']}"
        return Reply(201, b"", headers={"Resource-ID": str(thread["id"]), "Location": where})

    def patch(self, req: Request, conv: Conversation) -> Reply:
        ops = req.json()
        for op in ops if isinstance(ops, list) else [ops]:
            if not isinstance(op, dict):
                return bad_request("", "not a JSON-Patch operation", op)
            kind, path, value = op.get("op"), op.get("path"), op.get("value")
            if kind == "replace" and path == "/status" and value in ("active", "pending", "closed", "spam"):
                conv.status = value
                conv.closed = self.clock() if value == "closed" else None
            elif kind == "replace" and path == "/assignTo" and value in self.users:
                conv.assignee = value
            elif kind == "remove" and path == "/assignTo":
                conv.assignee = None
            elif kind == "replace" and path == "/subject" and isinstance(value, str):
                conv.subject = value
            else:
                return bad_request(str(path), "invalid operation or value", value)
        self._tick(conv)
        return Reply(204, b"")

    def list_users(self, req: Request, user: int) -> Reply:
        if req.path.rstrip("/") == "/v2/users/me":
            return Reply(200, self.users[user], content_type="application/hal+json")
        email = (req.arg("email") or "").lower()
        users = [u for u in self.users.values() if not email or u["email"] == email]
        return Reply(200, self.hal("users", users, req, 1, len(users), 50), content_type="application/hal+json")


def _no_nagle(server: Server) -> Server:
    """Headers and body leave in two writes; with Nagle on, each answer then waits for the
    client's delayed ACK (~40 ms), which would make every benchmark measure the kernel."""
    server.httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    return server


def demo(args: argparse.Namespace) -> HelpScoutState:
    state = HelpScoutState()
    state.seed_demo()
    return state


if __name__ == "__main__":
    run_cli(
        demo,
        __doc__.splitlines()[0],
        banner=lambda app, server: (
            f"Help Scout contract server on {server.url}  (mailbox 1, client_id {CLIENT_ID!r}, "
            f"client secret {CLIENT_SECRET!r})"
        ),
    )
