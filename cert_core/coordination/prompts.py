"""The calls of agents and the aggregator, built from the templates in coordination.yaml.

Agents are numbered from 1 in prompts ("agent 2 of 3") and from 0 in ids (agent_1): the number in
the system prompt is what makes otherwise identical agents independent samples on a seeded backend.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config.coordination import CoordinationConfig
from .agents import CallSpec
from .answers import extract_final_answer
from .types import CoordinationTask, Phase

__all__ = ["agent_call", "aggregator_call", "answers_block", "quoted"]


# A final answer is a short statement; a reply with no "The answer is" falls back to its last line,
# which from a rambling model can be a paragraph that alone fills a small model's context.
FINAL_ANSWER_MAX_CHARS = 160


def quoted(config: CoordinationConfig, answer: str) -> str:
    """Another agent's answer as a prompt shows it (coordination.quote_answers: full text or final answer)."""
    if config.quote_answers == "final":
        text = extract_final_answer(answer).strip()
        if len(text) > FINAL_ANSWER_MAX_CHARS:
            text = text[:FINAL_ANSWER_MAX_CHARS].rstrip() + " ..."
    else:
        text = answer.strip()
    return text or "(no answer)"


def answers_block(config: CoordinationConfig, answers: Sequence[str], labels: Sequence[str] | None = None) -> str:
    labels = labels or [f"Agent {i + 1}" for i in range(len(answers))]
    return "\n\n".join(f"{label}: {quoted(config, answer)}" for label, answer in zip(labels, answers))


def agent_call(
    config: CoordinationConfig,
    task: CoordinationTask,
    index: int,
    num_agents: int,
    *,
    phase: Phase,
    round: int,
    tag: str,
    strategy: str | None = None,
    template: str | None = None,
    **fields: str,
) -> CallSpec:
    """Agent ``index`` (0-based) answering ``task``; ``template`` defaults to agent.template."""
    spec = config.agent
    values = {"task": task.task, "agent": str(index + 1), "agents": str(num_agents), **fields}
    prompt = (template or spec.template).format(**values)
    system = spec.system_prompt.format(**values) if spec.system_prompt else None
    return CallSpec(f"agent_{index}", phase, round, tag, prompt, spec.max_tokens, spec.temperature, system, strategy)


def aggregator_call(config: CoordinationConfig, task: CoordinationTask, answers: Sequence[str], *, round: int,
                    tag: str, strategy: str) -> CallSpec:
    spec = config.aggregator
    values = {"task": task.task, "answers": answers_block(config, answers), "agents": str(len(answers))}
    system = spec.system_prompt.format(**values) if spec.system_prompt else None
    return CallSpec("aggregator", "aggregate", round, tag, spec.template.format(**values), spec.max_tokens,
                    spec.temperature, system, strategy)
