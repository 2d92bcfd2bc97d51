"""Trips: distances, hours, stops and passengers, told in the past tense with 'we know that'."""

from __future__ import annotations

import random

from ._base import Calc, Problem

NAME = "travel"
NAMES = ["Kenji", "Olivia", "Marcus", "Fatima", "the driver", "Ingrid", "Pedro", "Hana", "Victor"]
VEHICLES = ["bus", "train", "ferry", "van", "bicycle", "tram"]
OFF_TOPIC = [
    "Honey never spoils if it is kept in a sealed jar.",
    "The choir practised in the old church on Thursdays.",
    "Elephants can recognise themselves in a mirror.",
    "The castle walls were built from grey stone.",
    "Tulips were once more valuable than gold.",
    "Her grandfather collected stamps from every country.",
    "Lightning is hotter than the surface of the sun.",
    "The festival ended with fireworks over the lake.",
    "Wool keeps sheep warm even when it is wet.",
    "The novel was translated into forty languages.",
]


def problem(rng: random.Random, calc: Calc) -> Problem:
    kind = rng.choice(["distance", "passengers", "legs"])
    who = rng.choice(NAMES)
    Who = who[0].upper() + who[1:]
    v = rng.choice(VEHICLES)
    if kind == "distance":
        speed, hours, back = rng.randint(5, 60), rng.randint(2, 6), rng.randint(3, 20)
        q = f"{Who} rode the {v} at {speed} km per hour for {hours} hours, then went back {back} km. How far from the start did {who} end up?"
        s1 = calc(speed * hours, 1)
        s2 = calc(s1 - back, 2)
        steps = [f"We know that the {v} moved at {speed} km per hour.", f"In {hours} hours it covered {speed} * {hours} = {s1} km.",
                 f"Going back {back} km left {s1} - {back} = {s2} km.", f"So {who} ended up {s2} km from the start."]
    elif kind == "passengers":
        start, on, off = rng.randint(5, 30), rng.randint(2, 15), rng.randint(1, 9)
        q = f"A {v} left with {start} passengers. At the first stop {on} got on and {off} got off. How many passengers were on the {v} then?"
        s1 = calc(start + on, 1)
        s2 = calc(s1 - off, 2)
        steps = [f"We know that {start} passengers were on board.", f"After {on} got on there were {start} + {on} = {s1}.",
                 f"After {off} got off there were {s1} - {off} = {s2}.", f"So there were {s2} passengers on the {v}."]
    else:
        a, b, c = rng.randint(4, 30), rng.randint(4, 30), rng.randint(2, 20)
        q = f"{Who} travelled {a} km by {v}, {b} km on foot and {c} km by boat. How long was the whole journey?"
        s1 = calc(a + b, 1)
        s2 = calc(s1 + c, 2)
        steps = [f"We know that the {v} part was {a} km.", f"With the walk, {a} + {b} = {s1} km.",
                 f"With the boat, {s1} + {c} = {s2} km.", f"So the whole journey was {s2} km."]
    return Problem(q, steps, calc.steps)
