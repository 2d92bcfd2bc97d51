"""Make the project's own small reasoning model, its tokenizer and the sample chains.

    python scripts/make_tiny_reasoner.py            # data + tokenizer + model (a few CPU minutes)
    python scripts/make_tiny_reasoner.py --data-only

Everything is seeded: a rerun gives the same chains, tokenizer and training batches (the weights
match too on the same torch build and thread count). About 5 CPU-minutes for the defaults.
The chains are templated arithmetic word problems with worked steps. The sample file also holds labelled corruptions (`bad_step` = index of the corrupted step):
  wrong_arithmetic  one result is off (later steps carry the wrong value on, as a real slip would)
  shuffled          a later step is moved up to an earlier position (bad_step = where it landed)
  off_topic         an unrelated sentence is inserted (bad_step = its index)
The language model is trained only on good chains, encoded exactly as the scorer encodes them
(cert_core.trajectory.encoding), so the question is context and steps follow "\\n".
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

from cert_core.paths import PROJECT_ROOT as REPO  # noqa: E402

NAMES = ["Tom", "Anna", "Ben", "Maria", "Sam", "Lucy", "Omar", "Nina", "Leo", "Emma", "Raj", "Zoe"]
ITEMS = ["apples", "books", "marbles", "pencils", "stickers", "cookies", "cards", "shells"]
OFF_TOPIC = [
    "The weather in Paris is usually mild in the spring.",
    "My favourite colour has always been a deep shade of blue.",
    "Photosynthesis turns sunlight into chemical energy.",
    "The train to the coast leaves every morning at seven.",
    "Jazz music became popular in the early twentieth century.",
    "Penguins cannot fly but they are excellent swimmers.",
    "The museum was closed for repairs during the winter.",
    "Coffee tastes better when the beans are freshly ground.",
    "Mount Everest is the highest mountain on Earth.",
    "She painted the old fence a bright shade of green.",
    "The library opens late on Sundays.",
    "A good night of sleep helps the memory.",
]


@dataclass(frozen=True)
class Problem:
    question: str
    steps: list[str]
    arithmetic_steps: list[int]  # indices of steps that state a computed result


def _problem(rng: random.Random, wrong_at: int | None = None, delta: int = 0) -> Problem:
    """One templated problem. wrong_at: index into the problem's operations whose result is off by delta."""
    kind = rng.choice(["shop", "boxes", "pair", "save", "long"])
    n, m = rng.sample(NAMES, 2)
    item = rng.choice(ITEMS)
    ops: list[int] = []

    def result(value: int) -> int:
        # the operation counter decides whether this result is the corrupted one
        index = len(ops)
        value = value + delta if wrong_at == index else value
        ops.append(value)
        return value

    if kind == "shop":
        a, b = rng.randint(3, 15), rng.randint(2, 9)
        c = rng.randint(1, min(9, a + b - 1))
        q = f"{n} has {a} {item}. {n} buys {b} more and gives away {c}. How many {item} does {n} have now?"
        s1 = result(a + b)
        s2 = result(s1 - c)
        steps = [f"{n} starts with {a} {item}.", f"{n} buys {b} more, so {a} + {b} = {s1}.",
                 f"{n} gives away {c}, so {s1} - {c} = {s2}.", f"The answer is {s2}."]
        arith = [1, 2]
    elif kind == "boxes":
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        c = rng.randint(1, min(9, a * b - 1))
        q = f"There are {a} boxes with {b} {item} in each box. {n} takes {c} {item}. How many {item} are left?"
        s1 = result(a * b)
        s2 = result(s1 - c)
        steps = [f"Each box has {b} {item}.", f"In total there are {a} * {b} = {s1} {item}.",
                 f"{n} takes {c}, so {s1} - {c} = {s2}.", f"The answer is {s2}."]
        arith = [1, 2]
    elif kind == "pair":
        a, b, c = rng.randint(2, 12), rng.randint(2, 12), rng.randint(2, 9)
        q = f"{n} has {a} {item} and {m} has {b} {item}. {m} gets {c} more. How many {item} do they have together?"
        s1 = result(b + c)
        s2 = result(a + s1)
        steps = [f"{n} has {a} {item}.", f"{m} now has {b} + {c} = {s1} {item}.",
                 f"Together they have {a} + {s1} = {s2} {item}.", f"The answer is {s2}."]
        arith = [1, 2]
    elif kind == "save":
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        c = rng.randint(1, min(9, a * b - 1))
        q = f"{n} saves {a} coins each week for {b} weeks and then spends {c} coins. How many coins are left?"
        s1 = result(a * b)
        s2 = result(s1 - c)
        steps = [f"Each week {n} saves {a} coins.", f"After {b} weeks {n} has {a} * {b} = {s1} coins.",
                 f"After spending {c}, {n} has {s1} - {c} = {s2} coins.", f"The answer is {s2}."]
        arith = [1, 2]
    else:
        a, b = rng.randint(3, 15), rng.randint(2, 9)
        c = rng.randint(1, min(9, a + b - 1))
        d = rng.randint(2, 9)
        q = (f"{n} has {a} {item}. {n} buys {b} more, gives {c} to {m} and then finds {d} more. "
             f"How many {item} does {n} have?")
        s1 = result(a + b)
        s2 = result(s1 - c)
        s3 = result(s2 + d)
        steps = [f"{n} starts with {a} {item}.", f"{n} buys {b} more, so {a} + {b} = {s1}.",
                 f"{n} gives {c} to {m}, so {s1} - {c} = {s2}.", f"{n} finds {d} more, so {s2} + {d} = {s3}.",
                 f"The answer is {s3}."]
        arith = [1, 2, 3]
    return Problem(q, steps, arith)


def good_chain(rng: random.Random) -> Problem:
    return _problem(rng)


def corrupted_chain(rng: random.Random, kind: str) -> tuple[Problem, int]:
    """A corrupted problem and the index of its bad step."""
    if kind == "wrong_arithmetic":
        state = rng.getstate()
        clean = _problem(rng)
        which = rng.randrange(len(clean.arithmetic_steps))
        delta = rng.choice([d for d in range(-9, 10) if d != 0])
        rng.setstate(state)  # same draws again, this time with the slip
        bad = _problem(rng, wrong_at=which, delta=delta)
        rng.random()  # keep the stream moving past the replayed draws
        if any(re.search(r"(^|\s)-\d", s) for s in bad.steps):  # a slip never makes negative counts
            return corrupted_chain(rng, kind)
        return bad, bad.arithmetic_steps[which]
    base = _problem(rng)
    steps = list(base.steps)
    if kind == "shuffled":
        body = len(steps) - 1  # the final answer stays last
        j = rng.randrange(1, body)
        i = rng.randrange(0, j)
        moved = steps.pop(j)
        steps.insert(i, moved)
        return Problem(base.question, steps, []), i
    if kind == "off_topic":
        k = rng.randrange(1, len(steps))
        steps.insert(k, rng.choice(OFF_TOPIC))
        return Problem(base.question, steps, []), k
    raise ValueError(f"unknown corruption {kind!r}")


def write_chains(path: Path, n_good: int, n_per_corruption: int, seed: int, prefix: str) -> None:
    rng = random.Random(seed)
    rows = []
    for _ in range(n_good):
        p = good_chain(rng)
        rows.append({"question": p.question, "steps": p.steps, "bad_step": None, "corruption": None})
    for kind in ("wrong_arithmetic", "shuffled", "off_topic"):
        for _ in range(n_per_corruption):
            p, bad = corrupted_chain(rng, kind)
            rows.append({"question": p.question, "steps": p.steps, "bad_step": bad, "corruption": kind})
    rng.shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps({"chain_id": f"{prefix}-{i:04d}", **row}) + "\n")
    print(f"wrote {len(rows)} chains to {path}")


def train_tokenizer(out: Path, seed: int, vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    rng = random.Random(seed)
    texts = []
    for _ in range(4000):
        p = good_chain(rng)
        texts.append(p.question + "".join("\n" + s for s in p.steps))
    texts.extend(OFF_TOPIC)  # so unrelated text gets real sub-word tokens (never trained on)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|endoftext|>"], min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>", pad_token="<|endoftext|>",
        model_max_length=256,
    )
    fast.save_pretrained(out)
    return fast


def train_model(out: Path, tokenizer, seed: int, steps: int, batch: int, n_layer: int, n_embd: int) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from cert_core.trajectory.encoding import encode_chain

    torch.manual_seed(seed)
    rng = random.Random(seed + 1)
    eos = tokenizer.eos_token_id
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=256, n_embd=n_embd, n_layer=n_layer, n_head=4,
        bos_token_id=eos, eos_token_id=eos, pad_token_id=eos,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    model = GPT2LMHeadModel(config)
    model.train()
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01, betas=(0.9, 0.98))
    warmup = max(1, steps // 20)

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_at)
    start = time.time()
    for step in range(steps):
        seqs = []
        for _ in range(batch):
            p = good_chain(rng)
            seqs.append(list(encode_chain(tokenizer, p.question, p.steps).input_ids) + [eos])
        width = max(len(s) for s in seqs)
        ids = torch.full((batch, width), eos, dtype=torch.long)
        mask = torch.zeros((batch, width), dtype=torch.long)
        for row, s in enumerate(seqs):
            ids[row, : len(s)] = torch.tensor(s)
            mask[row, : len(s)] = 1
        labels = ids.masked_fill(mask == 0, -100)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step:5d} loss {loss.item():.4f} ({time.time() - start:.0f}s)", flush=True)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    print(f"saved model to {out} ({sum(p.numel() for p in model.parameters())} parameters)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "data/models/tiny-reasoner")
    parser.add_argument("--chains-out", type=Path, default=REPO / "data/trajectories/chains.jsonl")
    parser.add_argument("--calibration-out", type=Path, default=REPO / "data/trajectories/calibration_good.jsonl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-steps", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--n-layer", type=int, default=3)
    parser.add_argument("--n-embd", type=int, default=96)
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-only", action="store_true", help="only write the chain files")
    args = parser.parse_args()

    # separate seeds: the evaluation chains and calibration chains are never the training draws
    write_chains(args.chains_out, n_good=120, n_per_corruption=40, seed=args.seed + 101, prefix="chain")
    write_chains(args.calibration_out, n_good=200, n_per_corruption=0, seed=args.seed + 202, prefix="calib")
    if args.data_only:
        return
    import torch

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(args.out, args.seed, args.vocab_size)
    train_model(args.out, tokenizer, args.seed, args.train_steps, args.batch, args.n_layer, args.n_embd)
    print("next: cert trajectory calibrate --chains", args.calibration_out.relative_to(REPO))


if __name__ == "__main__":
    main()
