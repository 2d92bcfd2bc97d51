"""HELD OUT (evaluation set b only; never used for training or the tokenizer): a workshop and a warehouse.

Its own names, goods, verbs and sentence shapes ("We begin with", "Adding ... gives", "minus",
"×", "Hence"), shared with no training family, and its own off-topic sentences.
"""

from __future__ import annotations

import random

from ._base import Calc, Problem

NAME = "workshop"
NAMES = ["Dr. Okafor", "Mrs. Lindqvist", "Captain Reyes", "Professor Tanaka", "Ms. Dubois", "Mr. Kowalski",
         "Auntie Grace", "Sergeant Moyo", "Dr. Abernathy"]
GOODS = ["crates", "bolts", "planks", "jars of paint", "coils of rope", "lanterns", "barrels", "spools of wire",
         "sheets of glass", "hammers"]
PLACES = ["dock", "workshop", "warehouse", "shed", "loading bay", "attic"]
OFF_TOPIC = [
    "Octopuses have three hearts and blue blood.",
    "The wedding was held in a garden full of roses.",
    "Medieval monks copied books entirely by hand.",
    "The desert gets surprisingly cold at night.",
    "My neighbour plays the trumpet badly every evening.",
    "Coral reefs are home to thousands of species.",
    "The senator gave a long speech about taxes.",
    "Autumn leaves turn orange when the days get shorter.",
    "The detective finally understood who had stolen the necklace.",
    "Kangaroos carry their young in a pouch.",
    "Opera singers train their voices for many years.",
    "The village celebrated the harvest with a dance.",
]


def problem(rng: random.Random, calc: Calc) -> Problem:
    kind = rng.choice(["delivery", "shelves", "repair", "orders"])
    who = rng.choice(NAMES)
    goods = rng.choice(GOODS)
    place = rng.choice(PLACES)
    if kind == "delivery":
        a, b, c = rng.randint(12, 60), rng.randint(5, 30), rng.randint(2, 11)
        q = (f"The {place} holds {a} {goods}. A lorry delivers {b} more, and {who} finds that {c} are damaged "
             f"and throws them out. How many usable {goods} remain?")
        s1 = calc(a + b, 1)
        s2 = calc(s1 - c, 2)
        steps = [f"We begin with {a} {goods} in the {place}.", f"Adding the delivery gives {a} + {b} = {s1}.",
                 f"Removing the damaged ones: {s1} minus {c} leaves {s2}.", f"Hence, {s2} usable {goods} remain."]
    elif kind == "shelves":
        shelves, per, moved = rng.randint(3, 12), rng.randint(4, 15), rng.randint(2, 20)
        q = (f"{who} stacks {goods} on {shelves} shelves, {per} per shelf, and later carries {moved} of them "
             f"to another {place}. How many are still on the shelves?")
        s1 = calc(shelves * per, 1)
        s2 = calc(s1 - moved, 2)
        steps = [f"Every shelf carries {per} {goods}.", f"Across {shelves} shelves that is {shelves} × {per} = {s1}.",
                 f"Taking away the {moved} that were carried off: {s1} − {moved} = {s2}.",
                 f"Hence, {s2} {goods} are still on the shelves."]
    elif kind == "repair":
        broken, fixed_day, days, new = rng.randint(20, 70), rng.randint(2, 6), rng.randint(2, 5), rng.randint(3, 15)
        fixed_day = min(fixed_day, broken // days)
        q = (f"{who} has {broken} broken {goods} to mend, repairs {fixed_day} every day for {days} days, and then "
             f"{new} more broken ones arrive. How many broken {goods} are waiting now?")
        s1 = calc(fixed_day * days, 1)
        s2 = calc(broken - s1, 2)
        s3 = calc(s2 + new, 3)
        steps = [f"We begin with {broken} broken {goods}.", f"Over {days} days {who} mends {fixed_day} × {days} = {s1}.",
                 f"That leaves {broken} − {s1} = {s2} still broken.", f"Adding the new arrivals gives {s2} + {new} = {s3}.",
                 f"Hence, {s3} broken {goods} are waiting."]
    else:
        o1, o2, stock = rng.randint(4, 25), rng.randint(4, 25), rng.randint(60, 120)
        q = (f"The {place} has {stock} {goods} in stock. {who} packs one order of {o1} and another of {o2}. "
             f"How many {goods} are left in stock?")
        s1 = calc(o1 + o2, 1)
        s2 = calc(stock - s1, 2)
        steps = [f"We begin with {stock} {goods} in stock.", f"The two orders need {o1} plus {o2}, which makes {s1}.",
                 f"Subtracting them from the stock: {stock} minus {s1} leaves {s2}.",
                 f"Hence, {s2} {goods} are left in stock."]
    return Problem(q, steps, calc.steps)
