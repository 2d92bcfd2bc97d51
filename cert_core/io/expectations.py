"""Validate a table with great-expectations before it is published.

Expectations come from the schema (non-nullable columns), VALUE_SETS and RANGES. great-expectations
is imported lazily (about 3.5 s) and its progress bars are turned off.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from dataclasses import dataclass, field

import pyarrow as pa

from ..errors import InvalidInputError
from .schemas import RANGES, VALUE_SETS, schema_for

_lock = threading.Lock()
_context = None


@dataclass(frozen=True)
class ValidationReport:
    dataset: str
    rows: int
    success: bool
    failures: list[str] = field(default_factory=list)


def _expectations(dataset: str, gxe) -> list:
    schema = schema_for(dataset)
    exps = [gxe.ExpectColumnValuesToNotBeNull(column=f.name) for f in schema if not f.nullable and not pa.types.is_list(f.type)]
    for column, values in VALUE_SETS.get(dataset, {}).items():
        exps.append(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values))
    for column, (lo, hi) in RANGES.get(dataset, {}).items():
        exps.append(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=lo, max_value=hi))
    return exps


def _get_context():
    global _context
    if _context is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        with warnings.catch_warnings():  # its import touches deprecated stdlib modules
            warnings.simplefilter("ignore", DeprecationWarning)
            import great_expectations as gx
        # GE pins this module's logger to INFO at import; it announces temp dirs on every context
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

        _context = gx.get_context(mode="ephemeral")
        _context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return _context


def run_expectations(name: str, frame, expectations: list, result_format: str = "SUMMARY") -> list:
    """Validate ``frame`` (pandas) against ``expectations``; returns GE results in order."""
    with _lock:  # the ephemeral context is not thread-safe
        context = _get_context()
        try:
            source = context.data_sources.get(name)
        except (KeyError, ValueError):
            source = context.data_sources.add_pandas(name)
        try:
            asset = source.get_asset("frame")
        except (LookupError, ValueError):
            asset = source.add_dataframe_asset("frame")
        try:
            definition = asset.get_batch_definition("whole")
        except (KeyError, ValueError):
            definition = asset.add_batch_definition_whole_dataframe("whole")
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        return [batch.validate(e, result_format=result_format) for e in expectations]


def gx_expectations():
    """The great_expectations.expectations module, imported lazily and quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations.expectations as gxe
    return gxe


def validate_table(dataset: str, table: pa.Table) -> ValidationReport:
    """Run the dataset's expectations on ``table``; never raises for data problems."""
    if table.num_rows == 0:
        return ValidationReport(dataset, 0, True)
    gxe = gx_expectations()
    frame = table.drop_columns([f.name for f in table.schema if pa.types.is_list(f.type)]).to_pandas()
    expectations = _expectations(dataset, gxe)
    failures = []
    for expectation, result in zip(expectations, run_expectations(f"cert_{dataset}", frame, expectations)):
        if not result.success:
            unexpected = result.result.get("partial_unexpected_list", [])[:3]
            failures.append(f"{type(expectation).__name__}({expectation.column}) failed; examples: {unexpected}")
    return ValidationReport(dataset, table.num_rows, not failures, failures)


def require_valid(dataset: str, table: pa.Table) -> ValidationReport:
    report = validate_table(dataset, table)
    if not report.success:
        raise InvalidInputError(
            f"{dataset}: {len(report.failures)} expectation(s) failed, nothing was published: "
            + "; ".join(report.failures),
            context={"dataset": dataset, "failures": report.failures},
        )
    return report
