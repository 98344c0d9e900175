"""The priority score term by term, when it must be recomputed, and the queue it orders
(through the service, on a real SQLite cache)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox_tui import paths
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.model import Address, Direction, Message, PullBatch, Status, utcnow
from inbox_tui.service import InboxService
from inbox_tui.store import Store
from inbox_tui.triage.priority import Facts, ScoreSettings, score, urgent_words
from inbox_tui.triage.sla import BusinessHours, SlaPolicy

NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
GENERAL = SlaPolicy("General", first_reply=timedelta(hours=24), next_reply=timedelta(hours=8))
SETTINGS = ScoreSettings((GENERAL,), BusinessHours(timezone.utc), timedelta(hours=1))


def facts(**over: object) -> Facts:
    base: dict[str, object] = dict(
        id=1, account="mail", status="open", priority=0, awaiting="agent", unread=False, tags=(),
        waiting_since=NOW - timedelta(hours=2), events=[("in", NOW - timedelta(hours=2))],
    )  # fmt: skip
    base.update(over)
    return Facts(**base)  # type: ignore[arg-type]


def points(f: Facts) -> dict[str, int]:
    return {t.key: t.points for t in score(f, SETTINGS, NOW).terms}


def test_every_term_carries_its_points_and_the_total_is_their_sum() -> None:
    result = score(facts(priority=2, unread=True, repeat=2, text="URGENT: chargeback!!!"), SETTINGS, NOW)
    keys = {t.key: t.points for t in result.terms}
    assert keys == {"sla": 60, "priority": 250, "unanswered": 100, "waiting": 20, "repeat": 50, "words": 120, "unread": 10}
    assert result.total == sum(keys.values())
    assert all(t.label and t.detail for t in result.terms)


def test_sla_time_left_is_bucketed() -> None:
    assert points(facts(waiting_since=NOW - timedelta(hours=30), events=[("in", NOW - timedelta(hours=30))]))["sla"] == 400
    assert points(facts(waiting_since=NOW - timedelta(hours=23, minutes=30),
                        events=[("in", NOW - timedelta(hours=23, minutes=30))]))["sla"] == 300  # fmt: skip
    assert points(facts(waiting_since=NOW - timedelta(hours=21), events=[("in", NOW - timedelta(hours=21))]))["sla"] == 150
    assert points(facts())["sla"] == 60


def test_waiting_on_the_customer_sinks_and_has_no_clock() -> None:
    f = facts(awaiting="customer", events=[("in", NOW - timedelta(hours=3)), ("out", NOW - timedelta(hours=2))])
    result = score(f, SETTINGS, NOW)
    assert {t.key: t.points for t in result.terms} == {"waiting_on_customer": -100}
    assert result.due is None


def test_closed_scores_nothing() -> None:
    result = score(facts(status="closed", priority=3, text="lawyer"), SETTINGS, NOW)
    assert result.total == 0 and result.due is None and result.rescore_at is None


def test_urgent_words_in_several_languages() -> None:
    assert urgent_words("Bitte DRINGEND, sonst Anwalt") == ["dringend", "anwalt"]
    assert urgent_words("我需要紧急处理") == ["紧急"]
    assert urgent_words("Είναι επείγον") == ["επείγον"]
    assert urgent_words("أريد محامي") == ["محامي"]
    assert urgent_words("refund now!!!!") == ["refund now", "!!!"]
    assert urgent_words("resurgent insurgency, urgently") == ["urgently"]  # whole words only


def test_rescore_at_is_the_next_bucket_change() -> None:
    result = score(facts(), SETTINGS, NOW)  # waiting 2h, due in 22h
    assert result.rescore_at == NOW + timedelta(hours=2)  # the 4h waiting bucket
    later = score(facts(), SETTINGS, NOW + timedelta(hours=2))
    assert later.total > result.total


# ---------------------------------------------------------------------- through the service


def mail(n: int, who: str, subject: str, body: str, hours_ago: float, *, reply_to: str = "",
         direction: Direction = Direction.IN) -> Message:  # fmt: skip
    sender = Address(f"{who}@example.com", who.title())
    us = Address("help@shop.example", "Shop")
    return Message(
        remote_id=f"INBOX/{n}",
        direction=direction,
        sender=sender if direction is Direction.IN else us,
        to=(us,) if direction is Direction.IN else (sender,),
        date=utcnow() - timedelta(hours=hours_ago),
        subject=subject,
        body_text=body,
        message_id=f"p{n}@example.com",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
        flags=frozenset({"seen"}),
    )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[InboxService]:
    paths.set_home(tmp_path)
    store = Store(paths.db_path())
    store.ensure_account("mail", "maildir", "help@shop.example")
    config = AppConfig(path=tmp_path / "config.toml", agent_name="Sam",
                       accounts={"mail": AccountConfig("mail", "maildir", {"from": "Shop <help@shop.example>"})})  # fmt: skip
    yield InboxService(store, config, {"mail": frozenset({"reply", "read"})})
    paths.set_home(None)


def by_subject(service: InboxService) -> list[str]:
    return [r.subject for r in service.rows(service.queue_ids("open"))]


def test_the_queue_follows_the_score_and_actions_reorder_it(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(1, "ann", "Question about sizes", "Which size fits?", 3),
        mail(2, "ben", "Parcel damaged", "It arrived broken, I want a chargeback", 2),
        mail(3, "cyd", "Old question", "Hello?", 30),
        mail(4, "dan", "Answered", "Thanks", 5), mail(5, "dan", "Re: Answered", "You're welcome", 4,
                                                      reply_to="p4@example.com", direction=Direction.OUT),
    ]))  # fmt: skip
    assert service.store.stale_ids()  # ingest marks scores stale; nothing scored them yet
    service.refresh_clocks()
    assert by_subject(service) == ["Old question", "Parcel damaged", "Question about sizes", "Answered"]
    rows = {r.subject: r for r in service.rows(service.queue_ids("open"))}
    assert rows["Old question"].sla_state == "breached" and rows["Old question"].sla_text.startswith("overdue")
    assert rows["Answered"].due_at is None and rows["Answered"].score < 0
    # raising the priority of the size question puts it on top at once
    service.set_priority(rows["Question about sizes"].id, 3)
    assert by_subject(service)[0] == "Question about sizes"
    # closing takes it out and scores it 0
    service.set_status(rows["Old question"].id, Status.CLOSED)
    assert "Old question" not in by_subject(service)
    assert service.why(rows["Old question"].id).score == 0


def test_why_lists_the_terms_and_the_place_in_the_view(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(1, "ann", "Where is my order", "This is urgent!!!", 26),
        mail(2, "ann", "Second thing", "hello", 1),
    ]))  # fmt: skip
    service.refresh_clocks()
    first = service.queue_ids("open")[0]
    why = service.why(first)
    assert why.score == why.stored_score == sum(t.points for t in why.terms)
    assert {t.key for t in why.terms} >= {"sla", "unanswered", "waiting", "repeat", "words"}
    assert why.rank == (1, 2) and why.sla_state == "breached"
    text = "\n".join(why.lines())
    assert "SLA breached" in text and "Position: 1 of 2 in All open" in text and '"urgent", "!!!"' in text


def test_time_moving_rescores_only_what_crossed_a_bucket(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[mail(1, "ann", "Hello", "hi", 0.5)]))
    assert service.refresh_clocks() == 1
    assert service.refresh_clocks() == 0  # nothing changed, no time passed
    (cid,) = service.queue_ids("open")
    before = service.rows([cid])[0].score
    assert service.triage.refresh(utcnow() + timedelta(hours=1)) == 1  # crossed the 1h waiting bucket
    assert service.rows([cid])[0].score == before + 20
