"""The shared helpdesk value helpers: the tag merge every read-modify-write relies on,
the reply date ``find_sent`` starts from, and the shift a pager must notice."""

from __future__ import annotations

from datetime import datetime, timezone

from connectors._incremental import FailureStreak, ShiftWatch
from connectors._values import merge_tags, reply_date


def test_merge_keeps_upstream_order_and_case_and_appends_new_tags_once() -> None:
    assert merge_tags(["VIP", "refund"], ["vip", " Courier ", "courier", ""], ["REFUND"]) == ["VIP", "Courier"]


def test_merge_with_nothing_to_change_returns_the_same_list() -> None:
    assert merge_tags(("a", "b"), [], []) == ["a", "b"]


def test_reply_date_reads_rfc_5322_and_iso_and_refuses_junk() -> None:
    moment = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
    assert reply_date("Mon, 23 Nov 2026 14:05:00 +0000") == moment
    assert reply_date("2026-11-23T14:05:00Z") == moment
    assert reply_date("Mon, 23 Nov 2026 14:05:00 -0000") == moment  # "zone unknown": UTC, still comparable
    assert reply_date("yesterday-ish") is None and reply_date("") is None


def test_shift_watch_starts_the_second_walk_at_the_earliest_moved_item() -> None:
    early, late = datetime(2026, 1, 1, 9, tzinfo=timezone.utc), datetime(2026, 1, 1, 10, tzinfo=timezone.utc)
    watch = ShiftWatch()
    watch.see("1", "v1", early)
    watch.see("2", "v1", late)
    watch.see("3", "v1", late)
    watch.see("3", "v1", late)  # listed again unchanged: the overlap, not a shift
    assert watch.rescan_from is None
    watch.see("2", "v2", None)
    watch.see("1", "v2", None)
    assert watch.rescan_from == early


def test_failure_streak_tolerates_isolated_failures_but_not_a_run() -> None:
    streak = FailureStreak(limit=3)
    assert not streak.failed() and not streak.failed()
    streak.ok()
    assert [streak.failed() for _ in range(3)] == [False, False, True]
