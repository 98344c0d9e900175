"""Resolving secret references. The only module that imports ``keyring``.

A secret is written in the config as a reference, never as a value:

* ``{ keyring = "inbox-tui/support/password" }`` — service ``inbox-tui``, user
  ``support/password`` in the OS keyring;
* ``{ command = "pass show mail/support" }`` — the first line of the command's output.

Values are resolved just before a connector is opened and never logged or stored.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

from inbox_tui.errors import ConfigError

COMMAND_TIMEOUT = 60


def keyring_ref(account: str, key: str) -> str:
    return f"inbox-tui/{account}/{key}"


def resolve(ref: Any, *, label: str) -> str:
    """The secret behind ``ref``; ConfigError (without the secret) when it cannot be had."""
    if not isinstance(ref, dict):
        raise ConfigError(f"{label}: not a secret reference")
    if "keyring" in ref:
        service, _, user = str(ref["keyring"]).partition("/")
        if not user:
            raise ConfigError(f"{label}: keyring reference must look like 'service/user'")
        try:
            import keyring
            from keyring.errors import KeyringError

            value = keyring.get_password(service, user)
        except KeyringError as exc:
            raise ConfigError(f"{label}: the OS keyring is not available ({type(exc).__name__})") from None
        if value is None:
            raise ConfigError(f"{label}: no secret stored in the keyring under {ref['keyring']!r}")
        return value
    if "command" in ref:
        argv = shlex.split(str(ref["command"]))
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"{label}: secret command {argv[0]!r} failed ({type(exc).__name__})") from None
        if done.returncode != 0:
            raise ConfigError(f"{label}: secret command {argv[0]!r} exited with {done.returncode}")
        value = done.stdout.splitlines()[0] if done.stdout else ""
        if not value:
            raise ConfigError(f"{label}: secret command {argv[0]!r} printed nothing")
        return value
    raise ConfigError(f"{label}: use {{ keyring = … }} or {{ command = … }}")


def store_in_keyring(account: str, key: str, value: str) -> dict[str, str]:
    """Save ``value`` in the OS keyring and return the reference to write in the config."""
    import keyring
    from keyring.errors import KeyringError

    ref = keyring_ref(account, key)
    service, _, user = ref.partition("/")
    try:
        keyring.set_password(service, user, value)
    except KeyringError as exc:
        raise ConfigError(
            f"cannot store the {key} in the OS keyring ({type(exc).__name__}); use --{key.replace('_', '-')}-command"
        ) from None
    return {"keyring": ref}
