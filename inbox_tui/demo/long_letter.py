"""Two long texts for the special conversations: a customer's very long letter (one paragraph
is a single 1,500-character line, as some mail apps send it) and an HTML-only forwarded
shipping email with a table, a list and links."""

from __future__ import annotations

_PARAGRAPHS = (
    "Dear Marlow & Lane,",
    "I have put off writing this for a week because I wanted to be fair to you, and because I have been a "
    "happy customer since 2019, when I bought my first set of your linen napkins at the Marlow Christmas "
    "market. So please read this as a long letter from someone who likes your shop, not as a complaint from "
    "someone who wants to make trouble.",
    "On the 2nd I ordered a double duvet cover in oat, two cushion covers in rust and the waffle towel set "
    "(order #ML-47133). The confirmation said it would arrive within 3 to 5 working days. On the 9th nothing "
    "had arrived, so I looked at the tracking page, which said the parcel had been \"received by the "
    "carrier\" on the 3rd and nothing since. I telephoned the courier, who told me that the parcel had been "
    "\"mis-sorted\" and would be with me \"imminently\". It was not.",
    "When it did arrive, on the 14th, the box had clearly been opened and taped shut again with brown tape "
    "that was not yours (yours is the nice paper tape with the little lane drawing). The towels were there "
    "and are lovely. The cushion covers were missing entirely. The duvet cover was there, but it was a king "
    "size, not a double, and the packet had a footprint on it.",
    "I want to be clear that I don't blame the person who packed it; the packing slip in the box listed a "
    "double, so the mistake was made somewhere between your shelf and the packet. But I think someone should "
    "know, because if it happened to me it has probably happened to other people who didn't write in.",
    "Now, the part that upset me a little, and I'll write it on one line because my tablet insists on doing "
    "that when I type for a long time: when I rang your customer line on the 15th I was on hold for forty "
    "minutes, and then the call was cut off, and when I rang again the recorded message said that the line "
    "was closed for the day even though it was only half past three, and your website says the line is open "
    "until five, and I am seventy-three years old and I do not enjoy long telephone queues, and I had to "
    "ask my grandson to help me write this email because the contact form on your website kept telling me "
    "that my order number was \"invalid\" when it was copied exactly from your own confirmation email, which "
    "I have printed out and kept on my kitchen table, and it was only when he took out the little hash sign "
    "at the beginning that the form accepted it, which seems to me like something your web people might "
    "want to know about as well, since not everybody has a grandson at hand on a Tuesday afternoon and I "
    "imagine some people simply give up and never write to you at all, which would be a shame for a shop "
    "that otherwise does things so nicely and so thoughtfully and which I have always recommended to my "
    "friends at the bridge club, several of whom now buy their Christmas presents from you every year.",
    "So here is what I would like, if it is possible. I would like the correct duvet cover (double, oat). I "
    "would like the two cushion covers in rust, or a refund for them if they are no longer available. I am "
    "happy to send the king size back, but I would need a label, as I don't have a printer, and ideally a "
    "collection, because the post office in our village closed last year.",
    "I have attached nothing, because my grandson says the photographs of the box are too large to send, but "
    "I have kept the box and the brown tape in case anybody wants to see them.",
    "Thank you for reading this far. I know it is a very long email. I hope you have a good week, and I look "
    "forward to hearing from you.",
    "With kind regards,\nMargaret Ellison-Hart\n14 Church Lane\nLittle Marlow",
)
LONG_LETTER = "\n\n".join(_PARAGRAPHS)

ORDER_FORWARD_HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style>td{padding:4px 8px;border-bottom:1px solid #eee} .muted{color:#888}</style></head>
<body>
<div dir="ltr">Hi, forwarding the shipping email below. The tracking link doesn't work for me &mdash; it says
&quot;parcel not found&quot;. Could you check? Thanks, Olivia</div>
<br>
<div class="gmail_quote">
<div dir="ltr">---------- Forwarded message ---------<br>
From: <b>Marlow &amp; Lane</b> &lt;orders@marlowlane.example&gt;<br>
Subject: Your Marlow &amp; Lane order #ML-48102 is on its way<br>
To: &lt;olivia.grant@icloud.example&gt;</div>
<br>
<h2 style="font-family:Georgia,serif">Good news &mdash; your order is on its way!</h2>
<p>Hi Olivia, your parcel left our Sheffield warehouse this morning with DPD.</p>
<table cellspacing="0" style="border-collapse:collapse">
<tr><th align="left">Item</th><th>Qty</th><th align="right">Price</th></tr>
<tr><td>Wool throw, moss</td><td align="center">1</td><td align="right">&pound;95.00</td></tr>
<tr><td>Stoneware mug set of 4</td><td align="center">2</td><td align="right">&pound;76.00</td></tr>
<tr><td>Gift wrapping</td><td align="center">1</td><td align="right">&pound;4.50</td></tr>
<tr><td colspan="2"><b>Total</b></td><td align="right"><b>&pound;175.50</b></td></tr>
</table>
<p>What happens next:</p>
<ol>
<li>DPD will email you a one-hour delivery window on the morning of delivery.</li>
<li>You can <a href="https://track.dpd.example/parcel/15501234567890">track your parcel here</a> or change
the delivery day.</li>
<li>If you're out, your parcel goes to your nearest <a href="https://www.dpd.example/pickup">DPD Pickup shop</a>.</li>
</ol>
<p class="muted">Questions? Just reply to this email or visit
<a href="https://marlowlane.example/help">marlowlane.example/help</a>.</p>
<p class="muted">Marlow &amp; Lane Ltd &middot; 3 Mill Yard &middot; Marlow SL7 1QB</p>
<img src="https://marlowlane.example/t/open.gif?o=48102" width="1" height="1" alt="">
</div>
</body></html>
"""
