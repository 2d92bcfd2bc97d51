"""Load configs/fusion/*.yaml into typed models, with CERT_ENV overrides and a content hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError, InvalidInputError
from ..io.yaml_bounded import load_yaml_file
from .circuit_breakers import CircuitBreakersConfig
from .coordination import CoordinationConfig
from .drift_policy import DriftPolicy
from .energy_governance import EnergyGovernanceConfig
from .input_limits import InputLimits
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
    "input_limits": InputLimits,
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
    input_limits: InputLimits
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


def read_yaml_mapping(path: Path, limits: InputLimits | None = None) -> dict[str, Any]:
    """Parse one YAML file that must hold a mapping (bounded: input_limits); every failure is a
    ConfigError naming the file."""
    limits = limits or InputLimits()
    try:
        data = load_yaml_file(path, max_bytes=limits.max_yaml_bytes, max_aliases=limits.max_yaml_aliases,
                              max_nodes=limits.max_yaml_nodes)
    except InvalidInputError as exc:
        message = exc.message if exc.message.startswith(str(path)) else f"{path}: {exc.message}"
        raise ConfigError(message, context={"file": str(path)}) from exc
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


def load_section(config_dir: Path, section: str, env: str, limits: InputLimits | None = None) -> tuple[BaseModel, list[str]]:
    model = CONFIG_FILES[section]
    base_path = config_dir / f"{section}.yaml"
    env_path = config_dir / f"{section}_{env}.yaml"
    data: dict[str, Any] = {}
    files: list[str] = []
    for path in (base_path, env_path):
        if path.is_file():
            data = deep_merge(data, read_yaml_mapping(path, limits))
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
    # input_limits first (read with its own defaults): it bounds how every other file is read
    parsed["input_limits"], sources["input_limits"] = load_section(directory, "input_limits", environment)
    for section in CONFIG_FILES:
        if section != "input_limits":
            parsed[section], sources[section] = load_section(directory, section, environment, parsed["input_limits"])

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
