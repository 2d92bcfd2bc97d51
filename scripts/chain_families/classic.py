"""The original tiny-reasoner family: people buying, taking and saving countable things."""

from __future__ import annotations

import random

from ._base import Calc, Problem

NAME = "classic"
NAMES = ["Tom", "Anna", "Ben", "Maria", "Sam", "Lucy", "Omar", "Nina", "Leo", "Emma", "Raj", "Zoe"]
ITEMS = ["apples", "books", "marbles", "pencils", "stickers", "cookies", "cards", "shells"]
OFF_TOPIC = [
    "The weather in Paris is usually mild in the spring.",
    "My favourite colour has always been a deep shade of blue.",
    "Photosynthesis turns sunlight into chemical energy.",
    "The train to the coast leaves every morning at seven.",
    "Jazz music became popular in the early twentieth century.",
    "Penguins cannot fly but they are excellent swimmers.",
    "The museum was closed for repairs during the winter.",
    "Coffee tastes better when the beans are freshly ground.",
    "Mount Everest is the highest mountain on Earth.",
    "She painted the old fence a bright shade of green.",
    "The library opens late on Sundays.",
    "A good night of sleep helps the memory.",
]


def problem(rng: random.Random, calc: Calc) -> Problem:
    kind = rng.choice(["shop", "boxes", "pair", "save", "long"])
    n, m = rng.sample(NAMES, 2)
    item = rng.choice(ITEMS)
    if kind == "shop":
        a, b = rng.randint(3, 15), rng.randint(2, 9)
        c = rng.randint(1, min(9, a + b - 1))
        q = f"{n} has {a} {item}. {n} buys {b} more and gives away {c}. How many {item} does {n} have now?"
        s1 = calc(a + b, 1)
        s2 = calc(s1 - c, 2)
        steps = [f"{n} starts with {a} {item}.", f"{n} buys {b} more, so {a} + {b} = {s1}.",
                 f"{n} gives away {c}, so {s1} - {c} = {s2}.", f"The answer is {s2}."]
    elif kind == "boxes":
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        c = rng.randint(1, min(9, a * b - 1))
        q = f"There are {a} boxes with {b} {item} in each box. {n} takes {c} {item}. How many {item} are left?"
        s1 = calc(a * b, 1)
        s2 = calc(s1 - c, 2)
        steps = [f"Each box has {b} {item}.", f"In total there are {a} * {b} = {s1} {item}.",
                 f"{n} takes {c}, so {s1} - {c} = {s2}.", f"The answer is {s2}."]
    elif kind == "pair":
        a, b, c = rng.randint(2, 12), rng.randint(2, 12), rng.randint(2, 9)
        q = f"{n} has {a} {item} and {m} has {b} {item}. {m} gets {c} more. How many {item} do they have together?"
        s1 = calc(b + c, 1)
        s2 = calc(a + s1, 2)
        steps = [f"{n} has {a} {item}.", f"{m} now has {b} + {c} = {s1} {item}.",
                 f"Together they have {a} + {s1} = {s2} {item}.", f"The answer is {s2}."]
    elif kind == "save":
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        c = rng.randint(1, min(9, a * b - 1))
        q = f"{n} saves {a} coins each week for {b} weeks and then spends {c} coins. How many coins are left?"
        s1 = calc(a * b, 1)
        s2 = calc(s1 - c, 2)
        steps = [f"Each week {n} saves {a} coins.", f"After {b} weeks {n} has {a} * {b} = {s1} coins.",
                 f"After spending {c}, {n} has {s1} - {c} = {s2} coins.", f"The answer is {s2}."]
    else:
        a, b = rng.randint(3, 15), rng.randint(2, 9)
        c = rng.randint(1, min(9, a + b - 1))
        d = rng.randint(2, 9)
        q = (f"{n} has {a} {item}. {n} buys {b} more, gives {c} to {m} and then finds {d} more. "
             f"How many {item} does {n} have?")
        s1 = calc(a + b, 1)
        s2 = calc(s1 - c, 2)
        s3 = calc(s2 + d, 3)
        steps = [f"{n} starts with {a} {item}.", f"{n} buys {b} more, so {a} + {b} = {s1}.",
                 f"{n} gives {c} to {m}, so {s1} - {c} = {s2}.", f"{n} finds {d} more, so {s2} + {d} = {s3}.",
                 f"The answer is {s3}."]
    return Problem(q, steps, calc.steps)
