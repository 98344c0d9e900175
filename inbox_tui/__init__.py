"""inbox-tui: a keyboard-first terminal inbox for customer support.

This package must not import textual at import time: connectors import ``inbox_tui.model``.
"""

__version__ = "0.1.0"
