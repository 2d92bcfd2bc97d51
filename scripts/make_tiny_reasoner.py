"""Make the project's own small reasoning model, its tokenizer and the sample chain files.

    python scripts/make_tiny_reasoner.py            # data + tokenizer + model (about 15 CPU-minutes)
    python scripts/make_tiny_reasoner.py --data-only

Everything is seeded: a rerun gives the same chains, tokenizer and training batches (the weights
match too on the same torch build and thread count). Training data, mixed in every batch:
  - good chains from the five TRAINING families in scripts/chain_families/ (never the held-out
    `workshop` family), encoded exactly as the scorer encodes them (cert_core.trajectory.encoding);
  - windows of general English prose from scripts/english_corpus.py (Python and package docs), half
    of them laid out as chains (consecutive sentences as question and steps, encoded the same way),
    so that the model reads any English after a step separator, not only the templates' wording.
The tokenizer is a byte-level BPE (4,096 tokens) trained on the same two sources.
Files written besides the model:
  data/trajectories/chains.jsonl              set (a): held-back chains of the training families
  data/trajectories/calibration_good.jsonl    good chains of the training families (other seed)
  data/trajectories/heldout_chains.jsonl      set (b): the held-out family, good and corrupted
Training CPU time (time.process_time) and the settings go to <out>/training.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path

# idle OpenMP threads sleep instead of spinning: on a shared machine spinning burns CPU time for nothing
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cert_core.paths import PROJECT_ROOT as REPO  # noqa: E402
from scripts.chain_families import HELD_OUT, TRAINING, chain_rows, good_chain, write_jsonl  # noqa: E402

CONTEXT = 256


def write_data(args) -> None:
    # separate seeds: evaluation and calibration chains are never the training draws
    data = REPO / "data/trajectories"
    write_jsonl(args.chains_out, chain_rows(TRAINING, 120, 30, args.seed + 101, "chain"))
    write_jsonl(args.calibration_out, chain_rows(TRAINING, 200, 0, args.seed + 202, "calib"))
    write_jsonl(data / "heldout_chains.jsonl", chain_rows([HELD_OUT], 200, 50, args.seed + 303, "heldout"))


def chain_text(rng: random.Random) -> tuple[str, list[str]]:
    family = rng.choice(TRAINING)
    p = good_chain(family, rng)
    return p.question, p.steps


def train_tokenizer(out: Path, seed: int, vocab_size: int, english: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    rng = random.Random(seed)
    texts = []
    for _ in range(4000):
        q, steps = chain_text(rng)
        texts.append(q + "".join("\n" + s for s in steps))
    texts.extend(english)
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
        model_max_length=CONTEXT,
    )
    fast.save_pretrained(out)
    return fast


def english_stream(tokenizer, english: list[str]) -> list[int]:
    """The prose as one token stream, paragraphs separated by EOS (training windows are cut from it)."""
    eos = tokenizer.eos_token_id
    ids: list[int] = []
    for piece in tokenizer(english, add_special_tokens=False)["input_ids"]:
        ids.extend(piece)
        ids.append(eos)
    return ids


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def english_sentences(english: list[str]) -> list[str]:
    """The prose's sentences in order (a paragraph's sentences, then the next paragraph's)."""
    return [s for paragraph in english for s in _SENTENCE_END.split(paragraph) if len(s.split()) >= 3]


def english_as_chain(tokenizer, sentences: list[str], rng: random.Random, window: int) -> list[int]:
    """Consecutive sentences laid out as a chain (first one the question, the rest steps), encoded as
    the scorer encodes chains: the model learns that any English can follow a step separator, not only
    the chain templates' wording."""
    from cert_core.trajectory.encoding import encode_chain

    start = rng.randrange(0, len(sentences) - 12)
    steps = sentences[start + 1: start + 1 + rng.randint(3, 10)]
    return list(encode_chain(tokenizer, sentences[start], steps).input_ids)[:window]


def train_model(out: Path, tokenizer, english: list[str], args) -> dict:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from cert_core.trajectory.encoding import encode_chain

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed + 1)
    eos = tokenizer.eos_token_id
    stream = english_stream(tokenizer, english)
    sentences = english_sentences(english)
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=CONTEXT, n_embd=args.n_embd, n_layer=args.n_layer, n_head=4,
        bos_token_id=eos, eos_token_id=eos, pad_token_id=eos,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    model = GPT2LMHeadModel(config)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optim = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=args.lr, betas=(0.9, 0.98))
    steps = args.train_steps
    warmup = max(1, steps // 25)

    def lr_at(step: int) -> float:  # linear warm-up, then cosine down to 2% of the peak
        if step < warmup:
            return (step + 1) / warmup
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_at)
    n_english = args.batch - args.chains_per_batch
    cpu0, wall0 = time.process_time(), time.time()
    for step in range(steps):
        seqs = []
        for _ in range(args.chains_per_batch):
            q, s = chain_text(rng)
            seqs.append(list(encode_chain(tokenizer, q, s).input_ids) + [eos])
        for _ in range(n_english):
            if rng.random() < args.english_as_chains:
                seqs.append(english_as_chain(tokenizer, sentences, rng, args.english_window))
                continue
            start = rng.randrange(0, len(stream) - args.english_window)
            seqs.append([eos] + stream[start: start + args.english_window - 1])
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), eos, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
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
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step:5d} loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.2e} "
                  f"cpu {time.process_time() - cpu0:.0f}s wall {time.time() - wall0:.0f}s", flush=True)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    info = {
        "cpu_seconds": round(time.process_time() - cpu0, 1), "wall_seconds": round(time.time() - wall0, 1),
        "threads": torch.get_num_threads(), "steps": steps, "batch": args.batch,
        "chains_per_batch": args.chains_per_batch, "english_window": args.english_window,
        "english_as_chains": args.english_as_chains, "lr": args.lr,
        "n_layer": args.n_layer, "n_embd": args.n_embd, "vocab_size": len(tokenizer), "seed": args.seed,
        "parameters": sum(p.numel() for p in model.parameters()), "english_tokens": len(stream),
        "english_paragraphs": len(english),
        "english_sentences": len(sentences), "final_loss": round(loss.item(), 4),
        "torch": torch.__version__, "python": sys.version.split()[0],
    }
    print(f"saved model to {out}: {json.dumps(info)}")
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "data/models/tiny-reasoner")
    parser.add_argument("--chains-out", type=Path, default=REPO / "data/trajectories/chains.jsonl")
    parser.add_argument("--calibration-out", type=Path, default=REPO / "data/trajectories/calibration_good.jsonl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16, help="sequences per step")
    parser.add_argument("--chains-per-batch", type=int, default=5, help="of them chains; the rest English windows")
    parser.add_argument("--english-window", type=int, default=128, help="tokens per English window")
    parser.add_argument("--english-as-chains", type=float, default=0.5,
                        help="share of the English windows laid out as chains (sentences as steps)")
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=128)
    parser.add_argument("--vocab-size", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-only", action="store_true", help="only write the chain files")
    args = parser.parse_args()

    write_data(args)
    if args.data_only:
        return
    import torch

    from scripts.english_corpus import english_paragraphs

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    english = english_paragraphs()
    tokenizer = train_tokenizer(args.out, args.seed, args.vocab_size, english)
    info = train_model(args.out, tokenizer, english, args)
    (args.out / "training.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print("next: cert trajectory calibrate --chains", args.calibration_out)


if __name__ == "__main__":
    main()
