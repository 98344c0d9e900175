"""Bad user files get one clear line naming the file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox_tui import config, keymap
from inbox_tui.errors import ConfigError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('[app]\nagent_name = "x"\n[accounts.a\n', ":3:", "invalid TOML"),
        ('[app]\ncolour = "red"\n', ":2:", "unknown setting app.colour"),
        ('[accounts.a]\nconnector = "pop3"\n', ":2:", "must be one of"),
        ('[accounts.a]\nconnector = "maildir"\npassword = "hunter2"\n', ":3:", "secrets are never written"),
        ('[theme]\nx = 1\n', ":1:", "unknown section"),
    ],
)
def test_config_errors_name_file_and_line(tmp_path: Path, text: str, where: str, words: str) -> None:
    path = write(tmp_path, "config.toml", text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}{where}") and words in message
    assert "hunter2" not in message


def test_secret_references_and_account_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.write_app(path, agent_name="Sam")
    config.add_account(path, "support", "imap", {"host": "imap.example.com", "password": {"command": "pass show x"},
                                                  "folders": ["INBOX", "Sent"], "save_sent": False})  # fmt: skip
    loaded = config.load(path)
    assert loaded.agent_name == "Sam"
    assert loaded.accounts["support"].settings["password"] == {"command": "pass show x"}
    with pytest.raises(ConfigError, match="already exists"):
        config.add_account(path, "support", "imap", {})


def test_missing_config_is_empty(tmp_path: Path) -> None:
    assert config.load(tmp_path / "none.toml").accounts == {}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[queue]\nopen = \"enter\"\nexplode = \"e\"\n", 3, "unknown action 'queue.explode'"),
        ("[queue]\nopen = \"hyper+x\"\n", 2, "unknown key name"),
        ("[conversation]\nreply = \"x\"\n", 2, "bound to both"),  # x is close in default
        ("[colours]\n", 1, "unknown section"),
        ("[queue\n", 1, "invalid TOML"),
    ],
)
def test_keymap_errors_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, "keymap.toml", text)
    with pytest.raises(ConfigError) as err:
        keymap.load("default", path)
    assert str(err.value).startswith(f"{path}:{line}:") and words in str(err.value)


def test_user_keymap_overrides_one_key(tmp_path: Path) -> None:
    path = write(tmp_path, "keymap.toml", '[conversation]\nreply = "R"\n')
    km = keymap.load("default", path)
    assert km.bindings["conversation.reply"] == "R"
    assert km.bindings["conversation.close"] == "x"


def test_unknown_builtin_keymap(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown keymap 'dvorak'"):
        keymap.load("dvorak")
