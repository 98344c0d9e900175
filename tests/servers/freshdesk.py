"""A Freshdesk API v2 contract server: documented JSON, in-memory state, 127.0.0.1.

Start by hand to try the connector without an account::

    python -m tests.servers.freshdesk --port 8767

then configure an account with ``url = "http://127.0.0.1:8767"`` and the API key
``demo-key`` (printed at start) as its ``token`` secret.

What it speaks (see ``/work/shared/reference/connector-apis.md`` §4): HTTP Basic
``API_KEY:X``; ``GET /api/v2/tickets`` with ``updated_since`` (inclusive: the boundary
ticket comes back twice), ``order_by``/``order_type``, ``per_page`` ≤ 100, ``include=
description,requester`` (+2 credits each), **only tickets created in the last 30 days when
no ``updated_since`` is given**, a ``Link: <…>; rel="next"`` header and a **page cap**
(300; configurable, page > cap → 400); ``GET /api/v2/tickets/{id}`` and ``…/conversations``
(ascending, paginated); ``POST …/reply`` and ``…/notes``; ``PUT /api/v2/tickets/{id}``
(``status``, ``responder_id``, ``tags`` which replaces the list); ``GET /api/v2/agents``.
Errors: ``{"description":"Validation failed","errors":[{field,message,code}]}`` or
``{"code","message"}``. Rate limit: ``X-RateLimit-Total/-Remaining/-Used-CurrentRequest``,
429 + ``Retry-After``.
"""

from __future__ import annotations

import argparse
import base64
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from tests.servers._base import Reply, Request, Server, VendorApp, iso, parse_iso, run_cli

API_KEY = "demo-key"
PAGE_CAP = 300
DEFAULT_WINDOW = timedelta(days=30)
SOURCE_REPLY, SOURCE_NOTE = 0, 2


def validation(*errors: tuple[str, str, str]) -> Reply:
    return Reply(
        400,
        {"description": "Validation failed", "errors": [{"field": f, "message": m, "code": c} for f, m, c in errors]},
    )


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message})


@dataclass
class Ticket:
    id: int
    subject: str | None
    description: str | None
    requester: int
    status: Any
    created: datetime
    updated: datetime
    priority: int = 1
    responder: int | None = None
    group: int | None = None
    tags: list[str] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)


class FreshdeskState(VendorApp):
    rate_headers = ("X-RateLimit-Total", "X-RateLimit-Remaining", "Retry-After")
    used_header = "X-RateLimit-Used-CurrentRequest"
    vendor = "Freshdesk"
    default_rate_limit = 700

    def __init__(self, *, rate_limit: int | None = None, rate_window: float = 60.0, page_cap: int = PAGE_CAP) -> None:
        super().__init__(rate_limit=rate_limit, rate_window=rate_window)
        self.page_cap = page_cap
        self.api_keys = {API_KEY: 7}
        self.agents = {
            7: {
                "id": 7,
                "available": True,
                "occasional": False,
                "contact": {"name": "Ada Agent", "email": "ada@acme.example"},
            },
            8: {
                "id": 8,
                "available": True,
                "occasional": False,
                "contact": {"name": "Bo Backup", "email": "bo@acme.example"},
            },
        }
        self.contacts: dict[str, dict[str, Any]] = {}
        self.tickets: dict[int, Ticket] = {}
        self.ids = itertools.count(1)
        self.conv_ids = itertools.count(9_000_001)
        self.support_email = "support@acme.example"
        self.clock = lambda: datetime.now(timezone.utc).replace(microsecond=0)
        self.version = 0
        """Bumped on every change; a listing is sorted once per query and version."""
        self._listing: tuple[Any, list[Ticket]] = (None, [])
        self.on_request = None

    # ------------------------------------------------------------------ seeding (tests)
    def contact(self, email: str, name: str = "") -> dict[str, Any]:
        if email not in self.contacts:
            self.contacts[email] = {
                "id": 5000 + len(self.contacts),
                "name": name or email.split("@")[0].title(),
                "email": email,
                "mobile": None,
                "phone": None,
            }
        return self.contacts[email]

    def add_ticket(
        self,
        subject: str,
        customer: str,
        description: str = "",
        conversations: list[tuple[str, str]] | None = None,
        *,
        status: Any = 2,
        tags: list[str] | None = None,
        at: datetime | None = None,
        step: timedelta = timedelta(minutes=1),
    ) -> int:
        """``conversations``: ``("incoming"|"reply"|"note", text)`` oldest first."""
        with self.lock:
            start = at or self.clock() - step * (len(conversations or ()) + 1)
            ticket = Ticket(
                next(self.ids),
                subject,
                description or f"About {subject}",
                self.contact(customer)["id"],
                status,
                start,
                start,
                tags=list(tags or []),
            )
            self.tickets[ticket.id] = ticket
            self.version += 1
            for index, (kind, text) in enumerate(conversations or ()):
                self._conversation(ticket, kind, text, start + step * (index + 1))
            return ticket.id

    def _conversation(
        self, ticket: Ticket, kind: str, text: str, when: datetime, user: int = 7, private: bool | None = None
    ) -> dict[str, Any]:
        incoming = kind == "incoming"
        conv = {
            "id": next(self.conv_ids),
            "body": f"<div>{text}</div>",
            "body_text": text,
            "incoming": incoming,
            "private": (kind == "note") if private is None else private,
            "user_id": ticket.requester if incoming else user,
            "support_email": self.support_email,
            "source": SOURCE_NOTE if kind == "note" else SOURCE_REPLY,
            "category": 2,
            "to_emails": [self._requester(ticket)["email"]] if kind == "reply" else [],
            "from_email": None if incoming or kind == "note" else f'"Acme Support" <{self.support_email}>',
            "cc_emails": [],
            "bcc_emails": None,
            "attachments": [],
            "ticket_id": ticket.id,
            "created_at": iso(when),
            "updated_at": iso(when),
        }
        ticket.conversations.append(conv)
        ticket.updated = max(ticket.updated, when)
        return conv

    def _requester(self, ticket: Ticket) -> dict[str, Any]:
        return next(c for c in self.contacts.values() if c["id"] == ticket.requester)

    def _tick(self, ticket: Ticket) -> datetime:
        now = max(self.clock(), ticket.updated + timedelta(seconds=1))
        ticket.updated = now
        self.version += 1
        return now

    def customer_writes(self, ticket_id: int, text: str) -> int:
        with self.lock:
            ticket = self.tickets[ticket_id]
            conv = self._conversation(ticket, "incoming", text, self._tick(ticket))
            ticket.status = 2
            return conv["id"]

    def agent_tags(self, ticket_id: int, tags: list[str]) -> None:
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.tags = list(tags)
            self._tick(ticket)

    def upstream(self, ticket_id: int) -> dict[str, Any]:
        with self.lock:
            t = self.tickets[ticket_id]
            return {
                "status": t.status,
                "tags": list(t.tags),
                "assignee": self.agents[t.responder]["contact"]["email"] if t.responder else "",
                "replies": [c["body_text"] for c in t.conversations if not c["incoming"] and not c["private"]],
                "notes": [c["body_text"] for c in t.conversations if c["private"]],
                "conversations": len(t.conversations),
            }

    def seed_demo(self) -> None:
        now = self.clock()
        self.add_ticket(
            "Refund for order #1234",
            "carol@customer.example",
            "Hi, I was charged twice.",
            [("reply", "Sorry! Looking into it."), ("note", "Check Stripe"), ("incoming", "Any news?")],
            at=now - timedelta(days=3),
            tags=["billing"],
        )
        self.add_ticket(
            "Cannot log in",
            "dan@customer.example",
            "Password reset mail never arrives.",
            status=3,
            at=now - timedelta(days=2),
        )
        self.add_ticket(
            "Old but updated",
            "erin@customer.example",
            "From last quarter.",
            [("incoming", "Still broken!")],
            at=now - timedelta(days=90),
        )
        self.tickets[3].updated = now - timedelta(hours=1)
        self.version += 1
        self.add_ticket(
            "Custom status", "finn@customer.example", "Waiting on a third party.", status=7, at=now - timedelta(hours=5)
        )
        odd = self.add_ticket("Nulls", "gia@customer.example", "x", status=2, at=now - timedelta(hours=4))
        self.tickets[odd].description = None
        self.tickets[odd].subject = None
        self.add_ticket(
            "Resolved",
            "hal@customer.example",
            "Thanks!",
            [("reply", "You're welcome.")],
            status=4,
            at=now - timedelta(days=1),
        )

    # ------------------------------------------------------------------ JSON shapes
    def ticket_json(self, t: Ticket, include: set[str], detail: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": t.id,
            "subject": t.subject,
            "status": t.status,
            "priority": t.priority,
            "source": 1,
            "type": None,
            "requester_id": t.requester,
            "responder_id": t.responder,
            "group_id": t.group,
            "company_id": None,
            "tags": list(t.tags),
            "cc_emails": [],
            "fwd_emails": [],
            "reply_cc_emails": [],
            "to_emails": None,
            "fr_escalated": False,
            "spam": False,
            "is_escalated": False,
            "custom_fields": {},
            "due_by": iso(t.created + timedelta(days=3)),
            "fr_due_by": iso(t.created + timedelta(days=1)),
            "created_at": iso(t.created),
            "updated_at": iso(t.updated),
        }
        if detail or "description" in include:
            body["description"] = None if t.description is None else f"<div>{t.description}</div>"
            body["description_text"] = t.description
            body["attachments"] = []
        if "requester" in include:
            body["requester"] = {k: v for k, v in self._requester(t).items()}
        return body

    # ------------------------------------------------------------------ routes
    def throttled_reply(self, retry_after: str) -> Reply:
        return Reply(
            429,
            {"code": "rate_limit_exceeded", "message": "You have exceeded the limit of requests per minute"},
            headers={"Retry-After": retry_after},
        )

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Server:
        server = super().serve(port, host)
        server.httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return server

    def credits(self, req: Request) -> int:
        return 1 + 2 * len([i for i in (req.arg("include") or "").split(",") if i])

    def route(self, req: Request) -> Reply:
        agent = self.authenticate(req)
        if agent is None:
            return error(401, "invalid_credentials", "You have to be logged in to perform this action.")
        parts = req.path.strip("/").split("/")
        if parts[:2] != ["api", "v2"] or len(parts) < 3:
            return error(404, "resource_not_found", f"No route for {req.path}")
        with self.lock:
            if parts[2] == "agents":
                return self.list_agents(req, agent, parts[3:])
            if parts[2] != "tickets":
                return error(404, "resource_not_found", f"No route for {req.path}")
            if len(parts) == 3 and req.method == "GET":
                return self.list_tickets(req)
            if not parts[3].isdigit() or int(parts[3]) not in self.tickets:
                return error(404, "resource_not_found", "The requested resource was not found")
            ticket, rest = self.tickets[int(parts[3])], parts[4:]
            if not rest and req.method == "GET":
                return Reply(200, self.ticket_json(ticket, set((req.arg("include") or "").split(",")), detail=True))
            if not rest and req.method == "PUT":
                return self.update(req, ticket)
            if rest == ["conversations"] and req.method == "GET":
                return self.list_conversations(req, ticket)
            if rest in (["reply"], ["notes"]) and req.method == "POST":
                return self.create(req, ticket, agent, note=rest == ["notes"])
            return error(405, "method_not_allowed", f"{req.method} is not allowed on {req.path}")

    def authenticate(self, req: Request) -> int | None:
        header = req.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            key, _, _ = base64.b64decode(header[6:].strip()).decode().partition(":")
        except ValueError:
            return None
        return self.api_keys.get(key)

    def paging(self, req: Request, default: int = 30) -> tuple[int, int] | Reply:
        try:
            per_page, page = int(req.arg("per_page") or default), int(req.arg("page") or 1)
        except ValueError:
            return validation(("page", "It should be a Positive Number", "datatype_mismatch"))
        if per_page > 100 or per_page < 1:
            return validation(("per_page", "Has to be greater than 0 and less than or equal to 100", "invalid_value"))
        if page < 1:
            return validation(("page", "It should be a Positive Number", "invalid_value"))
        return per_page, page

    def page_reply(self, req: Request, items: list[Any], page: int, per_page: int, total: int) -> Reply:
        headers = {}
        if page * per_page < total:
            query = {k: v[-1] for k, v in req.query.items() if k != "page"}
            headers["Link"] = f'<{req.base}{req.path}?{urlencode({**query, "page": page + 1})}>; rel="next"'
        return Reply(200, items, headers=headers)

    def list_tickets(self, req: Request) -> Reply:
        paging = self.paging(req)
        if isinstance(paging, Reply):
            return paging
        per_page, page = paging
        if page > self.page_cap:
            return validation(("page", f"You cannot access a page beyond {self.page_cap}", "invalid_value"))
        raw_since = req.arg("updated_since")
        since = parse_iso(raw_since)
        if raw_since and since is None:
            return validation(("updated_since", "It should be in the 'valid date' format", "invalid_date"))
        order_by, order_type = req.arg("order_by") or "created_at", req.arg("order_type") or "desc"
        if order_by not in ("created_at", "due_by", "updated_at", "status") or order_type not in ("asc", "desc"):
            return validation(
                ("order_by", "It should be one of these values: 'created_at,due_by,updated_at,status'", "invalid_value")
            )
        query = (since, order_by, order_type, self.version)
        if self._listing[0] != query or since is None:  # paging through one query sorts once
            if since is not None:
                tickets = [t for t in self.tickets.values() if t.updated >= since]
            else:  # Freshdesk's default view: only tickets created in the last 30 days
                tickets = [t for t in self.tickets.values() if t.created >= self.clock() - DEFAULT_WINDOW]
            key = {"updated_at": lambda t: (t.updated, t.id), "status": lambda t: (str(t.status), t.id)}.get(
                order_by, lambda t: (t.created, t.id)
            )
            self._listing = (query, sorted(tickets, key=key, reverse=order_type == "desc"))
        tickets = self._listing[1]
        include = {i for i in (req.arg("include") or "").split(",") if i}
        if include - {"description", "requester", "stats", "company"}:
            return validation(
                ("include", "It should be one of these values: 'requester,stats,company,description'", "invalid_value")
            )
        chunk = tickets[(page - 1) * per_page : page * per_page]
        return self.page_reply(req, [self.ticket_json(t, include) for t in chunk], page, per_page, len(tickets))

    def list_conversations(self, req: Request, ticket: Ticket) -> Reply:
        paging = self.paging(req)
        if isinstance(paging, Reply):
            return paging
        per_page, page = paging
        convs = sorted(ticket.conversations, key=lambda c: (c["created_at"], c["id"]))
        return self.page_reply(req, convs[(page - 1) * per_page : page * per_page], page, per_page, len(convs))

    def create(self, req: Request, ticket: Ticket, agent: int, *, note: bool) -> Reply:
        data = req.json()
        if not isinstance(data, dict) or not str(data.get("body") or "").strip():
            return validation(("body", "It should not be blank as this is a mandatory field", "invalid_value"))
        user = data.get("user_id", agent)
        if user not in self.agents:
            return validation(("user_id", "There is no agent matching the given user_id", "invalid_value"))
        text = _strip_tags(str(data["body"]))
        private = bool(data.get("private", True)) if note else False
        conv = self._conversation(
            ticket, "note" if note else "reply", text, self._tick(ticket), user=user, private=private
        )
        conv["body"] = str(data["body"])
        return Reply(201, conv)

    def update(self, req: Request, ticket: Ticket) -> Reply:
        data = req.json()
        if not isinstance(data, dict) or not data:
            return validation(("", "Request body is empty or not a JSON object", "invalid_value"))
        unknown = set(data) - {"status", "responder_id", "tags", "priority", "group_id", "subject"}
        if unknown:
            return validation(
                *((name, "Unexpected/invalid field in request", "invalid_field") for name in sorted(unknown))
            )
        if "status" in data and data["status"] not in (2, 3, 4, 5, 6, 7):
            return validation(("status", "It should be one of these values: '2,3,4,5,6,7'", "invalid_value"))
        if "responder_id" in data and data["responder_id"] is not None and data["responder_id"] not in self.agents:
            return validation(("responder_id", "There is no agent matching the given responder_id", "invalid_value"))
        if "tags" in data and (not isinstance(data["tags"], list) or not all(isinstance(t, str) for t in data["tags"])):
            return validation(("tags", "It should be an Array of Strings", "datatype_mismatch"))
        for name, attr in (
            ("status", "status"),
            ("responder_id", "responder"),
            ("priority", "priority"),
            ("subject", "subject"),
            ("group_id", "group"),
        ):
            if name in data:
                setattr(ticket, attr, data[name])
        if "tags" in data:
            ticket.tags = list(dict.fromkeys(t.strip() for t in data["tags"] if t.strip()))
        self._tick(ticket)
        return Reply(200, self.ticket_json(ticket, set(), detail=True))

    def list_agents(self, req: Request, agent: int, rest: list[str]) -> Reply:
        if rest == ["me"]:
            return Reply(200, self.agents[agent])
        if rest and rest[0].isdigit():
            found = self.agents.get(int(rest[0]))
            return (
                Reply(200, found) if found else error(404, "resource_not_found", "The requested resource was not found")
            )
        email = (req.arg("email") or "").lower()
        agents = [a for a in self.agents.values() if not email or a["contact"]["email"] == email]
        paging = self.paging(req, 50)
        if isinstance(paging, Reply):
            return paging
        per_page, page = paging
        return self.page_reply(req, agents[(page - 1) * per_page : page * per_page], page, per_page, len(agents))


def _strip_tags(markup: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", markup))).strip()


def demo(args: argparse.Namespace) -> FreshdeskState:
    state = FreshdeskState(page_cap=args.page_cap)
    state.seed_demo()
    return state


if __name__ == "__main__":
    run_cli(
        demo,
        __doc__.splitlines()[0],
        extra=lambda parser: parser.add_argument("--page-cap", type=int, default=PAGE_CAP),
        banner=lambda app, server: f"Freshdesk contract server on {server.url}  (API key {API_KEY!r})",
    )
