"""The triage keys shared by the queue and the conversation: why here, snooze, snooze
again to the same time. A mixin for an ``ActingScreen``; the screen says which
conversation the keys act on (``triage_target``) and what happens after a snooze
(``after_snooze``: the queue reloads, the conversation moves on)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox_tui.service import InboxService, QueueRow

if TYPE_CHECKING:  # pragma: no cover
    from inbox_tui.ui.screens.acting import ActingScreen

    _Base = ActingScreen
else:
    _Base = object


class TriageKeys(_Base):
    service: InboxService

    def triage_target(self) -> QueueRow | None:
        """The conversation the keys act on (``None``: nothing selected)."""
        raise NotImplementedError

    def triage_view(self) -> str:
        return "open"

    def after_snooze(self, result: Any) -> None:
        raise NotImplementedError

    def action_why(self) -> None:
        row = self.triage_target()
        if row is not None:
            from inbox_tui.ui.screens.why import WhyScreen  # screens load when first opened

            self.app.push_screen(WhyScreen(self.service, row.id, self.triage_view(), row.subject))

    def action_snooze(self) -> None:
        row = self.triage_target()
        if row is None:
            return
        cid, subject = row.id, row.subject or "(no subject)"
        from inbox_tui.ui.screens.snooze import SnoozeChoice, SnoozeScreen

        def chosen(choice: SnoozeChoice | None) -> None:
            if choice is None:
                return
            if choice.again:
                call: Any = lambda: self.service.resnooze_same(cid)  # noqa: E731
            else:
                call = lambda: self.service.snooze(cid, choice.until)  # noqa: E731
            self.run_service(
                call,
                f"Snoozed {choice.label}: {subject}",
                conversation_id=cid,
                after=self.after_snooze,
            )

        self.app.push_screen(SnoozeScreen(self.service, row, cid, row.subject), chosen)

    def action_resnooze(self) -> None:
        row = self.triage_target()
        if row is None:
            return
        if row.resnooze_until is None:
            self.notify("No earlier snooze to go back to", markup=False)
            return
        cid, subject = row.id, row.subject or "(no subject)"
        from inbox_tui.ui.screens.snooze import when_text

        def describe(until: Any) -> str:
            if until is None:
                return "The earlier snooze time has passed; nothing snoozed"
            return f"Snoozed again until {when_text(until, self.service)}: {subject}"

        self.run_service(lambda: self.service.resnooze_same(cid), describe, conversation_id=cid, after=self.after_snooze)
