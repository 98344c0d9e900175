"""A search inside a view: the hits-as-a-set path (the view's remembered list, filtered)
gives exactly what the plain SQL gives, for free text, fields, phrases, limits and user
views, in both ways of counting the tabs; and it follows changes to the cache."""

from __future__ import annotations

import pytest

import inbox_tui.triage.engine as engine
from inbox_tui.model import Status
from inbox_tui.service import InboxService
from inbox_tui.triage.views import SORTS
from tests.unit.test_views import conv, service, subjects  # noqa: F401  (the fixture)

QUERIES = ("refund", "refun", '"refund please"', "from:bob", "refund -from:ann", "parcel OR sizes", "is:unanswered",
           "zzz", "refund tag:refund", "-refund")  # fmt: skip


def truth(service: InboxService, view_key: str, search: str) -> list[int]:
    """The list as one SQL statement orders it (what the fast path must equal)."""
    triage = service.triage
    view = triage.view(view_key)
    where = triage._where(view, search, triage.context())
    return service.store.select_ids(where.sql, where.params, SORTS[view.sort], view.limit)


@pytest.mark.parametrize("few_hits", [5000, 0], ids=["counted-over-hits", "counted-in-view-lists"])
def test_a_search_in_every_view_equals_the_plain_sql(service: InboxService, monkeypatch: pytest.MonkeyPatch, few_hits: int) -> None:  # noqa: F811
    monkeypatch.setattr(engine, "FEW_HITS", few_hits)
    for cid in (conv(service, "Refund please"), conv(service, "Refund again")):
        service.set_tags(cid, add=["refund"])
    service.set_status(conv(service, "Sizes"), Status.CLOSED)
    for query in QUERIES:
        counts = service.view_counts(query)
        for view in service.views():
            expected = truth(service, view.key, query)
            assert service.queue_ids(view.key, query) == expected, (view.key, query)
            assert counts[view.key] == len(expected), (view.key, query)
    assert subjects(service, "open", "refund") != []  # the queries do hit something


def test_a_search_follows_the_cache(service: InboxService) -> None:  # noqa: F811
    assert sorted(subjects(service, "open", "refund")) == ["Refund again", "Refund please"]
    service.set_status(conv(service, "Refund again"), Status.CLOSED)
    assert subjects(service, "open", "refund") == ["Refund please"]
    assert subjects(service, "closed", "refund") == ["Refund again"]
    assert service.view_counts("refund")["closed"] == 1
