"""The search language: parsing (with columns in errors), compiling to SQL with
parameters only, and what each field matches on a real SQLite cache."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox_tui.model import Address, Attachment, Direction, Message, PullBatch
from inbox_tui.store import Store, iso
from inbox_tui.triage import timeparse
from inbox_tui.triage.query import And, Field, Not, Or, QueryError, Text, parse
from inbox_tui.triage.query_sql import QueryContext, compile_query

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
US = Address("help@shop.example", "Shop")


# ---------------------------------------------------------------------- parsing


def test_grammar_or_binds_looser_than_and_and_parentheses_group() -> None:
    tree = parse('tag:refund "late parcel" OR (from:@acme.com -is:unread)')
    assert isinstance(tree, Or)
    left, right = tree.nodes
    assert left == And((Field("tag", "refund", 0, 4), Text("late parcel", 11, phrase=True)))
    assert isinstance(right, And) and isinstance(right.nodes[1], Not)


def test_not_keyword_minus_and_quoted_field_values() -> None:
    tree = parse('NOT status:closed subject:"where is"')
    assert isinstance(tree, And)
    assert tree.nodes[0] == Not(Field("status", "closed", 4, 11))
    assert tree.nodes[1] == Field("subject", "where is", 18, 27)


def test_words_with_colons_that_are_no_field_stay_free_text() -> None:
    tree = parse("http://shop.example/order 10:30")
    assert isinstance(tree, And)
    assert [n.text for n in tree.nodes if isinstance(n, Text)] == ["http://shop.example/order", "10:30"]


def test_only_the_last_word_typed_is_a_prefix() -> None:
    tree = parse("refund cour")
    assert isinstance(tree, And)
    assert [n.prefix for n in tree.nodes] == [False, True]  # type: ignore[union-attr]
    assert parse("refund ").prefix is False  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "column", "reason"),
    [
        ("(tag:a OR tag:b", 16, "expected ')' to close '(' at column 1"),
        ("tag:a )", 7, "unexpected ')'"),
        ("tag:", 5, "expected a value after 'tag:'"),
        ("tga:refund", 1, "did you mean 'tag:'"),
        ("is:bogus", 4, "unknown is:bogus"),
        ('subject:"late', 9, "unterminated quote"),
        ("refund OR", 10, "expected a search term after OR"),
        ("- refund", 1, "expected a search term after '-'"),
        ("()", 2, "empty parentheses"),
        ("age:>soon", 5, "expects a span"),
        ("before:someday", 8, "not a date"),
        ("status:resolved", 8, "unknown status"),
        ("priority:high-ish", 10, "unknown priority"),
    ],
)
def test_errors_point_at_the_column(query: str, column: int, reason: str) -> None:
    with pytest.raises(QueryError) as err:
        compile_query(query, QueryContext(NOW))
    assert err.value.column == column
    assert reason in str(err.value)
    assert str(err.value).startswith(f"query:1:{column}: ")
    caret = err.value.caret().splitlines()
    assert caret[0] == f"  {query}" and caret[1].index("^") == column + 1


def test_user_values_travel_as_parameters_only() -> None:
    hostile = "x'; DROP TABLE conversations; /*"
    compiled = compile_query(f'subject:"{hostile}" tag:{hostile.replace(" ", "")} {hostile}', QueryContext(NOW))
    assert "DROP" not in compiled.sql
    assert any("DROP" in str(v) for v in compiled.params.values())


def test_free_text_never_passes_fts_syntax_through() -> None:
    compiled = compile_query('NEAR(a b) title:* "x" OR y*', QueryContext(NOW))
    matches = [v for v in compiled.params.values() if isinstance(v, str) and '"' in v]
    for value in matches:  # every token arrives quoted: operators are just words
        assert all(part.startswith('"') for part in value.split(" "))


def test_times_are_written_like_the_store_writes_them() -> None:
    for value in (NOW, NOW + timedelta(microseconds=5), datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)):
        assert timeparse.iso(value) == iso(value)


# ---------------------------------------------------------------------- matching on a real cache


def message(n: int, sender: Address, subject: str, body: str, *, hours_ago: float, direction: Direction = Direction.IN,
            reply_to: str = "", attachments: tuple[Attachment, ...] = (), to: Address = US,
            seen: bool = False) -> Message:  # fmt: skip
    return Message(
        remote_id=f"INBOX/{n}",
        direction=direction,
        sender=sender,
        to=(to,) if direction is Direction.IN else (sender,),
        date=NOW - timedelta(hours=hours_ago),
        subject=subject,
        body_text=body,
        message_id=f"q{n}@example.com",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
        attachments=attachments,
        flags=frozenset({"seen"}) if seen else frozenset(),
    )


ALICE = Address("alice@acme.com", "Alice Moreau")
BOB = Address("bob@example.org", "Bob Stone")
CAROL = Address("carol@example.org", "Carol")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inbox.db")
    s.ensure_account("mail", "maildir", US.email)
    s.ensure_account("billing", "maildir", "billing@shop.example")
    s.apply_batch("mail", PullBatch(messages=[
        message(1, ALICE, "Late parcel for order 1001", "My late parcel never came.", hours_ago=72,
                attachments=(Attachment("photo.jpg", "image/jpeg", 10),)),
        message(2, BOB, "Refund please", "I returned the lamp, refund please.", hours_ago=5, seen=True),
        message(3, US, "Re: Refund please", "Refund issued.", hours_ago=4, direction=Direction.OUT, reply_to="q2@example.com"),
    ]))  # fmt: skip
    s.apply_batch("billing", PullBatch(messages=[
        message(4, CAROL, "Invoice question", "Charged twice for the rug", hours_ago=1, to=Address("billing@shop.example")),
    ]))  # fmt: skip
    return s


def ids(store: Store, query: str, ctx: QueryContext | None = None) -> list[int]:
    compiled = compile_query(query, ctx or QueryContext(NOW, me=frozenset({"sam@shop.example"})))
    return sorted(store.select_ids(compiled.sql, compiled.params, "c.id"))


def conv(store: Store, email: str) -> int:
    row = store.query_one("SELECT c.id FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.email = ?", (email,))
    assert row is not None
    return int(row[0])


def test_fields_match_what_they_say(store: Store) -> None:
    alice, bob, carol = conv(store, ALICE.email), conv(store, BOB.email), conv(store, CAROL.email)
    with store.transaction() as con:
        con.execute("INSERT INTO tags (conversation_id, tag) VALUES (?, 'shipping'), (?, 'refund')", (alice, bob))
        con.execute("UPDATE conversations SET assignee = 'Sam@shop.example', status = 'pending' WHERE id = ?", (bob,))
        con.execute("UPDATE conversations SET due_at = ?, priority = 3 WHERE id = ?", (iso(NOW - timedelta(minutes=5)), alice))
        con.execute("UPDATE conversations SET due_at = ? WHERE id = ?", (iso(NOW + timedelta(hours=3)), carol))
    assert ids(store, "") == sorted([alice, bob, carol])
    assert ids(store, "from:@acme.com") == [alice]
    assert ids(store, "from:stone") == [bob]
    assert ids(store, "-from:acme") == sorted([bob, carol])
    assert ids(store, "to:billing@") == [carol]
    assert ids(store, 'subject:"refund p"') == [bob]
    assert ids(store, "tag:shipping") == [alice]
    assert ids(store, "-tag:shipping") == sorted([bob, carol])
    assert ids(store, "tag:ship*") == [alice]
    assert ids(store, "status:pending") == [bob]
    assert ids(store, "account:billing") == [carol]
    assert ids(store, "is:unread") == sorted([alice, carol])
    assert ids(store, "is:unanswered") == sorted([alice, carol])
    assert ids(store, "is:waiting") == [bob]
    assert ids(store, "is:overdue") == [alice]
    assert ids(store, "due:<4h") == sorted([alice, carol])
    assert ids(store, "due:>1h") == [carol]
    assert ids(store, "has:attachment") == [alice]
    assert ids(store, "assignee:me") == [bob]
    assert ids(store, "assignee:none") == sorted([alice, carol])
    assert ids(store, "priority:urgent") == [alice]
    assert ids(store, "priority:>=high") == [alice]
    assert ids(store, f"id:{carol}") == [carol]


def test_dates_and_ages(store: Store) -> None:
    alice, bob, carol = conv(store, ALICE.email), conv(store, BOB.email), conv(store, CAROL.email)
    assert ids(store, "age:>2d") == [alice]
    assert ids(store, "age:<2h") == [carol]
    assert ids(store, "waiting:>2d") == [alice]
    assert ids(store, "after:today") == sorted([bob, carol])
    assert ids(store, "before:today") == [alice]
    assert ids(store, "before:yesterday") == [alice]
    assert ids(store, f"after:{(NOW - timedelta(days=1)).date().isoformat()}") == sorted([bob, carol])


def test_free_text_phrases_or_parentheses_and_negation(store: Store) -> None:
    alice, bob, carol = conv(store, ALICE.email), conv(store, BOB.email), conv(store, CAROL.email)
    assert ids(store, "refund") == [bob]
    assert ids(store, '"late parcel"') == [alice]
    assert ids(store, '"parcel late"') == []
    assert ids(store, "refund OR rug") == sorted([bob, carol])
    assert ids(store, "(refund OR rug) -account:billing") == [bob]
    assert ids(store, "-refund") == sorted([alice, carol])
    assert ids(store, "NOT (refund OR rug)") == [alice]
    assert ids(store, "charg") == [carol]  # the last word typed is a prefix
    assert ids(store, "alice@acme.com") == [alice]  # sender address through FTS
    assert ids(store, '"..."') == []


def test_hostile_text_is_searched_not_executed(store: Store) -> None:
    for hostile in ('"', "NEAR(", "a OR", '*', "subject:*", "x' OR 1=1 --", "{a b}", "^late", "\x00"):
        try:
            ids(store, hostile)
        except QueryError:
            pass  # a syntax error with a column is fine; an sqlite error is not
