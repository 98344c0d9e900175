"""Internal notes of a conversation (never sent to the customer), newest last."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from inbox_tui.model import Note, utcnow
from inbox_tui.ui.format import stamp


class NoteCard(Static):
    pass


class NotesPane(VerticalScroll, can_focus=True):
    async def show(self, notes: list[Note], add_key: str) -> None:
        now = utcnow()
        cards: list[Static] = []
        for note in notes:
            card = NoteCard(Content(note.body))
            local = " · local only" if note.local_only else ""
            card.border_title = Content(f" {note.author or 'note'} · {stamp(note.created_at, now)}{local} ")
            cards.append(card)
        if not cards:
            cards.append(Static(Content(f"No notes yet. {add_key} adds one — notes never reach the customer."), classes="empty"))
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(cards)
        self.scroll_end(animate=False, immediate=True)
