"""Money at a market: prices, change and discounts, in short present-tense sentences."""

from __future__ import annotations

import random

from ._base import Calc, Problem

NAME = "market"
NAMES = ["Lena", "Carlos", "Priti", "Mr. Brown", "Yusuf", "Clara", "Jonas", "Amara", "Felix"]
GOODS = ["melons", "scarves", "notebooks", "candles", "lemons", "mugs", "tickets", "plants"]
OFF_TOPIC = [
    "The moon has no air and no weather.",
    "Owls can turn their heads a long way round.",
    "The orchestra tuned up before the concert started.",
    "Glaciers move slowly down the valley each year.",
    "Her brother learned to swim in a cold lake.",
    "The old clock in the hall stopped at midnight.",
    "Dolphins use sound to find fish in dark water.",
    "The painter mixed blue and yellow to make green.",
    "Rain is expected across the north tomorrow.",
    "Chess was played in Persia over a thousand years ago.",
]


def problem(rng: random.Random, calc: Calc) -> Problem:
    kind = rng.choice(["change", "two_goods", "discount"])
    who = rng.choice(NAMES)
    g1, g2 = rng.sample(GOODS, 2)
    if kind == "change":
        n, price = rng.randint(2, 9), rng.randint(2, 9)
        paid = ((n * price) // 10 + 1) * 10 + rng.choice([0, 10])
        q = f"{who} buys {n} {g1} at {price} dollars each and pays with {paid} dollars. How much change does {who} get?"
        s1 = calc(n * price, 1)
        s2 = calc(paid - s1, 2)
        steps = [f"The {g1} cost {price} dollars each.", f"The total is {n} * {price} = {s1} dollars.",
                 f"The change is {paid} - {s1} = {s2} dollars.", f"{who} gets {s2} dollars back."]
    elif kind == "two_goods":
        n1, p1, n2, p2 = rng.randint(2, 6), rng.randint(2, 9), rng.randint(2, 6), rng.randint(2, 9)
        q = f"{who} buys {n1} {g1} for {p1} dollars each and {n2} {g2} for {p2} dollars each. What is the bill?"
        s1 = calc(n1 * p1, 0)
        s2 = calc(n2 * p2, 1)
        s3 = calc(s1 + s2, 2)
        steps = [f"The {g1} cost {n1} * {p1} = {s1} dollars.", f"The {g2} cost {n2} * {p2} = {s2} dollars.",
                 f"The bill is {s1} + {s2} = {s3} dollars.", f"{who} pays {s3} dollars."]
    else:
        n, price, off = rng.randint(3, 9), rng.randint(3, 12), rng.randint(1, 9)
        q = f"{n} {g1} cost {price} dollars each, and the seller takes {off} dollars off the total. How much does {who} pay?"
        s1 = calc(n * price, 1)
        s2 = calc(s1 - off, 2)
        steps = [f"Each of the {g1} costs {price} dollars.", f"Before the discount it is {n} * {price} = {s1} dollars.",
                 f"After the discount it is {s1} - {off} = {s2} dollars.", f"{who} pays {s2} dollars."]
    return Problem(q, steps, calc.steps)
