"""Cost of a call from the pricing table in configs/fusion/llm.yaml (USD per million tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..config.llm import ModelPrice
from ..errors import ConfigError, InvalidInputError

__all__ = ["compute_cost", "cost_of", "price_for"]

_MILLION = Decimal(1_000_000)


def price_for(model: str, pricing: Mapping[str, ModelPrice]) -> ModelPrice:
    try:
        return pricing[model]
    except KeyError:
        known = ", ".join(sorted(pricing)) or "none"
        raise ConfigError(
            f"no price for model {model!r} (known: {known}); add it under pricing: in configs/fusion/llm.yaml "
            "as {input: ..., output: ..., cache_read: ...} in USD per million tokens",
            context={"model": model},
        ) from None


def cost_of(price: ModelPrice, input_tokens: int, output_tokens: int, cache_read_tokens: int = 0) -> float:
    """USD for one call. Decimal arithmetic, rounded to 1e-6, so sums stay exact to $0.0001."""
    for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens),
                        ("cache_read_tokens", cache_read_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInputError(f"{name} must be a non-negative integer, got {value!r}")
    cost = (
        Decimal(input_tokens) * Decimal(str(price.input))
        + Decimal(output_tokens) * Decimal(str(price.output))
        + Decimal(cache_read_tokens) * Decimal(str(price.cache_read))
    ) / _MILLION
    return float(round(cost, 6))


def compute_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    pricing: Mapping[str, ModelPrice],
    *,
    cache_read_tokens: int = 0,
) -> float:
    """USD for one call of ``model`` looked up in ``pricing``."""
    return cost_of(price_for(model, pricing), input_tokens, output_tokens, cache_read_tokens)
