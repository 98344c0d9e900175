"""The demo support mailbox: conversations rendered into Maildir files.

``build(conversations, seed, now)`` returns every file (folder, sub-directory, name, bytes,
time) without touching the disk. Customer mail lives in INBOX, the agent's earlier replies
in Sent; each conversation is threaded by Message-ID / In-Reply-To / References.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from inbox_tui.demo import binaries, mime
from inbox_tui.demo.compose import Outgoing, inbound_headers, quote, quote_intro, support_mailbox
from inbox_tui.demo.people import AGENT_FIRST, money
from inbox_tui.demo.plan import Plan, plan
from inbox_tui.demo.texts import Language, Scenario, languages

UNREAD_HOURS = 36
FINANCE_CC = (("Northwind Finance", "finance@northwind.example"),)
"""Who an invoice request copies (the texts name Northwind Studio Ltd): replies keep them."""
"""Unanswered customer mail younger than this is still in ``new/`` (never opened)."""

SORRY_FOR_THE_WAIT = {
    "en": "I'm sorry it took us a while to get back to you.",
    "de": "Entschuldigen Sie bitte, dass Sie so lange auf eine Antwort warten mussten.",
    "fr": "Toutes mes excuses pour ce délai de réponse.",
}
ESCALATION = {
    "en": "Hi {first},\n\nthank you for bearing with us. I've passed this to our warehouse manager, who will see it "
    "through personally today, and I'll write again as soon as I hear back from her.",
    "de": "Hallo {first},\n\nvielen Dank für Ihre Geduld. Ich habe den Fall an unsere Lagerleiterin übergeben, die "
    "sich heute persönlich darum kümmert. Sobald ich von ihr höre, melde ich mich wieder.",
    "fr": "Bonjour {first},\n\nmerci de votre patience. J'ai confié votre dossier à notre responsable d'entrepôt, "
    "qui s'en occupe personnellement aujourd'hui. Je reviens vers vous dès que j'ai sa réponse.",
}
"""The agent's third answer in a long conversation."""
ATTACHMENT_WORDS = ("attach", "anbei", "angehängt", "joins", "附件", "επισυνάπτω", "أرفقت")


@dataclass(frozen=True)
class MaildirFile:
    folder: str
    """``INBOX`` or ``Sent``."""
    subdir: str
    """``new`` or ``cur``."""
    name: str
    data: bytes
    when: datetime


@dataclass
class Corpus:
    files: list[MaildirFile]
    conversation_count: int


@dataclass
class _Sent:
    role: str
    outgoing: Outgoing
    data: bytes


@dataclass
class Thread:
    """One conversation being written: threading headers and Maildir flags come from here."""

    index: int
    seed: int
    rng: random.Random
    customer_addr: tuple[str, str]
    utc_offset: int = 0
    messages: list[_Sent] = field(default_factory=list)
    flagged: bool = False

    def _ids(self) -> tuple[str, list[str]]:
        if not self.messages:
            return "", []
        last = self.messages[-1].outgoing
        return last.message_id, [*last.references, last.message_id]

    def add(self, role: str, outgoing: Outgoing, raw: bytes | None = None) -> Outgoing:
        """Thread ``outgoing`` under the previous message and keep its bytes (``raw`` as-is)."""
        outgoing.in_reply_to, outgoing.references = self._ids()
        self.messages.append(_Sent(role, outgoing, raw if raw is not None else outgoing.render()))
        return outgoing

    def customer_id(self, domain: str) -> str:
        return f"{self.rng.getrandbits(72):018x}.{self.index:04d}@mail.{domain}"

    def agent_id(self) -> str:
        return f"{self.rng.getrandbits(64):016x}.{self.index:04d}@marlowlane.example"

    def files(self, now: datetime) -> list[MaildirFile]:
        out: list[MaildirFile] = []
        last_agent = max((i for i, m in enumerate(self.messages) if m.role == "A"), default=-1)
        tail_age = now - self.messages[-1].outgoing.when
        for i, sent in enumerate(self.messages):
            when = sent.outgoing.when
            key = f"{int(when.timestamp())}.M{self.index:04d}P{i}Q{self.seed}.marlowlane"
            if sent.role == "A":
                out.append(MaildirFile("Sent", "cur", key + ":2,S", sent.data, when))
                continue
            answered = i < last_agent and self.messages[i + 1].role == "A"
            if i < last_agent:
                flags = ("F" if self.flagged else "") + ("RS" if answered else "S")
                out.append(MaildirFile("INBOX", "cur", f"{key}:2,{flags}", sent.data, when))
            elif tail_age < timedelta(hours=UNREAD_HOURS):
                out.append(MaildirFile("INBOX", "new", key, sent.data, when))
            else:
                seen = "S" if tail_age > timedelta(hours=96) or (self.index + i) % 3 else ""
                out.append(MaildirFile("INBOX", "cur", f"{key}:2,{seen}", sent.data, when))
        return out


class _Writer:
    """Turns a ``Plan`` into the messages of one conversation."""

    def __init__(self, rng: random.Random, langs: dict[str, Language], seed: int) -> None:
        self.rng = rng
        self.langs = langs
        self.seed = seed

    def fields(self, p: Plan, lang: Language) -> dict[str, object]:
        product = p.product.name(lang.code)
        return {
            "first": p.customer.first, "name": p.customer.name, "order": p.order, "product": product,
            "carrier": p.carrier, "tracking": p.tracking, "days": p.days, "size": p.size, "agent": AGENT_FIRST,
            "amount": money(p.amount, lang.money, lang.decimal_comma),
        }  # fmt: skip

    def conversation(self, index: int, p: Plan) -> Thread:
        rng, lang, en = self.rng, self.langs[p.customer.language], self.langs["en"]
        scenario = lang.scenarios[p.scenario]
        english = en.scenarios.get(p.scenario, scenario)
        values = self.fields(p, lang)
        customer = p.customer
        me = (customer.display, customer.email)
        thread = Thread(index, self.seed, rng, me, customer.utc_offset, flagged=p.angry and rng.random() < 0.5)
        domain = customer.email.rpartition("@")[2]
        subjects = (scenario.angry_subjects if p.angry and scenario.angry_subjects else scenario.subjects)
        subject = rng.choice(subjects).format(**values)
        agent_turns = 0
        used: set[str] = set()
        for turn in p.turns:
            if turn.role == "A":
                body = self._agent_body(p, lang, scenario, english, agent_turns, values, thread)
                agent_turns += 1
                attachments = []
                if "attached" in body:
                    receipt = binaries.receipt_pdf(p.order, [(p.product.en, values["amount"])], str(values["amount"]))
                    attachments.append(mime.attachment(receipt, "application/pdf", f"invoice-{p.order.lstrip('#')}.pdf"))
                outgoing = Outgoing(
                    support_mailbox(), [me], "Re: " + subject, turn.when, 0, thread.agent_id(), body,
                    attachments=attachments,
                )  # fmt: skip
                thread.add("A", outgoing)
                continue
            text = self._customer_text(p, lang, scenario, turn.role, values, used)
            attachments = self._attachments(p, text) if turn.role == "C" else []
            if turn.role != "C" and thread.messages and rng.random() < 0.6:
                previous = thread.messages[-1].outgoing
                who = previous.sender
                text += "\n\n" + quote(previous.body, quote_intro(lang.quote_intro, previous.when, customer.utc_offset, who))
            outgoing = Outgoing(
                me, [rng.choice((support_mailbox(), ("", support_mailbox()[1])))],
                subject if turn.role == "C" else lang.reply_prefix + subject,
                turn.when, customer.utc_offset, thread.customer_id(domain), text,
                style=customer.style, rtl=lang.code == "ar", cte=lang.body_encoding if not text.isascii() else "",
                attachments=attachments,
                extra_headers=inbound_headers(customer.email, turn.when, rng.getrandbits(32), customer.mailer),
                cc=list(FINANCE_CC) if p.scenario == "invoice" else [],
            )  # fmt: skip
            thread.add(turn.role, outgoing)
        return thread

    def _customer_text(self, p: Plan, lang: Language, scenario: Scenario, role: str, values: dict[str, object],
                       used: set[str]) -> str:  # fmt: skip
        rng = self.rng
        signoff = "\n\n" + rng.choice(lang.signoffs).format(**values)
        if role == "C":
            openers = scenario.angry_openers if p.angry and scenario.angry_openers else scenario.openers
            text = rng.choice(openers).format(**values)
            if p.repeat_no:
                text = rng.choice(lang.again).format(**values) + "\n\n" + text
            return text + ("" if p.angry and rng.random() < 0.6 else signoff)
        if role == "F":
            pool = lang.angry_chasers if p.angry and lang.angry_chasers else lang.chasers
            return rng.choice(pool).format(**values)
        if role == "T":
            return rng.choice(lang.thanks).format(**values) + (signoff if rng.random() < 0.5 else "")
        pool = [t for t in scenario.follow_ups if t not in used] or list(scenario.follow_ups or lang.chasers)
        used.add(text := rng.choice(pool))
        return text.format(**values) + (signoff if rng.random() < 0.4 else "")

    def _agent_body(self, p: Plan, lang: Language, scenario: Scenario, english: Scenario, turn: int,
                    values: dict[str, object], thread: Thread) -> str:  # fmt: skip
        rng = self.rng
        own = bool(scenario.replies)
        source = scenario if own else english
        reply_lang = lang if own else self.langs["en"]
        code = reply_lang.code
        if turn == 0:
            body = rng.choice(source.replies)
        elif turn == 1 and source.updates:
            body = rng.choice(source.updates)
        else:
            body = ESCALATION.get(code, ESCALATION["en"])
        body = body.format(**values)
        greeting, _, rest = body.partition("\n\n")
        extra = []
        if not own and lang.english_note and turn == 0:
            extra.append(lang.english_note)
        if thread.messages and thread.messages[-1].role == "F":
            extra.append(SORRY_FOR_THE_WAIT.get(code, SORRY_FOR_THE_WAIT["en"]))
        if extra:
            rest = " ".join(extra) + "\n\n" + rest
        signature = (reply_lang.agent_signature or self.langs["en"].agent_signature).format(**values)
        return f"{greeting}\n\n{rest}\n\n{signature}"

    def _attachments(self, p: Plan, text: str) -> list[mime.Part]:
        if not any(word in text for word in ATTACHMENT_WORDS):
            return []
        variant = self.rng.randrange(3)
        stamp = p.turns[0].when
        if "console" in text:
            log = binaries.checkout_log(p.order, stamp.strftime("%H:%M:%S"))
            return [mime.attachment(log, "text/plain", "console-log.txt")]
        if p.scenario == "payment":
            name = "截图.png" if p.customer.language == "zh" else stamp.strftime("Screenshot %Y-%m-%d at %H.%M.%S.png")
            return [mime.attachment(binaries.checkout_screenshot(variant), "image/png", name)]
        if p.scenario in ("damaged", "wrong_item"):
            name = "破损照片.png" if p.customer.language == "zh" else f"IMG_{4000 + self.rng.randrange(6000)}.png"
            return [mime.attachment(binaries.parcel_photo(variant), "image/png", name)]
        receipt = binaries.receipt_pdf(p.order, [(p.product.en, "")], "")
        return [mime.attachment(receipt, "application/pdf", f"receipt {p.order.lstrip('#')}.pdf")]


def build(conversations: int, seed: int, now: datetime) -> Corpus:
    """Every Maildir file of the demo mailbox, deterministic for (conversations, seed, now)."""
    from inbox_tui.demo import specials

    rng = random.Random(seed)
    langs = languages()
    special_builders = specials.BUILDERS
    plans = plan(rng, langs, max(1, conversations - len(special_builders)), now)
    writer = _Writer(rng, langs, seed)
    files: list[MaildirFile] = []
    for index, p in enumerate(plans):
        files += writer.conversation(index, p).files(now)
    for offset, make in enumerate(special_builders):
        thread = make(Thread(len(plans) + offset, seed, rng, ("", "")), now)
        files += thread.files(now)
    return Corpus(files=files, conversation_count=len(plans) + len(special_builders))
