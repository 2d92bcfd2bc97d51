"""Load the effective configuration inside a flow run."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from cert_core.config import CertConfig, load_config


@task(name="load-config", cache_policy=NONE)
def load_config_task(config_dir: str | None = None, env: str | None = None) -> CertConfig:
    return load_config(config_dir, env)
