"""Cooks and bakers: batches, trays, cups and portions, in a first/then/finally voice."""

from __future__ import annotations

import random

from ._base import Calc, Problem

NAME = "kitchen"
NAMES = ["Chef Rosa", "Grandma Ellen", "Mateo", "Aisha", "the baker", "Uncle Hugo", "Mei", "Daniel", "Sofia"]
FOODS = [("muffins", "tray"), ("dumplings", "steamer"), ("pancakes", "plate"), ("rolls", "basket"),
         ("biscuits", "tin"), ("tarts", "box"), ("buns", "rack"), ("skewers", "grill")]
OFF_TOPIC = [
    "Rivers often change their course over many centuries.",
    "The violin has four strings tuned in fifths.",
    "Most cats sleep for more than half of the day.",
    "The bridge was painted red to stand out in the fog.",
    "Ancient sailors used the stars to find their way home.",
    "Football fans sang loudly as the match began.",
    "Volcanoes can create new islands in the ocean.",
    "The poet wrote letters to her sister every week.",
    "Snow fell quietly over the empty car park.",
    "A compass needle points towards magnetic north.",
]


def problem(rng: random.Random, calc: Calc) -> Problem:
    kind = rng.choice(["trays", "eaten", "recipe", "share"])
    who = rng.choice(NAMES)
    food, holder = rng.choice(FOODS)
    Who = who[0].upper() + who[1:]
    if kind == "trays":
        t, per = rng.randint(2, 8), rng.randint(3, 12)
        extra = rng.randint(1, 9)
        q = f"{Who} bakes {t} {holder}s of {food} with {per} on each {holder}, then makes {extra} extra. How many {food} are there?"
        s1 = calc(t * per, 1)
        s2 = calc(s1 + extra, 2)
        steps = [f"First, each {holder} holds {per} {food}.", f"Then {t} {holder}s give {t} x {per} = {s1} {food}.",
                 f"With the {extra} extra ones, {s1} + {extra} = {s2}.", f"Finally, there are {s2} {food}."]
    elif kind == "eaten":
        made, eaten, more = rng.randint(10, 40), rng.randint(2, 9), rng.randint(2, 12)
        q = f"{Who} cooks {made} {food}. The guests eat {eaten} and {Who} cooks {more} more. How many {food} are ready now?"
        s1 = calc(made - eaten, 1)
        s2 = calc(s1 + more, 2)
        steps = [f"First, {Who} has cooked {made} {food}.", f"The guests eat {eaten}, leaving {made} - {eaten} = {s1}.",
                 f"Then {more} more are cooked, so {s1} + {more} = {s2}.", f"Finally, {s2} {food} are ready."]
    elif kind == "recipe":
        cups, batches, spill = rng.randint(2, 6), rng.randint(2, 7), rng.randint(1, 5)
        q = (f"One batch of {food} needs {cups} cups of flour. {Who} makes {batches} batches and spills {spill} cups. "
             f"How many cups of flour are used?")
        s1 = calc(cups * batches, 1)
        s2 = calc(s1 + spill, 2)
        steps = [f"First, one batch takes {cups} cups.", f"Then {batches} batches take {batches} x {cups} = {s1} cups.",
                 f"Adding the {spill} spilled cups gives {s1} + {spill} = {s2}.", f"Finally, {s2} cups of flour are used."]
    else:
        total, guests = rng.randint(3, 9), rng.randint(2, 6)
        made = total * guests
        kept = rng.randint(1, 4)
        q = f"{Who} makes {made + kept} {food}, keeps {kept} and shares the rest among {guests} guests. How many does each guest get?"
        s1 = calc(made + kept - kept, 1)
        s2 = calc(s1 // guests, 2)
        steps = [f"First, {Who} keeps {kept} of the {made + kept} {food}.", f"Then {made + kept} - {kept} = {s1} are left to share.",
                 f"Each of the {guests} guests gets {s1} / {guests} = {s2}.", f"Finally, each guest gets {s2} {food}."]
    return Problem(q, steps, calc.steps)
