"""The shipped keymaps load, sequences and switches parse, bad files fall back to the last
keymap that loaded (with one line naming file and line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox_tui import config, keymap
from inbox_tui.actions import ACTIONS
from inbox_tui.errors import ConfigError


@pytest.mark.parametrize("name", ["default", "vim", "emacs"])
def test_shipped_keymaps_load_and_bind_every_action(name: str) -> None:
    km = keymap.load(name)
    assert set(km.bindings) == set(ACTIONS)
    assert all(km.keys_for(a) for a in ACTIONS)


def test_vim_and_emacs_specifics() -> None:
    vim = keymap.load("vim")
    assert vim.counts and vim.registers
    assert vim.sequences()[("g", "g")] == "queue.first"
    assert "G" in vim.keys_for("queue.last") and "colon" in vim.keys_for("global.palette")
    assert vim.single_keys()["queue.first"] == "home"
    emacs = keymap.load("emacs")
    assert not emacs.counts
    assert emacs.sequences()[("ctrl+x", "ctrl+c")] == "global.quit"
    assert emacs.keys_for("queue.down")[0] == "ctrl+n" and emacs.keys_for("global.palette") == ["alt+x"]
    assert "ctrl+p" not in emacs.keys_for("global.palette")  # C-p is "up" in emacs
    assert emacs.display_keys("global.quit").startswith("Ctrl+X Ctrl+C")


def test_sequence_only_action_hides_its_default_key(tmp_path: Path) -> None:
    user = tmp_path / "keymap.toml"
    user.write_text('[global]\nquit = "ctrl+x ctrl+c"\n', encoding="utf-8")
    km = keymap.load("default", user)
    assert km.single_keys()["global.quit"] == keymap.NO_KEY


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[queue]\nfirst = "g g"\nlast = "g"\n', 3, "a prefix shared by"),
        ('[queue]\nfirst = "g hyper+g"\n', 2, "unknown key name 'hyper+g'"),
        ('counts = "yes"\n', 1, "counts must be true or false"),
        ('[global]\nmacro_run = "x y"\n', 2, "a prefix shared by"),  # x is close in queue/conversation
    ],
)
def test_sequence_errors_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    user = tmp_path / "keymap.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        keymap.load("default", user)
    assert str(err.value).startswith(f"{user}:{line}:") and words in str(err.value)


def test_bad_user_file_falls_back_to_the_last_good_keymap(tmp_path: Path) -> None:
    user, last = tmp_path / "keymap.toml", tmp_path / "data" / "keymap.last-good.json"
    user.write_text('[conversation]\nreply = "R"\n', encoding="utf-8")
    km, error = keymap.load_safe("vim", user, last)
    assert error is None and km.bindings["conversation.reply"] == "R" and last.is_file()

    user.write_text('[conversation]\nreply = "R"\nexplode = "e"\n', encoding="utf-8")
    km, error = keymap.load_safe("vim", user, last)
    assert error is not None and error.startswith(f"{user}:3: unknown action 'conversation.explode'")
    assert "last keymap that loaded (vim)" in error and "\n" not in error
    assert km.name == "vim" and km.counts and km.bindings["conversation.reply"] == "R"

    last.write_text("{not json", encoding="utf-8")
    km, error = keymap.load_safe("vim", user, last)
    assert km.name == "default" and error is not None and "default keymap" in error


def test_config_picks_the_base_keymap(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[app]\nkeymap = "emacs"\n', encoding="utf-8")
    chosen = config.load(path).keymap
    km, error = keymap.load_safe(chosen, tmp_path / "keymap.toml", None)
    assert error is None and km.name == "emacs" and km.keys_for("global.palette") == ["alt+x"]
    km, error = keymap.load_safe("dvorak", None, None)
    assert km.name == "default" and error is not None and "unknown keymap 'dvorak'" in error
