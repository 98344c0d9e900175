"""What the demo home ships for triage: example rules, the out-of-hours acknowledgement
they send, and config tables (business hours, SLA policies, a user view).

``install(home)`` writes ``rules.toml`` and ``replies/out-of-hours.md`` when absent;
``CONFIG`` is appended to the demo's ``config.toml`` by whoever writes it.
"""

from __future__ import annotations

from pathlib import Path

RULES = r"""# Rules run in order on every new customer message, in the sync process.
# `inbox rules check` validates this file; `inbox rules test` shows what each rule would do.

[[rules]]
name = "Payment issues"
when = ["arrival", "customer_reply"]
text_contains = ["payment", "charged twice", "card declined", "declined", "paypal", "invoice",
                 "zahlung", "abbuchung", "paiement", "pago", "付款", "πληρωμή", "الدفع"]
add_tags = ["payment"]
priority = "high"

[[rules]]
name = "Urgent"
when = ["arrival", "customer_reply"]
text_contains = ["urgent", "asap", "immediately", "dringend", "sofort", "紧急", "επείγον", "عاجل"]
add_tags = ["urgent"]
priority = "high"

[[rules]]
name = "Legal threats and chargebacks"
when = ["arrival", "customer_reply"]
text_contains = ["lawyer", "attorney", "chargeback", "legal action", "anwalt", "rückbuchung", "avocat",
                 "律师", "δικηγόρος", "محامي"]
add_tags = ["legal"]
priority = "urgent"

[[rules]]
name = "Returns and refunds"
subject_regex = "\\b(return|refund|exchange|rücksendung|erstattung|remboursement|retour)"
add_tags = ["returns"]

[[rules]]
name = "Out-of-hours acknowledgement"
business_hours = false
auto_reply = "out-of-hours"

[[rules]]
name = "No answer from the customer for 5 days"
when = "waiting_on_customer > 5d"
add_tags = ["no-reply-5d"]
"""

OUT_OF_HOURS = """+++
name = "Out of hours"
shortcut = "ooh"
tags = ["auto-ack"]
+++
Hi {{customer.first_name | there}},

thanks for your message — it has reached us. Our team is away right now; we are back
{{business.next_open}} and you will hear from us by {{reply.expected_by}}.

{{agent.name}}
"""

CONFIG = """
[business_hours]
timezone = "Europe/Berlin"
weekdays = "09:00-17:30"
saturday = "10:00-14:00"
holidays = ["2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"]

[sla]
due_soon = "1h"

[[sla.policies]]
name = "Urgent"
priority = "urgent"
first_reply = "1h"
next_reply = "2h"

[[sla.policies]]
name = "Black Friday orders"
tags = ["black-friday"]
first_reply = "4h"
next_reply = "8h"

[[sla.policies]]
name = "General"
first_reply = "24h"
next_reply = "24h"
resolution = "72h"

[[views]]
title = "Payments"
query = "tag:payment -status:closed"
"""


def install(home: Path) -> None:
    """Write the example rules and the acknowledgement into a demo home (never overwrite)."""
    rules = home / "rules.toml"
    if not rules.exists():
        rules.write_text(RULES, encoding="utf-8")
    reply = home / "replies" / "out-of-hours.md"
    if not reply.exists():
        reply.parent.mkdir(parents=True, exist_ok=True)
        reply.write_text(OUT_OF_HOURS, encoding="utf-8")
