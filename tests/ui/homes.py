"""A small, real inbox home for the UI tests: config.toml, canned replies and a SQLite
cache filled through the real store (as a sync would), including hostile mail.

``build_home(home)`` is used until/unless the shared demo (``inbox_tui.demo``) is
available; the tests then build the app exactly as the CLI does, through
``inbox_tui.bootstrap.build_service(home)``.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from inbox_tui import paths
from inbox_tui.model import Address, Attachment, Direction, Message, PullBatch
from inbox_tui.store import Store

SUPPORT = Address("help@shop.example", "Shop Support")
DANA_CC = (Address("ap@whitfield.example", "Accounts Payable"), Address("help@shop.example"))
"""Dana copied her accounts team, and us again (a copy to ourselves is never sent back)."""
NOW = datetime.now(timezone.utc).replace(microsecond=0)

HOSTILE_SUBJECT = "Re: [/] your ticket [@click=app.quit]click me[/] \x1b]52;c;UFdORUQ=\x1b\\"
HOSTILE_NAME = "[@click=app.quit]Mallory[/]"
HOSTILE_BODY = "Hello [bold]there[/bold]\n\x1b[2J\x1b]2;PWNTITLE\x1b\\ cleared?\n[link='file:///etc/passwd']x[/link]"

CONFIG = """[app]
agent_name = "Sam Rivera"
agent_email = "sam@shop.example"

[accounts.shop]
connector = "maildir"
path = "{maildir}"
from = "Shop Support <help@shop.example>"
send_command = "{python} -m connectors.mail.deliver {maildir}/.Sent"
save_sent = false
send_command_files_sent = true
"""

REPLIES = {
    "late-delivery.md": """+++
name = "Late delivery"
shortcut = "late"
tags = ["shipping"]
status = "pending"
+++
Hi {{customer.first_name | there}},

I am sorry your parcel is taking longer than it should. I have asked the carrier to
trace it and will write again as soon as I hear back.

Best,
{{agent.name}}
""",
    "lost-parcel.md": """+++
name = "Lost parcel"
shortcut = "lost"
tags = ["shipping", "lost"]
+++
Hi {{customer.first_name | there}},

the carrier confirmed the parcel is lost. We are sending a replacement today, so it is
not late for long.

{{agent.name}}
""",
    "refund-issued.md": """+++
name = "Refund issued"
shortcut = "refund"
tags = ["refund"]
status = "closed"
+++
Hi {{customer.first_name | there}},

your refund for "{{conversation.subject}}" is on its way.

{{agent.name}}
""",
    "thanks.md": """+++
name = "Closing thank-you"
shortcut = "thx"
status = "closed"
+++
Thanks {{customer.first_name}}, glad it is sorted!
""",
}

PEOPLE = [
    ("alice@example.com", "Alice Moreau", "Where is my parcel?", "It has been two weeks since I ordered. Order #1042."),
    ("bob@example.org", "Bob Tanaka", "Refund for a damaged mug", "The mug arrived broken. Photos attached."),
    ("chen@example.cn", "陈伟", "订单还没有到 — 请帮忙查询", "我的订单已经两周了，还没有收到。"),
    ("eleni@example.gr", "Ελένη Παπαδοπούλου", "Πού είναι η παραγγελία μου;", "Καλησπέρα, δεν έχω λάβει ακόμα το δέμα."),
    ("omar@example.ae", "عمر الفاروق", "طلبي لم يصل بعد", "مرحبا، لم يصلني الطلب حتى الآن."),
    ("dana@example.com", "Dana Whitfield", "URGENT: charged twice for order 2210", "My card was charged twice. Please fix this immediately."),
    ("erik@example.se", "Erik Lund", "Size exchange for the rain jacket", "The jacket is too small, can I get an L instead?"),
    ("fatima@example.com", "Fatima Diallo", "Out of stock — when will the teapot be back?", "I would like to order the blue teapot."),
]


def message(n: int, email: str, name: str, subject: str, body: str, *, hours_ago: float, **extra: object) -> Message:
    return Message(
        remote_id=f"INBOX/{n}",
        direction=extra.pop("direction", Direction.IN),  # type: ignore[arg-type]
        sender=Address(email, name),
        to=(SUPPORT,),
        date=NOW - timedelta(hours=hours_ago),
        subject=subject,
        body_text=body,
        message_id=f"m{n}@{email.split('@')[1]}",
        folder="INBOX",
        **extra,  # type: ignore[arg-type]
    )


def build_home(home: Path, *, extra: int = 0) -> Path:
    """Write a complete inbox home under ``home`` and return it."""
    home.mkdir(parents=True, exist_ok=True)
    maildir = home / "Mail"
    maildir.mkdir(exist_ok=True)
    paths.set_home(home)
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(CONFIG.format(maildir=maildir, python=sys.executable), encoding="utf-8")
    replies = paths.replies_dir()
    replies.mkdir(parents=True, exist_ok=True)
    for name, text in REPLIES.items():
        (replies / name).write_text(text, encoding="utf-8")
    paths.db_path().parent.mkdir(parents=True, exist_ok=True)
    store = Store(paths.db_path())
    try:
        store.ensure_account("shop", "maildir", SUPPORT.email)
        msgs: list[Message] = []
        n = 0
        for index, (email, name, subject, body) in enumerate(PEOPLE):
            n += 1
            copies = {"cc": DANA_CC} if email == "dana@example.com" else {}
            msgs.append(message(n, email, name, subject, body, hours_ago=3 + index * 7, **copies))
        # Alice has an older, closed-looking conversation too (history in the customer panel)
        n += 1
        msgs.append(message(n, "alice@example.com", "Alice Moreau", "Wrong colour of scarf", "I ordered green.", hours_ago=24 * 40))
        n += 1
        attach = (Attachment("photo of box.jpg", "image/jpeg", 183_204), Attachment("invoice.pdf", "application/pdf", 52_000))
        msgs.append(message(n, "bob@example.org", "Bob Tanaka", "Re: Refund for a damaged mug", "Here are the photos.\n\n> The mug arrived broken.", hours_ago=1, attachments=attach, in_reply_to="m2@example.org", references=("m2@example.org",)))
        n += 1
        msgs.append(message(n, "mallory@evil.example", HOSTILE_NAME, HOSTILE_SUBJECT, HOSTILE_BODY, hours_ago=30))
        n += 1
        msgs.append(message(n, "broken@example.net", "", "", "", hours_ago=50, problems=("bad charset 'x-unknown'; shown as latin-1",)))
        for i in range(extra):
            n += 1
            msgs.append(message(n, f"c{i}@bulk.example", f"Customer {i}", f"Question number {i} about my order", f"Body {i}", hours_ago=60 + i))
        from inbox_tui.model import clean_line, clean_text

        for m in msgs:  # what every connector does at the edge
            m.subject = clean_line(m.subject)
            m.body_text = clean_text(m.body_text)
            m.sender = Address(m.sender.email, clean_line(m.sender.name))
        store.apply_batch("shop", PullBatch(messages=msgs))
    finally:
        store.close()
    return home
