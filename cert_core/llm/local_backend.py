"""A transformers causal LM on this machine, from a local path or a model id in the offline cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..config.llm import ModelPrice
from ..errors import CertError, InvalidInputError, ResourceLoadError
from ..observability import METRICS, get_logger
from .completion import Completion, Message, MessageLike
from .observe import record_failure, record_success
from .pricing import compute_cost
from .validation import validate_request

__all__ = ["LocalBackend"]

log = get_logger("cert.llm.local")


class LocalBackend:
    """Greedy decoding at temperature 0; seeded sampling above it, so runs repeat.

    The prompt uses the tokenizer's chat template when it has one, else a plain
    "System:/User:/Assistant:" transcript. Cost comes from the ``local`` pricing entry.
    """

    backend_name = "local"
    needs_key = False
    key_env_var = None

    def __init__(
        self,
        model: str | Path,
        *,
        max_new_tokens: int = 64,
        seed: int = 0,
        pricing: Mapping[str, ModelPrice] | None = None,
        max_prompt_chars: int = 200_000,
        device: str = "cpu",
    ) -> None:
        self.model_id = str(model)
        self.max_new_tokens = max_new_tokens
        self.seed = seed
        self._pricing = dict(pricing or {"local": ModelPrice(input=0.0, output=0.0)})
        self._max_prompt_chars = max_prompt_chars
        self._device = device
        self._lock = threading.Lock()  # generate() and the global torch seed are not thread-safe
        self._tokenizer, self._model = _load(self.model_id, device)

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self._tokenizer, "chat_template", None))

    def _prompt_ids(self, msgs: tuple[Message, ...], system: str | None):
        turns = ([{"role": "system", "content": system}] if system else []) + [m.as_dict() for m in msgs]
        if self.has_chat_template:
            ids = self._tokenizer.apply_chat_template(turns, add_generation_prompt=True, return_tensors="pt",
                                                      return_dict=True)["input_ids"]
        else:
            transcript = "".join(f"{t['role'].capitalize()}: {t['content']}\n" for t in turns) + "Assistant:"
            ids = self._tokenizer(transcript, return_tensors="pt")["input_ids"]
        return ids.to(self._device)

    def complete(
        self,
        messages: Sequence[MessageLike] | str,
        *,
        max_tokens: int,
        temperature: float,
        system: str | None = None,
    ) -> Completion:
        import torch

        msgs = validate_request(messages, max_tokens=max_tokens, temperature=temperature, system=system,
                                max_prompt_chars=self._max_prompt_chars)
        started = time.perf_counter()
        try:
            with self._lock:
                input_ids = self._prompt_ids(msgs, system)
                budget = self._budget(int(input_ids.shape[1]), min(max_tokens, self.max_new_tokens))
                sample = temperature > 0
                if sample:
                    torch.manual_seed(self.seed)
                pad_id = self._tokenizer.pad_token_id
                if pad_id is None:
                    pad_id = self._tokenizer.eos_token_id
                with torch.no_grad():
                    output = self._model.generate(
                        input_ids,
                        attention_mask=torch.ones_like(input_ids),
                        max_new_tokens=budget,
                        do_sample=sample,
                        temperature=temperature if sample else None,
                        top_k=None, top_p=None,
                        pad_token_id=pad_id,
                    )
        except (RuntimeError, ValueError, IndexError) as exc:
            error = ResourceLoadError(f"local model {self.model_id!r} failed to generate: {exc}"[:300],
                                      context={"model": self.model_id})
            record_failure(self.backend_name, error)
            raise error from exc
        new_ids = output[0, input_ids.shape[1]:]
        completion = Completion(
            text=self._tokenizer.decode(new_ids, skip_special_tokens=True),
            input_tokens=int(input_ids.shape[1]),
            output_tokens=int(new_ids.shape[0]),
            model=self.model_id,
            latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
            cost_usd=compute_cost("local", int(input_ids.shape[1]), int(new_ids.shape[0]), self._pricing),
            backend=self.backend_name,
            stop_reason="max_tokens" if int(new_ids.shape[0]) >= budget else "end_turn",
        )
        record_success(completion)
        return completion

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return compute_cost("local", input_tokens, output_tokens, self._pricing)

    def _budget(self, prompt_tokens: int, wanted: int) -> int:
        """New tokens that fit the model's context after the prompt; a prompt that leaves no room is bad input
        (an IndexError inside generate otherwise, which would count against the circuit breaker)."""
        config = self._model.config
        context = getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)
        if not context:
            return wanted
        if prompt_tokens >= context:
            raise InvalidInputError(
                f"the prompt is {prompt_tokens} tokens, which fills the local model's context of {context} tokens; "
                "shorten the prompt or use a model with a longer context", context={"model": self.model_id})
        return min(wanted, context - prompt_tokens)

    def __repr__(self) -> str:
        return f"LocalBackend(model={self.model_id!r}, max_new_tokens={self.max_new_tokens})"


def _load(model: str, device: str):
    """Load tokenizer and model offline; any failure is a ResourceLoadError that says what to do."""
    started = time.perf_counter()
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        local = Path(model).exists()
        tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
        lm = AutoModelForCausalLM.from_pretrained(model, local_files_only=True).to(device).eval()
    except CertError:
        raise
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError... for a bad model dir
        where = "path" if Path(model).exists() else "path or cached model id"
        raise ResourceLoadError(
            f"could not load the local model from {where} {model!r} ({type(exc).__name__}: {str(exc)[:200]}); "
            "set llm.local.model in configs/fusion/llm.yaml to a directory with config.json, tokenizer and weights",
            context={"model": model},
        ) from exc
    name = Path(model).name if local else model
    METRICS.model_load_duration.labels(model_name=name).observe(time.perf_counter() - started)
    log.info("loaded local causal LM", extra={"model": model, "chat_template": bool(tokenizer.chat_template)})
    return tokenizer, lm
