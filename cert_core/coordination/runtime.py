"""What a process needs to measure coordination: the agents' governed LLM, the judge, embeddings.

Built once per process (``process_resource`` in the task layer) from the effective config and the
process settings. Run-wide settings (priority, breaker names, the backend's key, the judge) are
checked here, so a bad one fails the run once instead of every task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..config import CertConfig, CertSettings
from ..config.llm import LLMConfig
from ..errors import InvalidInputError
from ..governance import EnergyGovernanceController, hold_ttl_s
from ..llm import BackendChoice, RequestLimiter, select_backend
from ..llm.governed import CallLLM, GovernedLLM, direct_call
from ..resources import process_resource
from ..safety.breakers import BreakerRegistry
from ..embedding import EmbeddingService, default_model_path
from .agents import AgentCaller, CallLog
from .judges import Judge, LLMJudge, ReferenceJudge
from .types import CoordinationTask, Judgement

__all__ = ["CoordinationRuntime", "agents_llm_config", "build_runtime", "resolve_judge"]

JudgeChoice = Literal["llm", "reference"]


def agents_llm_config(config: CertConfig) -> LLMConfig:
    """llm.yaml with the local model the coordination config names (llm.local.model when it names none)."""
    model = config.coordination.local_model
    if not model or model == config.llm.local.model:
        return config.llm
    return config.llm.model_copy(update={"local": config.llm.local.model_copy(update={"model": model})})


def resolve_judge(judge: str | None, backend_name: str, config: CertConfig) -> JudgeChoice:
    """``auto`` (or None: the configured default) is the reference judge on local and simulated backends."""
    choice = judge or config.coordination.judge.default
    if choice == "auto":
        return "llm" if backend_name == "anthropic" else "reference"
    if choice not in ("llm", "reference"):
        raise InvalidInputError(f"unknown judge {choice!r}; use llm, reference or auto")
    return choice  # type: ignore[return-value]


@dataclass
class CoordinationRuntime:
    config: CertConfig
    choice: BackendChoice
    agents_llm: GovernedLLM
    judge: Judge
    judge_llm: GovernedLLM | None
    embeddings: EmbeddingService

    @property
    def backend_name(self) -> str:
        return self.choice.name.value

    @property
    def model_id(self) -> str:
        return self.choice.backend.model_id

    def caller(self, run_id: str, task_id: str, log: CallLog, call: CallLLM | Callable = direct_call, *,
               judge: bool = False) -> AgentCaller:
        llm = self.judge_llm if judge and self.judge_llm is not None else self.agents_llm
        return AgentCaller(
            llm, run_id=run_id, task_id=task_id, log=log, priority=self.config.coordination.priority,
            operation_type="coordination_judge" if judge else "coordination_agent", call=call,
            max_parallel=self.config.llm.rate_limits.max_in_flight,
        )

    def judge_answers(self, task: CoordinationTask, answers: Sequence[str], *, run_id: str, log: CallLog,
                      call: CallLLM | Callable, tag: str) -> list[Judgement]:
        caller = self.caller(run_id, task.id, log, call, judge=True) if self.judge_llm is not None else None
        return self.judge.judge(task, answers, caller, tag)

    def consensus(self, texts: Sequence[str]) -> tuple[float | None, int]:
        """Consensus rate of the texts (one batched encode) and how many exceed the model's window."""
        if len(texts) < 2:
            return None, self.embeddings.count_truncated(texts) if texts else 0
        return self.embeddings.consensus(texts), self.embeddings.count_truncated(texts)

    def close(self) -> None:
        self.agents_llm.close()  # closes the shared ledger controller and the backend
        if self.judge_llm is not None and self.judge_llm.backend is not self.agents_llm.backend:
            close = getattr(self.judge_llm.backend, "close", None)
            if callable(close):
                close()


def shared_embeddings(cache_size: int) -> EmbeddingService:
    path = default_model_path()
    return process_resource(("embedding", path, cache_size), lambda: EmbeddingService(path, cache_size=cache_size))


def build_runtime(
    config: CertConfig,
    settings: CertSettings,
    backend: str | None,
    judge: str | None,
    *,
    limiter: RequestLimiter | None = None,
) -> CoordinationRuntime:
    coordination = config.coordination
    weights = config.energy_governance.allocation_strategies.priority_weights
    if coordination.priority not in weights:
        raise InvalidInputError(f"coordination.priority {coordination.priority!r} is unknown; use one of "
                                f"{', '.join(weights)}")
    breakers = BreakerRegistry.from_config(config.circuit_breakers)
    agent_breaker = breakers.get(coordination.breaker)
    llm_config = agents_llm_config(config)
    choice = select_backend(backend, llm_config, settings, limiter=limiter)
    controller = EnergyGovernanceController.from_config(config.energy_governance, settings.effective_ledger_url,
                                                       hold_ttl_s=hold_ttl_s(config))
    agents = GovernedLLM(choice.backend, controller, agent_breaker)
    judge_choice = resolve_judge(judge, choice.name, config)
    embeddings = shared_embeddings(coordination.embedding_cache_size)
    if judge_choice == "reference":
        return CoordinationRuntime(config, choice, agents, ReferenceJudge(embeddings), None, embeddings)
    judge_breaker = breakers.get(coordination.judge.breaker)
    judge_model = coordination.judge.model
    if judge_model and choice.name == "anthropic" and judge_model != choice.backend.model_id:
        judge_config = llm_config.model_copy(update={"anthropic": llm_config.anthropic.model_copy(
            update={"model": judge_model})})
        judge_backend = select_backend("anthropic", judge_config, settings, limiter=limiter).backend
    else:
        judge_backend = choice.backend
    judge_llm = GovernedLLM(judge_backend, controller, judge_breaker)
    return CoordinationRuntime(config, choice, agents, LLMJudge(coordination.judge, judge_backend.model_id),
                               judge_llm, embeddings)
