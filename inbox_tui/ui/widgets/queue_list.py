"""The queue: a Line-API ``ScrollView`` over a list of conversation ids.

It holds only ids (8 bytes each); rows are fetched a page at a time through the
``fetch_rows`` callable the screen injects (``service.rows``) and kept in a small LRU,
so first paint and every key stay fast at 100k conversations (textual-risks.md §1).
Customer text is rendered as plain ``Segment``s: nothing is ever parsed as markup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox_tui.model import utcnow
from inbox_tui.service import QueueRow
from inbox_tui.ui.keys import bind
from inbox_tui.ui.widgets.queue_columns import Layout, layout, render_row

PAGE = 100
PAGES_KEPT = 24
_NO_STYLE = Style()

FetchRows = Callable[[Sequence[int]], list[QueueRow]]


class QueueList(ScrollView, can_focus=True):
    BINDINGS = [
        bind("queue.down", "cursor_down"),
        bind("queue.up", "cursor_up"),
        bind("queue.page_down", "page_down"),
        bind("queue.page_up", "page_up"),
        bind("queue.first", "first"),
        bind("queue.last", "last"),
        bind("queue.open", "choose"),
    ]

    COMPONENT_CLASSES = {
        "queue-list--cursor",
        "queue-list--cursor-bar",
        "queue-list--subject-read",
        "queue-list--unread",
        "queue-list--closed",
        "queue-list--marked",
        "queue-list--empty",
        "queue-list--unread-mark",
        "queue-list--prio-1",
        "queue-list--prio-2",
        "queue-list--prio-3",
        "queue-list--status-open",
        "queue-list--status-pending",
        "queue-list--status-closed",
        "queue-list--age",
        "queue-list--age-agent",
        "queue-list--sla-ok",
        "queue-list--sla-due_soon",
        "queue-list--sla-breached",
        "queue-list--customer",
        "queue-list--subject",
        "queue-list--tags",
        "queue-list--ops",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)
    """``watch_cursor`` repaints the two lines that changed (or the view, when it scrolls)."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another conversation (``None``: the list is empty)."""

        queue_list: QueueList
        conversation_id: int | None

        @property
        def control(self) -> QueueList:
            return self.queue_list

    @dataclass
    class Chosen(Message):
        """Enter on a conversation."""

        queue_list: QueueList
        conversation_id: int

        @property
        def control(self) -> QueueList:
            return self.queue_list

    def __init__(self, fetch_rows: FetchRows, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._fetch_rows = fetch_rows
        self._ids: list[int] = []
        self._pages: OrderedDict[int, list[QueueRow | None]] = OrderedDict()
        self._layout: Layout | None = None
        self.empty_text = "Nothing here."
        self._following = False
        """True once the agent chose a conversation (moved the cursor): reloads keep it."""
        self.fetches = 0
        """Page queries made so far (the tests and the benchmark read it)."""
        self.marked: frozenset[int] = frozenset()
        """Conversations marked for a macro: shown with ``*`` and a tint."""
        self._base: Style | None = None
        """``rich_style`` of the render pass under way (``render_lines``)."""

    # ------------------------------------------------------------------ data
    @property
    def ids(self) -> list[int]:
        return self._ids

    @property
    def current_id(self) -> int | None:
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def set_ids(self, ids: list[int], *, keep: int | None = None, then: int | None = None) -> None:
        """Replace the list (a reload, a rescore, another view).

        The cursor stays on conversation ``keep`` — by default the current one, once the
        agent has moved the cursor or opened a conversation; before that it stays on the
        top row, so a rescore right after start does not drag it down the list. If that
        conversation left the list, it goes to ``then`` (the one that was next), else to
        the same position."""
        if keep is not None:
            self._following = True
        elif self._following:
            keep = self.current_id
        position = self.cursor
        self._ids = ids
        self._pages.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(ids))
        if not ids:
            self._following = False
        for wanted in (keep, then):
            if wanted is not None and wanted in ids:
                position = ids.index(wanted)
                break
        self.cursor = max(0, min(position, len(ids) - 1))
        self.refresh()

    def following_id(self) -> int | None:
        """The conversation after the cursor (else the one before): where the cursor goes
        when the current one leaves the list."""
        for index in (self.cursor + 1, self.cursor - 1):
            if 0 <= index < len(self._ids):
                return self._ids[index]
        return None

    def set_marked(self, ids: Collection[int]) -> None:
        self.marked = frozenset(ids)
        self.refresh()

    def invalidate(self) -> None:
        """Rows changed but not the order (e.g. read state): fetch them again."""
        self._pages.clear()
        self.refresh()

    def row(self, index: int) -> QueueRow | None:
        if not 0 <= index < len(self._ids):
            return None
        number = index // PAGE
        page = self._pages.get(number)
        if page is None:
            page_ids = self._ids[number * PAGE : (number + 1) * PAGE]
            by_id = {r.id: r for r in self._fetch_rows(page_ids)}
            self.fetches += 1
            page = [by_id.get(i) for i in page_ids]
            self._pages[number] = page
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[index % PAGE]

    # ------------------------------------------------------------------ rendering
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"queue-list--{name}", partial=True, default=_NO_STYLE)

    def on_resize(self, event: events.Resize) -> None:
        self._layout = None
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._ids))

    def render_lines(self, crop: Region) -> list[Strip]:
        # the widget's own style once per pass, not per line: ``rich_style`` walks every
        # ancestor's styles each time (~0.1 ms; 30 lines a frame)
        self._base = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self._base if self._base is not None else self.rich_style
        if not self._ids:
            if y == max(0, self.size.height // 2 - 1):
                text = self.empty_text.center(width)
                return Strip([Segment(text, base + self._style("empty"))]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = self.row(index)
        if row is None:
            return Strip.blank(width, base)
        if self._layout is None or self._layout.width != width:
            self._layout = layout(width)
        style = base
        if str(row.status) == "closed":
            style += self._style("closed")
        marked = row.id in self.marked
        if marked:
            style += self._style("marked")
        at_cursor = index == self.cursor
        if at_cursor:
            style += self._style("cursor")
        return Strip(render_row(row, self._layout, utcnow(), self._style, style, cursor=at_cursor, marked=marked), width)

    # ------------------------------------------------------------------ cursor
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._ids) - 1)) if self._ids else 0

    def watch_cursor(self, old: int, new: int) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif height and new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        self.refresh_line(old - self.scroll_offset.y)
        self.refresh_line(new - self.scroll_offset.y)
        self.post_message(self.Highlighted(self, self.current_id))

    def _move(self, index: int) -> None:
        self._following = True
        self.cursor = index

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._ids) - 1)

    def action_choose(self) -> None:
        if (cid := self.current_id) is not None:
            self._following = True
            self.post_message(self.Chosen(self, cid))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self._ids):
            self._move(index)
            if event.chain >= 2:
                self.action_choose()
