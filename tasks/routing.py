"""Routing tasks: read, validate, route one chunk, and publish the run summary.

No tags: each tagged task run asks the API for tag concurrency slots, a round trip per chunk.
"""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from cert_core.config import CertConfig
from cert_core.io.scenario_source import ScenarioBatch, read_scenario_batch
from cert_core.routing import ValidatedScenarios, validate_scenarios
from cert_core.routing.records import RoutingSummary, summary_markdown, summary_table
from cert_core.routing.router import RoutedChunk, cached_router, route_chunk
from cert_core.routing.validation import ValidRow


@task(name="read-scenarios", cache_policy=NONE)
def read_scenarios_task(path: str) -> ScenarioBatch:
    return read_scenario_batch(path)


@task(name="validate-scenarios", cache_policy=NONE)
def validate_scenarios_task(batch: ScenarioBatch, config: CertConfig) -> ValidatedScenarios:
    return validate_scenarios(batch.rows, list(config.scenario_profiles.categories))


@task(name="route-chunk", cache_policy=NONE)
def route_chunk_task(chunk: list[ValidRow], config: CertConfig) -> RoutedChunk:
    return route_chunk(cached_router(config), [row.scenario for row in chunk])


@task(name="publish-routing-summary", cache_policy=NONE)
def publish_routing_summary_task(summary: RoutingSummary, paths: list[str], config_version: str) -> None:
    create_table_artifact(
        key="routing-summary", table=summary_table(summary), description="Scenarios routed by overlay and category, and rejects by reason"
    )
    create_markdown_artifact(key="routing-report", markdown=summary_markdown(summary, paths, config_version))
