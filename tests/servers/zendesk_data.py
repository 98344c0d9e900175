"""State of the Zendesk contract server: users, tickets and comments in memory, a server
clock tests can move on, and the back door that tests, benches and the demo seed through.
The HTTP side is ``tests.servers.zendesk``."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

ACCESS_TOKEN = "zd-access-token-7f3a9c"
REFRESH_TOKEN = "zd-refresh-token-51be20"
CLIENT_ID = "inbox_tui_test"
CLIENT_SECRET = "zd-client-secret-c0ffee"
API_TOKEN = "zd-api-token-0a1b2c3d"
AGENT_EMAIL = "alex@support.example"
AGENT_ID = 1000
OTHER_AGENT_EMAIL = "sam@support.example"
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


def stamp(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    id: int
    name: str
    email: str
    role: str = "end-user"

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "email": self.email, "role": self.role, "active": True}


@dataclass
class Ticket:
    id: int
    subject: Any
    requester_id: int | None
    status: Any
    created: float
    updated: float
    generated: float
    tags: list[str] = field(default_factory=list)
    assignee_id: int | None = None
    group_id: int | None = 1
    priority: str | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)

    def json(self, base: str) -> dict[str, Any]:
        first = self.comments[0]["body"] if self.comments else ""
        return {
            "id": self.id,
            "url": f"{base}/api/v2/tickets/{self.id}.json",
            "subject": self.subject,
            "raw_subject": self.subject,
            "description": first,
            "status": self.status,
            "priority": self.priority,
            "type": None,
            "requester_id": self.requester_id,
            "submitter_id": self.requester_id,
            "assignee_id": self.assignee_id,
            "group_id": self.group_id,
            "tags": None if self.tags is None else list(self.tags),
            "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": stamp(self.created),
            "updated_at": stamp(self.updated),
            "generated_timestamp": int(self.generated),
        }

class ZendeskData:
    """Mixed into ``ZendeskState`` (a ``VendorApp``, which provides ``self.lock``)."""

    def _init_data(self) -> None:
        self.offset = 0.0
        self.admin = True
        self.exclude_recent = 60.0
        self.repeat_boundary = True
        self.search_lag = 0.0
        self.access_tokens = {ACCESS_TOKEN}
        self.refresh_tokens = {REFRESH_TOKEN}
        self.api_tokens = {(AGENT_EMAIL, API_TOKEN)}
        self.users: dict[int, User] = {}
        self.tickets: dict[int, Ticket] = {}
        self._ids = {"ticket": 0, "comment": 10_000_000, "user": 5000, "audit": 1}
        self._id_lock = threading.Lock()
        self.users[AGENT_ID] = User(AGENT_ID, "Alex Agent", AGENT_EMAIL, "admin")
        self.users[AGENT_ID + 1] = User(AGENT_ID + 1, "Sam Support", OTHER_AGENT_EMAIL, "agent")

    # ------------------------------------------------------------------ clock and ids
    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the server clock on (the export holds back the last minute)."""
        with self.lock:
            self.offset += seconds

    def _next(self, kind: str) -> int:
        with self._id_lock:
            self._ids[kind] += 1
            return self._ids[kind]

    # ------------------------------------------------------------------ back door
    def user_for(self, email: str, name: str = "", role: str = "end-user") -> int:
        with self.lock:
            for user in self.users.values():
                if user.email.casefold() == email.casefold():
                    return user.id
            user = User(self._next("user"), name or email.split("@")[0].title(), email, role)
            self.users[user.id] = user
            return user.id

    def create_ticket(
        self,
        requester_email: str,
        subject: Any,
        body: str,
        *,
        status: Any = "new",
        at: float | None = None,
        tags: list[str] | None = None,
        name: str = "",
    ) -> int:
        requester = self.user_for(requester_email, name)
        with self.lock:
            moment = self.now() if at is None else at
            ticket = Ticket(self._next("ticket"), subject, requester, status, moment, moment, moment, list(tags or []))
            self.tickets[ticket.id] = ticket
            self._comment(ticket, requester, body, True, moment)
            return ticket.id

    def add_comment(
        self, ticket_id: int, author_id: int, body: str, *, public: bool = True, at: float | None = None
    ) -> int:
        with self.lock:
            ticket = self.tickets[int(ticket_id)]
            moment = self.now() if at is None else at
            comment = self._comment(ticket, author_id, body, public, moment)
            if self.users[author_id].role == "end-user" and ticket.status in ("pending", "hold", "solved"):
                ticket.status = "open"
            self._touch(ticket, moment)
            return comment["id"]

    def customer_writes(self, ticket_id: int, body: str) -> int:
        ticket = self.tickets[int(ticket_id)]
        return self.add_comment(ticket.id, ticket.requester_id or AGENT_ID, body)

    def set_fields(self, ticket_id: int, **fields: Any) -> None:
        with self.lock:
            ticket = self.tickets[int(ticket_id)]
            for name, value in fields.items():
                setattr(ticket, name, value)
            self._touch(ticket, self.now())

    def merge(self, sources: list[int], target: int) -> None:
        with self.lock:
            into = self.tickets[target]
            for source_id in sources:
                source = self.tickets[source_id]
                self._comment(
                    source,
                    AGENT_ID,
                    f'This request was closed and merged into request #{target} "{into.subject}".',
                    False,
                    self.now(),
                )
                source.status = "closed"
                source.tags = sorted({*source.tags, "closed_by_merge"})
                self._touch(source, self.now())
                last = source.comments[-2]["body"] if len(source.comments) > 1 else ""
                self._comment(
                    into,
                    AGENT_ID,
                    f'Request #{source_id} "{source.subject}" was closed and merged into this request. Last comment in request #{source_id}:\n\n{last}',
                    False,
                    self.now(),
                )
            self._touch(into, self.now())

    def bulk_seed(self, tickets: int, messages: int = 5, *, start: float | None = None) -> None:
        """``tickets`` tickets of ``messages`` comments each, alternating customer and agent,
        spread over the past (older than the export's held-back minute)."""
        with self.lock:
            begin = (self.now() - 86400) if start is None else start
            customers = [
                self.user_for(f"customer{n}@example.org", f"Customer {n}") for n in range(max(1, tickets // 10))
            ]
            for n in range(tickets):
                moment = begin + n * 0.5
                requester = customers[n % len(customers)]
                ticket = Ticket(self._next("ticket"), f"Bulk ticket {n}", requester, "open", moment, moment, moment)
                for m in range(messages):
                    author = requester if m % 2 == 0 else AGENT_ID
                    self._comment(
                        ticket,
                        author,
                        f"Message {m} of ticket {n}. " + "Lorem ipsum dolor sit amet. " * 8,
                        True,
                        moment + m * 0.01,
                    )
                ticket.updated = ticket.generated = moment + messages * 0.01
                self.tickets[ticket.id] = ticket

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def _comment(self, ticket: Ticket, author_id: int, body: str, public: bool, moment: float) -> dict[str, Any]:
        comment = {
            "id": self._next("comment"),
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "html_body": f'<div class="zd-comment"><p>{body}</p></div>',
            "plain_body": body,
            "public": public,
            "attachments": [],
            "audit_id": self._next("audit"),
            "via": {"channel": "api" if author_id == AGENT_ID else "email"},
            "metadata": {"system": {}},
            "created_at": stamp(moment),
        }
        ticket.comments.append(comment)
        return comment

    def _touch(self, ticket: Ticket, moment: float) -> None:
        """Every change moves ``updated_at`` on by at least a second, so two changes in
        one second still differ (Zendesk's stamps have whole seconds): the server clock
        jumps ahead when needed, so no stamp is ever in the server's future."""
        if moment < ticket.updated + 1:
            gap = ticket.updated + 1 - moment
            if moment >= self.now() - 1:
                self.offset += gap
            moment += gap
        ticket.updated = moment
        ticket.generated = max(moment, ticket.generated)
    # ------------------------------------------------------------------ demo
    def seed_demo(self) -> None:
        day = 86400
        t0 = self.now() - 3 * day
        a = self.create_ticket(
            "jane@example.org",
            "Cannot log in after password reset",
            "Hi, I reset my password and now the login page just spins.",
            at=t0,
            name="Jane Doe",
        )
        self.add_comment(a, AGENT_ID, "Sorry about that! Could you try a private window?", at=t0 + 3600)
        self.customer_writes(a, "Private window works. Normal one still spins.")
        b = self.create_ticket(
            "omar@example.org",
            "Invoice #4411 charged twice",
            "My card was charged twice for invoice 4411.",
            at=t0 + day,
            name="Omar Haddad",
            tags=["billing"],
        )
        self.add_comment(b, AGENT_ID, "Checking with finance; refund likely.", public=False, at=t0 + day + 600)
        self.set_fields(b, status="pending")
        c = self.create_ticket(
            "li@example.org",
            "Feature request: dark mode",
            "Any plans for a dark theme?",
            at=t0 + 2 * day,
            name="Li Wei",
        )
        self.set_fields(c, status="solved")
        d = self.create_ticket(
            "jane@example.org",
            "Login still broken",
            "Still cannot log in (sorry for the new ticket).",
            at=t0 + 2 * day + 100,
            name="Jane Doe",
        )
        self.merge([d], a)
        self.create_ticket(
            "mystery@example.org",
            "Odd status",
            "This one has a custom status.",
            status="awaiting_vendor",
            at=t0 + 2 * day + 200,
        )
