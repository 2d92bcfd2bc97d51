"""The scoring engine on the committed tiny model: correct numbers, batching-invariant, windowed."""

from __future__ import annotations

import math

import pytest
import torch

from cert_core.observability import METRICS
from cert_core.trajectory import ChainFailure, ChainInput, ChainScore, ChainScorer, ModelResource, ScoreCache
from cert_core.trajectory.encoding import encode_chain
from cert_core.trajectory.scoring import plan_windows


def _independent_step_stats(resource, chain: ChainInput) -> list[tuple[float, float]]:
    """Straightforward reference: one forward per step over the full prefix, no padding, no batching."""
    enc = encode_chain(resource.tokenizer, chain.question, chain.steps)
    stats = []
    for start, end in enc.step_spans:
        prefix = torch.tensor([enc.input_ids[:end]])
        with torch.no_grad():
            logits = resource._model(input_ids=prefix).logits[0].double()
        predictive = logits[start - 1: end - 1]  # the logit at p predicts token p + 1
        targets = prefix[0, start:end]
        nll = -torch.log_softmax(predictive, dim=-1)[torch.arange(end - start), targets]
        entropy = torch.distributions.Categorical(logits=predictive).entropy()
        stats.append((float(nll.mean()), float(entropy.mean())))
    return stats


def _flat(results):
    return [value for r in results for s in r.steps for value in (s.mean_nll, s.mean_entropy, s.surprise)]


def test_one_pass_scores_equal_a_separate_forward_over_each_prefix(tiny_resource, sample_chains):
    chains = sample_chains[:5]
    results = ChainScorer(tiny_resource, batch_size=4).score(chains)
    for chain, result in zip(chains, results):
        reference = _independent_step_stats(tiny_resource, chain)
        assert len(result.steps) == len(chain.steps)
        for step, (mean_nll, mean_entropy) in zip(result.steps, reference):
            assert step.mean_nll == pytest.approx(mean_nll, abs=1e-4)
            assert step.mean_entropy == pytest.approx(mean_entropy, abs=1e-4)


def test_step_metrics_follow_their_definitions(tiny_resource, sample_chains):
    result = ChainScorer(tiny_resource).score(sample_chains[:1])[0]
    running = 0.0
    for step in result.steps:
        running += step.surprise
        assert step.perplexity == pytest.approx(math.exp(step.mean_nll))
        assert step.surprise == pytest.approx(step.mean_nll * step.n_tokens)
        assert step.cumulative_surprise == pytest.approx(running)
        assert step.mean_entropy >= 0 and step.n_tokens >= 1
    assert result.n_tokens == sum(s.n_tokens for s in result.steps)
    assert result.truncated is False


def test_batch_size_1_and_16_give_the_same_numbers(tiny_resource, sample_chains):
    one = ChainScorer(tiny_resource, batch_size=1).score(sample_chains)
    sixteen = ChainScorer(tiny_resource, batch_size=16).score(sample_chains)
    assert [r.chain_id for r in one] == [c.chain_id for c in sample_chains]
    for a, b in zip(_flat(one), _flat(sixteen)):
        assert a == pytest.approx(b, abs=1e-5)


def test_cache_hits_return_the_same_numbers_and_are_counted(tiny_resource, sample_chains):
    chains = sample_chains[:6]
    hits = lambda: METRICS.registry.get_sample_value("cert_cache_hits_total", {"cache_type": "trajectory"}) or 0.0
    misses = lambda: METRICS.registry.get_sample_value("cert_cache_misses_total", {"cache_type": "trajectory"}) or 0.0
    scorer = ChainScorer(tiny_resource, batch_size=4, cache=ScoreCache(64))
    h0, m0 = hits(), misses()
    cold = scorer.score(chains)
    renamed = [ChainInput(f"copy-{c.chain_id}", c.question, c.steps) for c in chains]
    warm = scorer.score(renamed)
    uncached = ChainScorer(tiny_resource, batch_size=4).score(chains)
    assert (hits() - h0, misses() - m0) == (6, 6)
    assert [r.chain_id for r in warm] == [c.chain_id for c in renamed]
    assert _flat(cold) == _flat(warm)
    for a, b in zip(_flat(warm), _flat(uncached)):
        assert a == pytest.approx(b, abs=1e-5)


def test_plan_windows_covers_every_target_once_with_bounded_length():
    assert plan_windows(10, 16, 8) == [(0, 10, 1)]
    windows = plan_windows(20, 8, 4)
    assert windows == [(0, 8, 1), (4, 12, 8), (8, 16, 12), (12, 20, 16)]
    scored = [t for _, end, start in windows for t in range(start, end)]
    assert scored == list(range(1, 20))


def test_long_chain_uses_a_sliding_window_and_is_marked_truncated(tiny_resource, sample_chains):
    chain = sample_chains[0]
    full = ChainScorer(tiny_resource).score([chain])[0]
    length = len(encode_chain(tiny_resource.tokenizer, chain.question, chain.steps))
    exact = ChainScorer(tiny_resource, max_context=length).score([chain])[0]
    windowed = ChainScorer(tiny_resource, max_context=24, stride=8).score([chain])[0]
    assert exact.truncated is False and _flat([exact]) == pytest.approx(_flat([full]), abs=1e-5)
    assert windowed.context_truncated is True and windowed.truncated is True
    assert [s.n_tokens for s in windowed.steps] == [s.n_tokens for s in full.steps]
    assert all(math.isfinite(s.mean_nll) for s in windowed.steps)
    assert _flat([windowed]) != pytest.approx(_flat([full]), abs=1e-3)  # context was really lost


def test_steps_truncated_input_is_flagged_but_context_intact(tiny_resource):
    # as parse_chain leaves a chain that had more than max_chain_length (here 16) steps
    chain = ChainInput("long", "Tom has 3 apples.", tuple(f"Tom has {i} apples." for i in range(16)),
                       steps_truncated=True)
    result = ChainScorer(tiny_resource, batch_size=8).score([chain])[0]
    assert isinstance(result, ChainScore)
    assert len(result.steps) == 16 and result.truncated and not result.context_truncated


class _ClockAdvancingEachCall:
    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_batches_that_start_after_the_timeout_become_timeout_rows(tiny_resource, sample_chains):
    chains = sample_chains[:8]
    # the clock reads once at the start and once before each of the 4 batches: 10, 20, 30, 40, 50
    scorer = ChainScorer(tiny_resource, batch_size=2, timeout_s=25, clock=_ClockAdvancingEachCall(10))
    results = scorer.score(chains)
    assert [r.chain_id for r in results] == [c.chain_id for c in chains]
    failed = [r for r in results if isinstance(r, ChainFailure)]
    assert len(failed) == 4 and {r.error_type for r in failed} == {"TimeoutExceeded"}
    assert all("timeout" in r.error_message for r in failed)


class _FakeCudaSource:
    """Looks like a CUDA model whose forward runs out of memory; the CPU path is the real model."""

    def __init__(self, real) -> None:
        self.real, self.model_id, self.quantized = real, real.model_id, False
        self.device = torch.device("cuda")
        self.tokenizer, self.max_context = real.tokenizer, real.max_context
        self.cpu_calls = 0

    def logits(self, input_ids, attention_mask):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    def cpu_logits(self, input_ids, attention_mask):
        self.cpu_calls += 1
        return self.real.logits(input_ids, attention_mask)


def test_cuda_oom_moves_each_batch_to_cpu_and_is_counted(tiny_resource, sample_chains):
    chains = sample_chains[:6]
    fallbacks = lambda: METRICS.registry.get_sample_value("cert_gpu_oom_fallbacks_total") or 0.0
    before = fallbacks()
    fake = _FakeCudaSource(tiny_resource)
    results = ChainScorer(fake, batch_size=4).score(chains)
    reference = ChainScorer(tiny_resource, batch_size=4).score(chains)
    assert fallbacks() - before == 2 and fake.cpu_calls == 2
    assert _flat(results) == pytest.approx(_flat(reference), abs=1e-6)


class _BrokenSource(_FakeCudaSource):
    def __init__(self, real) -> None:
        super().__init__(real)
        self.device = torch.device("cpu")
        self.calls = 0

    def logits(self, input_ids, attention_mask):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("boom")
        return self.real.logits(input_ids, attention_mask)


def test_a_failing_forward_fails_only_its_batch(tiny_resource, sample_chains):
    results = ChainScorer(_BrokenSource(tiny_resource), batch_size=2).score(sample_chains[:6])
    errors = [r for r in results if isinstance(r, ChainFailure)]
    assert len(results) == 6 and len(errors) == 2
    assert errors[0].error_type == "ScoringError" and "boom" in errors[0].error_message


def test_the_head_is_applied_only_at_scored_positions_with_the_same_numbers(tiny_resource, sample_chains):
    # the shipped GPT-2 splits into body and head; a source without hidden_states gives full logits
    class _LogitsOnly:
        def __init__(self, real) -> None:
            self.real, self.model_id, self.quantized, self.device = real, real.model_id, False, real.device
            self.tokenizer, self.max_context = real.tokenizer, real.max_context

        def logits(self, input_ids, attention_mask):
            return self.real.logits(input_ids, attention_mask)

    assert tiny_resource.hidden_states(torch.tensor([[1, 2, 3]]), torch.ones(1, 3, dtype=torch.long)) is not None
    split = ChainScorer(tiny_resource, batch_size=4).score(sample_chains[:8])
    full = ChainScorer(_LogitsOnly(tiny_resource), batch_size=4).score(sample_chains[:8])
    assert _flat(split) == pytest.approx(_flat(full), abs=1e-5)


def test_a_model_whose_logits_are_not_head_of_hidden_states_is_scored_from_its_logits(tiny_resource, sample_chains):
    from transformers import GPT2LMHeadModel

    class _ScaledLogits(GPT2LMHeadModel):  # like a model that caps or scales logits after its head
        def forward(self, *args, **kwargs):
            out = super().forward(*args, **kwargs)
            out.logits = out.logits * 0.5
            return out

    scaled = _ScaledLogits(tiny_resource._model.config)
    scaled.load_state_dict(tiny_resource._model.state_dict())
    resource = ModelResource.wrap(scaled, tiny_resource.tokenizer, "scaled")
    assert resource.hidden_states(torch.tensor([[1, 2, 3]]), torch.ones(1, 3, dtype=torch.long)) is None
    chain = sample_chains[0]
    result = ChainScorer(resource).score([chain])[0]
    enc = encode_chain(resource.tokenizer, chain.question, chain.steps)
    start, end = enc.step_spans[0]
    with torch.no_grad():
        logits = scaled(input_ids=torch.tensor([enc.input_ids])).logits[0, start - 1: end - 1].double()
    expected = -torch.log_softmax(logits, -1)[torch.arange(end - start), torch.tensor(enc.input_ids[start:end])]
    assert result.steps[0].mean_nll == pytest.approx(float(expected.mean()), abs=1e-4)


def test_one_tokenizer_call_for_many_chains_encodes_each_chain_as_on_its_own(tiny_resource, sample_chains):
    from cert_core.trajectory.encoding import encode_chains

    pairs = [(c.question, c.steps) for c in sample_chains[:6]] + [("", ("a", "b"))]
    assert encode_chains(tiny_resource.tokenizer, pairs) == [encode_chain(tiny_resource.tokenizer, q, s) for q, s in pairs]


def test_the_rust_tokenizer_backend_gives_the_wrappers_token_ids(tiny_resource, sample_chains):
    from cert_core.trajectory.encoding import _token_ids

    texts = [c.question for c in sample_chains[:4]] + ["\n" + s for s in sample_chains[0].steps] + ["", " é ✓ 日本"]
    wrapper = tiny_resource.tokenizer(texts, add_special_tokens=False)["input_ids"]
    assert _token_ids(tiny_resource.tokenizer, texts) == wrapper


def test_a_step_with_no_token_fails_its_chain_naming_the_step(tiny_resource):
    chain = ChainInput("empty-step", "Tom has 3 apples.", ("He eats one.", "", "So 2 are left."))
    result = ChainScorer(tiny_resource, separator="").score([chain])[0]
    assert isinstance(result, ChainFailure) and result.error_type == "UnscorableStep"
    assert "step 1 has no token" in result.error_message
