"""Automatic acknowledgements written a chunk at a time: the same rows as queuing each
through ``InboxService.reply`` one by one, at most once per customer and day, on disk when
the run returns, and a failure half-way through a chunk loses nothing (the chunk is
written whole or not at all, and the next run does it)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inbox_tui import paths
from inbox_tui.config import load
from inbox_tui.errors import InboxError
from inbox_tui.model import Address, Direction, Message, PullBatch, Status, utcnow
from inbox_tui.replies import render
from inbox_tui.service import InboxService
from inbox_tui.store import LocalChange, RuleOutcome, Store, iso
from inbox_tui.store.outbox import ActionRow, write_actions
from inbox_tui.store.reply_usage import reply_uses
from inbox_tui.triage.acks import Acknowledgements
from inbox_tui.triage.runner import RuleRunner, RunReport, _Plan

US = Address("help@shop.example", "Shop")
RULES = r"""
[[rules]]
name = "Payment issues"
when = ["arrival", "customer_reply"]
text_contains = ["payment"]
add_tags = ["payment"]
priority = "high"

[[rules]]
name = "Out of hours"
when = ["arrival", "customer_reply"]
business_hours = false
auto_reply = "out-of-hours"
"""
OUT_OF_HOURS = """+++
name = "Out of hours"
shortcut = "ooh"
tags = ["auto-ack"]
status = "pending"
+++
Hi {{customer.first_name | there}}, about "{{conversation.subject}}": we are back
{{business.next_open}} and you will hear from us by {{reply.expected_by}}.
{{agent.name}} <{{agent.email}}>
"""
UPSTREAM = {"mail": frozenset({"reply", "read", "tags", "status"}), "desk": frozenset({"read"})}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    paths.set_home(tmp_path)
    day = (utcnow() + timedelta(days=2)).strftime("%A").lower()  # open one hour, the day after tomorrow
    (tmp_path / "config.toml").write_text(
        '[app]\nagent_name = "Sam"\n\n[accounts.mail]\nconnector = "maildir"\n'
        f'path = "{tmp_path / "Mail"}"\nfrom = "Shop <help@shop.example>"\n\n'
        f'[accounts.desk]\nconnector = "maildir"\npath = "{tmp_path / "Desk"}"\nfrom = "Desk <desk@shop.example>"\n\n'
        f'[business_hours]\ntimezone = "UTC"\n{day} = "10:00-11:00"\n\n'
        '[[sla.policies]]\nname = "Payments"\ntags = ["payment"]\nfirst_reply = "30m"\n\n'  # tagged by a rule
        '[[sla.policies]]\nname = "General"\nfirst_reply = "24h"\n',
        encoding="utf-8",
    )
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    (tmp_path / "replies").mkdir()
    (tmp_path / "replies" / "out-of-hours.md").write_text(OUT_OF_HOURS, encoding="utf-8")
    yield tmp_path
    paths.set_home(None)


def mail(n: int, who: str, subject: str, body: str, *, hours_ago: float = 0.1, reply_to: str = "") -> Message:
    sender = Address(f"{who}@example.com", who.title())
    return Message(
        remote_id=f"INBOX/{n}", direction=Direction.IN, sender=sender, to=(US,),
        date=utcnow() - timedelta(hours=hours_ago), subject=subject, body_text=body, message_id=f"r{n}@example.com",
        in_reply_to=reply_to, references=(reply_to,) if reply_to else (),
    )  # fmt: skip


def seeded(home: Path, name: str = "cache.db") -> InboxService:
    """A cache with a bit of everything an acknowledgement meets: two conversations of
    one customer, a customer replying in an older thread, a robot, old mail, a draft, and
    an account that cannot send replies."""
    store = Store(home / name)
    store.ensure_account("mail", "maildir", US.email)
    store.ensure_account("desk", "maildir", "desk@shop.example")
    store.apply_batch("mail", PullBatch(messages=[mail(1, "bob", "Order 17", "where is it?", hours_ago=50)]))
    with store.transaction() as con:  # seen by the rules on an earlier day
        con.execute("UPDATE conversations SET rules_seen = last_in_row")
    store.apply_batch("mail", PullBatch(messages=[
        mail(2, "ann", "Hello", "Is the shop open?"),
        mail(3, "ann", "Another thing", "And my payment?"),
        mail(4, "bob", "Re: Order 17", "still waiting", reply_to="r1@example.com"),
        mail(5, "noreply", "Your invoice", "automated"),
        mail(6, "dan", "From last week", "hello?", hours_ago=24 * 7),
        mail(7, "fay", "Payment failed", "my card"),
        Message(remote_id="INBOX/8", direction=Direction.IN, sender=Address("gus@example.com", "Doe, Gus"), to=(US,),
                date=utcnow() - timedelta(minutes=3), subject="Sizes", body_text="which size?", message_id="r8@example.com"),
    ]))  # fmt: skip
    store.apply_batch("desk", PullBatch(messages=[mail(9, "eve", "Desk question", "hi")]))
    service = InboxService(store, load(home / "config.toml"), dict(UPSTREAM))
    service.save_draft(conv_of(service, "fay"), "Dear Fay, about your card")
    return service


def conv_of(service: InboxService, who: str) -> int:
    row = service.store.query_one(
        "SELECT max(c.id) FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.email = ?",
        (f"{who}@example.com",),
    )
    assert row is not None and row[0] is not None
    return int(row[0])


class OneByOne(RuleRunner):
    """The reference: the rules' own changes in bulk, then each acknowledgement claimed
    and queued through ``InboxService.reply`` on its own (how it was done before)."""

    def _write(self, plans: list[_Plan], now: datetime, report: RunReport) -> None:
        self.store.apply_rule_outcomes([p.outcome for p in plans])
        self.service.triage.rescore([p.outcome.conversation_id for p in plans if p.outcome.runs])
        acks = Acknowledgements(self.service, now)
        for plan in plans:
            report.fired += [(plan.outcome.conversation_id, *run) for run in plan.outcome.runs]
            for action, value in plan.steps:
                request = acks.request(plan.case, value) if action == "auto_reply" and plan.case else None
                if request is None or not self.store.claim_auto_reply(request.customer, acks.day, request.conversation_id):
                    continue
                try:
                    canned = self.service.canned(value)
                    conv = self.service._conversation(request.conversation_id)
                    body = render(canned.body, self.service.placeholder_values(conv))
                    self.service.reply(conv.id, body, canned=canned.slug)
                except InboxError as exc:
                    self.store.release_auto_reply(request.customer, acks.day)
                    report.problems.append(f"#{request.conversation_id}: automatic reply {value!r} not queued: {exc}")


def snapshot(store: Store) -> dict[str, Any]:
    """Every row an acknowledgement writes, with what is random or a timestamp
    replaced by what it points at (Message-IDs, operation ids, undo groups, row ids)."""
    ids: dict[str, str] = {}

    def same(value: str, kind: str) -> str:
        return ids.setdefault(value, f"{kind}{len([k for k in ids.values() if k.startswith(kind)])}") if value else ""

    ops = store.query("SELECT * FROM operations ORDER BY conversation_id, rowid")
    for op in ops:  # name the ids in a stable order first
        same(op["id"], "op")
        same(op["group_id"], "group")
        same(json.loads(op["payload_json"]).get("message_id", ""), "msgid")
    operations = []
    for op in ops:
        payload = json.loads(op["payload_json"])
        for key in ("date_text",):
            payload.pop(key, None)
        if "message_id" in payload:
            payload["op_id"] = same(payload["op_id"], "op")
            payload["message_id"] = same(payload["message_id"], "msgid")
            payload["extra"]["marker"] = same(payload["extra"]["marker"], "msgid")
        undo = json.loads(op["undo_json"])
        if "message_row" in undo:
            row = store.query_one("SELECT op_id FROM messages WHERE id = ?", (undo["message_row"],))
            undo["message_row"] = same(row[0], "op") if row else "missing"
        log = [r[0] for r in store.query("SELECT event || ':' || detail FROM operation_log WHERE op_id = ? ORDER BY id", (op["id"],))]
        operations.append((op["conversation_id"], same(op["id"], "op"), same(op["group_id"], "group"), op["account"],
                           op["kind"], payload, undo, op["base_version"], op["state"], log))  # fmt: skip
    messages = [
        (m["conversation_id"], m["direction"], m["from_name"], m["from_email"], m["to_json"], m["subject"],
         m["body_text"], same(m["message_id"], "msgid") if m["op_id"] else m["message_id"], m["in_reply_to"],
         m["references_json"], m["flags"], m["remote_id"], same(m["op_id"], "op"))
        for m in store.query("SELECT * FROM messages ORDER BY conversation_id, date, id")
    ]  # fmt: skip
    conversations = [
        dict(r) for r in store.query(
            "SELECT id, status, priority, awaiting, unread, message_count, snippet, woke_at, rules_seen, "
            "(SELECT group_concat(tag, ',') FROM (SELECT tag FROM tags t WHERE t.conversation_id = c.id ORDER BY tag)) AS tags "
            "FROM conversations c ORDER BY id"
        )
    ]  # fmt: skip
    return {
        "operations": operations,
        "messages": messages,
        "conversations": conversations,
        "drafts": [tuple(r) for r in store.query("SELECT conversation_id, body FROM drafts ORDER BY 1")],
        "draft_versions": [(r[0], r[1], same(r[2], "op")) for r in store.query(
            "SELECT conversation_id, body, op_id FROM draft_versions ORDER BY conversation_id, id")],
        "auto_replies": [tuple(r) for r in store.query("SELECT customer, day, conversation_id FROM auto_replies ORDER BY 1")],
        "rule_runs": [tuple(r) for r in store.query(
            "SELECT conversation_id, rule, trigger, changes_json FROM rule_runs ORDER BY 1, 2, 3")],
        "usage": sorted((u["slug"], u["conversation_id"], u["status"]) for u in reply_uses(store)),
        "found": sorted(r[0] for r in store.query("SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH 'hear'")),
        "scores": [tuple(r) for r in store.query(
            "SELECT id, score, due_at, due_kind, sla_policy, rescore_at, language, score_stale FROM conversations ORDER BY id")],
    }  # fmt: skip


def test_a_chunk_of_acknowledgements_writes_what_replying_one_by_one_writes(home: Path) -> None:
    batched = seeded(home, "batched.db")
    copy = sqlite3.connect(home / "reference.db")  # the same cache, to the second
    batched.store.conn.backup(copy)
    copy.close()
    reference = InboxService(Store(home / "reference.db"), batched.config, dict(UPSTREAM))
    report = RuleRunner.for_service(batched).run_pending()
    expected = OneByOne.for_service(reference).run_pending()
    got, want = snapshot(batched.store), snapshot(reference.store)
    for key in want:
        assert got[key] == want[key], key
    assert sorted(report.problems) == sorted(expected.problems)
    assert sorted(report.fired) == sorted(expected.fired)
    # what the reference shows about the case, so the comparison compares something
    acked = {row[0] for row in want["auto_replies"]}
    assert acked == {"ann@example.com", "bob@example.com", "fay@example.com", "gus@example.com"}
    assert [p.split(":")[0] for p in report.problems] == [f"#{conv_of(batched, 'eve')}"]  # desk cannot reply
    assert "cannot send replies" in report.problems[0]
    bob = conv_of(batched, "bob")
    reply = next(m for m in got["messages"] if m[0] == bob and m[1] == "out")
    assert reply[8] == "r4@example.com" and json.loads(reply[9]) == ["r1@example.com", "r4@example.com"]
    gus = next(op for op in got["operations"] if op[0] == conv_of(batched, "gus") and op[4] == "reply")
    assert gus[5]["body_text"].startswith('Hi Gus, about "Sizes": we are back\n')
    assert "{{" not in gus[5]["body_text"] and "Sam <help@shop.example>" in gus[5]["body_text"]
    fay_reply = next(op for op in got["operations"] if op[0] == conv_of(batched, "fay") and op[4] == "reply")
    assert fay_reply[5]["body_text"].split("by ")[1] != gus[5]["body_text"].split("by ")[1]  # the rule's tag: 30 min
    assert [op[4] for op in got["operations"] if op[0] == bob] == ["reply", "status", "tags"]
    fay = conv_of(batched, "fay")
    assert got["drafts"] == [] and [v[0] for v in got["draft_versions"]].count(fay) == 2  # held by the reply
    assert all(v[2].startswith("op") for v in got["draft_versions"])
    assert got["usage"] and all(slug == "out-of-hours" for slug, _, _ in got["usage"])
    assert len(got["found"]) == 4  # the queued text is searchable like any reply
    assert all(row[-1] == 0 for row in got["scores"])  # scored in the rules' own commit, nothing left stale
    assert {row[4] for row in got["scores"] if row[0] == fay} == {"Payments"}  # the rule's tag picked the policy


def test_an_acknowledgement_quotes_a_long_parent_whole(home: Path) -> None:
    """The rules read bodies cut short; the reply's parent is read whole when it may be."""
    service = seeded(home)
    long_body = "my card " + "x" * 17_992
    service.store.apply_batch("mail", PullBatch(messages=[mail(30, "hal", "Long story", long_body)]))
    assert RuleRunner.for_service(service).run_pending().problems[0].startswith(f"#{conv_of(service, 'eve')}")
    op = service.store.query_one(
        "SELECT payload_json FROM operations WHERE kind = 'reply' AND conversation_id = ?", (conv_of(service, "hal"),)
    )
    assert op is not None and json.loads(op[0])["parent"]["body_text"] == long_body


def test_on_disk_when_the_run_returns(home: Path) -> None:
    service = seeded(home)
    RuleRunner.for_service(service).run_pending()
    other = sqlite3.connect(home / "cache.db")  # another process's view of the file
    try:
        assert other.execute("SELECT count(*) FROM operations WHERE kind = 'reply'").fetchone()[0] == 4
        assert other.execute("SELECT count(*) FROM messages WHERE direction = 'out'").fetchone()[0] == 4
    finally:
        other.close()


def test_once_per_customer_and_day_across_runs(home: Path) -> None:
    service = seeded(home)
    day = Acknowledgements(service, utcnow()).day
    yesterday = (datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat()
    assert service.store.claim_auto_reply("GUS@example.com", day, 1)  # acknowledged earlier today
    assert service.store.claim_auto_reply("fay@example.com", yesterday, 1)  # yesterday does not count
    RuleRunner.for_service(service).run_pending()
    service.store.apply_batch("mail", PullBatch(messages=[mail(20, "ann", "Third thing", "hello again")]))
    assert RuleRunner.for_service(service).run_pending().problems == []
    queued = service.store.query(
        "SELECT u.email, count(*) FROM operations o JOIN conversations c ON c.id = o.conversation_id "
        "JOIN customers u ON u.id = c.customer_id WHERE o.kind = 'reply' GROUP BY u.email ORDER BY 1"
    )
    assert [tuple(r) for r in queued] == [("ann@example.com", 1), ("bob@example.com", 1), ("fay@example.com", 1)]


def test_a_failure_half_way_through_a_chunk_loses_nothing(home: Path) -> None:
    service = seeded(home)
    fay = conv_of(service, "fay")
    with service.store.transaction() as con:  # the disk fails when fay's reply is written
        con.execute(
            f"CREATE TRIGGER fail_once BEFORE INSERT ON operations WHEN NEW.conversation_id = {fay} "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    before = snapshot(service.store)
    with pytest.raises(sqlite3.DatabaseError, match="disk I/O error"):
        RuleRunner.for_service(service).run_pending()
    assert snapshot(service.store) == before  # no claim without its reply, no rule marked done
    assert len(service.store.rules_pending()) == 8
    with service.store.transaction() as con:
        con.execute("DROP TRIGGER fail_once")
    report = RuleRunner.for_service(service).run_pending()
    after = snapshot(service.store)
    assert [row[0] for row in after["auto_replies"]] == ["ann@example.com", "bob@example.com", "fay@example.com", "gus@example.com"]
    assert sum(1 for op in after["operations"] if op[4] == "reply") == 4
    assert service.store.rules_pending() == [] and len(report.problems) == 1  # eve's account cannot reply
    assert RuleRunner.for_service(service).run_pending().fired == []  # and nothing runs twice


def test_the_one_writer_keeps_tag_sets_and_order_of_actions(home: Path) -> None:
    service = seeded(home)
    store, ann = service.store, conv_of(service, "ann")
    store.record_action(ann, LocalChange(tags_add=["a", "b"]), [])
    store.record_action(ann, LocalChange(tags_add=["b", "c"], tags_remove=["a", "b"]), [])
    assert service.conversation(ann).conversation.tags == ("b", "c")  # (before - remove) + add
    assert service.undo_last() and service.conversation(ann).conversation.tags == ("a", "b")
    # two actions on one conversation in one batch: the second sees the first
    first, second = LocalChange(status=Status.PENDING), LocalChange(status=Status.CLOSED)
    with store.transaction() as con:
        missing = write_actions(con, [
            ActionRow(ann, first, [], "g1"), ActionRow(ann, second, [], "g2"), ActionRow(10**6, second, [], "g3"),
        ], iso(utcnow()))  # fmt: skip
    assert missing == [10**6]
    undo = [json.loads(r[0]) for r in store.query("SELECT undo_json FROM operations WHERE group_id IN ('g1', 'g2') ORDER BY rowid")]
    assert undo == [{"status": "open"}, {"status": "pending"}]
    assert service.conversation(ann).conversation.status is Status.CLOSED


def test_rule_outcomes_of_one_conversation_twice_in_a_chunk_apply_in_order(home: Path) -> None:
    service = seeded(home)
    store, ann = service.store, conv_of(service, "ann")
    store.record_action(ann, LocalChange(tags_add=["x"]), [])
    seen = store.query_one("SELECT last_in_row FROM conversations WHERE id = ?", (ann,))[0]
    store.apply_rule_outcomes([
        RuleOutcome(ann, seen, runs=[("A", "arrival", ["-x"])], tags_remove=["x"], priority=2),
        RuleOutcome(ann, seen, runs=[("B", "arrival", ["+x"])], tags_add=["x"], priority=1),
    ])  # fmt: skip
    conv = service.conversation(ann).conversation
    assert conv.tags == ("x",) and conv.priority == 1
    assert [r["rule"] for r in store.rule_runs(ann)] == ["A", "B"]
