"""Throughput of chain scoring on the shipped model (or a gpt2-small-shaped one), fp32, CPU.

    python benchmarks/bench_trajectory.py [--model shipped|gpt2-small] [--chains 16] [--batch-size 8]

--model shipped (default): data/models/tiny-reasoner as committed (GPT-2 shape, 4 x 128, 4,096 tokens,
256-token context); gpt2-small: 12 x 768, vocab 50257, random weights, with the shipped tokenizer.
Three measurements in one run, over the same chains (8 steps of --sentences-per-step sentences each):
  scoring       ChainScorer.score: one forward per chain + log-softmax, nll gather, full-vocab entropy
  raw forward   model(input_ids, attention_mask) over exactly the padded batches the scorer runs
                (the plain call, which also builds a KV cache; score_over_forward_without_kv_cache
                compares with the same forward without it, as the scorer runs it)
  prefixes      the seed's way: each step scored by its own forward over the growing prefix
Each timing is the median of --repeats runs (raw forward and scoring interleaved, so a burst of load
on a shared machine hits both alike). Last stdout line: {"score_over_raw_forward", "single_pass_speedup", "tokens_per_s", "peak_rss_mb", ...}.
tokens_per_s counts chain tokens (question + steps) per second of scoring.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import _common  # noqa: E402  (puts the repo on sys.path)
from _common import PROJECT_ROOT as REPO  # noqa: E402


def make_chains(n: int, steps: int, per_step: int, seed: int = 0):
    """Chains of `steps` steps, each `per_step` sentences from the sample file (about 10 tokens a sentence)."""
    from cert_core.trajectory import ChainInput

    rng = random.Random(seed)
    lines = (REPO / "data/trajectories/chains.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    sentences = [s for r in records for s in r["steps"]]
    chains = []
    for i in range(n):
        record = rng.choice(records)
        body = tuple(" ".join(rng.sample(sentences, per_step)) for _ in range(steps))
        chains.append(ChainInput(f"bench-{i}", record["question"], body))
    return chains


REPEATS = 5


def timed(fn, repeats: int = 1):
    """The value and the median time of `repeats` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return value, statistics.median(times)


def prefix_scoring(model, tokenizer, chain) -> None:
    """The per-step approach: one forward per step over question + all steps so far."""
    import torch

    from cert_core.trajectory.encoding import encode_chain

    enc = encode_chain(tokenizer, chain.question, chain.steps)
    for start, end in enc.step_spans:
        ids = torch.tensor([enc.input_ids[:end]])
        with torch.inference_mode():
            logits = model(input_ids=ids).logits[0, start - 1: end - 1].float()
        logp = torch.log_softmax(logits, dim=-1)
        _ = -logp.gather(-1, ids[0, start:end].unsqueeze(-1)).sum()
        _ = -(logp.exp() * logp).sum(-1).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", type=int, default=16)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--prefix-chains", type=int, default=2, help="chains timed the per-step way")
    parser.add_argument("--sentences-per-step", type=int, default=2, help="keeps a chain inside a 256-token context")
    parser.add_argument("--model", choices=("shipped", "gpt2-small"), default="shipped")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=REPEATS, help="each timing is the median of this many runs")
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from cert_core.trajectory import ChainScorer, ModelResource
    from cert_core.trajectory.encoding import encode_chain

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(REPO / "data/models/tiny-reasoner")  # ids fit in the gpt2 vocab
    if args.model == "shipped":
        model = AutoModelForCausalLM.from_pretrained(REPO / "data/models/tiny-reasoner").eval()
        label = "data/models/tiny-reasoner (shipped weights), fp32, cpu"
    else:
        model = GPT2LMHeadModel(GPT2Config()).eval()  # gpt2-small shape: 12 x 768, vocab 50257, 1024 context
        label = "gpt2-small shape, random weights, fp32, cpu"
    source = ModelResource.wrap(model, tokenizer, args.model)
    chains = make_chains(args.chains, args.steps, args.sentences_per_step)
    lengths = [len(encode_chain(tokenizer, c.question, c.steps)) for c in chains]
    total_tokens = sum(lengths)
    scorer = ChainScorer(source, batch_size=args.batch_size)
    batches = scorer.padded_batches(chains)

    def raw_forward() -> None:
        with torch.inference_mode():
            for ids, mask in batches:
                model(input_ids=ids, attention_mask=mask)  # the plain call; dropped at once

    def raw_forward_no_cache() -> None:
        for ids, mask in batches:
            source.logits(ids, mask)  # the scorer's own forward: no KV cache

    source.logits(*batches[-1])  # warm-up
    # interleaved, so a burst of load on a shared machine hits both alike
    raw_times, score_times, nocache_times = [], [], []
    for _ in range(args.repeats):
        raw_times.append(timed(raw_forward)[1])
        results, once = timed(lambda: scorer.score(chains))
        score_times.append(once)
        nocache_times.append(timed(raw_forward_no_cache)[1])
    raw_s, score_s = statistics.median(raw_times), statistics.median(score_times)
    nocache_s = statistics.median(nocache_times)
    scored_ok = sum(len(getattr(r, "steps", ())) == args.steps for r in results)

    few = chains[: args.prefix_chains]
    few_tokens = sum(lengths[: args.prefix_chains])
    _, one_pass_s = timed(lambda: ChainScorer(source, batch_size=1).score(few), args.repeats)
    _, prefix_s = timed(lambda: [prefix_scoring(model, tokenizer, c) for c in few], args.repeats)

    peak_rss_mb = _common.peak_rss_mb()
    report = {
        "tokens_per_s": round(total_tokens / score_s, 1),
        "raw_forward_tokens_per_s": round(total_tokens / raw_s, 1),
        "score_over_raw_forward": round(raw_s / score_s, 3),
        "score_over_forward_without_kv_cache": round(nocache_s / score_s, 3),
        "single_pass_tokens_per_s": round(few_tokens / one_pass_s, 1),
        "per_step_prefix_tokens_per_s": round(few_tokens / prefix_s, 1),
        "single_pass_speedup": round(prefix_s / one_pass_s, 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "chains": len(chains), "chains_scored": scored_ok, "steps_per_chain": args.steps,
        "mean_chain_tokens": round(total_tokens / len(chains), 1),
        "batch_size": args.batch_size, "batches": len(batches), "repeats": args.repeats, "threads": torch.get_num_threads(),
        "max_chain_tokens": max(lengths), "model": label,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
