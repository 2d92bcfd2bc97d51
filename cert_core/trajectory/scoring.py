"""Score chains in one forward pass each: per-step nll, entropy and surprise.

A chain is encoded once (encoding.py) and scored by a single forward over the whole sequence;
token log-probs and full-vocabulary entropies are computed in torch and reduced per step.
Chains longer than the model context are cut into overlapping windows (each window scores only
its last ``stride`` new tokens, with the rest as context); the chain is ``truncated`` only then.
Windows from all chains of a call are sorted by length and batched to limit padding.
A CUDA OOM moves that batch to CPU (counted in METRICS.gpu_oom_fallbacks). Once the call has
run past ``timeout_s``, no new batch starts: chains not yet scored become TimeoutExceeded rows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import torch

from ..observability import METRICS, get_logger
from .cache import ScoreCache, score_cache_key
from .chain_input import ChainInput
from .encoding import EncodedChain, encode_chain

__all__ = ["ChainFailure", "ChainScore", "ChainScorer", "LogitsSource", "StepScore", "plan_windows"]

log = get_logger("cert.trajectory.scoring")
_BLOCK_VALUES = 262144  # logit values per block of positions (256 KiB of float32: cache-sized)


class LogitsSource(Protocol):
    """What the scorer needs from a model (ModelResource, or a fake in tests)."""

    model_id: str
    device: torch.device
    quantized: bool

    @property
    def tokenizer(self) -> Any: ...

    @property
    def max_context(self) -> int: ...

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor: ...

    def cpu_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor: ...


@dataclass(frozen=True)
class StepScore:
    step_index: int
    n_tokens: int
    mean_nll: float
    perplexity: float
    mean_entropy: float
    surprise: float
    cumulative_surprise: float
    max_nll: float = 0.0  # the step's most surprising token


@dataclass(frozen=True)
class ChainScore:
    chain_id: str
    steps: tuple[StepScore, ...]
    n_tokens: int
    context_truncated: bool  # a token was scored without all of its earlier tokens
    steps_truncated: bool = False  # the input had more than max_chain_length steps

    @property
    def truncated(self) -> bool:
        return self.context_truncated or self.steps_truncated


@dataclass(frozen=True)
class ChainFailure:
    chain_id: str
    error_type: str
    error_message: str


@dataclass(frozen=True)
class _Window:
    chain: int
    begin: int
    end: int
    score_from: int  # first target position scored by this window

    @property
    def length(self) -> int:
        return self.end - self.begin


def plan_windows(length: int, max_len: int, stride: int) -> list[tuple[int, int, int]]:
    """(begin, end, score_from) windows covering targets 1..length-1, each at most max_len long."""
    if length <= max_len:
        return [(0, length, 1)]
    windows = [(0, max_len, 1)]
    end = max_len
    while end < length:
        new_end = min(end + stride, length)
        windows.append((new_end - max_len, new_end, end))
        end = new_end
    return windows


class ChainScorer:
    def __init__(
        self,
        source: LogitsSource,
        *,
        batch_size: int = 8,
        separator: str = "\n",
        max_context: int | None = None,
        stride: int | None = None,
        cache: ScoreCache[ChainScore] | None = None,
        timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.batch_size = max(1, batch_size)
        self.separator = separator
        self.max_context = min(max_context or source.max_context, source.max_context)
        if self.max_context < 2:
            raise ValueError("max_context must be at least 2 tokens")
        self.stride = stride or max(1, self.max_context // 2)
        self.stride = min(self.stride, self.max_context - 1)
        self.cache = cache if cache is not None else ScoreCache(0)
        self.timeout_s = timeout_s
        self.clock = clock
        self.signature = (
            f"{source.model_id}|{source.device.type}|8bit={source.quantized}|sep={separator!r}"
            f"|ctx={self.max_context}|stride={self.stride}"
        )

    # public --------------------------------------------------------------------------------------
    def score(self, chains: Sequence[ChainInput]) -> list[ChainScore | ChainFailure]:
        """Score every chain; the result has one entry per input chain, in order."""
        results: list[ChainScore | ChainFailure | None] = [None] * len(chains)
        keys: dict[int, str] = {}
        encoded: dict[int, EncodedChain] = {}
        for i, chain in enumerate(chains):
            keys[i] = score_cache_key(self.signature, chain.content_hash())
            cached = self.cache.get(keys[i])
            if cached is not None:
                results[i] = replace(cached, chain_id=chain.chain_id, steps_truncated=chain.steps_truncated)
                continue
            try:
                encoded[i] = encode_chain(self.source.tokenizer, chain.question, chain.steps, self.separator)
            except Exception as exc:  # a tokenizer that rejects the text fails this chain only
                results[i] = ChainFailure(chain.chain_id, "TokenizationError", f"chain {chain.chain_id}: {exc}")
        token_scores = self._run_windows(chains, encoded, results)
        for i, enc in encoded.items():
            if results[i] is not None:
                continue
            nll, entropy = token_scores[i]
            outcome = _reduce(chains[i], enc, nll, entropy, len(enc) > self.max_context)
            if isinstance(outcome, ChainScore):
                self.cache.put(keys[i], outcome)
            results[i] = outcome
        return [r for r in results if r is not None]

    # internals -------------------------------------------------------------------------------------
    def _run_windows(self, chains, encoded, results) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        windows = self._plan(encoded)
        scores = {i: (np.full(len(enc), np.nan), np.full(len(enc), np.nan)) for i, enc in encoded.items()}
        started = self.clock()
        for offset in range(0, len(windows), self.batch_size):
            batch = [w for w in windows[offset: offset + self.batch_size] if results[w.chain] is None]
            if not batch:
                continue
            if self.timeout_s is not None and self.clock() - started > self.timeout_s:
                self._fail_pending(chains, windows[offset:], results, "TimeoutExceeded",
                                   f"batch ran past its {self.timeout_s:g}s timeout before this chain was scored; "
                                   "raise trajectory.batch_timeout_s or lower batch_size")
                break
            try:
                self._score_batch(batch, encoded, scores)
            except Exception as exc:
                log.warning("scoring batch failed", extra={"error": repr(exc), "chains": len(batch)})
                self._fail_pending(chains, batch, results, "ScoringError", f"forward pass failed: {exc}")
        return scores

    def _plan(self, encoded: dict[int, EncodedChain]) -> list[_Window]:
        windows = []
        for i, enc in encoded.items():
            first_target = max(1, enc.step_spans[0][0]) if enc.step_spans else 1  # question tokens are context
            for begin, end, score_from in plan_windows(len(enc), self.max_context, self.stride):
                if end > first_target:
                    windows.append(_Window(i, begin, end, max(score_from, first_target)))
        windows.sort(key=lambda w: (-w.length, w.chain, w.begin))  # length buckets, deterministic
        return windows

    def _fail_pending(self, chains, windows, results, error_type: str, message: str) -> None:
        for w in windows:
            if results[w.chain] is None:
                chain_id = chains[w.chain].chain_id
                results[w.chain] = ChainFailure(chain_id, error_type, f"chain {chain_id}: {message}")

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        try:
            return self.source.logits(ids, mask)
        except torch.cuda.OutOfMemoryError:
            METRICS.gpu_oom_fallbacks.inc()
            log.warning("CUDA out of memory; scoring this batch on CPU",
                        extra={"model": self.source.model_id, "batch": int(ids.shape[0]), "width": int(ids.shape[1])})
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            return self.source.cpu_logits(ids, mask)

    def _pad(self, batch: list[_Window], encoded) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(w.length for w in batch)
        pad_id = getattr(self.source.tokenizer, "pad_token_id", None) or 0
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, w in enumerate(batch):  # right padding: positions stay 0..n-1 for every row
            ids[row, : w.length] = torch.tensor(encoded[w.chain].input_ids[w.begin: w.end])
            mask[row, : w.length] = 1
        return ids, mask

    def padded_batches(self, chains: Sequence[ChainInput]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The (input_ids, attention_mask) batches a score() call would run (for benchmarks)."""
        encoded = {i: encode_chain(self.source.tokenizer, c.question, c.steps, self.separator)
                   for i, c in enumerate(chains)}
        windows = self._plan(encoded)
        return [self._pad(windows[o: o + self.batch_size], encoded) for o in range(0, len(windows), self.batch_size)]

    def _score_batch(self, batch: list[_Window], encoded, scores) -> None:
        ids, mask = self._pad(batch, encoded)
        logits = self._forward(ids, mask)
        rows, width, vocab = logits.shape
        flat = logits.reshape(rows * width, vocab)  # a view: positions of every row, in order
        # position p predicts token p + 1; each row's last position predicts nothing (target 0, dropped)
        targets = torch.cat([ids[:, 1:], ids.new_zeros((rows, 1))], dim=1).reshape(-1).to(logits.device)
        nll = torch.empty(rows * width, dtype=torch.float32, device=logits.device)
        entropy = torch.empty_like(nll)
        # Blocks of positions small enough to stay in cache: the logits are read from memory once,
        # and the max, exp, sum and dot passes below run on cached values (for a small model with
        # a large vocabulary these passes otherwise cost as much as the forward itself).
        # One exp pass: lse = m + log S with S = sum exp(z - m); nll = lse - z[target];
        # entropy = lse - sum(p * z).
        block = max(1, _BLOCK_VALUES // vocab)
        for top in range(0, rows * width, block):
            z = flat[top: top + block].float()
            m = z.amax(-1, keepdim=True)
            e = (z - m).exp_()
            total = e.sum(-1)
            lse = total.log().add_(m.squeeze(-1))
            nll[top: top + block] = lse - z.gather(-1, targets[top: top + block].unsqueeze(-1)).squeeze(-1)
            entropy[top: top + block] = lse - torch.linalg.vecdot(e, z) / total
        # clamp: rounding can leave -1e-7 where the true value is 0
        nll = nll.clamp_min_(0.0).view(rows, width).double().cpu().numpy()
        entropy = entropy.clamp_min_(0.0).view(rows, width).double().cpu().numpy()
        for offset, w in enumerate(batch):
            # the logit at window position p predicts target position begin + p + 1
            first, last = w.score_from - w.begin - 1, w.length - 1
            if last <= first:
                continue
            nll_arr, ent_arr = scores[w.chain]
            nll_arr[w.score_from: w.end] = nll[offset, first:last]
            ent_arr[w.score_from: w.end] = entropy[offset, first:last]


def _reduce(chain: ChainInput, enc: EncodedChain, nll: np.ndarray, entropy: np.ndarray,
            context_truncated: bool) -> ChainScore | ChainFailure:
    steps: list[StepScore] = []
    cumulative = 0.0
    for index, (start, end) in enumerate(enc.step_spans):
        start = max(start, 1)  # position 0 has no prediction
        if end <= start:
            return ChainFailure(chain.chain_id, "UnscorableStep",
                                f"chain {chain.chain_id}: step {index} has no token that can be scored; "
                                "give the chain a question or use a tokenizer with a BOS/EOS token")
        step_nll, step_ent = nll[start:end], entropy[start:end]
        surprise = float(step_nll.sum())
        mean_nll = surprise / len(step_nll)
        cumulative += surprise
        steps.append(StepScore(
            step_index=index, n_tokens=int(end - start), mean_nll=mean_nll,
            perplexity=math.exp(min(mean_nll, 700.0)), mean_entropy=float(step_ent.mean()),
            surprise=surprise, cumulative_surprise=cumulative, max_nll=float(step_nll.max()),
        ))
    n_tokens = sum(s.n_tokens for s in steps)
    return ChainScore(chain.chain_id, tuple(steps), n_tokens, context_truncated, chain.steps_truncated)
