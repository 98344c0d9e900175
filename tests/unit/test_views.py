"""Views: the defaults, [[views]] from the config (gh-dash style sections), counts that
agree with the queues, searches inside a view, and config errors with file:line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from inbox_tui import paths
from inbox_tui.config import load
from inbox_tui.errors import ConfigError
from inbox_tui.model import Address, Direction, Message, PullBatch, Status, utcnow
from inbox_tui.service import InboxService, ViewSpec
from inbox_tui.store import Store
from inbox_tui.triage.query import QueryError
from inbox_tui.triage.views import slug

US = Address("help@shop.example", "Shop")
CONFIG = """\
[app]
agent_name = "Sam"
agent_email = "sam@shop.example"

[accounts.mail]
connector = "maildir"
path = "/nonexistent"
from = "Shop <help@shop.example>"

[[views]]
title = "Billing – refunds"
query = "tag:refund -status:closed"
sort = "waiting"

[[views]]
key = "unanswered"
title = "Needs an answer"
query = "is:unanswered -status:closed -is:snoozed"
limit = 2

[[views]]
key = "mine"
hidden = true
"""


@pytest.fixture
def closing_logs() -> Iterator[None]:
    """``inbox`` logs to a file in the home: close it when a test that ran the CLI ends."""
    yield
    for handler in logging.getLogger().handlers:
        handler.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[InboxService]:
    paths.set_home(tmp_path)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    store = Store(paths.db_path())
    store.ensure_account("mail", "maildir", US.email)
    now = utcnow()
    messages = []
    for n, (who, subject, hours) in enumerate(
        [("ann", "Refund please", 5), ("bob", "Late parcel", 30), ("cyd", "Sizes", 2), ("dan", "Refund again", 1)], start=1
    ):
        sender = Address(f"{who}@example.com", who.title())
        messages.append(Message(
            remote_id=f"INBOX/{n}", direction=Direction.IN, sender=sender, to=(US,), date=now - timedelta(hours=hours),
            subject=subject, body_text=f"{subject} from {who}", message_id=f"v{n}@example.com",
        ))  # fmt: skip
    store.apply_batch("mail", PullBatch(messages=messages))
    svc = InboxService(store, load(tmp_path / "config.toml"), {"mail": frozenset({"reply", "read"})})
    svc.refresh_clocks()
    yield svc
    paths.set_home(None)


def subjects(service: InboxService, view: str, search: str | None = None) -> list[str]:
    return [r.subject for r in service.rows(service.queue_ids(view, search))]


def conv(service: InboxService, subject: str) -> int:
    return next(r.id for r in service.rows(service.queue_ids("open")) if r.subject == subject)


def test_defaults_and_user_views_in_order_with_stable_keys(service: InboxService) -> None:
    views = service.views()
    assert all(isinstance(v, ViewSpec) for v in views)
    assert [v.key for v in views] == [
        "urgent", "unanswered", "waiting", "snoozed", "breaching", "open", "closed", "billing-refunds",
    ]  # fmt: skip
    assert views[1].title == "Needs an answer" and views[1].limit == 2
    assert slug("Black Friday – orders!") == "black-friday-orders"


def test_counts_agree_with_the_queues(service: InboxService) -> None:
    for cid in (conv(service, "Refund please"), conv(service, "Refund again")):
        service.set_tags(cid, add=["refund"])
    service.set_status(conv(service, "Sizes"), Status.CLOSED)
    counts = service.view_counts()
    for view in service.views():
        assert counts[view.key] == len(service.queue_ids(view.key)), view.key
    assert counts["unanswered"] == 2  # the limit
    assert counts["closed"] == 1 and counts["open"] == 3
    assert subjects(service, "billing-refunds") == ["Refund please", "Refund again"]  # sort = waiting: oldest first


def test_search_narrows_a_view_and_its_counts(service: InboxService) -> None:
    assert sorted(subjects(service, "open", "refund")) == ["Refund again", "Refund please"]
    counts = service.view_counts("refund")
    assert counts["open"] == 2 and counts["closed"] == 0
    assert subjects(service, "open", "from:bob") == ["Late parcel"]
    with pytest.raises(QueryError):
        service.queue_ids("open", "from:")
    with pytest.raises(KeyError):
        service.queue_ids("nope")


def test_the_queue_is_in_triage_order(service: InboxService) -> None:
    assert subjects(service, "open")[0] == "Late parcel"  # 30h: first reply overdue
    assert subjects(service, "breaching") == ["Late parcel"]


def test_a_rule_can_route_into_a_user_view(service: InboxService) -> None:
    cid = conv(service, "Sizes")
    service.store.set_routed_view(cid, "billing-refunds")
    assert "Sizes" in subjects(service, "billing-refunds")
    assert service.view_counts()["billing-refunds"] == 1


@pytest.mark.parametrize(
    ("bad", "good", "line", "reason"),
    [
        ('query = "tag:refund -status:closed"', 'query = "tag:refund (-status:closed"', 12, "query column 27: expected ')' to close '(' at column 12"),
        ('sort = "waiting"', 'sort = "sideways"', 13, "sort must be one of"),
        ("limit = 2", "limit = -1", 19, "limit must be a positive number"),
        ('title = "Needs an answer"', 'titel = "Needs an answer"', 17, "unknown key 'titel'"),
    ],
)
def test_config_errors_name_the_line(tmp_path: Path, bad: str, good: str, line: int, reason: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.replace(bad, good), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert err.value.line == line, str(err.value)
    assert reason in str(err.value)


def test_cli_lists_views_and_points_at_a_bad_query(service: InboxService, capsys: pytest.CaptureFixture[str], closing_logs: None) -> None:
    from inbox_tui import cli

    home = str(paths.home())
    assert cli.main(["--home", home, "views"]) == 0
    assert "billing-refunds" in capsys.readouterr().out
    assert cli.main(["--home", home, "list", "--view", "open", "--query", "from:bob", "--json"]) == 0
    assert '"Late parcel"' in capsys.readouterr().out
    assert cli.main(["--home", home, "list", "--query", "refund (tag:x"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["inbox: query:1:14: expected ')' to close '(' at column 8", "  refund (tag:x", "               ^"]
    assert cli.main(["--home", home, "list", "--view", "nope"]) == 2
    assert "no view 'nope'" in capsys.readouterr().err



def test_counts_are_remembered_until_the_cache_changes(service: InboxService) -> None:
    first = service.view_counts()
    assert service.view_counts() == first
    other = Store(paths.db_path())  # another process (a sync) writing through its own connection
    with other.transaction() as con:
        con.execute("UPDATE conversations SET status = 'closed' WHERE id = (SELECT min(id) FROM conversations)")
    other.close()
    after = service.view_counts()
    assert after["closed"] == first["closed"] + 1 and after["open"] == first["open"] - 1
