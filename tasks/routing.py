"""Routing tasks: read and validate a (small) scenario file, route one chunk, publish the run summary.

No tags: each tagged task run asks the API for tag concurrency slots, a round trip per chunk.
"""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from cert_core.config import CertConfig
from cert_core.io.ids import SeenIds
from cert_core.io.scenario_source import RawRow, flatten, iter_scenario_groups
from cert_core.routing import ValidatedScenarios, validate_scenarios
from cert_core.routing.records import RoutingSummary, summary_markdown, summary_table
from cert_core.routing.router import RoutedChunk, cached_router, route_chunk


@task(name="load-scenarios", cache_policy=NONE)
def load_scenarios_task(path: str, config: CertConfig) -> ValidatedScenarios:
    """Every row of a scenario file, validated once: for flows that need all scenarios at hand
    (fusion); routing streams the file instead."""
    rows = flatten(iter_scenario_groups(path, config.input_limits))
    return validate_scenarios(rows, list(config.scenario_profiles.categories), SeenIds())


@task(name="route-chunk", cache_policy=NONE)
def route_chunk_task(chunk: list[RawRow], config: CertConfig) -> RoutedChunk:
    return route_chunk(cached_router(config), chunk)


@task(name="publish-routing-summary", cache_policy=NONE)
def publish_routing_summary_task(summary: RoutingSummary, paths: list[str], config_version: str) -> None:
    create_table_artifact(
        key="routing-summary", table=summary_table(summary), description="Scenarios routed by overlay and category, and rejects by reason"
    )
    create_markdown_artifact(key="routing-report", markdown=summary_markdown(summary, paths, config_version))
