"""English: the majority of the demo mailbox."""

from __future__ import annotations

from inbox_tui.demo.texts import Language, en_orders, en_shipping

LANGUAGE = Language(
    code="en",
    scenarios={**en_shipping.SCENARIOS, **en_orders.SCENARIOS},
    chasers=(
        "Hi, just following up on my email below - any news?",
        "Hello? Is anyone there? Still waiting for a reply to this.",
        "Any update on this please?",
        "Sorry to chase, but I haven't heard anything back yet and it's been a few days.",
        "Hi again, could someone get back to me on this? Thanks.",
    ),
    angry_chasers=(
        "STILL NO REPLY. This is unacceptable. I'm contacting my bank about a chargeback tomorrow morning.",
        "Three days and not a single word from you. If I don't hear back today my lawyer will be in touch.",
        "Do you actually read these emails?? I want an answer TODAY.",
    ),
    thanks=(
        "Brilliant, thank you so much for sorting that out!",
        "Received it today - perfect. Thanks for your help {agent}!",
        "That's great, thanks. Really appreciate the quick reply.",
        "Perfect, all sorted. Thank you!",
        "Thanks {agent}, you've been really helpful. Will definitely order again.",
        "Lovely, thank you. Have a good weekend!",
        "Got the refund this morning, thanks for chasing it.",
    ),
    again=(
        "Hi {agent}, me again I'm afraid!",
        "Hello again - you helped me with my last order, hoping you can help with this one too.",
        "Hi, it's {first} again (sorry!).",
    ),
    signoffs=(
        "Thanks,\n{first}",
        "Best wishes,\n{name}",
        "Kind regards,\n{name}",
        "Cheers\n{first}",
        "{first}\n\nSent from my iPhone",
        "Many thanks,\n{name}",
        "Thanks\n{first}\n\nGet Outlook for Android",
    ),
    reply_prefix="Re: ",
    quote_intro="On {d} {mon} {y}, at {time}, {who} wrote:",
    agent_signature="Best wishes,\n{agent}\n\nMarlow & Lane Support\nHomeware & clothing made to last — https://marlowlane.example",
    money="£{}",
    carriers=("Royal Mail", "DPD", "Evri", "Parcelforce"),
    utc_offsets=(0, 0, 0, 60, -300, -480, 600, 330),
    mailers=("Apple Mail (2.3774.600.62)", "Microsoft Outlook 16.0", "Mozilla Thunderbird 128.3.1", "", "", ""),
    english_note="",
    body_encoding="quoted-printable",
    domains=("gmail.example", "outlook.example", "btinternet.example", "icloud.example", "yahoo.example", "proton.example"),
)
