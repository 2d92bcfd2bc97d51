"""Process settings from the environment (pydantic-settings). Secrets live only here."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..paths import project_path

__all__ = ["ENVIRONMENTS", "CertSettings", "Environment", "get_settings"]

Environment = Literal["development", "staging", "production"]  # CERT_ENV, --env, <name>_<env>.yaml
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)


def _default_config_dir() -> Path:
    return project_path("configs/fusion")


class CertSettings(BaseSettings):
    """Read from CERT_* variables; the Anthropic key and URL from their usual names."""

    model_config = SettingsConfigDict(env_prefix="CERT_", extra="ignore", frozen=True)

    env: Environment = "production"
    config_dir: Path = Field(default_factory=_default_config_dir)
    results_dir: Path = Path("data/results")
    state_dir: Path = Path(".cert_state")
    ledger_url: str | None = None  # default: sqlite under state_dir
    log_format: Literal["json", "human"] = "json"
    log_level: str = "INFO"

    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "CERT_ANTHROPIC_API_KEY"), repr=False
    )
    anthropic_base_url: str | None = Field(
        None, validation_alias=AliasChoices("ANTHROPIC_BASE_URL", "CERT_ANTHROPIC_BASE_URL")
    )

    @property
    def effective_ledger_url(self) -> str:
        return self.ledger_url or f"sqlite:///{(self.state_dir / 'ledger.db').as_posix()}"


def get_settings(**overrides) -> CertSettings:
    return CertSettings(**overrides)
