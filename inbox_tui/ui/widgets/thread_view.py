"""The thread: a vertical scroll of ``MessageCard``s, oldest first."""

from __future__ import annotations

from textual.containers import VerticalScroll

from inbox_tui.model import OPEN_OP_STATES, Operation
from inbox_tui.service import ConversationDetail
from inbox_tui.ui.widgets.message_card import MessageCard


class ThreadView(VerticalScroll, can_focus=True):
    async def show(self, detail: ConversationDetail, undo_key: str, *, keep_scroll: bool = False) -> None:
        ops: dict[str, Operation] = {o.id: o for o in detail.operations if o.state in OPEN_OP_STATES}
        cards = [MessageCard(m, ops.get(m.op_id) if m.op_id else None, undo_key) for m in detail.messages]
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(cards)
        if cards and not keep_scroll:
            # the newest message is what the agent answers: show its top
            last = cards[-1]
            self.call_after_refresh(lambda: self.scroll_to_widget(last, animate=False, top=True))
