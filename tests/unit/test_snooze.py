"""Snooze: presets in business hours, custom times, hiding and waking (by time, by a
customer reply), the marker, re-snooze to the same time, and pending upstream."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inbox_tui import paths
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.errors import InboxError
from inbox_tui.model import Address, Direction, Message, OpKind, PullBatch, Status, utcnow
from inbox_tui.service import InboxService
from inbox_tui.store import Store
from inbox_tui.triage.settings import TriageSettings
from inbox_tui.triage.sla import BusinessHours
from inbox_tui.triage.snooze import FOREVER, preset_time, presets, resolve

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = TriageSettings(hours=BusinessHours(BERLIN, (((540, 1020),),) * 5 + ((), ()), frozenset({date(2026, 11, 30)})))


def berlin(d: int, h: int, mi: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, d, h, mi, tzinfo=BERLIN)


def test_presets_on_a_friday_afternoon() -> None:
    now = berlin(20, 15, 30)  # Friday
    assert preset_time("later", now, OFFICE) == berlin(23, 9)  # 18:30 is closed: Monday's opening
    assert preset_time("tomorrow", now, OFFICE) == berlin(21, 9)
    assert preset_time("next-business-day", now, OFFICE) == berlin(23, 9)
    assert preset_time("monday", now, OFFICE) == berlin(23, 9)
    menu = presets(now, OFFICE)
    assert [p.key for p in menu] == ["later", "tomorrow", "next-business-day", "monday", "reply"]
    assert menu[-1].until is None and "Mon 23 Nov 09:00" in menu[0].label
    assert "today" not in menu[0].label and "next opening" in menu[0].label  # Monday is not "later today"


def test_presets_on_a_monday_morning_skip_a_holiday() -> None:
    now = berlin(23, 10)
    assert preset_time("later", now, OFFICE) == berlin(23, 13)
    assert presets(now, OFFICE)[0].label.startswith("Later today — ")
    assert preset_time("next-business-day", berlin(27, 10), OFFICE) == berlin(1, 9, month=12)  # Mon 30 is a holiday
    assert preset_time("monday", now, OFFICE) == berlin(30, 9)  # a holiday Monday still wakes in the morning


def test_custom_times() -> None:
    now = berlin(20, 15, 30)
    assert resolve("3h", now, OFFICE) == now + timedelta(hours=3)
    assert resolve("+2d", now, OFFICE) == now + timedelta(days=2)
    assert resolve("tue", now, OFFICE) == berlin(24, 9)
    assert resolve("2026-12-01", now, OFFICE) == berlin(1, 9, month=12)
    assert resolve("2026-12-01 14:30", now, OFFICE) == berlin(1, 14, 30, month=12)
    assert resolve("reply", now, OFFICE) is None
    for bad in ("2026-11-01", "whenever", "-3h"):
        with pytest.raises(ValueError):
            resolve(bad, now, OFFICE)


# ---------------------------------------------------------------------- through the service

US = Address("help@shop.example", "Shop")
ANN = Address("ann@example.com", "Ann")


def mail(n: int, body: str, *, minutes_ago: float = 1, reply_to: str = "") -> Message:
    return Message(
        remote_id=f"INBOX/{n}", direction=Direction.IN, sender=ANN, to=(US,),
        date=utcnow() - timedelta(minutes=minutes_ago), subject="Where is my order" if n == 1 else "Re: Where is my order",
        body_text=body, message_id=f"s{n}@example.com", in_reply_to=reply_to, references=(reply_to,) if reply_to else (),
    )  # fmt: skip


def build(tmp_path: Path, upstream: frozenset[str]) -> InboxService:
    paths.set_home(tmp_path)
    store = Store(paths.db_path())
    store.ensure_account("desk", "zendesk", US.email)
    store.apply_batch("desk", PullBatch(messages=[mail(1, "Hello?", minutes_ago=60)]))
    config = AppConfig(path=tmp_path / "config.toml", agent_name="Sam",
                       accounts={"desk": AccountConfig("desk", "zendesk", {"from": "Shop <help@shop.example>"})})  # fmt: skip
    svc = InboxService(store, config, {"desk": upstream})
    svc.refresh_clocks()
    return svc


@pytest.fixture
def service(tmp_path: Path) -> Iterator[InboxService]:
    yield build(tmp_path, frozenset({"reply"}))
    paths.set_home(None)


def only(service: InboxService) -> int:
    (cid,) = service.store.select_ids("1", {}, "c.id")
    return cid


def test_snoozed_conversations_leave_the_working_views(service: InboxService) -> None:
    cid = only(service)
    until = utcnow() + timedelta(days=1)
    service.snooze(cid, until)
    counts = service.view_counts()
    assert counts["open"] == counts["unanswered"] == 0 and counts["snoozed"] == 1
    row = service.rows(service.queue_ids("snoozed"))[0]
    assert row.snoozed_until is not None and abs(row.snoozed_until - until) < timedelta(seconds=1)
    with pytest.raises(InboxError):
        service.snooze(cid, utcnow() - timedelta(minutes=1))


def test_waking_by_time_brings_it_back_with_a_marker(service: InboxService) -> None:
    cid = only(service)
    service.store.snooze(cid, utcnow() - timedelta(seconds=1))  # as if the time had come
    service.refresh_clocks()
    row = service.rows(service.queue_ids("open"))[0]
    assert row.id == cid and row.woke == "the snooze ended" and row.snoozed_until is None
    assert "woke" in {t.key for t in service.why(cid).terms}
    service.clear_wake(cid)
    assert service.rows([cid])[0].woke == ""


def test_a_customer_reply_wakes_it_early_and_it_can_go_back_to_sleep(service: InboxService) -> None:
    cid = only(service)
    until = utcnow() + timedelta(days=3)
    service.snooze(cid, until)
    service.store.apply_batch("desk", PullBatch(messages=[mail(2, "Thanks!", reply_to="s1@example.com")]))
    service.refresh_clocks()
    row = service.rows(service.queue_ids("open"))[0]
    assert row.woke == "customer replied" and service.view_counts()["snoozed"] == 0
    assert row.resnooze_until is not None and abs(row.resnooze_until - until) < timedelta(seconds=1)
    again = service.resnooze_same(cid)
    assert again is not None and abs(again - until) < timedelta(seconds=1)
    assert service.queue_ids("snoozed") == [cid] and service.rows([cid])[0].woke == ""


def test_stay_snoozed_through_replies_when_asked(service: InboxService) -> None:
    cid = only(service)
    service.snooze(cid, utcnow() + timedelta(days=1), wake_on_reply=False)
    service.store.apply_batch("desk", PullBatch(messages=[mail(2, "one more thing", reply_to="s1@example.com")]))
    assert service.queue_ids("snoozed") == [cid]


def test_until_the_customer_replies(service: InboxService) -> None:
    cid = only(service)
    service.snooze(cid, None)
    assert service.rows([cid])[0].snoozed_until == FOREVER
    service.store.apply_batch("desk", PullBatch(messages=[mail(2, "here is the photo", reply_to="s1@example.com")]))
    assert service.queue_ids("open") == [cid]
    assert service.resnooze_same(cid) is None  # nothing to go back to
    service.snooze(cid, utcnow() + timedelta(hours=2))
    service.unsnooze(cid)
    assert service.queue_ids("open") == [cid] and service.rows([cid])[0].woke == ""


def test_a_helpdesk_snooze_queues_pending_upstream(tmp_path: Path) -> None:
    service = build(tmp_path, frozenset({"reply", "status", "tags"}))
    try:
        cid = only(service)
        service.snooze(cid, utcnow() + timedelta(hours=5))
        conv = service.conversation(cid).conversation
        assert conv.status is Status.PENDING
        ops = [o for o in service.outbox() if o.conversation_id == cid]
        assert [(o.kind, o.payload["status"]) for o in ops] == [(OpKind.STATUS, "pending")]
    finally:
        paths.set_home(None)


def test_presets_from_the_service_use_the_local_zone(service: InboxService) -> None:
    menu = service.snooze_presets()
    assert all(p.until is None or p.until > utcnow() for p in menu)
    assert service.resolve_snooze("3h") is not None
    with pytest.raises(InboxError):
        service.resolve_snooze("whenever")
    assert datetime.now(timezone.utc) < FOREVER


def test_answering_a_woken_conversation_clears_its_marker(service: InboxService) -> None:
    cid = only(service)
    service.snooze(cid, utcnow() + timedelta(days=3))
    service.store.apply_batch("desk", PullBatch(messages=[mail(2, "Any news?", reply_to="s1@example.com")]))
    service.refresh_clocks()
    assert service.rows([cid])[0].woke == "customer replied"
    service.reply(cid, "It ships today.")
    assert service.rows([cid])[0].woke == ""
    assert "woke" not in {t.key for t in service.why(cid).terms}
