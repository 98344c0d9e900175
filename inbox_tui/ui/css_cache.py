"""The parsed stylesheet, kept from one start to the next.

Textual parses the app's TCSS and each widget's ``DEFAULT_CSS`` on every start: ~20 ms
before the first paint, the largest single cost after the imports. It looks every source
up in its parse cache first, by the source's whole text, location and settings; so the
rules parsed by the last start, pickled after its first paint, are handed to this start's
cache before Textual parses (loading them takes ~2 ms). An edited file or widget has
another text: Textual parses it as usual and the file is written again.

The file belongs to the Textual and Python it was written with and to the CSS variables
(the theme) the rules were parsed with; anything else — another version, another theme,
a damaged or unreadable file — and Textual parses as if there were no file.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.css.stylesheet import Stylesheet

FORMAT = 1


def _stamp() -> tuple[object, ...]:
    """Python's version and the size and time of the Textual modules the rules are made
    of: a rule pickled by another Textual never loads."""
    from textual.css import model, parse, styles

    files = (model.__file__, parse.__file__, styles.__file__)
    return (FORMAT, sys.version, *((s.st_size, s.st_mtime_ns) for s in map(os.stat, files)))


class StylesheetCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._saved: frozenset[Any] = frozenset()
        """The cache keys the file holds (loaded or last written)."""
        self.loaded = 0
        """Sources handed to the stylesheet by :meth:`load` (tests read it)."""
        self.writer: threading.Thread | None = None
        """The last writing thread (tests join it)."""

    def load(self, stylesheet: Stylesheet) -> int:
        """Put the file's parsed sources into ``stylesheet``'s parse cache; how many."""
        try:
            with open(self.path, "rb") as file:
                data = pickle.load(file)
            if data["stamp"] != _stamp() or data["variables"] != stylesheet._variables:
                return 0
            entries: dict[Any, Any] = data["rules"]
            for key, rules in entries.items():
                stylesheet._parse_cache.set(key, rules)
        except Exception:  # noqa: BLE001 - no file, another format: Textual parses as usual
            return 0
        self._saved = frozenset(entries)
        self.loaded = len(entries)
        return self.loaded

    def save(self, stylesheet: Stylesheet) -> threading.Thread | None:
        """Write the rules of the sources the stylesheet holds now, when they are not the
        file's (a source parsed anew, or one no longer used: an edited file's old text is
        not kept); the pickling here, the writing in a thread (a busy disk must not stall
        the app). Returns the writing thread."""
        cache = stylesheet._parse_cache
        used = {}
        for read_from, (css, is_default, tie_breaker, scope) in stylesheet.source.items():
            key = (css, read_from, is_default, tie_breaker, scope)  # as Stylesheet._parse_rules looks it up
            rules = cache.get(key)
            if rules is not None:
                used[key] = rules
        keys = frozenset(used)
        if not keys or keys == self._saved:
            return None
        try:
            data = pickle.dumps(
                {"stamp": _stamp(), "variables": dict(stylesheet._variables), "rules": used},
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        except Exception:  # noqa: BLE001 - something Textual holds does not pickle: keep parsing
            return None
        self._saved = keys
        self.writer = threading.Thread(target=self._write, args=(data,), name="stylesheet-cache", daemon=True)
        self.writer.start()
        return self.writer

    def _write(self, data: bytes) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
