"""Conversations a real support inbox gets that no template makes: hostile markup in subjects
and names, terminal escape sequences, a path in an attachment name, malformed MIME, a very
long letter and an HTML-only forward. The app must show each of them harmlessly.

Each builder fills a ``Thread`` (threading and flags come from there) and returns it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from inbox_tui.demo import binaries, mime
from inbox_tui.demo.compose import Outgoing, inbound_headers, support_mailbox
from inbox_tui.demo.corpus import Thread
from inbox_tui.demo.long_letter import LONG_LETTER, ORDER_FORWARD_HTML

SUPPORT = support_mailbox()
SIGNATURE = "\n\nBest wishes,\nSam\n\nMarlow & Lane Support\nHomeware & clothing made to last — https://marlowlane.example"


def _customer(thread: Thread, who: tuple[str, str], subject: str, when: datetime, body: str, **kw: object) -> Outgoing:
    domain = who[1].rpartition("@")[2]
    out = Outgoing(
        who, [SUPPORT], subject, when, 0, thread.customer_id(domain), body,
        extra_headers=inbound_headers(who[1], when, thread.rng.getrandbits(32), ""), **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return out


def _agent(thread: Thread, to: tuple[str, str], subject: str, when: datetime, body: str) -> Outgoing:
    return Outgoing(SUPPORT, [to], subject, when, 0, thread.agent_id(), body + SIGNATURE)


def markup_subject(thread: Thread, now: datetime) -> Thread:
    who = ("Ryan Cole", "ryan.cole@gmail.example")
    start = now - timedelta(hours=29)
    subject = "Colour not as pictured [bold]x[/] see photo"
    thread.add("C", _customer(thread, who, subject, start, (
        "Hi,\n\nthe throw I got is much greener than on your site. I've put the photo here: "
        "https://photos.example/ryan/throw.jpg\n\n(Sorry about the odd subject, my phone's email app adds "
        "formatting codes sometimes.)\n\nRyan"
    )))  # fmt: skip
    thread.add("A", _agent(thread, who, "Re: " + subject, start + timedelta(hours=3), (
        "Hi Ryan,\n\nthank you for the photo — you're right, that batch of the moss throw dyed greener than "
        "our samples. I'd be happy to swap it for one from the new batch, or refund you in full if you'd "
        "rather. Which would you prefer?"
    )))  # fmt: skip
    return thread


def closing_tag_subject(thread: Thread, now: datetime) -> Thread:
    who = ("Dana Whitfield", "dana.whitfield@outlook.example")
    thread.add("C", _customer(thread, who, "Re: [/] your ticket", now - timedelta(hours=62), (
        "Hi,\n\nI got an email saying my ticket was closed, but the refund for order #ML-46620 still hasn't "
        "arrived. The subject line of your email looked garbled in my app, so I've replied to it as it was.\n\n"
        "Dana"
    )))  # fmt: skip
    return thread


def click_display_name(thread: Thread, now: datetime) -> Thread:
    who = ("[@click=app.quit] Reward Centre", "rewards@winner-alerts.example")
    html = (
        '<html><body><h2>Congratulations!</h2><p>Your <b>Marlow &amp; Lane</b> voucher worth £500 is waiting.</p>'
        '<p><a href="https://winner-alerts.example/claim?id=77812">[@click=app.quit]CLAIM NOW[/]</a></p>'
        '<p style="font-size:8px;color:#fff">[link=https://winner-alerts.example]unsubscribe[/link]</p></body></html>\n'
    )
    thread.add("C", _customer(
        thread, who, "Your voucher is waiting 🎁 [@click=app.quit]", now - timedelta(hours=14),
        "Congratulations! Claim now: https://winner-alerts.example/claim?id=77812", html_body=html,
    ))  # fmt: skip
    return thread


TERMINAL_PASTE = (
    "Hi,\n\nI'm a developer, so I tried your checkout from the command line to see what's failing. "
    "Here's the output, copied straight from my terminal:\n\n"
    "\x1b[2J\x1b[H$ curl -s https://marlowlane.example/checkout/pay\n"
    "\x1b[31mERROR\x1b[0m 502 Bad Gateway (processor_unavailable)\n"
    "\x1b]52;c;UFdORUQ=\x07\x1b]0;you have been pwned\x07"
    "\x1b]8;;https://evil.example/\x07see details\x1b]8;;\x07\n"
    "Total: 0.00\rTotal: 120.00\n\n"
    "Hope that helps your developers.\n\nKieran"
)


def terminal_escapes(thread: Thread, now: datetime) -> Thread:
    who = ("Kieran Walsh", "kieran@walsh-dev.example")
    start = now - timedelta(hours=79)
    subject = "Checkout error output (copied from my terminal)"
    thread.add("C", _customer(thread, who, subject, start, TERMINAL_PASTE, cte="7bit"))
    thread.add("A", _agent(thread, who, "Re: " + subject, start + timedelta(hours=5), (
        "Hi Kieran,\n\nthank you, that's genuinely useful — it matches what our payment provider reported "
        "for the outage. Everything is working again now; your order went through once."
    )))  # fmt: skip
    return thread


def path_in_attachment_name(thread: Thread, now: datetime) -> Thread:
    who = ("Marta Kowalczyk", "marta.kowalczyk@proton.example")
    start = now - timedelta(hours=110)
    subject = "Order page crashes"
    thread.add("C", _customer(thread, who, subject, start, (
        "Hello, every time I open my order history in your app it closes itself. Order #ML-45980.\n\nMarta"
    )))  # fmt: skip
    thread.add("A", _agent(thread, who, "Re: " + subject, start + timedelta(hours=4), (
        "Hi Marta,\n\nsorry about that! Could you send me the log files from the app? On Android they're "
        "under Settings → Help → Export logs."
    )))  # fmt: skip
    passwd = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    notes = "App version 4.2.1, Android 14\nCrash when opening Orders > History\n".encode()
    thread.add("R", _customer(thread, who, "Re: " + subject, start + timedelta(hours=20), (
        "Here are the files you asked for.\n\nMarta"
    ), attachments=[
        mime.attachment(passwd, "text/plain", "../../etc/passwd"),
        mime.attachment(notes, "text/plain", "order-notes.txt"),
    ]))  # fmt: skip
    return thread


def broken_boundary(thread: Thread, now: datetime) -> Thread:
    """multipart/mixed whose parts use another boundary and never close: one unparsable body."""
    who = ("Tomasz Nowak", "tomasz.nowak@onet.example")
    when = now - timedelta(hours=131)
    out = _customer(thread, who, "Photo of the broken lamp", when, "")
    good = out.render()
    head = good.split(b"MIME-Version:")[0]
    raw = head + (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="----=_Part_1234_5678.1700000000000"\n\n'
        b"------=_Part_1234_5678.1700000000001\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: 8bit\n\nHello, the lamp arrived broken, photo attached. Tomasz\n"
        b"------=_Part_1234_5678.1700000000001\nContent-Type: image/png; name=\"lamp.png\"\n"
        b"Content-Transfer-Encoding: base64\n\n" + binaries.parcel_photo(1)[:40].hex().encode() + b"\n"
    )
    thread.add("C", out, raw=raw)
    return thread


def bad_charset(thread: Thread, now: datetime) -> Thread:
    """An unknown charset, a broken encoded-word and invalid quoted-printable."""
    who = ("Jörg Lehmann", "joerg.lehmann@gmx.example")
    when = now - timedelta(hours=170)
    out = _customer(thread, who, "Bestellung", when, "")
    head = out.render().split(b"Subject:")[0]
    raw = head + (
        b"Subject: =?x-klingon?Q?Bestellung_kaputt?= =?utf-8?B?!!notbase64?=\n"
        + f"Message-ID: <{out.message_id}>\n".encode()
        + b'MIME-Version: 1.0\nContent-Type: text/plain; charset="x-mac-klingon"\n'
        b"Content-Transfer-Encoding: quoted-printable\n\n"
        b"Sehr geehrte Damen und Herren,=0A=0Adie Lieferung ist besch=E4digt angekommen =ZZ\n"
        b"Mit freundlichen Gr=FC=DFen \xff\xfe J\xf6rg\n"
    )
    thread.add("C", out, raw=raw)
    return thread


def long_letter(thread: Thread, now: datetime) -> Thread:
    who = ("Margaret Ellison-Hart", "m.ellisonhart@btinternet.example")
    start = now - timedelta(hours=51)
    subject = "A long story about order #ML-47133 (sorry!)"
    thread.add("C", _customer(thread, who, subject, start, LONG_LETTER, style="alternative"))
    thread.add("A", _agent(thread, who, "Re: " + subject, start + timedelta(hours=6), (
        "Dear Margaret,\n\nthank you for taking the time to write all of this down — it made it very easy "
        "to see where we let you down. I've refunded the delivery charge and the cushion covers, and a new "
        "duvet cover in the right size left us this afternoon by tracked delivery. I've also passed your "
        "notes about the packaging to our warehouse team, word for word."
    )))  # fmt: skip
    thread.add("T", _customer(thread, who, "Re: " + subject, start + timedelta(hours=26), (
        "Dear Sam, it arrived this morning and it is perfect. Thank you for reading all of that!\n\nMargaret"
    )))  # fmt: skip
    return thread


def order_forward(thread: Thread, now: datetime) -> Thread:
    who = ("Olivia Grant", "olivia.grant@icloud.example")
    text = "Hi, forwarding the shipping email. The tracking link doesn't work. Olivia"
    thread.add("C", _customer(
        thread, who, "Fwd: Your Marlow & Lane order #ML-48102 is on its way", now - timedelta(hours=21), text,
        html_body=ORDER_FORWARD_HTML, style="html",
    ))  # fmt: skip
    return thread


BUILDERS: tuple[Callable[[Thread, datetime], Thread], ...] = (
    markup_subject, closing_tag_subject, click_display_name, terminal_escapes, path_in_attachment_name,
    broken_boundary, bad_charset, long_letter, order_forward,
)  # fmt: skip
