"""Paint what belongs together in one frame: the queue's search results, their tab count
and the focus coming back to the list.

Textual paints whenever a widget asks, at most 60 times a second, and after a frame that
took longer than 1/60 s (a relayout of the queue screen takes 20-40 ms) it waits 17-33 ms
for the next (Textual 8.2.8's update timer skips to the slot after next). A search that
changes the focus, the list, the preview and the tabs in two or three frames was painted
50-60 ms later than in one. So the screen holds frames (``App.batch_update``) while the
pieces arrive and lets them go once every changed widget has asked for its repaint.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from textual.screen import Screen

HOLD_AT_MOST = 0.2
"""Seconds frames may be held, whatever happens to what was awaited."""


class OneFrame:
    def __init__(self, screen: Screen[object]) -> None:
        self._screen = screen
        self._held: AbstractContextManager[None] | None = None
        self._holds = 0
        self._after_release: list[Callable[[], object]] = []

    @property
    def held(self) -> bool:
        return self._held is not None

    def hold(self) -> None:
        """No frame from now until ``release`` (at most ``HOLD_AT_MOST`` seconds)."""
        if self._held is None:
            self._held = self._screen.app.batch_update()
            self._held.__enter__()
            self._holds += 1
            hold = self._holds
            self._screen.app.set_timer(HOLD_AT_MOST, lambda: self._release_hold(hold))

    def release_after_updates(self) -> None:
        """Release once the screen has the repaint requests of the widgets just changed.
        Each widget posts its request when it next idles, after the current callback:
        the release goes behind them in the screen's queue (one hop), then waits for the
        screen to be idle (a second). Released at once, the frame could start before the
        tabs' request arrived, and the tabs came one slow frame later."""
        if self._held is not None:
            self._screen.call_later(self._screen.call_after_refresh, self.release)

    def release(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            held.__exit__(None, None, None)
        waiting, self._after_release = self._after_release, []
        for callback in waiting:
            self._screen.call_after_refresh(callback)

    def _release_hold(self, hold: int) -> None:
        if hold == self._holds:  # not a later hold
            self.release()

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the next frame is painted (after the release if held)."""
        if self._held is not None:
            self._after_release.append(callback)
        else:
            self._screen.call_after_refresh(callback)
