"""A transformers causal LM on this machine, from a local path or a model id in the offline cache."""

from __future__ import annotations

import threading

from ..config.llm import LLMConfig
from ..errors import ConfigError, InvalidInputError, ResourceLoadError
from ..observability import get_logger
from .base import BaseBackend, Generation
from .completion import Message
from .model_loader import load_causal_lm
from .registry import BackendName

__all__ = ["LOCAL_MODEL_SETTING", "LocalBackend"]

log = get_logger("cert.llm.local")
LOCAL_MODEL_SETTING = "llm.local.model in configs/fusion/llm.yaml"


class LocalBackend(BaseBackend):
    """``config.local.model`` with greedy decoding at temperature 0; seeded sampling above it, so runs repeat.

    The prompt uses the tokenizer's chat template when it has one, else a plain
    "System:/User:/Assistant:" transcript. Cost comes from the ``local`` pricing entry.
    """

    backend_name = BackendName.LOCAL

    def __init__(self, config: LLMConfig, *, device: str = "cpu") -> None:
        settings = config.local
        if not settings.model:
            raise ConfigError(f"the local backend needs a model: set {LOCAL_MODEL_SETTING} "
                              "to a local path or model id (e.g. data/models/tiny-reasoner)")
        super().__init__(config, settings.model, price_key="local")
        self.max_new_tokens = settings.max_new_tokens
        self.seed = settings.seed
        self._lock = threading.Lock()  # generate() and the global torch seed are not thread-safe
        loaded = load_causal_lm(settings.model, LOCAL_MODEL_SETTING, device=device)
        self._tokenizer, self._model, self._device = loaded.tokenizer, loaded.model, loaded.device
        log.info("local backend ready", extra={"model": self.model_id, "chat_template": self.has_chat_template})

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

    def _generate(self, messages: tuple[Message, ...], *, max_tokens: int, temperature: float,
                  system: str | None) -> Generation:
        import torch

        try:
            with self._lock:
                input_ids = self._prompt_ids(messages, system)
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
            raise ResourceLoadError(f"local model {self.model_id!r} failed to generate: {exc}"[:300],
                                    context={"model": self.model_id}) from exc
        new_ids = output[0, input_ids.shape[1]:]
        output_tokens = int(new_ids.shape[0])
        return Generation(
            text=self._tokenizer.decode(new_ids, skip_special_tokens=True),
            input_tokens=int(input_ids.shape[1]),
            output_tokens=output_tokens,
            stop_reason="max_tokens" if output_tokens >= budget else "end_turn",
        )

    def _budget(self, prompt_tokens: int, wanted: int) -> int:
        """New tokens that fit the model's context after the prompt. A prompt that leaves no room is
        bad input; generate() would otherwise fail with an IndexError that counts against the breaker."""
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
