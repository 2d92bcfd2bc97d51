"""Worker body for the two-process cost cap test (importable by 'spawn' children)."""

from __future__ import annotations


def coordination_worker(ledger_url: str, prefix: str, hourly_cost: float, worker: int, tasks: int, start, results) -> None:
    """Ask 3 agents per task through the governed coordination path until a cost cap stops it."""
    from cert_core.config import load_config
    from cert_core.config.energy_governance import BudgetLimits
    from cert_core.coordination import AgentCaller, CallLog, CoordinationTask, is_cost_limited
    from cert_core.coordination.prompts import agent_call
    from cert_core.errors import BudgetExceeded
    from cert_core.governance import EnergyGovernanceController
    from cert_core.llm import SimulatedBackend
    from cert_core.llm.governed import GovernedLLM
    from cert_core.safety.breakers import BreakerRegistry

    config = load_config()
    limits = BudgetLimits(daily_token_limit=10_000_000, hourly_burst_limit=5_000_000, daily_cost_limit_usd=1_000,
                          hourly_cost_limit_usd=hourly_cost)
    governance = config.energy_governance.model_copy(update={"budget_limits": limits})
    controller = EnergyGovernanceController.from_config(governance, ledger_url, table_prefix=prefix)
    controller.ledger.usage()  # connect and create the tables before the race
    instant = config.llm.model_copy(update={"simulated": config.llm.simulated.with_overrides(latency_ms=0)})
    llm = GovernedLLM(SimulatedBackend(instant), controller,
                      BreakerRegistry.from_config(config.circuit_breakers).get("fusion_primary"))
    log = CallLog()
    cost_limited = False
    start.wait()
    for i in range(tasks):
        task = CoordinationTask(f"w{worker}-t{i}", f"Worker {worker} asks question number {i}: what is {i} + {worker}?")
        caller = AgentCaller(llm, run_id=f"run-w{worker}", task_id=task.id, log=log, max_parallel=3)
        specs = [agent_call(config.coordination, task, a, 3, phase="baseline", round=0, tag=f"baseline:a{a}")
                 for a in range(3)]
        try:
            caller.ask_all(specs)
        except BudgetExceeded as exc:
            if is_cost_limited(exc):
                cost_limited = True
                break
            raise
    calls = log.snapshot()
    controller.close()
    results.put({"worker": worker, "calls": len(calls), "cost": sum(c.cost_usd for c in calls),
                 "cost_limited": cost_limited})
