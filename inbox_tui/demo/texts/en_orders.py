"""English: stock, refunds and returns, payments, sizes, codes, invoices, care, cancellations."""

from __future__ import annotations

from inbox_tui.demo.texts import Scenario

STOCK = Scenario(
    key="stock",
    subjects=(
        "When will the {product} be back in stock?",
        "Out of stock?",
        "Restock date for {product}",
        "Order cancelled - out of stock??",
    ),
    openers=(
        "Hi,\n\nthe {product} in size {size} has said \"out of stock\" for weeks now. Is it coming back, or "
        "has it been discontinued? I'd happily pre-order.",
        "Hello! Any idea when the {product} will be restocked? I've signed up for the email alert but wanted "
        "to check if it's days or months.",
        "Hi, I just got an email saying part of my order {order} was cancelled because the {product} is out "
        "of stock. But the website let me buy it?? Will I get the rest of the order or is it all cancelled?",
    ),
    replies=(
        "Hi {first},\n\nthanks for your patience with this one. The {product} is being made again — our "
        "weaver in Lancashire has the next batch on the loom and we expect it back in stock in about three "
        "weeks. I've put a note on your account so you'll get an email the morning it's back, before it "
        "goes on the website.",
        "Hi {first},\n\nI'm sorry, the website showed stock we had already promised to another order — a "
        "sync problem on our side. The rest of your order {order} has shipped as normal, and the {amount} "
        "for the {product} has been refunded. When it's back in stock I'll hold one for you if you'd like.",
    ),
    follow_ups=("Yes please, could you hold one in {size}? Happy to pay now if that's easier.",),
    updates=(
        "Hi {first},\n\nlovely — one {product} in {size} is reserved for you. I'll send a payment link the "
        "day it arrives, no need to pay before then.",
    ),
)

REFUND = Scenario(
    key="refund",
    subjects=(
        "Refund not received",
        "Where is my refund? {order}",
        "Refund for returned {product}",
        "Still no refund after 2 weeks",
    ),
    openers=(
        "Hi,\n\nI sent back the {product} from order {order} {days} days ago. Royal Mail shows it was "
        "delivered to you but I haven't had a refund yet. Could you look into it please?",
        "Hello,\n\nyou emailed to say my refund of {amount} was processed but it's not on my card. My bank "
        "says they have nothing pending. Can you send me some proof of the refund? Receipt attached.",
        "hi, returned my {product} last week, when will the refund go through? thanks",
    ),
    replies=(
        "Hi {first},\n\nthank you for waiting. Your return arrived at our warehouse on Monday and I've just "
        "refunded {amount} to the card you paid with. Most banks show it within 3-5 working days, and "
        "you'll get a separate email from us with the refund confirmation.",
        "Hi {first},\n\nsorry for the confusion. The refund of {amount} left us on the day we emailed you. "
        "Some banks only show a refund once it has fully settled, which can take up to 10 days. If it isn't "
        "there by next Friday, reply here and I'll ask our payment provider for the acquirer reference "
        "number, which your bank can trace.",
    ),
    follow_ups=(
        "It's been 10 days now and still nothing. My bank says there's no refund pending at all.",
        "Got it, thank you. Does that include the original delivery cost?",
    ),
    updates=(
        "Hi {first},\n\nI've got the acquirer reference from our payment provider: 74839201847362. If you "
        "give this to your bank they can find the refund of {amount} on their side.",
        "Hi {first},\n\nyes — because the item was faulty, the delivery cost is refunded too. You'll see "
        "it as a separate line on your statement.",
    ),
    angry_subjects=("REFUND NOW or chargeback", "Still no refund - final warning"),
    angry_openers=(
        "I returned my order a MONTH ago. You have had my parcel since the 3rd. I have asked THREE times. "
        "If {amount} is not back on my card by Friday I'm starting a chargeback and reporting you.",
    ),
)

RETURN = Scenario(
    key="return",
    subjects=("How do I return an item?", "Return request - {order}", "Returning the {product}"),
    openers=(
        "Hi, I'd like to return the {product} from my order {order}. It's lovely but not quite the colour I "
        "expected in real life. How do I do that? Do I need to print a label?",
        "Hello, I want to send back the {product}, it's unworn with tags still on. What's the returns "
        "address please?",
    ),
    replies=(
        "Hi {first},\n\nof course. You can start a return here: https://marlowlane.example/returns — enter "
        "your order number and email address, and it will give you a prepaid {carrier} label (or a QR code "
        "if you don't have a printer). Once the parcel reaches us, the refund goes out within 2 working "
        "days.",
    ),
    follow_ups=("Thank you. Can I drop it at a post office or does it have to be a DPD shop?",),
    updates=("Hi {first},\n\nany post office is fine with the QR code — you don't need a shop of a particular courier.",),
)

PAYMENT = Scenario(
    key="payment",
    subjects=(
        "Charged twice for order {order}",
        "Card declined but money taken??",
        "Double charge on my card",
        "Payment failed - was I charged?",
        "Checkout error, charged {amount} twice",
    ),
    openers=(
        "Hi,\n\nI tried to pay for my order last night and got an error page, so I tried again. It went "
        "through the second time, but now I can see TWO payments of {amount} on my banking app. Please "
        "refund the duplicate.",
        "Hello,\n\nyour checkout said my card was declined, but my bank shows the money has gone out. I "
        "don't have an order confirmation. Do I have an order or not? Screenshot attached.",
        "Hi there, I think your payment system is having problems - it said \"processor unavailable\" "
        "three times and now I have three pending transactions of {amount}. I only want one {product}!",
        "Hi, card declined at checkout even though there's plenty of money on it and it works everywhere "
        "else. I've attached the log from my browser console in case it helps your tech people.",
    ),
    replies=(
        "Hi {first},\n\nthank you for telling us, and I'm sorry for the worry. Our payment provider had an "
        "outage for a few hours, and some payments were taken even though the checkout showed an error. "
        "I can see your order {order} went through once; the extra payment of {amount} was never captured "
        "and will drop off your statement automatically within 3-5 working days. If it's still there after "
        "that, reply here and I'll refund it by hand.",
        "Hi {first},\n\nI'm sorry — that was our payment provider's outage, not your card. You do have an "
        "order: it's {order}, and it's being packed now. Any duplicate authorisations are released "
        "automatically, usually within a few days.",
    ),
    follow_ups=(
        "OK, but it's been 5 days and the second payment is still showing as taken, not pending.",
        "Thanks for explaining. Will I get a confirmation email for the order? I never got one.",
    ),
    updates=(
        "Hi {first},\n\nyou're right, it had been captured — I've refunded the duplicate {amount} just now, "
        "so it will be back on your card within 3-5 working days. Sorry for the hassle.",
        "Hi {first},\n\nI've re-sent the confirmation for {order}; it should be in your inbox now (please check "
        "spam as well, just in case).",
    ),
    angry_subjects=("YOU TOOK MY MONEY 3 TIMES", "Fraudulent charges - contacting my bank"),
    angry_openers=(
        "Your website took {amount} from my account THREE times and I don't even have an order. This is "
        "theft. I've called my bank and they've told me to file a chargeback, which I will do tomorrow "
        "unless you refund everything today.",
    ),
)

SIZING = Scenario(
    key="sizing",
    subjects=("Sizing question", "What size should I get?", "{product} - does it run small?", "Size advice please"),
    openers=(
        "Hi,\n\nI'm usually a {size} but I've read reviews saying the {product} runs small. I'm 5'7\" and "
        "between sizes. Would you size up?",
        "Hello! Quick question before I order: is the {product} true to size? And does it shrink when "
        "washed? Thank you",
        "Hi, what are the measurements of the {product} in {size}? Chest and length please. The size guide "
        "only shows the body measurements, not the garment.",
    ),
    replies=(
        "Hi {first},\n\ngood question! The {product} is cut generously, so most people take their usual "
        "size. If you're between sizes and like a closer fit, go down; for the relaxed look in our photos, "
        "stay with {size}. Garment measurements for {size}: chest 112 cm, length 70 cm. It's pre-washed, "
        "so it won't shrink more than 1-2% if you wash it at 30.",
    ),
    follow_ups=("That's helpful, thanks. If it doesn't fit, can I exchange it for free?",),
    updates=("Hi {first},\n\nyes — exchanges are free within 60 days. Just start a return and choose \"exchange\".",),
)

EXCHANGE = Scenario(
    key="exchange",
    subjects=("Exchange for a bigger size", "Swap {product} for {size}", "Exchange request"),
    openers=(
        "Hi, the {product} is a bit too snug. Could I swap it for a {size}? Order {order}.",
        "Hello, I'd like to exchange my {product} for a different colour. Is that possible without paying "
        "for postage again?",
    ),
    replies=(
        "Hi {first},\n\nabsolutely. I've reserved a {product} in {size} for you and sent a free return label "
        "to your email. As soon as {carrier} scans your parcel, we'll send out the new one — you don't have "
        "to wait for it to reach us.",
    ),
)

DISCOUNT = Scenario(
    key="discount",
    subjects=("Discount code not working", "Code WELCOME10 invalid?", "Promo code problem"),
    openers=(
        "Hi, I signed up to the newsletter and got the WELCOME10 code but the checkout says it's invalid. "
        "I've tried typing it and pasting it.",
        "Hello, I placed order {order} yesterday and forgot to use my discount code. Can you apply it "
        "retrospectively?",
    ),
    replies=(
        "Hi {first},\n\nsorry about that — the code only works on full-price items, and the {product} is in "
        "the sale, which is why it was refused. As a thank you for signing up, I've refunded 10% of your "
        "order anyway ({amount}).",
    ),
)

INVOICE = Scenario(
    key="invoice",
    subjects=("VAT invoice needed", "Invoice for order {order}", "Receipt for my company"),
    openers=(
        "Hello, could you send me a VAT invoice for order {order}? It needs to be addressed to Northwind "
        "Studio Ltd, VAT GB 123 4567 89. Thanks!",
        "Hi, I need a proper receipt for order {order} to claim it back from work. The confirmation email "
        "isn't accepted by our finance team.",
    ),
    replies=(
        "Hi {first},\n\nhere you go — the invoice for {order} is attached as a PDF. If your finance team "
        "needs anything else on it (a PO number, for example), just let me know and I'll re-issue it.",
    ),
)

CARE = Scenario(
    key="care",
    subjects=("How to wash the {product}?", "Care instructions", "Linen question"),
    openers=(
        "Hi, I just received the {product} (love it!). The label says 40 degrees but the website says 30. "
        "Which is right? And can it go in the dryer?",
        "Hello, my {product} has gone a bit stiff after washing. Is that normal for linen? Any tips?",
    ),
    replies=(
        "Hi {first},\n\nso glad you like it! 40 degrees is fine for the {product}; we recommend 30 only to "
        "keep the colour deeper for longer. Tumble dry on low if you like, and take it out while it's still "
        "slightly damp — linen softens with every wash, so the stiffness goes after a few.",
    ),
)

CANCEL = Scenario(
    key="cancel",
    subjects=("Cancel my order please", "Please cancel {order}", "Cancellation"),
    openers=(
        "Hi, I ordered the {product} by mistake an hour ago (order {order}). Can you cancel it before it "
        "ships? Sorry!",
        "Hello, please cancel order {order}. I found it cheaper elsewhere, sorry.",
    ),
    replies=(
        "Hi {first},\n\nno problem — I caught it before it was packed, so order {order} is cancelled and the "
        "{amount} is back on its way to your card.",
        "Hi {first},\n\nI'm afraid it left our warehouse this morning, so I can't stop it. When it arrives, "
        "just start a free return at https://marlowlane.example/returns and you'll get the full {amount} "
        "back.",
    ),
)

SCENARIOS = {s.key: s for s in (STOCK, REFUND, RETURN, PAYMENT, SIZING, EXCHANGE, DISCOUNT, INVOICE, CARE, CANCEL)}
