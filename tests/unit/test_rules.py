"""Rules: the file and its errors, order, stop, once per trigger, automatic replies at
most once per customer and day, time rules, dry runs, and rules inside a real sync."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Capabilities, OutgoingReply, SendResult
from inbox_tui import paths
from inbox_tui.config import load
from inbox_tui.errors import ConfigError
from inbox_tui.model import Address, Direction, Message, OpKind, PullBatch, utcnow
from inbox_tui.service import InboxService
from inbox_tui.store import Store, iso
from inbox_tui.sync import SyncEngine
from inbox_tui.triage import rules as rules_mod
from inbox_tui.triage.runner import RuleRunner, SyncTriage

US = Address("help@shop.example", "Shop")
RULES = r"""
[[rules]]
name = "Payment issues"
when = ["arrival", "customer_reply"]
text_contains = ["payment", "charged twice", "card declined"]
add_tags = ["payment"]
priority = "high"

[[rules]]
name = "Legal threats"
text_contains = ["lawyer", "chargeback"]
add_tags = ["legal"]
priority = "urgent"
stop = true

[[rules]]
name = "Returns"
subject_regex = "\\b(return|refund)s?\\b"
add_tags = ["returns"]

[[rules]]
name = "Out of hours"
business_hours = false
auto_reply = "out-of-hours"

[[rules]]
name = "Chase"
when = "waiting > 2d"
add_tags = ["stale"]
"""
OUT_OF_HOURS = """+++
name = "Out of hours"
shortcut = "ooh"
+++
Hi {{customer.first_name | there}}, we are closed now. Expect an answer {{reply.expected_by}}.
"""


def closed_now_config(home: Path) -> str:
    """Open one hour on the day after tomorrow only: "now" is always out of hours."""
    day = (utcnow() + timedelta(days=2)).strftime("%A").lower()
    return (
        '[app]\nagent_name = "Sam"\n\n[accounts.mail]\nconnector = "maildir"\n'
        f'path = "{home / "Mail"}"\nfrom = "Shop <help@shop.example>"\n\n'
        f'[business_hours]\ntimezone = "UTC"\n{day} = "10:00-11:00"\n'
    )


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    paths.set_home(tmp_path)
    (tmp_path / "config.toml").write_text(closed_now_config(tmp_path), encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    (tmp_path / "replies").mkdir()
    (tmp_path / "replies" / "out-of-hours.md").write_text(OUT_OF_HOURS, encoding="utf-8")
    yield tmp_path
    paths.set_home(None)


@pytest.fixture
def closing_logs() -> Iterator[None]:
    """``inbox`` logs to a file in the home: close it when a test that ran the CLI ends."""
    yield
    for handler in logging.getLogger().handlers:
        handler.close()


@pytest.fixture
def service(home: Path) -> InboxService:
    store = Store(paths.db_path())
    store.ensure_account("mail", "maildir", US.email)
    return InboxService(store, load(home / "config.toml"), {"mail": frozenset({"reply", "read"})})


def mail(n: int, who: str, subject: str, body: str, *, hours_ago: float = 0.1, reply_to: str = "",
         direction: Direction = Direction.IN) -> Message:  # fmt: skip
    sender = Address(f"{who}@example.com", who.title())
    return Message(
        remote_id=f"INBOX/{n}",
        direction=direction,
        sender=sender if direction is Direction.IN else US,
        to=(US,) if direction is Direction.IN else (sender,),
        date=utcnow() - timedelta(hours=hours_ago),
        subject=subject,
        body_text=body,
        message_id=f"r{n}@example.com",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
    )


def tags_of(service: InboxService, cid: int) -> set[str]:
    return set(service.conversation(cid).conversation.tags)


def conv_of(service: InboxService, who: str) -> int:
    row = service.store.query_one(
        "SELECT c.id FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.email = ? "
        "ORDER BY c.id DESC LIMIT 1",
        (f"{who}@example.com",),
    )
    assert row is not None
    return int(row[0])


def replies_queued(service: InboxService) -> list[str]:
    return [op.payload["body_text"] for op in service.outbox() if op.kind is OpKind.REPLY]


# ---------------------------------------------------------------------- the file


def test_rules_load_in_order() -> None:
    rules = rules_mod.parse(RULES)
    assert [r.name for r in rules] == ["Payment issues", "Legal threats", "Returns", "Out of hours", "Chase"]
    assert [str(t) for t in rules[4].when] == ["waiting > 2d"] and rules[1].stop


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (('text_contains = ["lawyer"', 'text_contans = ["lawyer"'), 11, "did you mean 'text_contains'"),
        (('subject_regex = "', 'subject_regex = "(('), 18, "not a valid regular expression"),
        (('when = "waiting > 2d"', 'when = "waiting forever"'), 28, "use arrival, customer_reply"),
        (('name = "Returns"', 'name = "Legal threats"'), 16, "two rules are named"),
        (('priority = "high"', 'priority = "very"'), 7, "priority 'very'"),
        (('add_tags = ["stale"]', 'move_to = "nowhere"'), 29, "is not a view"),
        (('auto_reply = "out-of-hours"', 'snooze = "someday"'), 24, "snooze 'someday'"),
        (("[[rules]]\nname = \"Chase\"", "[chase]\nname = \"Chase\""), 26, "unknown top-level key 'chase'"),
    ],
)
def test_errors_name_the_line(change: tuple[str, str], line: int, reason: str) -> None:
    text = RULES.replace(*change)
    assert text != RULES
    with pytest.raises(ConfigError) as err:
        rules_mod.parse(text, "rules.toml", view_keys={"open", "billing"})
    assert reason in str(err.value)
    assert err.value.line == line, str(err.value)


def test_invalid_toml_names_the_line() -> None:
    with pytest.raises(ConfigError) as err:
        rules_mod.parse('[[rules]]\nname = "x"\nadd_tags = [\n', "rules.toml")
    assert str(err.value).startswith("rules.toml:")


# ---------------------------------------------------------------------- running


def test_order_stop_and_once_per_trigger(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(1, "ann", "Refund for my payment", "My card was charged twice"),
        mail(2, "bob", "Refund or my lawyer calls", "I want my refund"),
    ]))  # fmt: skip
    runner = RuleRunner.for_service(service)
    report = runner.run_pending()
    ann, bob = conv_of(service, "ann"), conv_of(service, "bob")
    assert tags_of(service, ann) == {"payment", "returns"}
    assert tags_of(service, bob) == {"legal"}  # "Legal threats" stops before "Returns"
    assert service.conversation(bob).conversation.priority == 3
    assert {(c, r) for c, r, _, _ in report.fired} >= {(ann, "Payment issues"), (ann, "Returns"), (bob, "Legal threats")}
    assert runner.run_pending().fired == []  # seen: nothing runs twice
    # the customer writes again: customer_reply rules run once more, arrival-only ones do not
    service.set_tags(ann, remove=["payment"])
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(3, "ann", "Re: Refund for my payment", "Still no payment back", reply_to="r1@example.com"),
    ]))  # fmt: skip
    fired = runner.run_pending().fired
    assert [(c, r, t[:6]) for c, r, t, _ in fired] == [(ann, "Payment issues", "reply:")]
    assert "payment" in tags_of(service, ann)
    why = service.why(ann)
    assert [run["rule"] for run in why.rules].count("Payment issues") == 2


def test_the_collector_rests_while_rules_run_and_is_left_as_found(service: InboxService) -> None:
    runner = RuleRunner.for_service(service)
    during: list[bool] = []
    evaluate_case = runner.case
    runner.case = lambda subject, message: (during.append(gc.isenabled()), evaluate_case(subject, message))[1]  # type: ignore[method-assign]
    service.store.apply_batch("mail", PullBatch(messages=[mail(1, "ann", "Refund", "my payment")]))
    assert gc.isenabled()
    runner.run_pending()
    assert during == [False] and gc.isenabled()
    gc.disable()  # as the app keeps it until its first paint
    try:
        service.store.apply_batch("mail", PullBatch(messages=[mail(2, "bob", "Refund", "my payment")]))
        runner.run_pending()
        assert len(during) == 2 and not gc.isenabled()
    finally:
        gc.enable()


def test_automatic_reply_once_per_customer_and_day_and_never_for_old_mail(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(1, "ann", "Hello", "Is the shop open?"),
        mail(2, "ann", "Another thing", "And a second question"),
        mail(3, "old", "From last week", "hello?", hours_ago=24 * 7),
        mail(4, "noreply", "Your invoice", "automated"),
    ]))  # fmt: skip
    RuleRunner.for_service(service).run_pending()
    bodies = replies_queued(service)
    assert len(bodies) == 1
    assert bodies[0].startswith("Hi Ann, we are closed now. Expect an answer ")
    assert "{{" not in bodies[0]


def test_time_rules_run_once_per_wait(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(1, "ann", "Hello", "waiting", hours_ago=72), mail(2, "bob", "Hi", "fresh", hours_ago=1),
    ]))  # fmt: skip
    runner = RuleRunner.for_service(service)
    runner.run_pending()
    report = runner.run_time_rules()
    assert [(c, r) for c, r, _, _ in report.fired] == [(conv_of(service, "ann"), "Chase")]
    assert "stale" in tags_of(service, conv_of(service, "ann")) and "stale" not in tags_of(service, conv_of(service, "bob"))
    service.set_tags(conv_of(service, "ann"), remove=["stale"])
    assert runner.run_time_rules().fired == []  # the same wait: not again


def test_dry_run_changes_nothing(service: InboxService) -> None:
    service.store.apply_batch("mail", PullBatch(messages=[mail(1, "ann", "Refund for my payment", "charged twice")]))
    ann = conv_of(service, "ann")
    before = service.store.query("SELECT * FROM conversations")
    results = RuleRunner.for_service(service).dry_run([ann])
    assert ("Payment issues", "arrival", ["+tag payment", "priority → high"]) in [(r, t, c) for _, r, t, c in results]
    assert [tuple(r) for r in service.store.query("SELECT * FROM conversations")] == [tuple(r) for r in before]
    assert service.store.rule_runs(ann) == [] and tags_of(service, ann) == set() and replies_queued(service) == []


# ---------------------------------------------------------------------- inside a sync


class ScriptedUpstream:
    """A tiny upstream that serves two batches and accepts replies (the peer of the
    sync engine, not the code under test)."""

    account = "mail"
    identity = US
    capabilities = Capabilities()

    def __init__(self, batches: list[list[Message]]) -> None:
        self.batches = batches
        self.sent: list[OutgoingReply] = []

    def pull(self, cursor: dict[str, Any] | None, known: Any, should_stop: Any) -> Iterator[PullBatch]:
        start = (cursor or {}).get("next", 0)
        for index in range(start, len(self.batches)):
            yield PullBatch(messages=self.batches[index], cursor={"next": index + 1})

    def send_reply(self, reply: OutgoingReply) -> SendResult:
        self.sent.append(reply)
        return SendResult(remote_id=f"Sent/{len(self.sent)}")

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        return None

    def close(self) -> None:
        pass


def test_rules_and_scores_run_after_each_stored_batch_of_a_sync(service: InboxService) -> None:
    upstream = ScriptedUpstream([
        [mail(1, "ann", "Card declined", "my payment failed")],
        [mail(2, "bob", "Where is my refund", "please hurry")],
    ])  # fmt: skip
    seen_after_batch: list[list[str]] = []

    class Watching(SyncTriage):
        def after_batch(self, account: str, result: Any) -> list[str]:
            problems = super().after_batch(account, result)
            seen_after_batch.append(sorted(t for r in service.rows(service.queue_ids("open")) for t in r.tags))
            return problems

    engine = SyncEngine(service.store, ["mail"], lambda name: upstream, pull_hook=Watching.for_service(service))
    summary = engine.run()
    assert summary.problems == []
    assert seen_after_batch == [["payment"], ["payment", "returns"]]  # tagged batch by batch
    assert service.store.stale_ids() == [] and service.store.rules_pending() == []
    assert [r.customer_email for r in service.rows(service.queue_ids("urgent"))] == ["ann@example.com"]
    # the out-of-hours acknowledgements went out in the same sync, one per customer
    assert sorted(r.to[0].email for r in upstream.sent) == ["ann@example.com", "bob@example.com"]
    assert summary.sent == 2


def test_a_broken_rules_file_is_reported_and_sync_goes_on(service: InboxService, home: Path) -> None:
    (home / "rules.toml").write_text('[[rules]]\nname = "x"\nbogus = 1\n', encoding="utf-8")
    upstream = ScriptedUpstream([[mail(1, "ann", "Hello", "hi")]])
    engine = SyncEngine(service.store, ["mail"], lambda name: upstream, pull_hook=SyncTriage.for_service(service))
    summary = engine.run()
    assert summary.pulled == 1
    assert any("rules.toml:3:" in p and "unknown key 'bogus'" in p for p in summary.problems)
    assert service.store.stale_ids() == []  # still scored



# ---------------------------------------------------------------------- languages, demo, CLI


def test_language_conditions_use_a_cheap_detector(service: InboxService, home: Path) -> None:
    (home / "rules.toml").write_text(
        '[[rules]]\nname = "German"\nlanguage = "de"\nadd_tags = ["de"]\n\n'
        '[[rules]]\nname = "CJK"\nlanguage = ["zh", "ja"]\nadd_tags = ["cjk"]\n',
        encoding="utf-8",
    )
    service.store.apply_batch("mail", PullBatch(messages=[
        mail(1, "ann", "Bestellung", "Wo ist meine Bestellung? Ich warte seit einer Woche, bitte helfen Sie mir."),
        mail(2, "bob", "订单", "我的包裹在哪里？"),
        mail(3, "cyd", "Order", "Where is my order? It has not arrived and I have been waiting."),
    ]))  # fmt: skip
    RuleRunner.for_service(service).run_pending()
    assert [tags_of(service, conv_of(service, w)) for w in ("ann", "bob", "cyd")] == [{"de"}, {"cjk"}, set()]
    assert service.queue_ids("open", "lang:de") == [conv_of(service, "ann")]


def test_the_demo_rules_and_acknowledgement_are_valid(tmp_path: Path) -> None:
    from inbox_tui.replies import load_file
    from inbox_tui.triage import demo

    demo.install(tmp_path)
    rules = rules_mod.load(tmp_path / "rules.toml", view_keys={"payments", "open"})
    assert len(rules) == 6 and rules[-1].when[0].kind == "waiting_on_customer"
    canned = load_file(tmp_path / "replies" / "out-of-hours.md")
    assert "{{reply.expected_by}}" in canned.body
    (tmp_path / "config.toml").write_text('[app]\nagent_name = "Sam"\n' + demo.CONFIG, encoding="utf-8")
    settings = load(tmp_path / "config.toml").triage
    assert [p.name for p in settings.policies] == ["Urgent", "Black Friday orders", "General"]
    assert settings.views[-1].key == "payments"


def test_cli_rules_check_and_test(service: InboxService, home: Path, capsys: pytest.CaptureFixture[str], closing_logs: None) -> None:
    from inbox_tui import cli

    service.store.apply_batch("mail", PullBatch(messages=[mail(1, "ann", "Refund for my payment", "charged twice")]))
    assert cli.main(["--home", str(home), "rules", "check"]) == 0
    assert "5 rules, all valid" in capsys.readouterr().out
    assert cli.main(["--home", str(home), "rules", "test", "--rule", "Payment issues"]) == 0
    out = capsys.readouterr().out
    assert "Payment issues (on arrival): +tag payment, priority → high" in out and "Nothing was changed" in out
    assert tags_of(service, conv_of(service, "ann")) == set()
    (home / "rules.toml").write_text(RULES.replace('auto_reply = "out-of-hours"', 'auto_reply = "missing"'), encoding="utf-8")
    assert cli.main(["--home", str(home), "rules", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"inbox: {home / 'rules.toml'}:21: rule 'Out of hours': auto_reply:")



def test_an_upgraded_cache_scores_old_mail_but_fires_no_arrival_rules(home: Path) -> None:
    from sqlite_utils import Database

    from inbox_tui.store.schema import migrations

    path = home / "data" / "old.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    migrations.apply(db, stop_before="m002_triage")  # a cache written before triage existed
    now = iso(utcnow())
    db.execute("INSERT INTO accounts (name, kind, created_at) VALUES ('mail', 'maildir', ?)", [now])
    db.execute(
        "INSERT INTO conversations (id, account, remote_id, subject, status, created_at, updated_at, waiting_since, "
        "last_message_at, message_count, sort_key) VALUES (1, 'mail', 'mail:x', 'Refund for my payment', 'open', ?, ?, ?, ?, 1, '')",
        [now] * 4,
    )
    db.execute(
        "INSERT INTO messages (conversation_id, account, remote_id, direction, from_email, date, subject, body_text) "
        "VALUES (1, 'mail', 'INBOX/1', 'in', 'ann@example.com', ?, 'Refund for my payment', 'charged twice')",
        [now],
    )
    db.conn.close()
    store = Store(path)  # m002 and later
    assert store.rules_pending() == [] and store.stale_ids() == [1]
    service = InboxService(store, load(home / "config.toml"), {"mail": frozenset({"reply"})})
    assert RuleRunner.for_service(service).run_pending().fired == []
    assert service.refresh_clocks() == 1 and service.rows([1])[0].score > 0
