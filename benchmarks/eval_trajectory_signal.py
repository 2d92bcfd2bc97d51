"""Does the quality check separate good chains from labelled corrupted ones, on wording it never saw?

    python benchmarks/eval_trajectory_signal.py [--model M] [--set-b-calibration-chains 60]
    python benchmarks/eval_trajectory_signal.py --chains MY.jsonl --calibration MY_GOOD.jsonl

Two sets, each calibrated on its own good chains only (as a user would, `cert trajectory calibrate`):
  (a) data/trajectories/chains.jsonl: held-back chains of the model's training families,
      calibrated on data/trajectories/calibration_good.jsonl (same families, another seed).
  (b) data/trajectories/heldout_chains.jsonl: the `workshop` family, an independent generator
      that shares no templates, names or items with training (scripts/chain_families/workshop.py).
      Its good chains are split (seeded): --set-b-calibration-chains of them calibrate, the rest and
      all corrupted chains are evaluated.
Corruptions: wrong_arithmetic, off_topic, swapped, repeated (``bad_step`` = the corrupted step).
Per set and per corruption type:
  roc_auc              chain level, max_anomaly_score of corrupted vs good chains
  bad_step_top1        share of corrupted chains whose highest-scoring step is the labelled one
  good_pass_rate       share of good chains that pass the check
  corrupted_fail_rate  share of corrupted chains that fail it
Last stdout line: JSON with set (b)'s figures at the top level, and "set_a", "set_b" in full.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from _common import PROJECT_ROOT  # noqa: E402  (puts the repo on sys.path)

DATA = PROJECT_ROOT / "data/trajectories"


def _load(path: str, max_chain_bytes: int | None = None):
    from cert_core.trajectory import read_chains

    kinds = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        kinds[record["chain_id"]] = record.get("corruption") or ("good" if record.get("bad_step") is None else "bad")
    return read_chains(path, 64, max_chain_bytes).chains, kinds


def _auc(bad: list[float], good: list[float]) -> float | None:
    from scipy.stats import mannwhitneyu

    if not bad or not good:
        return None
    return round(float(mannwhitneyu(bad, good).statistic / (len(bad) * len(good))), 4)


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def figures(results, kinds, labels) -> dict:
    good = [r for r in results if labels[r.chain_id] is None]
    bad = [r for r in results if labels[r.chain_id] is not None]
    good_scores = [r.max_anomaly_score for r in good]

    def block(chains) -> dict:
        return {
            "n": len(chains),
            "roc_auc": _auc([r.max_anomaly_score for r in chains], good_scores),
            "bad_step_top1": _rate([r.top_step == labels[r.chain_id] for r in chains]),
            "corrupted_fail_rate": _rate([not r.passed_quality_check for r in chains]),
            "top_signals": dict(Counter(r.top_signal for r in chains).most_common()),
        }

    out = {"n_good": len(good), "good_pass_rate": _rate([bool(r.passed_quality_check) for r in good]),
           "n_outside_calibration": sum(bool(r.outside_calibration) for r in results), **block(bad)}
    out.pop("n")
    out["per_corruption"] = {kind: block([r for r in bad if kinds[r.chain_id] == kind])
                             for kind in sorted({kinds[r.chain_id] for r in bad})}
    return out


def evaluate(analyzer, scoring, chains, kinds, calibration_chains, calibration_name: str) -> dict:
    thresholds = analyzer.calibrate(calibration_chains, calibration_name)
    config = scoring.model_copy(update={"thresholds": {**scoring.thresholds, scoring.model: thresholds}})
    results = [r for r in analyzer.analyze(chains, config) if r.status == "ok"]
    labels = {c.chain_id: c.bad_step for c in chains}
    return {"calibration": f"{calibration_name} ({thresholds.n_chains} chains)", **figures(results, kinds, labels)}


def _print(name: str, f: dict) -> None:
    print(f"{name}: {f['n_good']} good chains, pass rate {f['good_pass_rate']}; corrupted: AUC {f['roc_auc']}, "
          f"bad_step_top1 {f['bad_step_top1']}, fail rate {f['corrupted_fail_rate']} "
          f"(calibration: {f['calibration']}; outside calibration: {f['n_outside_calibration']})")
    for kind, b in f["per_corruption"].items():
        print(f"  {kind:17s} n {b['n']:3d}  AUC {b['roc_auc']}  top1 {b['bad_step_top1']}  "
              f"fail {b['corrupted_fail_rate']}  top signals {b['top_signals']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--config-dir", default=None)
    parser.add_argument("--percentile", default=None, choices=("p90", "p95", "p99", "p99_9"),
                        help="anomaly_percentile to apply (default: the config's)")
    parser.add_argument("--set-a", default=str(DATA / "chains.jsonl"))
    parser.add_argument("--set-a-calibration", default=str(DATA / "calibration_good.jsonl"))
    parser.add_argument("--set-b", default=str(DATA / "heldout_chains.jsonl"))
    parser.add_argument("--set-b-calibration-chains", type=int, default=60,
                        help="good chains of set (b) used to calibrate it (the rest are evaluated)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the set (b) split")
    parser.add_argument("--chains", default=None, help="evaluate only this file (needs --calibration)")
    parser.add_argument("--calibration", default=None, help="good-only chains that calibrate --chains")
    args = parser.parse_args()
    if args.chains and not args.calibration:
        parser.error("--chains needs --calibration GOOD.jsonl (known-good chains of the same kind)")

    from cert_core.config import load_config
    from cert_core.trajectory import TrajectoryAnalyzer

    config = load_config(args.config_dir)
    # every chain is scored: no batch timeout
    scoring = config.trajectory.with_overrides(model=args.model, anomaly_percentile=args.percentile).model_copy(
        update={"batch_timeout_s": None})
    analyzer = TrajectoryAnalyzer(scoring)

    if args.chains:
        chains, kinds = _load(args.chains)
        calibration, _ = _load(args.calibration)
        result = evaluate(analyzer, scoring, chains, kinds, [c for c in calibration if c.bad_step is None],
                          args.calibration)
        _print("chains", result)
        print(json.dumps({**{k: result[k] for k in ("roc_auc", "bad_step_top1", "good_pass_rate",
                                                     "corrupted_fail_rate")}, "chains": result,
                          "model": scoring.model}))
        return

    chains_a, kinds_a = _load(args.set_a)
    calibration_a, _ = _load(args.set_a_calibration)
    set_a = evaluate(analyzer, scoring, chains_a, kinds_a, calibration_a, args.set_a_calibration)
    _print("set (a) training families, held back", set_a)

    chains_b, kinds_b = _load(args.set_b)
    good_b = [c for c in chains_b if c.bad_step is None]
    random.Random(args.seed).shuffle(good_b)
    calibration_b = good_b[: args.set_b_calibration_chains]
    held = {c.chain_id for c in calibration_b}
    eval_b = [c for c in chains_b if c.chain_id not in held]
    set_b = evaluate(analyzer, scoring, eval_b, kinds_b, calibration_b,
                     f"{args.set_b} good-chain split")
    _print("set (b) held-out family", set_b)

    print(json.dumps({
        **{k: set_b[k] for k in ("roc_auc", "bad_step_top1", "good_pass_rate", "corrupted_fail_rate")},
        "set_a": set_a, "set_b": set_b, "model": scoring.model,
        "anomaly_percentile": scoring.anomaly_percentile, "signals": list(scoring.anomaly_signals),
    }))


if __name__ == "__main__":
    main()
