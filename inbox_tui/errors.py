"""The error tree. Stdlib only. Every error carries a short ``title`` for the UI.

::

    InboxError
    ├── ConfigError          bad config / keymap / template / query (names file and line)
    ├── StorageError         the SQLite cache cannot be read or written
    ├── PlaceholderError     a reply template still has an unresolved placeholder
    └── ConnectorError       anything a connector raises
        ├── AuthError        credentials refused
        ├── RateLimited      429; ``retry_after`` seconds
        ├── NotFound         the conversation / message is gone upstream
        ├── Conflict         upstream changed since the agent's view
        ├── Unsupported      the connector cannot do this
        └── TransportError   network, TLS, timeouts, a server that speaks nonsense
            └── AmbiguousSend  a send may or may not have reached upstream
"""

from __future__ import annotations


class InboxError(Exception):
    title = "Error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        if title is not None:
            self.title = title

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(InboxError):
    """Bad user input in a file. ``str()`` is a one-line ``file:line: reason``."""

    title = "Configuration error"

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{reason}")
        self.reason = reason
        self.path = path
        self.line = line


def toml_problem(exc: Exception, *, line_offset: int = 0) -> tuple[str, int | None]:
    """``(reason, line)`` from a ``tomllib.TOMLDecodeError`` (3.11 keeps the position
    only in its message: "… (at line 3, column 7)")."""
    text = str(exc)
    reason, _, where = text.partition(" (at line ")
    line = getattr(exc, "lineno", None)
    if line is None and where:
        number = where.split(",")[0].strip(") ")
        line = int(number) if number.isdigit() else None
    return reason, (line + line_offset if line is not None else None)


class StorageError(InboxError):
    title = "Storage error"


class PlaceholderError(InboxError):
    """A reply still contains an unresolved or empty placeholder."""

    title = "Reply not sent"

    def __init__(self, placeholder: str, reason: str = "has no value") -> None:
        super().__init__(f"placeholder {{{{{placeholder}}}}} {reason}")
        self.placeholder = placeholder


class ConnectorError(InboxError):
    title = "Connector error"


class AuthError(ConnectorError):
    title = "Authentication failed"


class RateLimited(ConnectorError):
    title = "Rate limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(ConnectorError):
    title = "Not found"


class Conflict(ConnectorError):
    title = "Changed upstream"


class Unsupported(ConnectorError):
    title = "Not supported"


class TransportError(ConnectorError):
    title = "Connection problem"


class AmbiguousSend(TransportError):
    """The request may have reached upstream (timeout after the body was sent)."""

    title = "Send not confirmed"
