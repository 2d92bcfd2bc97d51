"""Score chains in one forward pass each: per-step nll, entropy and surprise.

A call's chains are encoded with one tokenizer call (encoding.py) and each is scored by a single
forward over its whole sequence. When the model splits into a body and an output head (checked once
per model: ModelResource.hidden_states), the body runs over the padded batch and the head only at the
positions that predict a scored token (no question tokens, no padding), a cache-sized block at a
time, with token nll and full-vocabulary entropy computed on each block while it is in cache;
otherwise the same statistics come from the model's full logits. They are reduced per step.
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
from .encoding import EncodedChain, encode_chain, encode_chains

__all__ = ["ChainFailure", "ChainScore", "ChainScorer", "LogitsSource", "StepScore", "plan_windows"]

log = get_logger("cert.trajectory.scoring")
_BLOCK_VALUES = 1048576  # logit values per block of positions (4 MiB of float32, about 128 positions)


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
        todo: list[int] = []
        for i, chain in enumerate(chains):
            keys[i] = score_cache_key(self.signature, chain.content_hash())
            cached = self.cache.get(keys[i])
            if cached is not None:
                results[i] = replace(cached, chain_id=chain.chain_id, steps_truncated=chain.steps_truncated)
            else:
                todo.append(i)
        encoded = self._encode(chains, todo, results)
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
    def _encode(self, chains, todo: list[int], results) -> dict[int, EncodedChain]:
        tokenizer = self.source.tokenizer
        try:  # one tokenizer call for the whole call's chains
            return dict(zip(todo, encode_chains(tokenizer, [(chains[i].question, chains[i].steps) for i in todo],
                                                self.separator)))
        except Exception:  # noqa: BLE001  (find the chain(s) the tokenizer rejects; they fail alone)
            pass
        encoded = {}
        for i in todo:
            chain = chains[i]
            try:
                encoded[i] = encode_chain(tokenizer, chain.question, chain.steps, self.separator)
            except Exception as exc:  # a tokenizer that rejects the text fails this chain only
                results[i] = ChainFailure(chain.chain_id, "TokenizationError", f"chain {chain.chain_id}: {exc}")
        return encoded

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

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """(last hidden states, head) when the source can split its model there, else (logits, None)."""
        try:
            hidden = getattr(self.source, "hidden_states", None)
            split = hidden(ids, mask) if hidden is not None else None
            return split if split is not None else (self.source.logits(ids, mask), None)
        except torch.cuda.OutOfMemoryError:
            METRICS.gpu_oom_fallbacks.inc()
            log.warning("CUDA out of memory; scoring this batch on CPU",
                        extra={"model": self.source.model_id, "batch": int(ids.shape[0]), "width": int(ids.shape[1])})
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            return self.source.cpu_logits(ids, mask), None

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
        states, head = self._forward(ids, mask)
        rows, width = ids.shape
        # Only the positions that predict a scored token: the logit at window position p predicts
        # target begin + p + 1, so a row needs p in [score_from - begin - 1, length - 1). Question
        # tokens, each row's last token and the padding are never turned into logits.
        spans = [(w.score_from - w.begin - 1, w.length - 1) for w in batch]
        picked = [torch.arange(row * width + a, row * width + b) for row, (a, b) in enumerate(spans) if b > a]
        if not picked:
            return
        index = torch.cat(picked)
        targets = ids.reshape(-1)[index + 1].to(states.device)
        index = index.to(states.device)
        flat = states.reshape(rows * width, -1)
        vocab = flat.shape[-1] if head is None else getattr(head, "out_features", None) or head.weight.shape[0]
        n = len(index)
        nll = torch.empty(n, dtype=torch.float32, device=states.device)
        entropy = torch.empty_like(nll)
        # Blocks of positions small enough that their logits stay in cache: the max, exp, sum and dot
        # passes below run on cached values (for a small model with a large vocabulary these passes
        # otherwise cost as much as the forward itself), and the full logits are never written out.
        # One exp pass: lse = m + log S with S = sum exp(z - m); nll = lse - z[target];
        # entropy = lse - sum(e * z) / S. The two block buffers are reused: a fresh multi-MB tensor per
        # block costs a page fault per 4 KiB.
        block = min(n, max(1, _BLOCK_VALUES // vocab))
        z_buf = torch.empty((block, vocab), dtype=torch.float32, device=states.device)
        e_buf = torch.empty_like(z_buf)
        with torch.inference_mode():  # the head is a module with parameters: no autograd graph
            for top in range(0, n, block):
                rows_here = index[top: top + block]
                k = len(rows_here)
                z = _block_logits(flat, rows_here, head, z_buf[:k])
                m = z.amax(-1, keepdim=True)
                e = torch.sub(z, m, out=e_buf[:k]).exp_()
                total = e.sum(-1)
                lse = total.log().add_(m.squeeze(-1))
                nll[top: top + k] = lse - z.gather(-1, targets[top: top + k].unsqueeze(-1)).squeeze(-1)
                # z is a block buffer (or a fresh copy), no longer needed: the product goes into it
                # (a multiply and a sum beat linalg.vecdot on CPU by about 40%)
                entropy[top: top + k] = lse - z.mul_(e).sum(-1) / total
        # clamp: rounding can leave -1e-7 where the true value is 0
        nll_np = nll.clamp_min_(0.0).double().cpu().numpy()
        ent_np = entropy.clamp_min_(0.0).double().cpu().numpy()
        at = 0
        for w, (a, b) in zip(batch, spans):
            if b <= a:
                continue
            nll_arr, ent_arr = scores[w.chain]
            nll_arr[w.score_from: w.end] = nll_np[at: at + b - a]
            ent_arr[w.score_from: w.end] = ent_np[at: at + b - a]
            at += b - a


def _block_logits(flat: torch.Tensor, rows: torch.Tensor, head: Any, out: torch.Tensor) -> torch.Tensor:
    """float32 logits of the given rows of `flat` (hidden states when `head` is given, else logits)."""
    if head is None:
        if flat.dtype == torch.float32:
            return torch.index_select(flat, 0, rows, out=out)
        return flat.index_select(0, rows).float()
    hidden = flat.index_select(0, rows)
    if type(head) is torch.nn.Linear and head.weight.dtype == torch.float32 and hidden.dtype == torch.float32:
        logits = torch.mm(hidden, head.weight.t(), out=out)  # into the reused buffer
        return logits if head.bias is None else logits.add_(head.bias)
    return head(hidden).float()


def _reduce(chain: ChainInput, enc: EncodedChain, nll: np.ndarray, entropy: np.ndarray,
            context_truncated: bool) -> ChainScore | ChainFailure:
    starts = np.array([max(start, 1) for start, _ in enc.step_spans])  # position 0 has no prediction
    ends = np.array([end for _, end in enc.step_spans])
    unscorable = np.flatnonzero(ends <= starts)
    if unscorable.size:
        return ChainFailure(chain.chain_id, "UnscorableStep",
                            f"chain {chain.chain_id}: step {int(unscorable[0])} has no token that can be scored; "
                            "give the chain a question or use a tokenizer with a BOS/EOS token")
    if not len(starts):
        return ChainScore(chain.chain_id, (), 0, context_truncated, chain.steps_truncated)
    # every step's sum / max in one reduceat each: [start, end) pairs, every second result is a step
    # (the spans are increasing and disjoint; a trailing 0 lets the last end index the array)
    bounds = np.column_stack([starts, ends]).ravel()
    surprises = np.add.reduceat(np.append(nll, 0.0), bounds)[::2]
    entropies = np.add.reduceat(np.append(entropy, 0.0), bounds)[::2]
    peaks = np.maximum.reduceat(np.append(nll, 0.0), bounds)[::2]
    counts = ends - starts
    steps: list[StepScore] = []
    cumulative = 0.0
    for index in range(len(counts)):
        n, surprise = int(counts[index]), float(surprises[index])
        mean_nll = surprise / n
        cumulative += surprise
        steps.append(StepScore(
            step_index=index, n_tokens=n, mean_nll=mean_nll,
            perplexity=math.exp(min(mean_nll, 700.0)), mean_entropy=float(entropies[index]) / n,
            surprise=surprise, cumulative_surprise=cumulative, max_nll=float(peaks[index]),
        ))
    n_tokens = sum(s.n_tokens for s in steps)
    return ChainScore(chain.chain_id, tuple(steps), n_tokens, context_truncated, chain.steps_truncated)
