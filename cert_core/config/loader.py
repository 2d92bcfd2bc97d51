"""Load configs/fusion/*.yaml into typed models, with CERT_ENV overrides and a content hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError
from .circuit_breakers import CircuitBreakersConfig
from .coordination import CoordinationConfig
from .drift_policy import DriftPolicy
from .energy_governance import EnergyGovernanceConfig
from .llm import LLMConfig
from .overlay_params import OverlayParams
from .scenario_profiles import ScenarioProfiles
from .settings import ENVIRONMENTS, Environment, get_settings
from .slo import SLOConfig
from .trajectory import TrajectoryConfig

CONFIG_FILES: dict[str, type[BaseModel]] = {
    "overlay_params": OverlayParams,
    "scenario_profiles": ScenarioProfiles,
    "slo": SLOConfig,
    "energy_governance": EnergyGovernanceConfig,
    "circuit_breakers": CircuitBreakersConfig,
    "drift_policy": DriftPolicy,
    "llm": LLMConfig,
    "trajectory": TrajectoryConfig,
    "coordination": CoordinationConfig,
}


class CertConfig(BaseModel):
    """The effective configuration: every file parsed, overrides applied."""

    model_config = ConfigDict(frozen=True)

    config_dir: Path
    env: Environment
    overlay_params: OverlayParams
    scenario_profiles: ScenarioProfiles
    slo: SLOConfig
    energy_governance: EnergyGovernanceConfig
    circuit_breakers: CircuitBreakersConfig
    drift_policy: DriftPolicy
    llm: LLMConfig
    trajectory: TrajectoryConfig
    coordination: CoordinationConfig
    sources: dict[str, list[str]]  # section -> files merged, empty when defaults were used
    config_version: str

    @property
    def overlays_dir(self) -> Path:
        return self.config_dir / "micro_overlays"

    def sections(self) -> dict[str, dict[str, Any]]:
        return {name: getattr(self, name).model_dump(mode="json") for name in CONFIG_FILES}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return base with override merged in; nested mappings merge, everything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Parse one YAML file that must hold a mapping; every failure is a ConfigError naming the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8",
            context={"file": str(path)},
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})", context={"file": str(path)}) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{path}: malformed YAML{where}: {problem}; fix the syntax (indentation, quotes, ':' after keys)",
            context={"file": str(path)},
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of keys to values at the top level, got a {type(data).__name__}",
            context={"file": str(path)},
        )
    return data


def _validation_error(section: str, files: list[str], exc: ValidationError) -> ConfigError:
    where = " + ".join(files) if files else f"{section} defaults"
    problems = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{field}: {err['msg']}" + (f" (got {err['input']!r})" if _short(err.get("input")) else ""))
    return ConfigError(
        f"{where}: invalid configuration: " + "; ".join(problems),
        context={"files": files, "section": section, "errors": problems},
    )


def _short(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool)) and len(repr(value)) <= 60


def load_section(config_dir: Path, section: str, env: str) -> tuple[BaseModel, list[str]]:
    model = CONFIG_FILES[section]
    base_path = config_dir / f"{section}.yaml"
    env_path = config_dir / f"{section}_{env}.yaml"
    data: dict[str, Any] = {}
    files: list[str] = []
    for path in (base_path, env_path):
        if path.is_file():
            data = deep_merge(data, read_yaml_mapping(path))
            files.append(str(path))
    try:
        return model.model_validate(data), files
    except ValidationError as exc:
        raise _validation_error(section, files, exc) from exc


def compute_config_version(sections: dict[str, Any], overlay_texts: dict[str, str]) -> str:
    """A short stable hash of the effective config; rows carry it so analytics can tell runs apart."""
    canonical = json.dumps({"sections": sections, "overlays": overlay_texts}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def load_config(config_dir: str | Path | None = None, env: str | None = None) -> CertConfig:
    """Load the effective config. Missing files get the seed defaults; bad ones raise ConfigError."""
    settings = get_settings()
    directory = Path(config_dir) if config_dir is not None else settings.config_dir
    environment = env or settings.env
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"unknown environment {environment!r}; set CERT_ENV (or --env) to one of {', '.join(ENVIRONMENTS)}"
        )
    if config_dir is not None and not directory.is_dir():
        raise ConfigError(f"config directory {directory} does not exist; pass an existing directory or unset it")

    parsed: dict[str, Any] = {}
    sources: dict[str, list[str]] = {}
    for section in CONFIG_FILES:
        parsed[section], sources[section] = load_section(directory, section, environment)

    overlay_texts = {}
    overlays_dir = directory / "micro_overlays"
    if overlays_dir.is_dir():
        for path in sorted(overlays_dir.glob("*.txt")):
            overlay_texts[path.stem] = path.read_text(encoding="utf-8", errors="replace")
    dumped = {name: model.model_dump(mode="json") for name, model in parsed.items()}
    return CertConfig(
        config_dir=directory,
        env=environment,
        sources=sources,
        config_version=compute_config_version(dumped, overlay_texts),
        **parsed,
    )
