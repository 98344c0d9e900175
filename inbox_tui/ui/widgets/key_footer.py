"""Textual's ``Footer``, rebuilt only when it must.

The stock footer rebuilds every key widget on each bindings signal — a screen push, each
focus change — and each rebuild mounts and styles ~8 widgets (10–25 ms; ~35 ms at 100k
while a search result waits to be painted). This one waits for the burst to end (one
check per refresh), skips the rebuild when the shown keys are the ones already on screen,
and, when the new keys are some of the keys it has built (the search box takes focus: Open,
Quit and Keys go away; Enter gives it back: they return), only shows and hides those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

Key = tuple[object, ...]
"""What one footer cell shows: key, action, description, key display, enabled, tooltip."""


class KeyFooter(Footer):
    _pending = False
    _shown: tuple[object, ...] | None = None
    _built: list[tuple[Key, FooterKey]] = []
    """The key cells of the last rebuild, in order, with the key each shows."""

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    def _keys(self) -> list[Key]:
        """One key per action, as ``Footer.compose`` shows them (the first binding of each)."""
        keys: dict[str, Key] = {}
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = (binding.key, binding.action, binding.description, binding.key_display, enabled, tooltip)
        return list(keys.values())

    def _keys_shown(self) -> tuple[object, ...]:
        return (self.show_command_palette, self.compact, *self._keys())

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown == self._shown:
            return
        if self._shown is not None and shown[:2] == self._shown[:2] and self._show_only(self._keys()):
            self._shown = shown
            return
        self._shown = shown
        await self.recompose()
        built = [key for key in self.query_children(FooterKey) if not key.has_class("-command-palette")]
        wanted = self._keys()
        self._built = list(zip(wanted, built)) if len(wanted) == len(built) else []

    def _show_only(self, wanted: list[Key]) -> bool:
        """Show the built cells of ``wanted`` (in the same order) and hide the others;
        False, touching nothing, when some wanted key has no cell."""
        built_keys = [key for key, _ in self._built]
        position = 0
        for key in wanted:  # a subsequence of the built keys, in order
            try:
                position = built_keys.index(key, position) + 1
            except ValueError:
                return False
        wanted_set = set(wanted)
        for key, cell in self._built:
            cell.display = key in wanted_set
        return True
