"""Does the quality check separate good chains from labelled corrupted ones?

    python benchmarks/eval_trajectory_signal.py [--chains data/trajectories/chains.jsonl] [--model M]
        [--calibration GOOD.jsonl]

Chains with ``bad_step`` (an int) are corrupted, the others good. Thresholds come from the config
(``cert trajectory calibrate``) or, with --calibration or when the model has none, are computed
from a good-only file first. Last stdout line: {"roc_auc": ..., "bad_step_top1": ..., ...}
  roc_auc        chain level, max_anomaly_score of corrupted vs good chains
  bad_step_top1  share of corrupted chains whose highest-scoring step is the labelled one
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from _common import PROJECT_ROOT  # noqa: E402  (puts the repo on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", default=str(PROJECT_ROOT / "data/trajectories/chains.jsonl"))
    parser.add_argument("--model", default=None)
    parser.add_argument("--calibration", default=None, help="good-only chains to calibrate on first")
    parser.add_argument("--config-dir", default=None)
    args = parser.parse_args()

    from scipy.stats import mannwhitneyu

    from cert_core.config import load_config
    from cert_core.trajectory import TrajectoryAnalyzer, read_chains

    config = load_config(args.config_dir)
    # every chain is scored: no batch timeout
    scoring = config.trajectory.with_overrides(model=args.model).model_copy(update={"batch_timeout_s": None})
    analyzer = TrajectoryAnalyzer(scoring)
    calibration_file = args.calibration
    if calibration_file is None and scoring.model not in scoring.thresholds:
        calibration_file = str(PROJECT_ROOT / "data/trajectories/calibration_good.jsonl")
    if calibration_file is not None:
        good = read_chains(calibration_file, scoring.max_chain_length, config.input_limits.max_chain_bytes).chains
        thresholds = analyzer.calibrate(good, calibration_file)
        scoring = scoring.model_copy(update={"thresholds": {**scoring.thresholds, scoring.model: thresholds}})
    chain_file = read_chains(args.chains, scoring.max_chain_length, config.input_limits.max_chain_bytes)
    labels = {c.chain_id: c.bad_step for c in chain_file.chains}
    kinds = {}
    for line in Path(args.chains).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        label = "good" if record.get("bad_step") is None else "bad"
        kinds[record.get("chain_id")] = record.get("corruption") or label
    results = [r for r in analyzer.analyze(chain_file.chains, scoring) if r.status == "ok"]
    good_scores = [r.max_anomaly_score for r in results if labels[r.chain_id] is None]
    bad = [r for r in results if labels[r.chain_id] is not None]
    bad_scores = [r.max_anomaly_score for r in bad]
    roc_auc = None  # needs both good and corrupted chains
    if bad_scores and good_scores:
        roc_auc = float(mannwhitneyu(bad_scores, good_scores).statistic / (len(bad_scores) * len(good_scores)))
    hits = [r.top_step == labels[r.chain_id] for r in bad]
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for r, hit in zip(bad, hits):
        per_kind[kinds[r.chain_id]].append(hit)
    good_pass = sum(bool(r.passed_quality_check) for r in results if labels[r.chain_id] is None)
    bad_fail = sum(not r.passed_quality_check for r in bad)
    print(f"good chains passed {good_pass}/{len(good_scores)}; corrupted chains failed {bad_fail}/{len(bad)}")
    for kind, values in sorted(per_kind.items()):
        print(f"  {kind}: bad step ranked first in {sum(values)}/{len(values)}")
    print(json.dumps({
        "roc_auc": None if roc_auc is None else round(roc_auc, 4),
        "bad_step_top1": round(sum(hits) / len(hits), 4) if hits else None,
        "n_good": len(good_scores),
        "n_corrupted": len(bad),
        "good_pass_rate": round(good_pass / len(good_scores), 4) if good_scores else None,
        "corrupted_fail_rate": round(bad_fail / len(bad), 4) if bad else None,
        "per_corruption_top1": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_kind.items())},
        "model": scoring.model,
    }))


if __name__ == "__main__":
    main()
