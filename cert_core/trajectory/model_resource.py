"""The causal LM used for scoring: load/unload as a context manager, thread-safe, measured.

Loading (local directory or cached hub id, the offline rule, 8-bit on CUDA only) is the shared
loader's (cert_core.llm.model_loader). One process keeps one loaded copy per model as a process
resource (``model_resource``), so a worker loads it once however many chunks it scores.
"""

from __future__ import annotations

import threading
from typing import Any

import torch

from ..llm.model_loader import choose_device, load_causal_lm, resolve_model_source
from ..observability import METRICS, get_logger
from ..resources import process_resource

__all__ = ["TRAJECTORY_MODEL_SETTING", "ModelResource", "choose_device", "model_resource", "resolve_model_source"]

log = get_logger("cert.trajectory.model_resource")
TRAJECTORY_MODEL_SETTING = "trajectory.model in configs/fusion/trajectory.yaml (or pass --model)"


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
        self._split: tuple[Any, Any] | None | bool = None  # (body, head) once checked; False: no split
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
            device = choose_device(self._requested_device)
            before = torch.cuda.memory_allocated(device) if device.type == "cuda" else 0
            loaded = load_causal_lm(self.model_id, TRAJECTORY_MODEL_SETTING, device=self._requested_device,
                                    load_in_8bit=self._load_in_8bit)
            self._model, self._tokenizer = loaded.model, loaded.tokenizer
            self.device, self.quantized, self.load_time_s = loaded.device, loaded.quantized, loaded.load_time_s
            if loaded.device.type == "cuda":
                self.memory_bytes = int(torch.cuda.memory_allocated(loaded.device) - before)
            else:
                self.memory_bytes = int(loaded.model.get_memory_footprint())
            METRICS.model_memory.labels(model_name=self.model_id, device=loaded.device.type).set(self.memory_bytes)
            return self

    def unload(self) -> None:
        with self._lock:
            was_cuda = self.device.type == "cuda"
            self._model = self._cpu_model = self._tokenizer = None
            self._split = None
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
            out = _call(model, input_ids.to(self.device), attention_mask.to(self.device))
        return out.logits

    def hidden_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, Any] | None:
        """The last hidden states of one padded batch and the output head that turns them into logits,
        or None for a model whose logits are not head(last hidden state). The scorer then applies the
        head only at the positions it scores, a cache-sized block at a time. CUDA OOM propagates."""
        split = self._body_and_head()
        if split is None:
            return None
        body, head = split
        with self._forward_lock, torch.inference_mode():
            out = _call(body, input_ids.to(self.device), attention_mask.to(self.device))
        return out.last_hidden_state, head

    def _body_and_head(self) -> tuple[Any, Any] | None:
        # checked once per load on a short input: a model that scales or caps its logits after the head
        # (or has no separate head) keeps the plain logits path
        with self._lock:
            if self._split is None:
                self._split = self._check_split(self._require()) or False
            return self._split or None

    def _check_split(self, model: Any) -> tuple[Any, Any] | None:
        body, head = getattr(model, "base_model", None), model.get_output_embeddings()
        if body is None or body is model or head is None:
            return None
        ids = (torch.arange(8).unsqueeze(0) % int(model.config.vocab_size)).to(self.device)
        mask = torch.ones_like(ids)
        try:
            with self._forward_lock, torch.inference_mode():
                full = _call(model, ids, mask).logits.float()
                split = head(_call(body, ids, mask).last_hidden_state).float()
        except (AttributeError, TypeError, ValueError, RuntimeError) as exc:
            log.info("scoring from full logits: the model's head cannot be applied on its own",
                     extra={"model": self.model_id, "error": repr(exc)})
            return None
        if split.shape != full.shape or not torch.allclose(split, full, rtol=1e-3, atol=1e-3):
            log.info("scoring from full logits: head(last hidden state) differs from the model's logits",
                     extra={"model": self.model_id})
            return None
        return body, head

    def cpu_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The same forward on a full-precision CPU copy (the CUDA OOM fallback)."""
        if self.device.type == "cpu":
            return self.logits(input_ids, attention_mask)
        with self._lock:
            if self._cpu_model is None:
                self._cpu_model = load_causal_lm(self.model_id, TRAJECTORY_MODEL_SETTING, device="cpu").model
        with torch.inference_mode():
            return _call(self._cpu_model, input_ids.cpu(), attention_mask.cpu()).logits


def _call(module: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Any:
    """One forward without a KV cache: scoring never generates, and building the cache costs about 6%
    of a small model's forward. A model that takes no use_cache argument is called without it."""
    try:
        return module(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
    except TypeError as exc:
        if "use_cache" not in str(exc):
            raise
        return module(input_ids=input_ids, attention_mask=attention_mask)


def model_resource(model_id: str, device: str, load_in_8bit: bool) -> ModelResource:
    """This process's loaded copy of a model (loaded on first use, then reused by every chunk)."""
    return process_resource(("model", model_id, device, load_in_8bit),
                            lambda: ModelResource(model_id, device, load_in_8bit).load(), close=ModelResource.unload)
