"""coordination.yaml: how coordination runs call agents, the aggregator and the judge, and their limits."""

from __future__ import annotations

from string import Formatter
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._base import Section

__all__ = ["AgentCall", "BaselineCache", "CoordinationConfig", "JudgeName", "JudgeSettings", "VoteSettings"]

JudgeName = Literal["auto", "llm", "reference"]


class AgentCall(Section):
    """One kind of call (agent or aggregator): its prompt templates and sampling."""

    max_tokens: int = Field(256, ge=1)
    temperature: float = Field(0.7, ge=0, le=2)
    # {agent}, {agents} and {task} are filled in; the agent's number makes independent agents differ
    system_prompt: str = ""
    template: str = "{task}"


def _agent() -> AgentCall:
    return AgentCall(
        system_prompt="You are agent {agent} of {agents}, working on your own. Think briefly, then end with "
                      "'The answer is <answer>.'",
        template="{task}",
    )


def _aggregator() -> AgentCall:
    return AgentCall(
        temperature=0.0,
        system_prompt="You combine the answers of several agents into one final answer. End with "
                      "'The answer is <answer>.'",
        template="Task: {task}\n\nAgent answers:\n{answers}\n\nGive the single best final answer.",
    )


def _check_placeholders(template: str, allowed: set[str], what: str) -> str:
    try:
        used = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}; write a literal brace as {{{{ or }}}}") from exc
    unknown = used - allowed
    if unknown:
        raise ValueError(f"{what} uses unknown placeholders {sorted(unknown)}; allowed: {sorted(allowed)}")
    return template


_AGENT_FIELDS = {"agent", "agents", "task"}
_SEQUENTIAL = (
    "{task}\n\nThe previous agent answered:\n{previous}\n\nCheck that answer, correct any mistake, and give "
    "your own final answer."
)
_DEBATE = (
    "{task}\n\nThe other agents answered:\n{others}\n\nYour previous answer was:\n{own}\n\nUsing their "
    "reasoning as additional advice, give your updated final answer."
)


class JudgeSettings(Section):
    # auto: the reference judge on the local and simulated backends, the LLM judge on anthropic
    default: JudgeName = "auto"
    model: str | None = None  # a separate judge model (anthropic model id); None: the agents' model
    max_tokens: int = Field(200, ge=16)
    temperature: float = Field(0.0, ge=0, le=2)
    repeats: int = Field(1, ge=1, le=10)  # judge_repeats: mean and standard deviation across repeats
    breaker: str = "judge_fusion"


class BaselineCache(Section):
    expiration_hours: float = Field(168.0, gt=0)
    # persisted Prefect results and cache records; None: <CERT_STATE_DIR>/coordination-cache
    storage_dir: str | None = None


class VoteSettings(Section):
    consensus_threshold: float = Field(0.51, gt=0, le=1)  # share of the agents an answer needs: a strict majority


class CoordinationConfig(Section):
    max_agents: int = Field(8, ge=1, le=64)
    max_rounds: int = Field(5, ge=1, le=20)
    default_agents: int = Field(3, ge=1)
    default_rounds: int = Field(2, ge=1)
    priority: str = "medium"
    breaker: str = "fusion_primary"
    # the model the local backend uses for agents (None: llm.local.model)
    local_model: str | None = "data/models/tiny-reasoner"
    agent: AgentCall = Field(default_factory=_agent)
    aggregator: AgentCall = Field(default_factory=_aggregator)
    # sequential: each agent sees the previous output; debate: every agent sees the others' latest answers
    sequential_template: str = _SEQUENTIAL
    debate_template: str = _DEBATE
    # what of another agent's answer goes into a prompt: the full text, or only its final answer (which keeps
    # prompts short for small-context models)
    quote_answers: Literal["full", "final"] = "full"
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    baseline_cache: BaselineCache = Field(default_factory=BaselineCache)
    vote: VoteSettings = Field(default_factory=VoteSettings)
    embedding_cache_size: int = Field(4096, ge=0)
    bootstrap_resamples: int = Field(2000, ge=100)
    bootstrap_seed: int = 0

    @field_validator("sequential_template")
    @classmethod
    def _sequential(cls, value: str) -> str:
        return _check_placeholders(value, _AGENT_FIELDS | {"previous"}, "sequential_template")

    @field_validator("debate_template")
    @classmethod
    def _debate(cls, value: str) -> str:
        return _check_placeholders(value, _AGENT_FIELDS | {"others", "own"}, "debate_template")

    @model_validator(mode="after")
    def _templates(self):
        _check_placeholders(self.agent.template, _AGENT_FIELDS, "agent.template")
        _check_placeholders(self.agent.system_prompt, _AGENT_FIELDS, "agent.system_prompt")
        _check_placeholders(self.aggregator.template, {"task", "answers", "agents"}, "aggregator.template")
        _check_placeholders(self.aggregator.system_prompt, {"task", "agents"}, "aggregator.system_prompt")
        return self

    @model_validator(mode="after")
    def _defaults_within_limits(self):
        if self.default_agents > self.max_agents:
            raise ValueError(f"default_agents ({self.default_agents}) cannot exceed max_agents ({self.max_agents})")
        if self.default_rounds > self.max_rounds:
            raise ValueError(f"default_rounds ({self.default_rounds}) cannot exceed max_rounds ({self.max_rounds})")
        return self
