"""Business-hour arithmetic (weekends, holidays, DST, spans across days), SLA clocks
from message history, and the [business_hours]/[sla] config with file:line errors."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inbox_tui.config import load
from inbox_tui.errors import ConfigError
from inbox_tui.triage.sla import BusinessHours, SlaPolicy, compute_due, due_state
from inbox_tui.triage.timeparse import due_text, format_span, parse_duration

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = ((540, 1020),)
OFFICE = BusinessHours(BERLIN, (NINE_TO_FIVE,) * 5 + ((), ()))


def berlin(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN)


def test_a_friday_afternoon_runs_into_monday() -> None:
    # Friday 2026-11-20 15:00 + 4 business hours = 2h Friday + 2h Monday
    assert OFFICE.add(berlin(2026, 11, 20, 15), timedelta(hours=4)) == berlin(2026, 11, 23, 11)


def test_outside_hours_the_clock_starts_at_the_next_opening() -> None:
    assert OFFICE.add(berlin(2026, 11, 21, 10), timedelta(hours=1)) == berlin(2026, 11, 23, 10)  # Saturday
    assert OFFICE.add(berlin(2026, 11, 23, 7), timedelta(0)) == berlin(2026, 11, 23, 9)
    assert OFFICE.next_open(berlin(2026, 11, 23, 18)) == berlin(2026, 11, 24, 9)
    assert OFFICE.is_open(berlin(2026, 11, 23, 16, 59)) and not OFFICE.is_open(berlin(2026, 11, 23, 17))


def test_holidays_are_closed_days() -> None:
    hours = BusinessHours(BERLIN, OFFICE.week, frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    # Wednesday 23 Dec 16:00 + 3h: 1h that day, the 24th and 25th are holidays, the weekend, then Monday 28th
    assert hours.add(berlin(2026, 12, 23, 16), timedelta(hours=3)) == berlin(2026, 12, 28, 11)
    assert hours.opening(date(2026, 12, 24)) is None


def test_dst_end_in_berlin_is_counted_in_local_hours() -> None:
    # Friday 23 Oct 2026 16:00 CEST (14:00 UTC) + 4h: 1h on Friday, 3h on Monday 26 Oct after
    # the clocks went back on Sunday 25 Oct: Monday 12:00 CET = 11:00 UTC (not 10:00)
    due = OFFICE.add(berlin(2026, 10, 23, 16), timedelta(hours=4))
    assert due.astimezone(timezone.utc) == datetime(2026, 10, 26, 11, 0, tzinfo=timezone.utc)
    always = BusinessHours(BERLIN, (((0, 1440),),) * 7, frozenset({date(2000, 1, 1)}))  # not the fast path
    assert always.elapsed(berlin(2026, 10, 25, 0), berlin(2026, 10, 26, 0)) == timedelta(hours=25)
    assert always.elapsed(berlin(2026, 3, 29, 0), berlin(2026, 3, 30, 0)) == timedelta(hours=23)


def test_spans_across_days_and_split_shifts() -> None:
    split = BusinessHours(BERLIN, (((540, 720), (780, 1020)),) * 7)  # 9–12, 13–17 every day
    assert split.add(berlin(2026, 11, 23, 11), timedelta(hours=2)) == berlin(2026, 11, 23, 14)
    assert split.add(berlin(2026, 11, 23, 16), timedelta(hours=8)) == berlin(2026, 11, 24, 17)
    assert split.elapsed(berlin(2026, 11, 23, 10), berlin(2026, 11, 25, 10)) == timedelta(hours=14)
    assert OFFICE.elapsed(berlin(2026, 11, 20, 15), berlin(2026, 11, 23, 11)) == timedelta(hours=4)


def test_clocks_started_while_closed_share_the_walk_from_their_opening() -> None:
    """``add`` remembers the walk from an opening; every answer is the walk's own."""

    def walked(hours: BusinessHours, start: datetime, duration: timedelta) -> datetime:
        return hours._add(start, duration, remember=False)

    rng = random.Random(5)
    split = BusinessHours(BERLIN, (((540, 720), (780, 1020)),) * 5 + ((), ()), frozenset({date(2026, 12, 24)}))
    for hours in (OFFICE, split):
        for _ in range(3000):  # across the DST change, weekends and the holiday
            start = berlin(2026, 10, 20, 0) + timedelta(minutes=rng.randrange(80 * 24 * 60))
            duration = timedelta(minutes=rng.choice((0, 1, 30, 240, 480, 600, 1440, 2880)))
            assert hours.add(start, duration) == walked(hours, start, duration), (start, duration)
    assert OFFICE._from_opening  # the closed starts did share


POLICY = SlaPolicy("General", first_reply=timedelta(hours=4), next_reply=timedelta(hours=2), resolution=timedelta(hours=8))


def test_first_reply_clock_runs_from_the_customer_message() -> None:
    due = compute_due(POLICY, OFFICE, "open", [("in", berlin(2026, 11, 20, 15))])
    assert due is not None and due.kind == "first_reply" and due.at == berlin(2026, 11, 23, 11)


def test_clock_pauses_while_waiting_on_the_customer_and_next_reply_restarts_it() -> None:
    events = [("in", berlin(2026, 11, 23, 9)), ("out", berlin(2026, 11, 23, 10))]
    assert compute_due(POLICY, OFFICE, "open", events) is None  # waiting on the customer
    events.append(("in", berlin(2026, 11, 23, 16)))  # 1h today, 1h tomorrow
    due = compute_due(POLICY, OFFICE, "open", events)
    assert due is not None and due.kind == "next_reply" and due.at == berlin(2026, 11, 24, 10)
    assert compute_due(POLICY, OFFICE, "pending", events) is None
    assert compute_due(POLICY, OFFICE, "closed", events) is None


def test_resolution_counts_only_time_waiting_on_the_agent() -> None:
    policy = SlaPolicy("Fast", first_reply=timedelta(hours=8), next_reply=timedelta(hours=8), resolution=timedelta(hours=3))
    events = [
        ("in", berlin(2026, 11, 23, 9)), ("out", berlin(2026, 11, 23, 11)),   # 2h used
        ("in", berlin(2026, 11, 24, 9)),                                      # 1h left from here
    ]  # fmt: skip
    due = compute_due(policy, OFFICE, "open", events)
    assert due is not None and due.kind == "resolution" and due.at == berlin(2026, 11, 24, 10)


def test_calendar_policies_ignore_business_hours() -> None:
    policy = SlaPolicy("24/7", first_reply=timedelta(hours=4), calendar=True)
    due = compute_due(policy, OFFICE, "open", [("in", berlin(2026, 11, 21, 22))])
    assert due is not None and due.at == berlin(2026, 11, 22, 2)


def test_policy_matching_is_by_tag_priority_and_account() -> None:
    bf = SlaPolicy("Black Friday", tags=frozenset({"black-friday"}))
    urgent = SlaPolicy("Urgent", priorities=frozenset({3}), accounts=frozenset({"shop"}))
    assert bf.matches(["x", "black-friday"], 0, "any") and not bf.matches(["x"], 0, "any")
    assert urgent.matches([], 3, "shop") and not urgent.matches([], 3, "other") and not urgent.matches([], 2, "shop")


def test_states_and_texts_for_the_due_column() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    assert due_state(now + timedelta(hours=2, minutes=10), now, timedelta(hours=1)) == "ok"
    assert due_state(now + timedelta(minutes=30), now, timedelta(hours=1)) == "due_soon"
    assert due_state(now - timedelta(minutes=1), now, timedelta(hours=1)) == "breached"
    assert due_state(None, now, timedelta(hours=1)) == ""
    assert due_text(now + timedelta(hours=2, minutes=10), now) == "due in 2h 10m"
    assert due_text(now - timedelta(minutes=35), now) == "overdue 35m"
    assert format_span(timedelta(days=3, hours=4, minutes=5)) == "3d 4h"
    assert parse_duration("1h30m") == timedelta(minutes=90)
    with pytest.raises(ValueError):
        parse_duration("soon")


CONFIG = """\
[business_hours]
timezone = "Europe/Berlin"
weekdays = "09:00-17:00"
friday = "09:00-12:00, 13:00-15:00"
holidays = ["2026-12-25"]

[sla]
due_soon = "2h"

[[sla.policies]]
name = "Black Friday orders"
tags = ["black-friday"]
first_reply = "4h"

[[sla.policies]]
name = "General"
first_reply = "24h"
next_reply = "8h"
"""


def test_config_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    triage = load(path).triage
    assert triage.hours.tz == BERLIN
    assert triage.hours.week[0] == NINE_TO_FIVE and triage.hours.week[4] == ((540, 720), (780, 900))
    assert triage.hours.week[5] == () and date(2026, 12, 25) in triage.hours.holidays
    assert [p.name for p in triage.policies] == ["Black Friday orders", "General"]
    assert triage.policies[0].first_reply == timedelta(hours=4) and triage.due_soon == timedelta(hours=2)


@pytest.mark.parametrize(
    ("bad", "good", "line", "reason"),
    [
        ('weekdays = "09:00-17:00"', 'weekdays = "9-5"', 3, "is not like 09:00-17:00"),
        ('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"', 2, "unknown time zone"),
        ('first_reply = "4h"', 'first_reply = "soon"', 13, "Black Friday orders: first_reply"),
        ('tags = ["black-friday"]', 'tag = ["black-friday"]', 12, "unknown key 'tag'"),
        ('due_soon = "2h"', 'due_soonish = "2h"', 8, "unknown setting sla.due_soonish"),
        ('holidays = ["2026-12-25"]', 'holidays = ["Christmas"]', 5, "is not a date"),
    ],
)
def test_config_errors_name_the_line(tmp_path: Path, bad: str, good: str, line: int, reason: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.replace(bad, good), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert err.value.line == line, str(err.value)
    assert reason in str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")
