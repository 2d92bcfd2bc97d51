"""Independent chain generators, one module per family (see _base.py for the corruptions).

TRAINING families make the tiny-reasoner's training chains, set (a) and the default calibration
file; HELD_OUT (workshop) is only ever used for evaluation set (b).
"""

from . import classic, farm, kitchen, market, travel, workshop
from ._base import CORRUPTIONS, Calc, Problem, chain_rows, corrupted_chain, good_chain, write_jsonl

TRAINING = (classic, kitchen, travel, market, farm)
HELD_OUT = workshop

__all__ = ["CORRUPTIONS", "HELD_OUT", "TRAINING", "Calc", "Problem", "chain_rows", "corrupted_chain", "good_chain",
           "write_jsonl"]
