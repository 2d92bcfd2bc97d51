from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cert_cli.main import cli
from cert_core.config import load_config
from cert_core.errors import ConfigError


@pytest.fixture()
def config_copy(tmp_path, config_dir) -> Path:
    target = tmp_path / "fusion"
    shutil.copytree(config_dir, target)
    return target


def test_missing_files_get_the_seed_defaults(tmp_path):
    cfg = load_config(tmp_path, "production")
    assert cfg.energy_governance.budget_limits.daily_token_limit == 100_000
    assert cfg.energy_governance.budget_tripwire.breach_threshold_percentage == 12.0
    assert cfg.energy_governance.budget_tripwire.downgrade_parameters["FUSION_MODE"] == "baseline_only"
    assert cfg.overlay_params.ENTROPY_REDUCTION_TARGET == "0.75"
    assert set(cfg.circuit_breakers.circuit_breakers) == {"fusion_primary", "judge_fusion"}
    assert cfg.llm.rate_limits.requests_per_minute == 50
    assert all(files == [] for files in cfg.sources.values())


def test_shipped_files_parse_and_keep_free_form_sections(config_dir):
    cfg = load_config(config_dir, "production")
    assert cfg.circuit_breakers.circuit_breakers["overlay_router"].failure_threshold == 8
    assert cfg.slo.degradation_strategies["quality_degraded"].actions[0].value == "enhanced_baseline"
    # free-form seed keys the code does not read are kept, not dropped
    assert cfg.energy_governance.model_extra["governance_rules"]["approval_required_for"]["single_operation_cost_usd"] == 10.0
    assert cfg.overlay_params.model_extra["QUORUM_MINIMUM"] == "3"


def test_env_override_deep_merges_over_the_base(config_dir):
    prod = load_config(config_dir, "production")
    dev = load_config(config_dir, "development")
    assert prod.overlay_params.FUSION_MODE == "enhanced_overlay"
    assert dev.overlay_params.FUSION_MODE == "development_overlay"
    assert dev.overlay_params.model_extra["DEBUG_MODE"] == "true"
    # a key only in the base file survives the merge
    assert dev.overlay_params.model_extra["LAST_UPDATED"] == prod.overlay_params.model_extra["LAST_UPDATED"]
    assert dev.config_version != prod.config_version
    assert [Path(p).name for p in dev.sources["overlay_params"]] == ["overlay_params.yaml", "overlay_params_development.yaml"]


def test_cert_env_variable_selects_the_environment(config_dir, monkeypatch):
    monkeypatch.setenv("CERT_ENV", "staging")
    assert load_config(config_dir).overlay_params.FUSION_MODE == "staging_overlay"


def test_config_version_is_stable_and_tracks_content(config_copy):
    first, again = load_config(config_copy), load_config(config_copy)
    assert first.config_version == again.config_version and len(first.config_version) == 12
    path = config_copy / "energy_governance.yaml"
    path.write_text(path.read_text().replace("daily_token_limit: 100000", "daily_token_limit: 90000"))
    assert load_config(config_copy).config_version != first.config_version


def test_overlay_text_changes_the_config_version(config_copy):
    before = load_config(config_copy).config_version
    (config_copy / "micro_overlays" / "rollback_first.txt").write_text("# rollback_first\n## Directives\n- X: y\n")
    assert load_config(config_copy).config_version != before


def test_malformed_yaml_names_the_file_and_line(config_copy):
    (config_copy / "slo.yaml").write_text("service_level_objectives:\n  a: [1, 2\n  b: 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(config_copy)
    assert "slo.yaml" in info.value.message
    assert "malformed YAML at line" in info.value.message


def test_out_of_range_value_names_file_field_and_expectation(config_copy):
    path = config_copy / "energy_governance.yaml"
    path.write_text(path.read_text().replace("daily_token_limit: 100000", "daily_token_limit: -5"))
    with pytest.raises(ConfigError) as info:
        load_config(config_copy)
    msg = info.value.message
    assert "energy_governance.yaml" in msg
    assert "budget_limits.daily_token_limit" in msg
    assert "greater than 0" in msg


def test_overlay_param_outside_unit_interval_is_rejected(config_copy):
    path = config_copy / "overlay_params.yaml"
    path.write_text(path.read_text().replace('ENTROPY_REDUCTION_TARGET: "0.75"', 'ENTROPY_REDUCTION_TARGET: "1.5"'))
    with pytest.raises(ConfigError, match="ENTROPY_REDUCTION_TARGET"):
        load_config(config_copy)


def test_overlay_name_with_path_parts_is_a_config_error(config_copy):
    path = config_copy / "scenario_profiles.yaml"
    path.write_text(path.read_text().replace("primary_overlays: [rollback_first, observability_first]", "primary_overlays: [../x, observability_first]"))
    with pytest.raises(ConfigError, match="no path parts"):
        load_config(config_copy)


def test_non_utf8_config_is_a_config_error(config_copy):
    (config_copy / "llm.yaml").write_bytes(b"backend: auto\nmodel: \xff\xfe\n")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(config_copy)


def test_top_level_must_be_a_mapping(config_copy):
    (config_copy / "drift_policy.yaml").write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(config_copy)


def test_unknown_environment_is_rejected(config_dir):
    with pytest.raises(ConfigError, match="development, staging, production"):
        load_config(config_dir, "qa")


def test_cli_validate_exits_2_with_the_errors(config_copy):
    path = config_copy / "circuit_breakers.yaml"
    path.write_text(path.read_text().replace("failure_threshold: 5", "failure_threshold: 0", 1))
    result = CliRunner().invoke(cli, ["config", "validate", "--config-dir", str(config_copy)])
    assert result.exit_code == 2
    assert "circuit_breakers.fusion_primary.failure_threshold" in result.output
    assert "Traceback" not in result.output


def test_cli_show_prints_the_effective_config(config_dir):
    result = CliRunner().invoke(cli, ["config", "show", "--config-dir", str(config_dir), "--env", "development", "--section", "overlay_params", "--json"])
    assert result.exit_code == 0, result.output
    assert '"FUSION_MODE": "development_overlay"' in result.output
    assert load_config(config_dir, "development").config_version in result.output


def test_api_key_comes_from_the_environment_as_a_secret(monkeypatch):
    from cert_core.config import get_settings

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-should-not-leak")
    settings = get_settings()
    assert settings.anthropic_api_key.get_secret_value() == "sk-test-should-not-leak"
    assert "sk-test-should-not-leak" not in repr(settings)


def test_per_run_overrides_keep_the_section_and_its_rules(config_dir):
    from cert_core.errors import InvalidInputError

    fusion = load_config(config_dir).llm.fusion
    assert fusion.with_overrides(max_tokens=None, priority=None) is fusion  # None keeps the configured value
    changed = fusion.with_overrides(max_tokens=64, priority="high")
    assert (changed.max_tokens, changed.priority, changed.temperature) == (64, "high", fusion.temperature)
    assert type(changed) is type(fusion)
    with pytest.raises(InvalidInputError, match="max_tokens"):
        fusion.with_overrides(max_tokens=0)  # the YAML's own range check (>= 1)


def test_environment_names_are_defined_once():
    from typing import get_args

    from cert_cli._common import with_env_option
    from cert_core.config import ENVIRONMENTS, CertSettings

    assert ENVIRONMENTS == get_args(CertSettings.model_fields["env"].annotation) == ("development", "staging", "production")

    @with_env_option
    def command(env):
        pass

    assert tuple(command.__click_params__[0].type.choices) == ENVIRONMENTS
