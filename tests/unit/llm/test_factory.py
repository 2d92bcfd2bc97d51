from __future__ import annotations

import logging

import pytest

from cert_core.config.llm import LLMConfig
from cert_core.config.settings import CertSettings
from cert_core.errors import InvalidInputError, NeedsKeyError
from cert_core.llm import (
    AnthropicBackend,
    LocalBackend,
    SimulatedBackend,
    TokenBucketLimiter,
    select_backend,
)
from tests.support.tiny_lm import build_tiny_lm

SECRET = "sk-ant-factory-SECRET-0123456789"


def settings(monkeypatch, key: str | None = None, base_url: str | None = None) -> CertSettings:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "CERT_ANTHROPIC_API_KEY", "CERT_ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if key is not None:
        monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    if base_url is not None:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", base_url)
    return CertSettings()


def config(tmp_path, **overrides) -> LLMConfig:
    data = {"local": {"model": str(tmp_path / "no-model-here")}, "simulated": {"latency_ms": 0}}
    data.update(overrides)
    return LLMConfig.model_validate(data)


def test_auto_with_a_key_picks_anthropic(monkeypatch, tmp_path):
    choice = select_backend("auto", config(tmp_path), settings(monkeypatch, SECRET, "http://127.0.0.1:9"))
    assert isinstance(choice.backend, AnthropicBackend)
    assert (choice.name, choice.requested, choice.reason) == ("anthropic", "auto", "ANTHROPIC_API_KEY is set")
    assert choice.backend.base_url == "http://127.0.0.1:9"  # the environment wins over the YAML


def test_auto_without_key_or_model_picks_simulated_and_says_why(monkeypatch, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="cert.llm"):
        choice = select_backend(None, config(tmp_path), settings(monkeypatch))
    assert isinstance(choice.backend, SimulatedBackend) and choice.name == "simulated"
    assert "no ANTHROPIC_API_KEY" in choice.reason and "SIMULATED" in choice.reason
    assert any(getattr(r, "reason", None) == choice.reason for r in caplog.records)


def test_auto_without_key_uses_a_local_model_on_disk(monkeypatch, tmp_path):
    model = build_tiny_lm(tmp_path / "tiny")
    choice = select_backend("auto", config(tmp_path, local={"model": str(model)}), settings(monkeypatch))
    assert isinstance(choice.backend, LocalBackend) and choice.name == "local"
    assert str(model) in choice.reason


def test_auto_falls_back_to_simulated_when_the_local_model_does_not_load(monkeypatch, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    choice = select_backend("auto", config(tmp_path, local={"model": str(broken)}), settings(monkeypatch))
    assert choice.name == "simulated" and "did not load" in choice.reason


def make_backend(name, config, settings, **kwargs):
    return select_backend(name, config, settings, **kwargs).backend


def test_anthropic_without_a_key_says_how_to_set_it(monkeypatch, tmp_path):
    with pytest.raises(NeedsKeyError, match=r"set ANTHROPIC_API_KEY \(or choose --backend simulated\)"):
        make_backend("anthropic", config(tmp_path), settings(monkeypatch))


def test_unknown_backend_name_is_rejected(monkeypatch, tmp_path):
    with pytest.raises(InvalidInputError, match="auto, anthropic, local, simulated"):
        make_backend("openai", config(tmp_path), settings(monkeypatch))


def test_anthropic_gets_a_limiter_from_config_unless_one_is_injected(monkeypatch, tmp_path):
    cfg = config(tmp_path, rate_limits={"requests_per_minute": 120, "max_in_flight": 3, "headroom": 1.0})
    backend = make_backend("anthropic", cfg, settings(monkeypatch, SECRET))
    assert isinstance(backend._limiter, TokenBucketLimiter)
    assert (backend._limiter.interval_s, backend._limiter.max_in_flight) == (0.5, 3)
    mine = TokenBucketLimiter(10, 1)
    assert make_backend("anthropic", cfg, settings(monkeypatch, SECRET), limiter=mine)._limiter is mine


def test_the_key_is_not_in_reprs_or_the_choice(monkeypatch, tmp_path):
    choice = select_backend("anthropic", config(tmp_path), settings(monkeypatch, SECRET))
    assert SECRET not in repr(choice) and SECRET not in repr(choice.backend) and SECRET not in str(vars(choice))
    assert SECRET not in repr(settings(monkeypatch, SECRET))


def test_backend_names_come_from_one_registry(monkeypatch, tmp_path):
    from typing import get_args

    from cert_core.config.llm import LLMConfig as Config
    from cert_core.llm.factory import BUILDERS
    from cert_core.llm.registry import BACKEND_CHOICES, BackendName

    assert set(BUILDERS) == set(BackendName)  # every name builds, nothing else does
    assert get_args(Config.model_fields["backend"].annotation) == BACKEND_CHOICES == ("auto", *BackendName)
    from cert_cli.commands.fuse import fuse

    assert tuple(next(p for p in fuse.params if p.name == "backend").type.choices) == BACKEND_CHOICES
    with pytest.raises(ValueError, match="backend"):
        Config.model_validate({"backend": "openai"})
    choice = select_backend("simulated", config(tmp_path), settings(monkeypatch))
    assert choice.name is BackendName.SIMULATED and choice.backend.backend_name is BackendName.SIMULATED
