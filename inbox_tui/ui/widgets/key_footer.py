"""Textual's ``Footer``, recomposed only when the keys it shows change.

The stock footer rebuilds every key widget on each bindings signal — a screen push, each
focus change — and each rebuild mounts and styles ~8 widgets (10–25 ms). Opening the
queue sent five such signals, so the footer was rebuilt five times around the first
paint. This one waits for the burst to end (one rebuild per refresh) and skips the
rebuild when the shown keys are the ones already on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen


class KeyFooter(Footer):
    _pending = False
    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    def _keys_shown(self) -> tuple[object, ...]:
        return (
            self.show_command_palette,
            self.compact,
            *(
                (binding.key, binding.action, binding.description, binding.key_display, enabled, tooltip)
                for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
                if binding.show
            ),
        )

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
