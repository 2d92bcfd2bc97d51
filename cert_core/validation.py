"""Project validation: the config loads and validates, and the sample scenarios route.

Used by `cert validate` / the validate-project flow and by the drift action run_validation_tests.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .config import CertConfig, load_config
from .errors import CertError
from .io.ids import SeenIds
from .io.scenario_source import read_scenario_rows
from .paths import project_path
from .routing.router import RuntimeRouter, drop_duplicates, route_chunk

__all__ = ["DEFAULT_SAMPLE", "ProjectValidation", "check_project", "validate_project"]

DEFAULT_SAMPLE = "data/scenarios/sample.jsonl"


@dataclass(frozen=True)
class ProjectValidation:
    ok: bool
    config_version: str | None
    env: str | None
    scenarios: int  # sample rows read
    routed: int
    rejected: int
    problems: tuple[str, ...]

    def summary(self) -> str:
        if not self.ok:
            return "validation failed: " + "; ".join(self.problems)
        return (f"ok: config {self.config_version} ({self.env}); routing smoke run routed {self.routed} of "
                f"{self.scenarios} sample scenarios ({self.rejected} rejected)")


def check_project(config: CertConfig, scenarios_path: str = DEFAULT_SAMPLE,
                  results_dir: str | Path | None = None) -> ProjectValidation:
    """Route the sample with ``config`` (a config that loaded is a valid one); check the results
    folder takes a file when given."""
    problems: list[str] = []
    read = routed = rejected = 0
    try:
        rows = read_scenario_rows(project_path(scenarios_path), config.input_limits)
        chunk = drop_duplicates(route_chunk(RuntimeRouter.from_config(config), rows), SeenIds())
        read, routed, rejected = len(rows), len(chunk.pairs), len(chunk.rejects)
        if routed == 0:
            problems.append(f"the routing smoke run routed none of the {read} scenarios in {scenarios_path}")
    except CertError as exc:
        problems.append(f"routing smoke run: {exc.error_type}: {exc.message}")
    if results_dir is not None:
        try:
            Path(results_dir).mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=results_dir, prefix=".cert-validate-")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            problems.append(f"results dir {results_dir} is not writable ({exc.strerror or exc})")
    return ProjectValidation(not problems, config.config_version, config.env, read, routed, rejected, tuple(problems))


def validate_project(config_dir: str | Path | None = None, env: str | None = None,
                     scenarios_path: str = DEFAULT_SAMPLE, results_dir: str | Path | None = None) -> ProjectValidation:
    """`cert config validate` plus the routing smoke run; a bad config is a problem, not a raise."""
    try:
        config = load_config(config_dir, env)
    except CertError as exc:
        return ProjectValidation(False, None, env, 0, 0, 0, (f"config: {exc.message}",))
    return check_project(config, scenarios_path, results_dir)
