"""Where things live. One function per location.

``--home DIR`` / ``INBOX_TUI_HOME=DIR`` puts everything under DIR (config, data, cache,
logs), which is how the demo and the tests stay away from a user's real inbox. Without it,
platform (XDG) locations are used.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "inbox-tui"
HOME_ENV = "INBOX_TUI_HOME"

_home_override: Path | None = None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Pin every location under ``path`` (``None``: back to the environment / XDG)."""
    global _home_override
    _home_override = Path(path).expanduser().resolve() if path else None


def home() -> Path | None:
    if _home_override is not None:
        return _home_override
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser().resolve() if env else None


def config_dir() -> Path:
    h = home()
    if h is not None:
        return h
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    h = home()
    if h is not None:
        return h / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    h = home()
    if h is not None:
        return h / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def replies_dir() -> Path:
    return config_dir() / "replies"


def user_keymap_file() -> Path:
    return config_dir() / "keymap.toml"


def db_path() -> Path:
    return data_dir() / "inbox.db"


def log_file() -> Path:
    return data_dir() / "inbox.log"


def attachments_dir() -> Path:
    return cache_dir() / "attachments"


def default_demo_home() -> Path:
    """Where ``inbox demo`` puts its isolated home when no ``--home`` is given."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo"
