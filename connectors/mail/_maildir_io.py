"""The Maildir on disk: folder layouts, file names, flags, atomic delivery, renames.

A message file is ``<folder>/{new,cur}/<key>[:2,<flags>]``. The *key* (the part before
``:``) never changes while the file lives in that folder; flag changes rename the file
within ``cur/`` and a first read moves it from ``new/`` to ``cur/``. Delivery writes into
``tmp/`` and renames into place, so a reader never sees half a message.

Two folder layouts are understood (both as mbsync and offlineimap write them):

* Maildir++: ``cur/new/tmp`` at the root is INBOX, ``.Sent``, ``.Archive.2024`` …
* verbatim ("Path/Sub"): each folder is a plain subdirectory with its own ``cur/new/tmp``
  (``Sent/``, ``Archive/2024/``), INBOX is ``INBOX/`` or the root itself.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FLAG_LETTERS",
    "Entry",
    "add_flags",
    "deliver",
    "ensure_folder",
    "flags_of",
    "is_maildir",
    "list_folder",
    "locate",
    "resolve_folder",
    "split_name",
    "unique_name",
]

FLAG_LETTERS = {"S": "seen", "R": "answered", "F": "flagged"}
"""Maildir info letters that map to canonical flags (P passed, D draft, T trashed do not)."""
_LETTER_OF = {flag: letter for letter, flag in FLAG_LETTERS.items()}
_counter = 0
_counter_lock = threading.Lock()


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def split_name(name: str) -> tuple[str, str]:
    """``(key, info letters)`` of a message file name; ``info`` is ``""`` for new mail."""
    key, sep, info = name.partition(":")
    if not sep and "!2," in name:  # the separator some tools use on filesystems without ':'
        key, sep, info = name.partition("!")
    letters = info[2:] if info.startswith("2,") else ""
    return key, letters


def flags_of(letters: str) -> frozenset[str]:
    return frozenset(FLAG_LETTERS[c] for c in letters if c in FLAG_LETTERS)


@dataclass(frozen=True)
class Entry:
    key: str
    subdir: str
    """``new`` or ``cur``."""
    name: str
    letters: str

    @property
    def flags(self) -> frozenset[str]:
        return flags_of(self.letters)

    @property
    def trashed(self) -> bool:
        return "T" in self.letters


def list_folder(folder: Path) -> dict[str, Entry]:
    """Every message of a folder by key. ``new/`` is read before ``cur/`` so a message that
    another client moves between the two while we list is seen at least once; if a
    directory changes while it is read, it is read again (readdir is not a snapshot)."""
    entries: dict[str, Entry] = {}
    for subdir in ("new", "cur"):
        directory = folder / subdir
        for _attempt in range(3):
            try:
                before = os.stat(directory).st_mtime_ns
                names = [e.name for e in os.scandir(directory) if not e.name.startswith(".")]
                after = os.stat(directory).st_mtime_ns
            except FileNotFoundError:
                names, before, after = [], 0, 0
            if before == after:
                break
        for name in names:
            key, letters = split_name(name)
            entries[key] = Entry(key, subdir, name, letters)
    return entries


def locate(folder: Path, key: str) -> Entry | None:
    """The current file of ``key`` (after any rename by another client), or ``None``."""
    for subdir in ("cur", "new"):
        directory = folder / subdir
        try:
            with os.scandir(directory) as found:
                for item in found:
                    if item.name == key or item.name.startswith(key + ":") or item.name.startswith(key + "!2,"):
                        name_key, letters = split_name(item.name)
                        if name_key == key:
                            return Entry(key, subdir, item.name, letters)
        except FileNotFoundError:
            continue
    return None


def resolve_folder(root: Path, name: str) -> Path | None:
    """Where folder ``name`` lives under ``root`` in either layout; ``None`` if nowhere."""
    if name.upper() == "INBOX":
        if is_maildir(root):
            return root
        for candidate in ("INBOX", "Inbox", "inbox"):
            if is_maildir(root / candidate):
                return root / candidate
        return None
    dotted = root / ("." + name.replace("/", "."))
    if is_maildir(dotted):
        return dotted
    for candidate in (root / name, root / ("INBOX." + name.replace("/", ".")), root / "INBOX" / name):
        if is_maildir(candidate):
            return candidate
    try:
        wanted = name.casefold()
        for item in os.scandir(root):
            label = item.name[1:].replace(".", "/") if item.name.startswith(".") else item.name
            if label.casefold() == wanted and is_maildir(Path(item.path)):
                return Path(item.path)
    except OSError:
        pass
    return None


def ensure_folder(root: Path, name: str) -> Path:
    """The folder, created (with ``cur/new/tmp``) in the layout the root already uses."""
    found = resolve_folder(root, name)
    if found is not None:
        return found
    if name.upper() == "INBOX":
        path = root
    elif is_maildir(root) or any(p.name.startswith(".") and is_maildir(p) for p in _subdirs(root)):
        path = root / ("." + name.replace("/", "."))
    else:
        path = root / name
    make_maildir(path)
    return path


def make_maildir(path: Path) -> None:
    for subdir in ("tmp", "new", "cur"):
        (path / subdir).mkdir(parents=True, exist_ok=True)


def _subdirs(root: Path) -> Iterator[Path]:
    try:
        yield from (Path(e.path) for e in os.scandir(root) if e.is_dir())
    except OSError:
        return


def unique_name() -> str:
    """``<seconds>.M<micros>P<pid>Q<n>R<random>.<host>`` (the Maildir spec's modern form)."""
    global _counter
    with _counter_lock:
        _counter += 1
        count = _counter
    now = time.time()
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"
    return f"{int(now)}.M{int(now * 1_000_000) % 1_000_000}P{os.getpid()}Q{count}R{secrets.token_hex(8)}.{host}"


def deliver(folder: Path, data: bytes, *, seen: bool = False) -> tuple[str, Path]:
    """Write ``data`` atomically: ``tmp/`` first, fsync, then rename into ``new/`` (or into
    ``cur/`` with ``:2,S`` when ``seen``). Returns ``(key, final path)``."""
    make_maildir(folder)
    key = unique_name()
    temporary = folder / "tmp" / key
    final = folder / "cur" / f"{key}:2,S" if seen else folder / "new" / key
    with open(temporary, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.rename(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)
    return key, final


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def add_flags(
    folder: Path,
    key: str,
    add: frozenset[str] = frozenset(),
    remove: frozenset[str] = frozenset(),
    *,
    entry: Entry | None = None,
) -> Entry | None:
    """Rename the message's file to carry the new flags (moving it to ``cur/``).

    ``entry`` (from a recent listing) saves a directory scan. Another client may rename the
    file at the same moment: the rename then fails, the file is looked up again and the
    change is retried. ``None`` when the message is gone.
    """
    for attempt in range(5):
        if entry is None or attempt:
            entry = locate(folder, key)
        if entry is None:
            return None
        letters = set(entry.letters)
        letters |= {_LETTER_OF[f] for f in add if f in _LETTER_OF}
        letters -= {_LETTER_OF[f] for f in remove if f in _LETTER_OF}
        info = "".join(sorted(letters))
        name = f"{key}:2,{info}"
        if entry.subdir == "cur" and entry.name == name:
            return entry
        try:
            os.rename(folder / entry.subdir / entry.name, folder / "cur" / name)
        except FileNotFoundError:
            continue
        return Entry(key, "cur", name, info)
    return None
