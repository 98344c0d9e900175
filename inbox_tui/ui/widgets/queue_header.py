"""The column titles above the queue, laid out by the same ``layout()`` as its rows."""

from __future__ import annotations

from textual.strip import Strip
from textual.widget import Widget

from inbox_tui.ui.widgets.queue_columns import header, layout


class QueueHeader(Widget):
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y:
            return Strip.blank(width, self.rich_style)
        return Strip(header(layout(width), self.rich_style), width)
