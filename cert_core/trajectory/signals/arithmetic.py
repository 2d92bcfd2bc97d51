"""arithmetic: stated calculations that are false ("12 + 7 = 20").

Finds ``number (op number)+ (= | equals | is | makes | gives | leaves) number`` with the operators
+ - − × x * / ÷ and the words plus, minus, times; the left side is evaluated with the usual
precedence. The value is the number of false equations in the step. A wrong result that is later
carried on is caught where it is first stated; a model alone often misses it, since a plausible
number costs little.
"""

import ast
import operator
import re

from ..chain_input import ChainInput
from ..scoring import ChainScore
from .base import Signal

_NUM = r"\d+(?:\.\d+)?"
_OP = r"(?:[+\-−–×x*/÷]|plus|minus|times|divided by|multiplied by)"
_EQ = re.compile(rf"(?<![\w.])({_NUM}(?:\s*{_OP}\s*{_NUM})+)\s*,?\s*(?:which |that |so it )?"
                 rf"(?:=|equals|is|makes|gives|leaves)\s*({_NUM})(?![\d])")
_WORDS = {"plus": "+", "minus": "-", "times": "*", "divided by": "/", "multiplied by": "*",
          "−": "-", "–": "-", "×": "*", "x": "*", "÷": "/"}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("not arithmetic")


def false_equations(text: str) -> int:
    count = 0
    for left, right in _EQ.findall(text):
        expression = re.sub(r"divided by|multiplied by|plus|minus|times|[−–×x÷]", lambda m: _WORDS[m.group(0)], left)
        try:
            value = _evaluate(ast.parse(expression, mode="eval").body)
        except (SyntaxError, ValueError, ZeroDivisionError):
            continue
        if abs(value - float(right)) > 1e-6 * max(1.0, abs(value)):
            count += 1
    return count


def _values(chain: ChainInput, score: ChainScore) -> list[float]:
    return [float(false_equations(step)) for step in chain.steps[: len(score.steps)]]


SIGNAL = Signal("arithmetic", "number of false calculations stated in the step", _values, floor=0.5)
