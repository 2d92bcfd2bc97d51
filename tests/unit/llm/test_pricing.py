from __future__ import annotations

import pytest

from cert_core.config.llm import LLMConfig, ModelPrice
from cert_core.errors import ConfigError, InvalidInputError
from cert_core.llm import compute_cost

PRICING = {"m": ModelPrice(input=3.0, output=15.0, cache_read=0.3)}


def test_cost_is_per_million_tokens_hand_computed():
    # 1200 * 3 / 1e6 + 350 * 15 / 1e6 = 0.0036 + 0.00525 = 0.00885
    assert compute_cost("m", 1200, 350, PRICING) == pytest.approx(0.00885, abs=1e-9)


def test_cache_read_tokens_are_priced_separately():
    # 1000 * 0.3 / 1e6 = 0.0003
    assert compute_cost("m", 0, 0, PRICING, cache_read_tokens=1000) == pytest.approx(0.0003, abs=1e-9)


def test_sum_of_many_small_costs_is_exact_to_a_hundredth_of_a_cent():
    # 10_000 calls of 7 input + 3 output tokens: 10_000 * (21 + 45) / 1e6 = 0.66
    total = sum(compute_cost("m", 7, 3, PRICING) for _ in range(10_000))
    assert abs(total - 0.66) < 0.0001


def test_zero_tokens_cost_nothing():
    assert compute_cost("m", 0, 0, PRICING) == 0.0


def test_unknown_model_says_where_to_add_its_price():
    with pytest.raises(ConfigError, match="configs/fusion/llm.yaml") as info:
        compute_cost("claude-unknown-9", 1, 1, PRICING)
    assert "claude-unknown-9" in info.value.message


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_negative_or_non_integer_tokens_are_rejected(bad):
    with pytest.raises(InvalidInputError, match="input_tokens"):
        compute_cost("m", bad, 1, PRICING)


def test_default_model_has_a_price():
    config = LLMConfig()
    assert config.anthropic.model in config.pricing
