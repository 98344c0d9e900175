"""The parsed stylesheet kept between starts: the next start styles every widget exactly
as a start that parsed, and a file it cannot trust is parsed over as if absent."""

from __future__ import annotations

import pickle
from pathlib import Path

from textual.css.styles import Styles

from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.queue import QueueScreen
from tests.ui.conftest import SIZE, AppFactory, settle, until


Looks = tuple[list[object], list[tuple[str, object]], str]


def _styles(styles: Styles) -> object:
    """Every value as text (a layout compares by identity), sets sorted (their order is
    not the same after a pickle round trip)."""
    values = styles.get_rules().items()
    return sorted((k, repr(sorted(v) if isinstance(v, set | frozenset) else v)) for k, v in values), sorted(styles.important)


def _looks(app: InboxApp) -> Looks:
    """Every rule, every widget's computed styles, and the painted screen with its styles."""
    rules = [
        ([repr(s) for s in r.selector_set], sorted(r.selector_names), sorted(r.pseudo_classes), r.is_default_rules, r.tie_breaker, _styles(r.styles))
        for r in app.stylesheet.rules
    ]  # fmt: skip
    widgets = [(repr(node), _styles(node.styles.base)) for node in app.screen.walk_children(with_self=True)]
    strips = app.screen._compositor.render_strips()
    painted = "\n".join("".join(f"{seg.text}\0{seg.style}" for seg in strip) for strip in strips)
    return rules, widgets, painted


async def _start(app: InboxApp) -> tuple[Looks, int]:
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.loads >= 1, "the queue loaded")
        await settle(pilot)
        looks = _looks(app)
        await until(pilot, lambda: app._jobs_started, "the first paint")  # the rules are saved then
    if app.css_cache.writer is not None:
        app.css_cache.writer.join(10)
    return looks, app.css_cache.loaded


async def test_the_next_start_loads_the_rules_and_styles_everything_the_same(make_app: AppFactory, home: Path) -> None:
    parsed, loaded = await _start(make_app())
    assert loaded == 0 and (home / "cache" / "stylesheet.pickle").exists()
    cached, loaded = await _start(make_app())
    assert loaded > 0
    assert cached == parsed


async def test_a_damaged_file_is_parsed_over_and_written_again(make_app: AppFactory, home: Path) -> None:
    parsed, _ = await _start(make_app())
    path = home / "cache" / "stylesheet.pickle"
    path.write_bytes(b"\x80\x05not a pickle")
    looks, loaded = await _start(make_app())
    assert loaded == 0 and looks == parsed
    assert pickle.loads(path.read_bytes())["rules"]  # written again


async def test_rules_parsed_for_another_theme_are_not_used(make_app: AppFactory, home: Path) -> None:
    await _start(make_app())
    path = home / "cache" / "stylesheet.pickle"
    data = pickle.loads(path.read_bytes())
    data["variables"] = {**data["variables"], "primary": "#123456"}
    path.write_bytes(pickle.dumps(data))
    _, loaded = await _start(make_app())
    assert loaded == 0


async def test_rules_of_sources_no_longer_used_are_dropped(make_app: AppFactory, home: Path) -> None:
    await _start(make_app())
    path = home / "cache" / "stylesheet.pickle"
    data = pickle.loads(path.read_bytes())
    kept = set(data["rules"])
    old = ("Screen { color: red; }", ("/gone/inbox.tcss", ""), False, 0, "")  # an edited file's old text
    data["rules"][old] = next(iter(data["rules"].values()))
    path.write_bytes(pickle.dumps(data))
    _, loaded = await _start(make_app())
    assert loaded == len(kept) + 1
    assert set(pickle.loads(path.read_bytes())["rules"]) == kept
