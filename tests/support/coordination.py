"""Scripted answers for coordination tests: agents, aggregator and judge, in-process or over the loopback API.

``CoordinationScript`` decides a reply from the request (system prompt + messages), so it serves
both ``ScriptBackend`` (unit tests, no sockets) and ``FakeMessagesAPI(replies=...)``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cert_core.config.llm import LLMConfig
from cert_core.coordination.judges import JUDGE_SYSTEM
from cert_core.llm.base import BaseBackend, Generation
from cert_core.llm.registry import BackendName

__all__ = ["GOOD_JUDGE", "CoordinationScript", "ScriptBackend", "scripted_runtime", "write_tasks"]

GOOD_JUDGE = '{"accuracy": 8, "relevance": 9, "completeness": 7, "clarity": 8}'
_AGENT = re.compile(r"[Aa]gent (\d+) of (\d+)")


@dataclass
class CoordinationScript:
    """answers: task text -> the right answer. Agents whose number (1-based) is in ``wrong`` answer
    ``wrong_answer`` on their first (independent) call; later rounds and the aggregator answer right.
    ``judge``: the judge's reply text, or a function of the judged response."""

    answers: Mapping[str, str]
    wrong: frozenset[int] = frozenset()
    wrong_answer: str = "41"
    judge: str | Callable[[str], str] = GOOD_JUDGE
    requests: list[dict] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, body: Mapping) -> str:
        system = body.get("system") or ""
        messages = body.get("messages") or []
        text = "\n".join(m["content"] for m in messages if isinstance(m.get("content"), str))
        with self._lock:
            self.requests.append({"system": system, "text": text})
        if system == JUDGE_SYSTEM:
            if callable(self.judge):
                match = re.search(r"Response: (.*?)\n\nCriteria", text, re.DOTALL)
                return self.judge(match.group(1) if match else "")
            return self.judge
        answer = next((a for t, a in self.answers.items() if t in text), "unknown")
        agent = _AGENT.search(system)
        first_call = "answered:" not in text and "Agent answers:" not in text
        if agent and int(agent.group(1)) in self.wrong and first_call:
            return f"I think it is {self.wrong_answer}. The answer is {self.wrong_answer}."
        return f"Working it out step by step. The answer is {answer}."


class ScriptBackend(BaseBackend):
    """An in-process backend (the BaseBackend accounting, priced as ``simulated``) that answers
    with ``script(body)``; no sockets. Counts its calls."""

    backend_name = BackendName.SIMULATED

    def __init__(self, script: Callable[[Mapping], str], model_id: str = "scripted") -> None:
        super().__init__(LLMConfig(), model_id, price_key="simulated")
        self.script = script
        self.calls = 0
        self._lock = threading.Lock()

    def _generate(self, messages, *, max_tokens: int, temperature: float, system: str | None) -> Generation:
        msgs = [m.as_dict() for m in messages]
        with self._lock:
            self.calls += 1
        text = self.script({"system": system, "messages": msgs, "max_tokens": max_tokens})
        input_tokens = max(1, sum(len(m["content"]) for m in msgs) // 4)
        return Generation(text, input_tokens, max(1, min(max_tokens, len(text) // 4)), "end_turn", latency_ms=1.0)


def write_tasks(path, tasks: Sequence[Mapping]) -> str:
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks), encoding="utf-8")
    return str(path)


def scripted_runtime(config, ledger_url: str, script: Callable[[Mapping], str], judge: str = "reference"):
    """A CoordinationRuntime whose agents (and judge) are ``ScriptBackend(script)`` on a real ledger."""
    from cert_core.coordination.judges import LLMJudge, ReferenceJudge
    from cert_core.coordination.runtime import CoordinationRuntime, shared_embeddings
    from cert_core.governance import EnergyGovernanceController
    from cert_core.llm import BackendChoice
    from cert_core.llm.governed import GovernedLLM
    from cert_core.safety.breakers import BreakerRegistry

    backend = ScriptBackend(script)
    breakers = BreakerRegistry.from_config(config.circuit_breakers)
    controller = EnergyGovernanceController.from_config(config.energy_governance, ledger_url)
    agents = GovernedLLM(backend, controller, breakers.get(config.coordination.breaker))
    embeddings = shared_embeddings(config.coordination.embedding_cache_size)
    choice = BackendChoice(backend, BackendName.SIMULATED, "simulated", "scripted for a test")
    if judge == "reference":
        return CoordinationRuntime(config, choice, agents, ReferenceJudge(embeddings), None, embeddings)
    judge_llm = GovernedLLM(backend, controller, breakers.get(config.coordination.judge.breaker))
    return CoordinationRuntime(config, choice, agents, LLMJudge(config.coordination.judge, backend.model_id),
                               judge_llm, embeddings)
