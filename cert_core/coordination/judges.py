"""Quality judges: the LLM rubric judge and the reference judge. Each gives a quality in [0, 1] or
None with a reason; never a stand-in number.

LLM judge: accuracy, relevance, completeness and clarity, 0-10 each, averaged to 0-1. An unreadable
or out-of-range reply is asked again once with a format reminder; then it is None with the reason.
``repeats`` > 1 judges each answer several times and records the mean and standard deviation.
A judge call that fails (after the LLM layer's retries) or meets an open breaker is None with the
reason; a cost cap is raised, since it stops the run's new work.

Reference judge (tasks with a ``reference``): a numeric reference matches the answer's final number
(within 1e-9), otherwise the normalised final answer must equal the normalised reference, otherwise
the quality is the cosine similarity of the response and the reference embeddings, clipped to [0, 1].
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from ..config.coordination import JudgeSettings
from ..embedding import EmbeddingService
from ..errors import BudgetExceeded, CertError
from .agents import AgentCaller, CallSpec, run_concurrently
from .answers import extract_final_answer, last_number, normalize_text, parse_number
from .judge_parse import FORMAT_REMINDER, JudgeParseError, parse_judge_reply
from .types import AgentResponse, CoordinationTask, Judgement

__all__ = ["JUDGE_PROMPT", "JUDGE_SYSTEM", "Judge", "LLMJudge", "ReferenceJudge"]

JUDGE_SYSTEM = "You are a strict, fair evaluator. Reply with one JSON object and nothing else."
JUDGE_PROMPT = """Evaluate the following response to a task.

Task: {task}
{reference}
Response: {response}

Criteria, each scored from 0 to 10:
- accuracy: Is the response factually accurate?
- relevance: Is the response relevant to the task?
- completeness: Does the response fully address the task?
- clarity: Is the response clear and understandable?

Reply with only this JSON object:
{{"accuracy": <0-10>, "relevance": <0-10>, "completeness": <0-10>, "clarity": <0-10>}}"""


class Judge(Protocol):
    name: str

    def identity(self) -> str:
        """What defines this judge's scores (part of the cache key)."""
        ...

    def judge(self, task: CoordinationTask, answers: Sequence[str], caller: AgentCaller | None,
              tag: str) -> list[Judgement]:
        ...


class ReferenceJudge:
    name = "reference"

    def __init__(self, embeddings: EmbeddingService) -> None:
        self.embeddings = embeddings

    def identity(self) -> str:
        return f"reference:numeric-1e-9:exact-normalised:cosine:{Path(self.embeddings.model_path).parent.name}"

    def judge(self, task: CoordinationTask, answers: Sequence[str], caller: AgentCaller | None = None,
              tag: str = "") -> list[Judgement]:
        reference = task.reference
        if reference is None or not reference.strip():
            reason = "the task has no reference answer, which the reference judge needs; add one or use --judge llm"
            return [Judgement(None, reason, "reference") for _ in answers]
        target = parse_number(reference)
        if target is not None:
            return [self._numeric(answer, target) for answer in answers]
        wanted = normalize_text(reference)
        out: list[Judgement | None] = []
        similar: list[int] = []
        for i, answer in enumerate(answers):
            if not answer.strip():
                out.append(Judgement(0.0, None, "empty"))
            elif wanted and wanted in (normalize_text(extract_final_answer(answer)), normalize_text(answer)):
                out.append(Judgement(1.0, None, "exact"))
            else:
                out.append(None)
                similar.append(i)
        if similar:
            vectors = self.embeddings.encode([reference] + [answers[i] for i in similar])  # one batch
            for row, i in enumerate(similar, start=1):
                cosine = float(vectors[0] @ vectors[row])
                out[i] = Judgement(min(1.0, max(0.0, cosine)), None, "similarity")
        return [j for j in out if j is not None]

    @staticmethod
    def _numeric(answer: str, target: float) -> Judgement:
        final = extract_final_answer(answer)
        value = last_number(final)
        if value is None:
            value = last_number(answer)
        ok = value is not None and math.isclose(value, target, rel_tol=1e-9, abs_tol=1e-9)
        return Judgement(1.0 if ok else 0.0, None, "numeric")


class LLMJudge:
    name = "llm"

    def __init__(self, settings: JudgeSettings, model_id: str) -> None:
        self.settings = settings
        self.model_id = model_id

    def identity(self) -> str:
        s = self.settings
        return "|".join(["llm", self.model_id, f"t={s.temperature:g}", f"max={s.max_tokens}", f"n={s.repeats}",
                         JUDGE_SYSTEM, JUDGE_PROMPT, FORMAT_REMINDER])

    def judge(self, task: CoordinationTask, answers: Sequence[str], caller: AgentCaller | None,
              tag: str) -> list[Judgement]:
        if caller is None:
            raise CertError("the LLM judge needs a caller for its governed calls")  # a wiring bug, not input
        repeats = self.settings.repeats
        jobs = [lambda i=i, r=r: self._once(task, answers[i], caller, f"{tag}:j{i}.{r}")
                for i in range(len(answers)) for r in range(repeats)]
        results = run_concurrently(jobs, caller.max_parallel)
        budget = next((e for e in results if isinstance(e, BudgetExceeded)), None)
        if budget is not None:
            raise budget
        judgements = []
        for i in range(len(answers)):
            mine = results[i * repeats:(i + 1) * repeats]
            scores = [q for q, _, _ in mine if q is not None]  # type: ignore[misc]
            calls = tuple(c for _, _, cs in mine for c in cs)  # type: ignore[misc]
            if scores:
                std = statistics.pstdev(scores) if len(scores) > 1 else 0.0
                judgements.append(Judgement(statistics.fmean(scores), None, "llm", std, calls))
            else:
                reasons = [why for _, why, _ in mine if why]  # type: ignore[misc]
                judgements.append(Judgement(None, reasons[-1] if reasons else "no judge reply", "llm", None, calls))
        return judgements

    def _once(self, task: CoordinationTask, answer: str, caller: AgentCaller,
              tag: str) -> tuple[float | None, str | None, tuple[AgentResponse, ...]]:
        """One judgement: a call, and one more with a format reminder when the reply cannot be read."""
        reference = f"Reference answer: {task.reference}\n" if task.reference else ""
        prompt = JUDGE_PROMPT.format(task=task.task, reference=reference, response=answer)
        messages: list[dict[str, str]] = [{"role": "user", "content": prompt}]
        calls: list[AgentResponse] = []
        reason = ""
        for attempt in range(2):
            spec = CallSpec("judge", "judge", attempt, f"{tag}:{attempt}", tuple(messages),
                            self.settings.max_tokens, self.settings.temperature, JUDGE_SYSTEM)
            try:
                reply = caller.ask(spec, record=False)
            except BudgetExceeded:
                raise
            except CertError as exc:
                return None, f"the judge call failed ({exc.error_type}: {exc.message[:200]})", tuple(calls)
            parsed = parse_judge_reply(reply.response)
            if isinstance(parsed, JudgeParseError):
                reason = parsed.reason
                row = replace(reply, quality=None, judge_error=reason)
                calls.append(row)
                caller.log.add(row)
                messages += [{"role": "assistant", "content": reply.response or "(empty)"},
                             {"role": "user", "content": FORMAT_REMINDER}]
                continue
            row = replace(reply, quality=parsed.quality)
            calls.append(row)
            caller.log.add(row)
            return parsed.quality, None, tuple(calls)
        return None, f"unreadable judge reply after one retry with a format reminder: {reason}", tuple(calls)

