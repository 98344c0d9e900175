"""Who writes about what, and when: the seeded plan of every ordinary demo conversation.

Times are offsets from ``now`` (the caller's clock), so the same seed gives the same mailbox
relative to the moment it is made, and the queue looks alive: the newest message is a few
minutes old, older conversations are mostly answered or settled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox_tui.demo.people import CARRIER_SLUGS, PRODUCTS, SIZES, Customer, Product, make_customers
from inbox_tui.demo.texts import Language, Scenario

HORIZON_HOURS = 21 * 24
OUTAGE_HOURS_AGO = 44.0
"""The payment provider's outage: 'charged twice' mail arrives in a burst around then."""

LANGUAGE_SHARES = {"en": 0.70, "de": 0.08, "fr": 0.06, "zh": 0.06, "el": 0.05, "ar": 0.05}
REPEATERS = {"en": 5, "de": 1, "fr": 1}
"""Customers who come back 3–5 times over the three weeks."""

EN_WEIGHTS = {
    "late": 14, "lost": 7, "damaged": 7, "wrong_item": 4, "address": 3, "stock": 6, "refund": 8, "return": 6,
    "payment": 8, "sizing": 6, "exchange": 4, "discount": 3, "invoice": 3, "care": 3, "cancel": 3,
}  # fmt: skip

# Shapes: C opener, A agent, R customer answers the agent, F customer chases, T customer thanks.
SHAPES_YOUNG = {"C": 45, "CF": 5, "CA": 20, "CAR": 12, "CAT": 8, "CFA": 5, "CARA": 5}
SHAPES_MID = {"C": 10, "CF": 8, "CA": 22, "CAR": 18, "CAT": 14, "CARA": 10, "CARAT": 6, "CFA": 6, "CARAR": 3, "CFAT": 3}
SHAPES_OLD = {"C": 3, "CA": 20, "CAR": 8, "CAT": 27, "CARA": 10, "CARAT": 15, "CFAT": 6, "CFA": 4, "CARARA": 4, "CARAR": 3}
SHAPES_ANGRY_YOUNG = {"C": 50, "CF": 30, "CFA": 20}
SHAPES_ANGRY = {"CF": 20, "CFA": 30, "CFAT": 20, "CAR": 15, "CARAT": 15}


@dataclass(frozen=True)
class Turn:
    role: str
    when: datetime


@dataclass
class Plan:
    customer: Customer
    scenario: str
    angry: bool
    order: str
    product: Product
    size: str
    carrier: str
    tracking: str
    days: int
    amount: float
    turns: list[Turn]
    repeat_no: int = 0


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def language_counts(total: int) -> dict[str, int]:
    counts = {code: max(1, round(total * share)) for code, share in LANGUAGE_SHARES.items() if code != "en"}
    counts = {"en": total - sum(counts.values()), **counts}
    return counts


def _scenario(rng: random.Random, language: Language) -> str:
    if language.code == "en":
        return _pick(rng, EN_WEIGHTS)
    keys = sorted(language.scenarios)
    return _pick(rng, {k: (3 if k == "late" else 2) for k in keys})


def _product(rng: random.Random, scenario: str) -> Product:
    if scenario in ("sizing", "exchange", "care"):
        pool = [p for p in PRODUCTS if p.apparel]
    elif scenario in ("damaged", "wrong_item"):
        pool = [p for p in PRODUCTS if p.fragile]
    else:
        pool = list(PRODUCTS)
    return rng.choice(pool)


def _turns(rng: random.Random, start: datetime, shape: str, angry: bool, latest: datetime) -> list[Turn]:
    turns = [Turn("C", start)]
    when = start
    for role in shape[1:]:
        if role == "A":
            hours = 0.25 + min(rng.expovariate(1 / 6), 30)
        elif role == "R":
            hours = 0.5 + min(rng.expovariate(1 / 12), 72)
        elif role == "F":
            hours = (3 + rng.expovariate(1 / 8)) if angry else (20 + rng.expovariate(1 / 24))
        else:  # T
            hours = 0.3 + min(rng.expovariate(1 / 10), 48)
        when = when + timedelta(hours=hours)
        if when > latest:
            break
        turns.append(Turn(role, when))
    return turns


def _shape(rng: random.Random, age_hours: float, angry: bool, scenario: Scenario) -> str:
    if angry:
        shape = _pick(rng, SHAPES_ANGRY_YOUNG if age_hours < 24 else SHAPES_ANGRY)
    elif age_hours < 24:
        shape = _pick(rng, SHAPES_YOUNG)
    else:
        shape = _pick(rng, SHAPES_MID if age_hours < 5 * 24 else SHAPES_OLD)
    if "R" in shape and not scenario.follow_ups:  # nothing more to say: the first answer settled it
        shape = shape[: shape.index("R")] + "T"
    return shape


def _ages(rng: random.Random, customers: list[Customer]) -> list[float]:
    """First-message age in hours for each slot; a repeat customer's visits are spread out."""
    ages = [0.0] * len(customers)
    by_customer: dict[str, list[int]] = {}
    for i, customer in enumerate(customers):
        by_customer.setdefault(customer.email, []).append(i)
    for slots in by_customer.values():
        span = HORIZON_HOURS / len(slots)
        for n, slot in enumerate(slots):
            ages[slot] = span * n + rng.uniform(0.1, span * 0.9)
    return ages


def plan(rng: random.Random, languages: dict[str, Language], total: int, now: datetime) -> list[Plan]:
    """``total`` ordinary conversations, oldest first."""
    plans: list[Plan] = []
    latest = now - timedelta(minutes=2)
    for code, count in language_counts(total).items():
        language = languages[code]
        customers = make_customers(rng, code, count, language.domains, language.utc_offsets, language.mailers)
        repeaters = REPEATERS.get(code, 0)
        slots: list[Customer] = []
        for customer in customers[:repeaters]:
            slots += [customer] * rng.randint(3, 5)
        rest = customers[repeaters:] or customers
        slots += [rest[i % len(rest)] for i in range(max(0, count - len(slots)))]
        slots = slots[:count]
        for customer, age in zip(slots, _ages(rng, slots), strict=True):
            scenario = _scenario(rng, language)
            angry = bool(language.scenarios[scenario].angry_openers) and rng.random() < 0.14
            if scenario == "payment":
                age = OUTAGE_HOURS_AGO + rng.uniform(-3.0, 5.0)
            start = now - timedelta(hours=age)
            product = _product(rng, scenario)
            carrier = rng.choice(language.carriers)
            days = rng.randint(6, 15) if scenario in ("late", "lost", "refund") else rng.randint(1, 5)
            order_age_days = age / 24 + days
            number = 48500 - int(order_age_days * 48) + rng.randint(0, 40)
            code_digits = f"{rng.randint(0, 999_999_999):09d}"
            plans.append(
                Plan(
                    customer=customer,
                    scenario=scenario,
                    angry=angry,
                    order=f"#ML-{number}",
                    product=product,
                    size=rng.choice(SIZES[1:4]),
                    carrier=carrier,
                    tracking=f"https://track.{CARRIER_SLUGS[carrier]}.example/{rng.choice('JKLMR')}{rng.choice('DFPQ')}{code_digits}GB",
                    days=days,
                    amount=product.price * rng.choice((1, 1, 1, 2)),
                    turns=_turns(rng, start, _shape(rng, age, angry, language.scenarios[scenario]), angry, latest),
                )
            )
    plans.sort(key=lambda p: p.turns[0].when)
    seen: dict[str, int] = {}
    for p in plans:
        p.repeat_no = seen.get(p.customer.email, 0)
        seen[p.customer.email] = p.repeat_no + 1
    _make_the_newest_fresh(plans, now)
    return plans


def _make_the_newest_fresh(plans: list[Plan], now: datetime) -> None:
    """The queue opens on something that arrived minutes ago: an unanswered, angry late parcel."""
    visits: dict[str, int] = {}
    for p in plans:
        visits[p.customer.email] = visits.get(p.customer.email, 0) + 1
    candidates = [p for p in plans if p.scenario == "late" and p.customer.language == "en" and visits[p.customer.email] == 1]
    fresh = candidates[-1] if candidates else plans[-1]
    fresh.angry = fresh.scenario == "late"
    fresh.turns = [Turn("C", now - timedelta(minutes=4))]
    plans.remove(fresh)
    plans.append(fresh)
