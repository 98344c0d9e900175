"""Running service calls off the UI thread.

Every write goes through ``run_service`` (a thread worker, ``exit_on_error=False``): the
call runs in a worker thread, errors become a notification, the outcome is reported on the
UI thread through ``after`` and an app-level ``DataChanged`` so other screens reload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual import work
from textual.screen import Screen

from inbox_tui.errors import InboxError
from inbox_tui.ui.messages import DataChanged

log = logging.getLogger("inbox_tui.ui")


class ActingScreen(Screen[Any]):
    """A screen that can run service calls in thread workers."""

    @work(thread=True, group="act", exit_on_error=False)
    def run_service(
        self,
        call: Callable[[], Any],
        describe: Callable[[Any], str | None] | str | None = None,
        *,
        conversation_id: int | None = None,
        after: Callable[[Any], None] | None = None,
    ) -> None:
        try:
            result = call()
        except InboxError as exc:
            self.app.call_from_thread(self.notify, str(exc), title=exc.title, severity="error", markup=False)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the app; the log has it
            log.exception("service call failed")
            text = f"Internal error ({type(exc).__name__}); details in the log"
            self.app.call_from_thread(self.notify, text, severity="error", markup=False)
            return
        message = describe(result) if callable(describe) else describe
        self.app.call_from_thread(self._acted, result, message, conversation_id, after)

    def _acted(self, result: Any, message: str | None, conversation_id: int | None, after: Callable[[Any], None] | None) -> None:
        if message:
            self.notify(message, markup=False)
        self.app.post_message(DataChanged(conversation_id))
        if after is not None:
            after(result)
