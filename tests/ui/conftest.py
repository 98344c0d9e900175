"""Pilot fixtures: a real inbox home (real SQLite through the real store and service),
and the app built exactly as ``inbox`` builds it — ``bootstrap.build_service(home)`` and
``keymap.load`` — then driven headless at 120×40."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from inbox_tui import bootstrap, keymap, paths
from inbox_tui.ui.app import InboxApp
from tests.ui.homes import build_home

SIZE = (120, 40)


@pytest.fixture(scope="session")
def _template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = build_home(tmp_path_factory.mktemp("template") / "home")
    paths.set_home(None)
    return home


@pytest.fixture
def home(tmp_path: Path, _template_home: Path) -> Iterator[Path]:
    """A fresh copy of the inbox home for each test (tests write to it)."""
    target = tmp_path / "home"
    shutil.copytree(_template_home, target)
    config = target / "config.toml"
    if config.exists():  # the maildir path points into the template; point it at the copy
        config.write_text(config.read_text().replace(str(_template_home), str(target)))
    paths.set_home(target)
    yield target
    paths.set_home(None)


AppFactory = Callable[..., InboxApp]


@pytest.fixture
def make_app(home: Path) -> AppFactory:
    def make(*, name: str = "default", user_keymap: Path | None = None, keymap_error: str | None = None) -> InboxApp:
        service = bootstrap.build_service(home)
        return InboxApp(service, keymap.load(name, user_keymap), keymap_error=keymap_error)

    return make


async def settle(pilot: Pilot[object], rounds: int = 2) -> None:
    """Let workers finish and the screen repaint (thread workers report via call_from_thread)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: InboxApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notifications(app: InboxApp) -> list[str]:
    return [n.message for n in app._notifications]


async def until(pilot: Pilot[object], check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Pause until ``check()`` is truthy (workers report asynchronously); fail with ``what``."""
    import time

    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for: {what}\nscreen:\n{screen_text(pilot.app)}")  # type: ignore[arg-type]
        await pilot.pause(0.02)
        await pilot.app.workers.wait_for_complete()


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type like a person: one key per character (newline is Enter, space is space)."""
    await pilot.press(*["enter" if ch == "\n" else ch for ch in text])
