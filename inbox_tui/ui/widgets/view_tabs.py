"""View tabs with live counts: ``All open 312 │ Unanswered 120 │ …``.

The screen sets ``views``/``counts``/``active``; a click posts ``Selected``. Titles come
from the config and are rendered as plain text parts of a ``Content``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from inbox_tui.service import ViewSpec


class ViewTabs(Widget):
    COMPONENT_CLASSES = {"view-tabs--active", "view-tabs--count", "view-tabs--sep"}

    active: reactive[str] = reactive("", layout=False)
    counts: reactive[dict[str, int]] = reactive(dict, always_update=True)

    @dataclass
    class Selected(Message):
        key: str

    def __init__(self, views: list[ViewSpec], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.views = views
        self._spans: list[tuple[int, int, str]] = []

    def _labels(self, compact: bool) -> list[tuple[str, str]]:
        out = []
        for view in self.views:
            title = view.title.split(" ")[0] if compact and view.key != self.active else view.title
            count = self.counts.get(view.key)
            out.append((title, "" if count is None else f"{count:,}"))
        return out

    def render(self) -> Content:
        labels = self._labels(compact=False)
        total = sum(cell_len(t) + cell_len(c) + 5 for t, c in labels)
        if total > self.size.width:
            labels = self._labels(compact=True)
        active_style = self.get_visual_style("view-tabs--active", partial=True)
        count_style = self.get_visual_style("view-tabs--count", partial=True)
        sep = self.get_visual_style("view-tabs--sep", partial=True)
        parts: list[str | tuple[str, object]] = []
        self._spans = []
        x = 0
        for index, (view, (title, count)) in enumerate(zip(self.views, labels)):
            if index:
                parts.append(("│", sep))
                x += 1
            start = x
            if view.key == self.active:
                label = f" {title} {count} " if count else f" {title} "
                parts.append((label, active_style))
                parts.append(" ")
            else:
                label = f" {title} "
                parts.append(label)
                if count:
                    parts.append((f"{count} ", count_style))
                    label += f"{count} "
                parts.append(" ")
            x += cell_len(label) + 1
            self._spans.append((start, x, view.key))
        return Content.assemble(*parts)  # type: ignore[arg-type]

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.post_message(self.Selected(key))
                return

    def step(self, delta: int) -> str:
        """The key of the view ``delta`` tabs away from the active one (wrapping)."""
        keys = [v.key for v in self.views]
        if not keys:
            return ""
        index = keys.index(self.active) if self.active in keys else 0
        return keys[(index + delta) % len(keys)]
