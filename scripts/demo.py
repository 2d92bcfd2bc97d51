"""`make demo`: run the main jobs end to end on embedded defaults.

Prefect runs on its ephemeral local API (SQLite) unless PREFECT_API_URL is set; inputs are
the shipped sample data; models are the ones the project ships. Results go to data/results/.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
os.chdir(REPO_ROOT)
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from cert_cli._common import prepare_prefect_for_cli, show_flow_progress, silence_shutdown_noise  # noqa: E402

prepare_prefect_for_cli()

RESULTS = os.environ.get("CERT_RESULTS_DIR", "data/results")


def step_route() -> str:
    from flows.route_scenarios import route_scenarios

    r = route_scenarios(scenarios_path="data/scenarios/sample.jsonl", results_dir=RESULTS)
    return f"routed {r.routed}, rejected {r.rejected} -> {Path(r.decisions_path).parent.parent}"


STEPS = [
    ("route scenarios to micro-overlays", step_route),
]


def main() -> int:
    from cert_core.errors import CertError

    print(f"cert-flows demo: results under {RESULTS}/ (Prefect API: {os.environ.get('PREFECT_API_URL') or 'ephemeral, SQLite'})")
    import flows.route_scenarios  # noqa: F401  (Prefect applies its logging config on import; adjust after)

    show_flow_progress()
    summary, failed = [], False
    for title, step in STEPS:
        print(f"\n==> {title}", flush=True)
        started = time.perf_counter()
        try:
            summary.append(f"{title}: {step()} ({time.perf_counter() - started:.1f}s)")
        except CertError as exc:
            failed = True
            summary.append(f"{title}: FAILED: {exc.error_type}: {exc.message}")
    silence_shutdown_noise()
    print("\nSummary")
    for line in summary:
        print(f"  - {line}")
    print(f"\nRead the results with pandas, pyarrow.dataset or DuckDB, e.g.\n  duckdb -c \"select selected_overlay, count(*) from read_parquet('{RESULTS}/routing_decisions/**/*.parquet', hive_partitioning=true) group by 1\"")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
