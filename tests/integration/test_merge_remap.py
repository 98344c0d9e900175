"""A merge upstream moves the local conversation — and the agent's unfinished work on it.

Zendesk closes the merged-away ticket (a reply there would be refused); Help Scout answers
301. Either way, after the next sync a reply queued on the old conversation is aimed at the
surviving ticket, and the draft the agent was writing is still there.
"""

from __future__ import annotations

from pathlib import Path

from connectors.zendesk import open_connector
from inbox_tui import paths
from inbox_tui.bootstrap import REGISTRY
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.journal import Journal
from inbox_tui.model import OpState
from inbox_tui.service import InboxService
from inbox_tui.store import Store
from inbox_tui.sync import SyncEngine
from tests.servers import zendesk_data as zd
from tests.servers.zendesk import ZendeskState


def test_queued_reply_and_draft_follow_a_zendesk_merge(tmp_path: Path) -> None:
    state = ZendeskState()
    server = state.serve(0)
    paths.set_home(tmp_path)
    store = Store(paths.db_path())
    try:
        keep = state.create_ticket("jane@example.org", "Login broken", "cannot log in", at=state.now() - 3600)
        gone = state.create_ticket("jane@example.org", "Still broken", "again, please help", at=state.now() - 3500)
        state.advance(61)
        config = AppConfig(path=tmp_path / "config.toml", accounts={"zd": AccountConfig("zd", "zendesk", {"url": server.url})})
        service = InboxService(store, config, {"zd": REGISTRY["zendesk"].upstream})
        engine = SyncEngine(store, ["zd"], lambda name: open_connector(name, {"url": server.url}, lambda key: {"token": zd.ACCESS_TOKEN}[key]))
        assert not engine.run().offline
        old = store.conversation_by_remote("zd", str(gone))
        assert old is not None

        op = service.reply(old.id, "Please reset your password from the login page.")
        service.save_draft(old.id, "Half-written thought about passwords")  # the next message
        state.merge([gone], keep)
        state.advance(61)
        assert not engine.run().offline

        assert store.conversation_by_remote("zd", str(gone)) is None
        survivor = store.conversation_by_remote("zd", str(keep))
        assert survivor is not None
        assert store.draft(survivor.id) == "Half-written thought about passwords"
        moved = store.operation(op.id)
        assert moved.conversation_id == survivor.id
        assert moved.payload["conversation_remote_id"] == str(keep)
        assert {m.body_text for m in store.messages(survivor.id)} >= {"cannot log in", "again, please help"}

        if moved.state is OpState.CONFLICT:  # the merge is news: the agent confirms
            Journal(store).send_anyway(op.id)
            engine.run()
        assert store.operation(op.id).state is OpState.SENT
        with state.lock:
            bodies = {c["body"] for c in state.tickets[keep].comments if c["public"]}
            refused = {c["body"] for c in state.tickets[gone].comments}
        assert "Please reset your password from the login page." in bodies
        assert "Please reset your password from the login page." not in refused
    finally:
        store.close()
        paths.set_home(None)
        server.stop()
