"""A farm: rows of plants, animals, harvests and sacks, with 'because' and 'which means'."""

from __future__ import annotations

import random

from ._base import Calc, Problem

NAME = "farm"
NAMES = ["Farmer Jo", "Ruth", "Ahmed", "Greta", "Tomasz", "Nadia", "Old Pete", "Lin", "Bruno"]
CROPS = ["carrots", "cabbages", "pumpkins", "potatoes", "onions", "beans"]
ANIMALS = ["hens", "goats", "cows", "ducks", "sheep", "pigs"]
OFF_TOPIC = [
    "The city council met late into the night.",
    "Submarines can stay under water for months.",
    "He forgot his umbrella on the crowded train.",
    "The theatre sold out every show last summer.",
    "Bamboo is one of the fastest growing plants.",
    "A lighthouse warned ships away from the rocks.",
    "The students wrote an essay about the war.",
    "Bats hang upside down when they sleep.",
    "The bakery on the corner closed last year.",
    "Gold does not rust or lose its shine.",
]


def problem(rng: random.Random, calc: Calc) -> Problem:
    kind = rng.choice(["rows", "animals", "sacks"])
    who = rng.choice(NAMES)
    crop, animal = rng.choice(CROPS), rng.choice(ANIMALS)
    if kind == "rows":
        rows, per, bad = rng.randint(2, 9), rng.randint(3, 12), rng.randint(1, 9)
        q = f"{who} plants {rows} rows of {crop} with {per} in each row. {bad} of them do not grow. How many {crop} grow?"
        s1 = calc(rows * per, 1)
        s2 = calc(s1 - bad, 2)
        steps = [f"There are {per} {crop} in each row.", f"Because there are {rows} rows, {rows} * {per} = {s1} were planted.",
                 f"Since {bad} do not grow, {s1} - {bad} = {s2}, which means {s2} grow.", f"So {s2} {crop} grow."]
    elif kind == "animals":
        have, born, sold = rng.randint(5, 25), rng.randint(2, 12), rng.randint(1, 9)
        q = f"{who} keeps {have} {animal}. In spring {born} more are born and {who} sells {sold}. How many {animal} are left?"
        s1 = calc(have + born, 1)
        s2 = calc(s1 - sold, 2)
        steps = [f"{who} keeps {have} {animal} at first.", f"Because {born} are born, {have} + {born} = {s1}.",
                 f"Because {sold} are sold, {s1} - {sold} = {s2}, which means {s2} are left.", f"So {s2} {animal} are left."]
    else:
        kg, sacks, eaten = rng.randint(3, 9), rng.randint(2, 8), rng.randint(1, 9)
        q = f"Each sack holds {kg} kg of {crop}. {who} fills {sacks} sacks and the family eats {eaten} kg. How many kg are left?"
        s1 = calc(kg * sacks, 1)
        s2 = calc(s1 - eaten, 2)
        steps = [f"Each sack holds {kg} kg.", f"Because there are {sacks} sacks, {sacks} * {kg} = {s1} kg.",
                 f"Since {eaten} kg are eaten, {s1} - {eaten} = {s2} kg.", f"So {s2} kg are left."]
    return Problem(q, steps, calc.steps)
