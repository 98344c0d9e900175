"""The shortcuts in preparing a reply write exactly what the general functions write."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from inbox_tui.model import clean_text
from inbox_tui.outgoing import _UNCLEAN, date_text, reply_body


def test_a_text_is_left_as_is_exactly_when_clean_text_would_not_change_it() -> None:
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates: not text
        char = chr(code)
        assert bool(_UNCLEAN.search(char)) == (clean_text(char) != char), hex(code)
    assert reply_body("Hi —\r\nwe are back\x1b[31m \u202eMonday\n\n") == "Hi —\nwe are back[31m Monday"
    assert reply_body("Hi — we are back\tMonday\n") == "Hi — we are back\tMonday"


def test_dates_are_formatted_as_format_datetime_formats_them() -> None:
    rng = random.Random(7)
    start = datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    for _ in range(2000):
        at = start + timedelta(seconds=rng.randrange(40 * 365 * 86400), microseconds=rng.randrange(10**6))
        assert date_text(at) == format_datetime(at)
    berlin = datetime(2026, 11, 23, 22, 5, tzinfo=timezone(timedelta(hours=1)))
    assert date_text(berlin) == format_datetime(berlin) == "Mon, 23 Nov 2026 22:05:00 +0100"
