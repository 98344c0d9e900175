"""What the demo customers write and what the agent answered, per language.

Texts are ``str.format`` templates over a fixed set of fields, filled per conversation:
``{first}`` (customer's first name), ``{name}``, ``{order}`` (``#ML-48213``), ``{product}``,
``{carrier}``, ``{tracking}`` (a URL), ``{days}``, ``{amount}``, ``{size}``, ``{agent}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS = ("first", "name", "order", "product", "carrier", "tracking", "days", "amount", "size", "agent")


@dataclass(frozen=True)
class Scenario:
    """One reason to write to support, with several phrasings of each turn."""

    key: str
    subjects: tuple[str, ...]
    openers: tuple[str, ...]
    replies: tuple[str, ...] = ()
    """The agent's first answer (empty: the agent answers with the English scenario's)."""
    follow_ups: tuple[str, ...] = ()
    """The customer answers the agent; the matter is not settled yet."""
    updates: tuple[str, ...] = ()
    """The agent's later answer."""
    angry_subjects: tuple[str, ...] = ()
    angry_openers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    code: str
    scenarios: dict[str, Scenario]
    chasers: tuple[str, ...]
    """"Any news?" — the customer writes again before anyone answered."""
    thanks: tuple[str, ...]
    """The customer's last word on a settled conversation."""
    again: tuple[str, ...]
    """First line of a repeat customer's new conversation."""
    signoffs: tuple[str, ...]
    reply_prefix: str
    quote_intro: str
    """The line above a quoted message: ``{d}`` ``{m}`` (numbers), ``{mon}`` (Jan…), ``{y}``,
    ``{time}`` (14:02), ``{who}``."""
    agent_signature: str
    money: str = "£{}"
    decimal_comma: bool = False
    carriers: tuple[str, ...] = ("Royal Mail", "DPD", "Evri")
    utc_offsets: tuple[int, ...] = (0,)
    """Customers' time zones, in minutes east of UTC."""
    mailers: tuple[str, ...] = ()
    angry_chasers: tuple[str, ...] = ()
    english_note: str = ""
    """When the agent answers in English: a line saying so, in English."""
    body_encoding: str = "quoted-printable"
    domains: tuple[str, ...] = field(default=("mail.example",))


def languages() -> dict[str, Language]:
    """Every language, English first (imported on demand: the texts are the bulk of the demo)."""
    from inbox_tui.demo.texts import ar, de, el, en, fr, zh

    return {lang.code: lang for lang in (en.LANGUAGE, de.LANGUAGE, fr.LANGUAGE, zh.LANGUAGE, el.LANGUAGE, ar.LANGUAGE)}
