"""The starter set of canned replies a demo home ships (``replies/*.md``).

They are ordinary reply files: edit them in the demo home to see the picker change.
"""

from __future__ import annotations

from pathlib import Path

STARTER: dict[str, str] = {
    "late-delivery": """+++
name = "Late delivery"
shortcut = "late"
tags = ["shipping"]
status = "pending"
+++
Hi {{customer.first_name | there}},

I'm sorry your order is taking longer than it should. I've checked with the carrier: the parcel is on its way but was held up at their sorting centre. It should reach you within the next 2–3 working days, and the tracking link in your shipping email will update as soon as it moves.

If it hasn't arrived by the end of the week, just reply to this message and I'll send a replacement straight away — no need to wait on the carrier.

{{agent.name}}
Marlow & Lane Support
""",
    "lost-parcel": """+++
name = "Lost parcel — replacement sent"
shortcut = "lost"
tags = ["shipping", "replacement"]
status = "pending"
+++
Hi {{customer.first_name | there}},

thank you for your patience. The carrier has confirmed they cannot locate your parcel, so I've sent a replacement today at our cost, by tracked express delivery. You'll get a new shipping email with the tracking number within a few hours.

If the original parcel turns up after all, feel free to keep it or hand it back to the carrier — whichever is easier for you.

{{agent.name}}
Marlow & Lane Support
""",
    "out-of-stock": """+++
name = "Out of stock"
shortcut = "oos"
tags = ["stock"]
status = "pending"
+++
Hi {{customer.first_name | there}},

I'm sorry — the item you ordered sold out faster than our stock count caught up with. We expect new stock in about two weeks. You can either:

  1. keep the order open, and we ship the day the stock arrives, or
  2. cancel it, and we refund you in full within 3 working days.

Just reply with 1 or 2 and I'll take care of the rest.

{{agent.name}}
Marlow & Lane Support
""",
    "refund-issued": """+++
name = "Refund issued"
shortcut = "refund"
tags = ["refund"]
status = "closed"
+++
Hi {{customer.first_name | there}},

I've issued a full refund to your original payment method. Depending on your bank it shows up within 3–5 working days. You don't need to do anything else.

Thanks for shopping with us, and sorry again for the trouble.

{{agent.name}}
Marlow & Lane Support
""",
    "damaged-item": """+++
name = "Damaged item"
shortcut = "dmg"
tags = ["damaged", "replacement"]
status = "pending"
+++
Hi {{customer.first_name | there}},

I'm sorry your order arrived damaged — thank you for the photos, they're all I need. A replacement is on its way today, and there's no need to send the damaged one back; please recycle it.

{{agent.name}}
Marlow & Lane Support
""",
    "payment-outage": """+++
name = "Payment outage"
shortcut = "pay"
tags = ["payment", "outage"]
status = "pending"
+++
Hi {{customer.first_name | there}},

our payment provider had an outage earlier today, and some card payments were declined or shown as pending twice. Any duplicate authorisation is released automatically by your bank within 5 working days; you are only charged once.

If your order didn't go through, you can place it again now — checkout is working normally.

{{agent.name}}
Marlow & Lane Support
""",
    "thanks-closing": """+++
name = "Closing thank-you"
shortcut = "ty"
status = "closed"
+++
Hi {{customer.first_name | there}},

glad that's sorted! I'll close this conversation now; if anything else comes up, just reply and it reopens with everything we've discussed.

Have a lovely day,
{{agent.name}}
""",
    "lieferverzug": """+++
name = "Lieferverzug (Deutsch)"
shortcut = "spaet"
tags = ["shipping"]
status = "pending"
language = "de"
+++
Hallo {{customer.first_name | zusammen}},

es tut mir leid, dass Ihre Bestellung länger braucht als angekündigt. Das Paket ist unterwegs und sollte Sie in den nächsten 2–3 Werktagen erreichen. Falls nicht, antworten Sie einfach auf diese Nachricht, und wir schicken sofort Ersatz.

Viele Grüße
{{agent.name}}
""",
}


def install(replies_dir: Path) -> None:
    """Write the starter replies that are not there yet (a user's edits are kept)."""
    replies_dir.mkdir(parents=True, exist_ok=True)
    for slug, text in STARTER.items():
        path = replies_dir / f"{slug}.md"
        if not path.exists():
            path.write_text(text, encoding="utf-8")
