"""Canned-reply stats (uses, close rate) and the CLI around macros, on a real inbox home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_tui import bootstrap, cli, macros, paths, reply_stats
from inbox_tui.model import PullBatch, Status
from inbox_tui.reply_stats import ReplyStats, summarize
from inbox_tui.service import InboxService
from tests.ui.homes import build_home, message


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield build_home(tmp_path / "home")
    paths.set_home(None)


@pytest.fixture
def service(home: Path) -> Iterator[InboxService]:
    svc = bootstrap.build_service(home)
    yield svc
    svc.store.close()


def conv_id(service: InboxService, subject: str) -> int:
    return next(r.id for r in service.search(subject) if r.subject == subject)


def use(service: InboxService, cid: int, slug: str) -> None:
    service.reply(cid, service.render(cid, service.canned(slug).body), canned=slug)


def test_close_rate_arithmetic() -> None:
    rows = [
        {"slug": "late", "status": "closed", "customer_wrote_after": 0},
        {"slug": "late", "status": "closed", "customer_wrote_after": 1},  # closed, but the customer wrote again
        {"slug": "late", "status": "pending", "customer_wrote_after": 0},
        {"slug": "refund", "status": "closed", "customer_wrote_after": 0},
    ]
    found = summarize(rows)
    assert found["late"] == ReplyStats("late", 3, 1)
    assert found["late"].close_rate == pytest.approx(1 / 3)
    assert found["late"].label() == "used 3× · 33% closed"
    assert found["refund"].close_rate == 1.0
    assert ReplyStats("never").close_rate is None and ReplyStats("never").label() == ""


def test_stats_from_real_replies(service: InboxService) -> None:
    bob = conv_id(service, "Refund for a damaged mug")
    alice = conv_id(service, "Where is my parcel?")
    erik = conv_id(service, "Size exchange for the rain jacket")
    fatima = conv_id(service, "Out of stock — when will the teapot be back?")
    dana = conv_id(service, "URGENT: charged twice for order 2210")
    use(service, bob, "refund-issued")  # closes: clean
    use(service, alice, "late-delivery")
    service.set_status(alice, Status.CLOSED)
    reply = message(90, "alice@example.com", "Alice Moreau", "Re: Where is my parcel?", "Still nothing!",
                    hours_ago=-0.5, in_reply_to="m1@example.com", references=("m1@example.com",))  # fmt: skip
    service.store.apply_batch("shop", PullBatch(messages=[reply]))  # the customer wrote again
    use(service, erik, "late-delivery")
    service.set_status(erik, Status.CLOSED)  # clean
    use(service, fatima, "late-delivery")  # still pending: not closed
    use(service, dana, "late-delivery")
    service.undo_last()  # taken back: not a use
    found = reply_stats.stats(service)
    assert found["refund-issued"] == ReplyStats("refund-issued", 1, 1)
    assert found["late-delivery"] == ReplyStats("late-delivery", 3, 1)
    assert found["lost-parcel"] == ReplyStats("lost-parcel", 0, 0)


def test_cli_replies_stats_and_macros(home: Path, service: InboxService, capsys: pytest.CaptureFixture[str]) -> None:
    use(service, conv_id(service, "Refund for a damaged mug"), "refund-issued")
    assert cli.main(["--home", str(home), "replies", "stats"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Refund issued"))
    assert line.split()[-3:] == ["1", "1", "100%"]

    macros.macros_file().write_text('[close-it]\nkey = "C"\nsteps = ["status closed", "next"]\n', encoding="utf-8")
    assert cli.main(["--home", str(home), "macros", "list"]) == 0
    assert "close-it" in capsys.readouterr().out
    assert cli.main(["--home", str(home), "macros", "check"]) == 0
    assert "1 macro OK" in capsys.readouterr().out
    cid = conv_id(service, "Where is my parcel?")
    assert cli.main(["--home", str(home), "macros", "run", "close-it", str(cid), "--dry-run"]) == 0
    assert "status: open → closed" in capsys.readouterr().out
    assert service.conversation(cid).conversation.status is Status.OPEN
    assert cli.main(["--home", str(home), "macros", "run", "close-it", str(cid)]) == 0
    assert service.conversation(cid).conversation.status is Status.CLOSED

    macros.macros_file().write_text('[close-it]\nkey = "x"\nsteps = ["status closed"]\n', encoding="utf-8")
    assert cli.main(["--home", str(home), "macros", "check"]) == 2
    err = capsys.readouterr().err
    assert f"{macros.macros_file()}:1:" in err and "clashes with" in err and "Traceback" not in err
