"""The one loader of causal LMs, for the `local` backend and for trajectory scoring.

One offline rule: a model is a local directory (a relative path is tried from the working
directory, then from the project root), or a Hugging Face id already in the local cache. With
``HF_HUB_OFFLINE=1`` (or TRANSFORMERS_OFFLINE) nothing is downloaded and a model found in
neither place is a ResourceLoadError that names where it looked and which setting to change.
8-bit loading through bitsandbytes is used on CUDA only; elsewhere a log line says the model
loads in full precision.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CertError, ResourceLoadError
from ..observability import METRICS, get_logger
from ..paths import PROJECT_ROOT

__all__ = ["LoadedModel", "choose_device", "hub_offline", "load_causal_lm", "resolve_model_source"]

log = get_logger("cert.llm.model_loader")


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", os.environ.get("TRANSFORMERS_OFFLINE", "")).lower() in ("1", "true", "yes")


def choose_device(requested: str = "auto"):
    """auto -> CUDA when present, else CPU; an explicit 'cuda' without CUDA is a load error."""
    import torch

    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ResourceLoadError(f"device {requested!r} requested but CUDA is not available; use device: auto or cpu")
    return device


def _hub_cache_dir() -> str:
    from huggingface_hub import constants

    return os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE


def _local_candidates(model_id: str) -> list[Path]:
    path = Path(model_id).expanduser()
    if path.is_absolute():
        return [path]
    return [path.resolve(), (PROJECT_ROOT / path).resolve()]


def resolve_model_source(model_id: str, setting: str) -> str:
    """A local directory, or a hub id found in the cache (or downloadable when online).

    ``setting`` says what the user changes to fix a bad model (e.g. "llm.local.model in
    configs/fusion/llm.yaml"); it ends every error message.
    """
    candidates = _local_candidates(model_id)
    local = next((c for c in candidates if c.is_dir()), None)
    if local is not None:
        if not (local / "config.json").is_file():
            raise ResourceLoadError(
                f"model {model_id!r}: the directory {local} has no config.json; point {setting} "
                "at a directory written by save_pretrained",
                context={"model": model_id, "looked_in": [str(local)]},
            )
        return str(local)
    cached = None
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(model_id, "config.json", cache_dir=_hub_cache_dir())
    except Exception:  # an id that is not a valid repo name is simply not in the cache
        cached = None
    if isinstance(cached, str) or not hub_offline():
        return model_id
    places = list(dict.fromkeys(str(c) for c in candidates))
    raise ResourceLoadError(
        f"model {model_id!r} not found: no local directory {' or '.join(places)} and not in the Hugging Face "
        f"cache {_hub_cache_dir()} (HF_HUB_OFFLINE=1, so nothing is downloaded); set {setting} "
        "to a local model directory (config.json, tokenizer and weights)",
        context={"model": model_id, "looked_in": [*places, _hub_cache_dir()]},
    )


@dataclass(frozen=True)
class LoadedModel:
    model: Any
    tokenizer: Any
    device: Any  # torch.device
    quantized: bool
    source: str
    load_time_s: float


def load_causal_lm(model_id: str, setting: str, *, device: str = "auto", load_in_8bit: bool = False) -> LoadedModel:
    """Load model and tokenizer in eval mode; any failure is a ResourceLoadError naming ``setting``."""
    source = resolve_model_source(model_id, setting)
    target = choose_device(device)
    started = time.perf_counter()
    try:
        model, quantized = _load_model(model_id, source, target, load_in_8bit)
        tokenizer = _load_tokenizer(source)
    except CertError:
        raise
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError... for a bad model dir
        raise ResourceLoadError(
            f"model {model_id!r} could not be loaded from {source} ({type(exc).__name__}: {str(exc)[:200]}); "
            f"set {setting} to a directory with config.json, tokenizer and weights",
            context={"model": model_id, "looked_in": [source]},
        ) from exc
    elapsed = time.perf_counter() - started
    METRICS.model_load_duration.labels(model_name=model_id).observe(elapsed)
    log.info("loaded causal LM", extra={"model": model_id, "device": str(target), "8bit": quantized,
                                        "load_time_s": round(elapsed, 3)})
    return LoadedModel(model, tokenizer, target, quantized, source, elapsed)


def _load_model(model_id: str, source: str, device, load_in_8bit: bool) -> tuple[Any, bool]:
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bars in logs and CLI output
    kwargs: dict[str, Any] = {"local_files_only": hub_offline()}
    if load_in_8bit and device.type == "cuda":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
        kwargs["device_map"] = {"": device.index or 0}
        return AutoModelForCausalLM.from_pretrained(source, **kwargs).eval(), True
    if load_in_8bit:
        log.info("8-bit loading needs CUDA; loading full precision instead",
                 extra={"model": model_id, "device": str(device)})
    if device.type == "cpu":
        kwargs["dtype"] = torch.float32
    return AutoModelForCausalLM.from_pretrained(source, **kwargs).to(device).eval(), False


def _load_tokenizer(source: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source, local_files_only=hub_offline())
