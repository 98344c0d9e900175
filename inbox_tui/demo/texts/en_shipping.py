"""English: parcels that are late, lost, damaged, wrong, or going to the wrong address."""

from __future__ import annotations

from inbox_tui.demo.texts import Scenario

LATE = Scenario(
    key="late",
    subjects=(
        "Where is my order {order}?",
        "Order {order} still not arrived",
        "Delivery update please - {order}",
        "Still waiting on my parcel",
        "{order} - no sign of it",
    ),
    openers=(
        "Hi there,\n\nI ordered the {product} on the website {days} days ago (order {order}) and it still hasn't "
        "turned up. The confirmation email said 3-5 working days. The {carrier} tracking page just says "
        "\"in transit\" and hasn't changed since the weekend.\n\nCould you check what's going on?",
        "Hello,\n\nJust wondering where my order {order} has got to? It was meant to be here by Friday and "
        "there's been nothing. Tracking link: {tracking}\n\nIt's a birthday present so I'm getting a bit anxious.",
        "Hi,\n\nmy order {order} ({product}) hasn't arrived yet. It's been {days} days. Is there a problem with "
        "it? I haven't had any shipping email either, only the order confirmation.",
        "Good morning,\n\nI placed order {order} {days} days ago, and according to "
        "{carrier} it has been \"awaiting collection from sender\" ever since. Has it actually left your "
        "warehouse?\n\nMany thanks",
    ),
    replies=(
        "Hi {first},\n\nthank you for bearing with us, and I'm sorry your order {order} is taking longer than "
        "it should. I've checked with {carrier}: the parcel was scanned at their hub two days ago and is "
        "now marked for delivery within the next 48 hours. You can follow it here:\n{tracking}\n\n"
        "If it hasn't reached you by the end of the week, reply to this email and I'll send a replacement "
        "straight away — you won't need to wait on the courier again.",
        "Hi {first},\n\nsorry for the wait! Your {product} left our warehouse later than usual because of a "
        "backlog after the weekend, which is our fault, not the courier's. It's now with {carrier} and "
        "should be with you in 1-2 working days. Tracking: {tracking}\n\nI've refunded the delivery charge "
        "for the trouble; you'll see it on your statement in a few days.",
    ),
    follow_ups=(
        "Thanks for getting back to me. Tracking still says the same thing this morning though. Should I "
        "keep waiting?",
        "Hi {agent}, it still isn't here. The tracking now says \"delivery attempted\" but nobody knocked — "
        "I was home all day.",
        "OK thanks. One more question - if it comes after the 14th can I still return it? It was meant to "
        "be a gift.",
    ),
    updates=(
        "Hi {first},\n\nthanks for letting me know. I've opened a case with {carrier} and, rather than make you "
        "wait for their answer, I've sent a replacement by tracked next-day delivery. If the first parcel "
        "turns up as well, just refuse it or keep it in its box and we'll arrange a free collection.",
        "Hi {first},\n\nof course — gifts can be returned within 60 days of delivery, so you have plenty of "
        "time. I've also added a gift receipt to your order in case the recipient wants to exchange it.",
    ),
    angry_subjects=("URGENT - order {order} STILL not here", "THIRD email about {order}!!!", "Where is my order??? {order}"),
    angry_openers=(
        "This is ridiculous. I ordered {days} days ago, paid for EXPRESS delivery and I still have NOTHING. "
        "Your tracking link ({tracking}) hasn't updated in a week. I want my order or my money back TODAY, "
        "otherwise I'm doing a chargeback with my bank.",
        "I have emailed twice and nobody has replied. Order {order}. {days} days. No parcel, no answer, "
        "nothing. If I don't hear back by tomorrow I will report this to Trading Standards and leave a "
        "review everywhere I can.",
    ),
)

LOST = Scenario(
    key="lost",
    subjects=(
        "Parcel marked delivered but not received",
        "Order {order} - says delivered, it's not here",
        "Lost parcel?",
        "Tracking says delivered ({order})",
    ),
    openers=(
        "Hi,\n\ntracking for my order {order} says it was delivered yesterday at 14:12 and \"left in a safe "
        "place\", but there is nothing here. I've checked with both neighbours and the bins. The photo on the "
        "{carrier} app shows a door that isn't ours!\n\nWhat should I do now?",
        "Hello Marlow & Lane team,\n\nI'm afraid my parcel ({product}) seems to have gone missing. {carrier} "
        "marked it as delivered on Tuesday but I never got it. Can you help? I really liked the {product} and "
        "would still like it if possible.",
        "Hi there, the {carrier} tracking for {order} hasn't moved for {days} days, it's stuck at \"at depot\". "
        "I think it might be lost? {tracking}",
    ),
    replies=(
        "Hi {first},\n\nI'm so sorry — that's a horrible thing to come home to. I've reported the parcel to "
        "{carrier} as a misdelivery and asked for the GPS location of the scan. You don't need to wait for "
        "their investigation though: I've sent you a new {product} today by tracked delivery (signature "
        "required this time), and you'll get the tracking link by email this afternoon.",
        "Hi {first},\n\nthank you for checking with your neighbours already. A parcel that hasn't moved for "
        "this long is usually lost in the network, so I've opened a claim with {carrier}. Would you prefer a "
        "replacement or a full refund? Either is fine with us — just reply with which one suits you.",
    ),
    follow_ups=(
        "A replacement please, same size and colour. Could it go to my work address instead? It's safer.",
        "Refund please, I bought one locally in the meantime. Sorry!",
        "Thanks - the photo the courier took is definitely not our house, ours has a blue door.",
    ),
    updates=(
        "Hi {first},\n\ndone — the replacement went out this morning with {carrier}, signature required. "
        "Tracking: {tracking}\n\nI've updated the delivery address on the order as you asked.",
        "Hi {first},\n\nno need to apologise! I've refunded {amount} to your original payment method. Banks "
        "usually show it within 3-5 working days.",
    ),
    angry_subjects=("STOLEN parcel - I want a refund NOW", "Your courier LOST my order {order}"),
    angry_openers=(
        "Your courier marked my order as delivered and it NEVER arrived. This is the second time this has "
        "happened with you. I am not waiting weeks for an 'investigation'. Refund me {amount} immediately or "
        "I will file a chargeback and speak to my lawyer.",
    ),
)

DAMAGED = Scenario(
    key="damaged",
    subjects=(
        "Damaged parcel - {order}",
        "Item arrived broken",
        "Box completely crushed",
        "{product} arrived damaged",
    ),
    openers=(
        "Hi,\n\nmy order {order} arrived this morning and the box was completely crushed on one corner. The "
        "{product} inside is cracked. Photo attached. Can you send a replacement?",
        "Hello,\n\nunfortunately the {product} arrived damaged. The outer packaging looked fine but inside "
        "there was hardly any padding and it's chipped along the rim. I've attached a picture.\n\nThanks",
        "Hi, parcel came today, box was wet and torn and the {product} has a big mark on it. I took a photo "
        "before opening it fully, see attached. Not happy to be honest, it was quite expensive.",
    ),
    replies=(
        "Hi {first},\n\nthank you for the photo, and I'm really sorry — that's not how your {product} should "
        "arrive. There's no need to send the damaged one back; please recycle the packaging. I've arranged a "
        "replacement, double-boxed this time, and it will leave our warehouse tomorrow morning.",
        "Hi {first},\n\nI'm sorry about this. I can see exactly what you mean from the photo. I can either "
        "send a replacement or refund {amount} in full — which would you prefer? Either way, please keep or "
        "recycle the damaged one.",
    ),
    follow_ups=(
        "Replacement please! And maybe a bit more bubble wrap this time :)",
        "I'd rather have the refund please, I need it before the weekend and I don't think a new one will "
        "make it in time.",
    ),
    updates=(
        "Hi {first},\n\nconsider it done — extra padding included. It's with {carrier} now: {tracking}",
        "Hi {first},\n\nI've refunded {amount} to your card. I've also passed your photo on to our packing "
        "team so we can fix how we box these.",
    ),
)

WRONG_ITEM = Scenario(
    key="wrong_item",
    subjects=("Wrong item received", "Wrong colour sent - {order}", "This isn't what I ordered"),
    openers=(
        "Hi,\n\nI ordered the {product} in sage but received it in mustard. Order {order}. How do I swap it?",
        "Hello, I opened my parcel today and it's a completely different item - a linen apron instead of the "
        "{product} I ordered. The packing slip inside says {order} so I think it's just been mixed up?",
    ),
    replies=(
        "Hi {first},\n\nthat's our mistake, sorry! I've sent the right {product} out today. I've also emailed "
        "you a prepaid {carrier} return label for the wrong one — no rush, any time in the next 30 days is "
        "fine.",
    ),
    follow_ups=("Thanks. The return label link doesn't seem to work though, it says expired?",),
    updates=(
        "Hi {first},\n\nsorry about that, the first label was generated with the wrong date. Here is a fresh "
        "one: https://marlowlane.example/returns/new-label\n\nIt's valid for 30 days.",
    ),
    angry_subjects=("WRONG ITEM AGAIN {order}",),
    angry_openers=(
        "This is the SECOND time you've sent me the wrong thing. I ordered the {product}. I do not have time "
        "to keep going to the post office for your mistakes. Sort it out properly this time.",
    ),
)

ADDRESS = Scenario(
    key="address",
    subjects=("Change delivery address for {order}", "Wrong address on my order!", "Can I update my address?"),
    openers=(
        "Hi, I've just realised I put my old address on order {order}. I moved last month. Is it too late to "
        "change it? New address: Flat 3, 27 Harbour Street, Whitstable CT5 1AH.",
        "Hello, could you send order {order} to my office instead please? I'm never home during the day. "
        "Address is Unit 4, Kingsway Business Park, Leeds LS10 1NE. Thanks!",
    ),
    replies=(
        "Hi {first},\n\ngood news — the order hadn't been packed yet, so I've changed the delivery address to "
        "the one in your email. You'll get a new confirmation shortly.",
        "Hi {first},\n\nthe parcel has already left us, but I've asked {carrier} to redirect it. They usually "
        "confirm within a day; I'll let you know as soon as they do.",
    ),
    follow_ups=("Brilliant, thank you! Has it been dispatched yet?",),
    updates=("Hi {first},\n\n{carrier} have confirmed the redirect. It's due tomorrow: {tracking}",),
)

SCENARIOS = {s.key: s for s in (LATE, LOST, DAMAGED, WRONG_ITEM, ADDRESS)}
