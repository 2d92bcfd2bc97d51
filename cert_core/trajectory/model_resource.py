"""The causal LM used for scoring: load/unload as a context manager, thread-safe, measured.

A model is a local directory (config.json, weights, tokenizer) or a Hugging Face id already in
the local cache. ``HF_HUB_OFFLINE=1`` is honoured (nothing is downloaded). 8-bit loading through
bitsandbytes is used on CUDA only; elsewhere a log line says the model loads in full precision.
One process keeps one loaded copy per model (``shared_resource``), so a worker loads it once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import torch

from ..errors import ResourceLoadError
from ..observability import METRICS, get_logger

__all__ = ["ModelResource", "choose_device", "hub_offline", "release_shared_resources", "shared_resource"]

log = get_logger("cert.trajectory.model_resource")
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # relative model paths such as data/models/... start here


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", os.environ.get("TRANSFORMERS_OFFLINE", "")).lower() in ("1", "true", "yes")


def choose_device(requested: str = "auto") -> torch.device:
    """auto -> CUDA when present, else CPU; an explicit 'cuda' without CUDA is a load error."""
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
    """A relative path is tried from the working directory, then from the project root."""
    path = Path(model_id).expanduser()
    if path.is_absolute():
        return [path]
    return [path.resolve(), (PROJECT_ROOT / path).resolve()]


def resolve_model_source(model_id: str) -> str:
    """A local directory, or a hub id found in the cache (or downloadable when online)."""
    candidates = _local_candidates(model_id)
    local = next((c for c in candidates if c.is_dir()), None)
    if local is not None:
        if not (local / "config.json").is_file():
            raise ResourceLoadError(
                f"model {model_id!r}: the directory {local} has no config.json; point trajectory.model "
                "(or --model) at a directory written by save_pretrained",
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
        f"cache {_hub_cache_dir()} (HF_HUB_OFFLINE=1, so nothing is downloaded); set trajectory.model in "
        "configs/fusion/trajectory.yaml or pass --model with a local model directory",
        context={"model": model_id, "looked_in": [*places, _hub_cache_dir()]},
    )


class ModelResource:
    """One causal LM and its tokenizer on one device."""

    def __init__(self, model_id: str, device: str = "auto", load_in_8bit: bool = False) -> None:
        self.model_id = model_id
        self._requested_device = device
        self._load_in_8bit = load_in_8bit
        self._lock = threading.RLock()
        self._forward_lock = threading.Lock()  # one forward at a time; torch parallelises inside it
        self._model: Any = None
        self._cpu_model: Any = None
        self._tokenizer: Any = None
        self.device = torch.device("cpu")
        self.quantized = False
        self.load_time_s: float | None = None
        self.memory_bytes: int | None = None

    @classmethod
    def wrap(cls, model: Any, tokenizer: Any, model_id: str = "in-memory") -> ModelResource:
        """An already-built model (benchmarks, notebooks); unload just drops the references."""
        resource = cls(model_id, device="cpu")
        resource._model, resource._tokenizer = model.eval(), tokenizer
        resource.device = next(model.parameters()).device
        return resource

    # lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> ModelResource:
        self.load()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unload()

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def load(self) -> ModelResource:
        with self._lock:
            if self._model is not None:
                return self
            source = resolve_model_source(self.model_id)
            device = choose_device(self._requested_device)
            start = time.perf_counter()
            before = torch.cuda.memory_allocated(device) if device.type == "cuda" else 0
            try:
                model, quantized = self._load_model(source, device)
                tokenizer = self._load_tokenizer(source)
            except ResourceLoadError:
                raise
            except Exception as exc:  # transformers raises OSError/ValueError/... for a bad model
                raise ResourceLoadError(
                    f"model {self.model_id!r} could not be loaded from {source}: {exc}",
                    context={"model": self.model_id, "looked_in": [source]},
                ) from exc
            self._model, self._tokenizer, self.device, self.quantized = model, tokenizer, device, quantized
            self.load_time_s = time.perf_counter() - start
            if device.type == "cuda":
                self.memory_bytes = int(torch.cuda.memory_allocated(device) - before)
            else:
                self.memory_bytes = int(model.get_memory_footprint())
            METRICS.model_load_duration.labels(model_name=self.model_id).observe(self.load_time_s)
            METRICS.model_memory.labels(model_name=self.model_id, device=device.type).set(self.memory_bytes)
            log.info("trajectory model loaded", extra={
                "model": self.model_id, "device": str(device), "8bit": quantized,
                "load_time_s": round(self.load_time_s, 3), "memory_mb": round(self.memory_bytes / 2**20, 1),
            })
            return self

    def _load_model(self, source: str, device: torch.device) -> tuple[Any, bool]:
        from transformers import AutoModelForCausalLM
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bars in logs and CLI output

        kwargs: dict[str, Any] = {"local_files_only": hub_offline()}
        if self._load_in_8bit and device.type == "cuda":
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
            kwargs["device_map"] = {"": device.index or 0}
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
            return model.eval(), True
        if self._load_in_8bit:
            log.info("8-bit loading needs CUDA; loading full precision instead",
                     extra={"model": self.model_id, "device": str(device)})
        if device.type == "cpu":
            kwargs["dtype"] = torch.float32
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        return model.to(device).eval(), False

    def _load_tokenizer(self, source: str) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(source, local_files_only=hub_offline())

    def unload(self) -> None:
        with self._lock:
            was_cuda = self.device.type == "cuda"
            self._model = self._cpu_model = self._tokenizer = None
            if was_cuda:
                torch.cuda.empty_cache()
            METRICS.model_memory.labels(model_name=self.model_id, device=self.device.type).set(0)

    # use ---------------------------------------------------------------------------------------
    def _require(self) -> Any:
        if self._model is None:
            self.load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        self._require()
        return self._tokenizer

    @property
    def max_context(self) -> int:
        config = self._require().config
        for name in ("max_position_embeddings", "n_positions", "max_sequence_length"):
            value = getattr(config, name, None)
            if isinstance(value, int) and value > 0:
                return value
        return 1024

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits of one padded batch, on the model's device. CUDA OOM propagates to the caller."""
        model = self._require()
        with self._forward_lock, torch.inference_mode():
            out = model(input_ids=input_ids.to(self.device), attention_mask=attention_mask.to(self.device))
        return out.logits

    def cpu_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The same forward on a full-precision CPU copy (the CUDA OOM fallback)."""
        if self.device.type == "cpu":
            return self.logits(input_ids, attention_mask)
        with self._lock:
            if self._cpu_model is None:
                self._cpu_model, _ = self._load_model(resolve_model_source(self.model_id), torch.device("cpu"))
        with torch.inference_mode():
            return self._cpu_model(input_ids=input_ids.cpu(), attention_mask=attention_mask.cpu()).logits


_SHARED: dict[tuple[str, str, bool], ModelResource] = {}
_SHARED_LOCK = threading.Lock()


def shared_resource(model_id: str, device: str = "auto", load_in_8bit: bool = False) -> ModelResource:
    """This process's loaded copy of a model (loaded on first use, then reused by every chunk)."""
    key = (model_id, device, load_in_8bit)
    with _SHARED_LOCK:
        resource = _SHARED.get(key)
        if resource is None:
            resource = _SHARED[key] = ModelResource(model_id, device, load_in_8bit)
    return resource.load()


def release_shared_resources() -> None:
    with _SHARED_LOCK:
        resources = list(_SHARED.values())
        _SHARED.clear()
    for resource in resources:
        resource.unload()
