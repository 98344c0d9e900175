"""Macros on a real inbox home (real SQLite, real reply files): files with file:line errors,
dry runs, runs as one undo group per conversation, recording, saving."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_tui import bootstrap, keymap, macros, paths
from inbox_tui.errors import ConfigError, InboxError
from inbox_tui.macro_record import Recorder, RecordingService
from inbox_tui.macro_steps import Step, StepError, normalise, parse
from inbox_tui.model import OpState, Status
from inbox_tui.service import InboxService
from tests.ui.homes import build_home

REFUND_DONE = """
[refund-done]
key = "R"
description = "Refund issued, tag, close, next"
steps = ["canned refund-issued", "tag +refund", "status closed", "next"]

[late]
steps = ["canned late", "tag +carrier -refund"]
"""

HELPDESK = frozenset({"reply", "note", "status", "tags"})


@pytest.fixture(params=["maildir", "helpdesk"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InboxService]:
    """Maildir keeps status/tags local; a helpdesk account pushes them as operations."""
    home = build_home(tmp_path / "home")
    svc = bootstrap.build_service(home)
    if request.param == "helpdesk":
        svc.upstream = {"shop": HELPDESK}
    yield svc
    svc.store.close()
    paths.set_home(None)


def write(text: str) -> Path:
    path = macros.macros_file()
    path.write_text(text, encoding="utf-8")
    return path


def conv_id(service: InboxService, subject: str) -> int:
    return next(r.id for r in service.search(subject) if r.subject == subject)


# ---------------------------------------------------------------------- files


def test_load_macros_file(service: InboxService) -> None:
    write(REFUND_DONE)
    found = {m.name: m for m in macros.load()}
    assert found["refund-done"].key == "R"
    assert [s.text for s in found["refund-done"].steps] == ["canned refund-issued", "tag +refund", "status closed", "next"]
    assert [s.action_id for s in found["refund-done"].steps] == [
        "conversation.canned", "conversation.tag", "conversation.close", "conversation.next",
    ]  # fmt: skip
    assert found["late"].key == ""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[a]\nsteps = ["canned x",\n  "explode now"]\n', 3, "unknown step 'explode'"),
        ('[a]\nsteps = ["next", "status closed"]\n', 2, "can only be the last step"),
        ('[a]\nsteps = ["status shut"]\n', 2, "status must be one of"),
        ('[a]\nsteps = ["tag refund"]\n', 2, "+tag or -tag"),
        ('[a]\nkey = "hyper+r"\nsteps = ["next"]\n', 2, "unknown key name"),
        ('[a]\nkey = "R"\nsteps = ["next"]\n[b]\nkey = "R"\nsteps = ["next"]\n', 5, "also the key of macro a"),
        ('[a]\ncolour = "red"\nsteps = ["next"]\n', 2, "unknown setting 'colour'"),
        ('[a]\nsteps = []\n', 2, "non-empty list"),
        ('[a\nsteps = []\n', 1, "invalid TOML"),
        ('[a]\nsteps = ["queue.open"]\n', 2, "not a macro step"),
    ],
)
def test_bad_macro_files_name_file_and_line(service: InboxService, text: str, line: int, words: str) -> None:
    path = write(text)
    with pytest.raises(ConfigError) as err:
        macros.load()
    assert str(err.value).startswith(f"{path}:{line}:"), str(err.value)
    assert words in str(err.value)


def test_macro_key_must_not_clash_with_the_keymap(service: InboxService) -> None:
    write('[zap]\nkey = "x"\nsteps = ["status closed"]\n')
    with pytest.raises(ConfigError, match=r"clashes with (queue|conversation).close"):
        macros.check_keys(macros.load(), keymap.load("default"))
    write('[zap]\nkey = "g"\nsteps = ["status closed"]\n')
    macros.check_keys(macros.load(), keymap.load("default"))
    with pytest.raises(ConfigError, match="queue.first"):  # vim's "g g" starts with g
        macros.check_keys(macros.load(), keymap.load("vim"))


def test_save_appends_and_refuses_a_taken_name(service: InboxService) -> None:
    write(REFUND_DONE)
    saved = macros.save("thx-close", [Step("canned", "thanks"), Step("status", "closed")], key="T")
    assert saved.key == "T" and [s.text for s in saved.steps] == ["canned thanks", "status closed"]
    assert [m.name for m in macros.load()] == ["refund-done", "late", "thx-close"]
    with pytest.raises(ConfigError, match="already exists"):
        macros.save("late", [Step("next")])
    with pytest.raises(ConfigError, match="macro name"):
        macros.save("bad name!", [Step("next")])


def test_step_syntax() -> None:
    assert parse("conversation.close") == Step("status", "closed")
    assert parse("conversation.tag +a -b").tag_changes() == (["a"], ["b"])
    assert parse("note two words") == Step("note", "two words")
    with pytest.raises(StepError):
        parse("next now")
    steps = [Step("next"), Step("canned", "x"), Step("previous"), Step("status", "closed"), Step("next")]
    assert normalise(steps) == [Step("canned", "x"), Step("status", "closed"), Step("next")]


# ---------------------------------------------------------------------- dry run and run


def test_dry_run_lists_exactly_what_changes(service: InboxService) -> None:
    write(REFUND_DONE)
    macro = next(m for m in macros.load() if m.name == "refund-done")
    cid = conv_id(service, "Refund for a damaged mug")
    before = service.conversation(cid).conversation
    p = macros.plan(service, macro.steps, cid)
    assert p.reply is not None and p.reply.startswith("Hi Bob,")
    assert '"Refund for a damaged mug" is on its way' in p.reply and "Sam Rivera" in p.reply
    assert p.tags_add == ["refund"] and p.tags_remove == []
    assert (p.status_before, p.status_after, p.move) == (Status.OPEN, Status.CLOSED, 1)
    text = "\n".join(p.lines())
    assert "reply (canned: refund-issued):" in text and "│ Hi Bob," in text
    assert "tags: +refund" in text and "status: open → closed" in text and "then: next conversation" in text
    after = service.conversation(cid)  # a dry run writes nothing
    assert after.conversation.status == before.status and after.conversation.tags == before.tags
    assert service.outbox() == []


def test_dry_run_names_a_step_that_cannot_run(service: InboxService) -> None:
    cid = conv_id(service, "Refund for a damaged mug")
    p = macros.plan(service, [parse("canned no-such-reply"), parse("status closed")], cid)
    assert "no canned reply named 'no-such-reply'" in p.problem
    assert "not run" in "\n".join(p.lines())
    with pytest.raises(InboxError):
        macros.apply(service, p)


def test_run_is_one_undo_group_and_undo_takes_it_all_back(service: InboxService) -> None:
    cid = conv_id(service, "Refund for a damaged mug")
    service.set_tags(cid, ["vip"])  # an earlier, separate action
    steps = [parse("canned late"), parse("tag +carrier -vip"), parse("note checked with DHL"), parse("status closed")]
    p = macros.plan(service, steps, cid)
    assert p.tags_add == ["shipping", "carrier"] and p.tags_remove == ["vip"]
    assert p.status_after is Status.CLOSED  # the canned reply says pending; the later step wins
    macros.apply(service, p)
    detail = service.conversation(cid)
    assert detail.conversation.status is Status.CLOSED
    assert set(detail.conversation.tags) == {"shipping", "carrier"}
    assert detail.messages[-1].body_text.startswith("Hi Bob,")
    assert [n.body for n in detail.notes] == ["checked with DHL"]
    pending = [o for o in service.outbox() if o.conversation_id == cid]
    assert pending and all(o.state is OpState.PENDING for o in pending)

    what = service.undo_last()
    assert what is not None and what.startswith("Undone:")
    detail = service.conversation(cid)
    assert detail.conversation.status is Status.OPEN
    assert detail.conversation.tags == ("vip",)  # the earlier action stays
    assert not detail.messages[-1].body_text.startswith("Hi Bob,") and detail.notes == []
    left = [o.payload.get("add") for o in service.outbox() if o.conversation_id == cid]
    assert left in ([], [["vip"]])  # only the earlier action (a helpdesk pushes tags)


def test_undo_is_refused_once_the_run_left_the_outbox(service: InboxService) -> None:
    cid = conv_id(service, "Refund for a damaged mug")
    macros.apply(service, macros.plan(service, [parse("canned refund-issued")], cid))
    for op in service.outbox():
        service.store.set_op_state(op.id, OpState.SENT, remote_id=f"sent-{op.id[:6]}")
    assert service.undo_last() is None
    assert service.conversation(cid).conversation.status is Status.CLOSED


def test_run_on_a_selection_is_one_group_per_conversation(service: InboxService) -> None:
    ids = [conv_id(service, "Where is my parcel?"), conv_id(service, "Size exchange for the rain jacket")]
    done, problems = macros.run_many(service, [parse("canned late"), parse("status closed")], ids)
    assert problems == [] and len(done) == 2
    assert all(service.conversation(c).conversation.status is Status.CLOSED for c in ids)
    groups = {r["group_id"] for r in service.store.query("SELECT group_id FROM operations WHERE state != 'cancelled' AND kind != 'read'")}
    assert len(groups) == 2
    service.undo_last()  # takes back the last conversation only
    assert service.conversation(ids[1]).conversation.status is Status.OPEN
    assert service.conversation(ids[0]).conversation.status is Status.CLOSED


def test_empty_placeholder_stops_that_conversation_only(service: InboxService) -> None:
    broken = next(r.id for r in service.search("broken@example.net"))
    ok = conv_id(service, "Where is my parcel?")
    done, problems = macros.run_many(service, [parse("canned thanks")], [broken, ok])  # "Thanks {{customer.first_name}}"
    assert len(done) == 1 and len(problems) == 1 and "customer.first_name" in problems[0]
    assert service.conversation(broken).conversation.status is Status.OPEN


# ---------------------------------------------------------------------- recording


def test_recording_watches_actions_and_replays_on_another_customer(service: InboxService) -> None:
    recorder = Recorder()
    svc = RecordingService(service, recorder)
    first = conv_id(service, "Refund for a damaged mug")
    svc.set_tags(first, ["ignored-before-recording"])
    recorder.start("a")
    recorder.add(Step("next"))  # the UI reports moves; they end up last
    body = svc.render(first, svc.canned("refund-issued").body)
    svc.reply(first, body, canned="refund-issued")
    svc.set_tags(first, ["refund"], [])
    svc.set_status(first, Status.CLOSED)
    steps = recorder.stop()
    assert [s.text for s in steps] == ["canned refund-issued", "tag +refund", "status closed", "next"]
    assert recorder.steps() == steps and recorder.last == "a"

    saved = macros.save("from-register", steps)
    other = conv_id(service, "Size exchange for the rain jacket")
    p = macros.plan(service, saved.steps, other)
    assert p.reply is not None and p.reply.startswith("Hi Erik,")  # not Bob's rendered text
    macros.apply(service, p)
    assert service.conversation(other).conversation.status is Status.CLOSED


def test_a_typed_reply_is_recorded_with_its_placeholders(service: InboxService) -> None:
    recorder = Recorder()
    svc = RecordingService(service, recorder)
    first = conv_id(service, "Refund for a damaged mug")
    recorder.start()
    template = "Hello {{customer.first_name}}, done."
    svc.reply(first, svc.render(first, template))  # what the compose box does
    assert recorder.stop() == [Step("reply", template)]
    other = conv_id(service, "Size exchange for the rain jacket")
    assert macros.plan(service, recorder.steps(), other).reply == "Hello Erik, done."
