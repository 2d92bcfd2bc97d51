"""The LLM judge: one retry with a format reminder, then null with the reason; repeats give mean and std."""

from __future__ import annotations

import threading
from collections import deque

import pytest

from cert_core.coordination import CallLog, CoordinationTask
from cert_core.coordination.judge_parse import FORMAT_REMINDER
from cert_core.coordination.judges import JUDGE_SYSTEM
from cert_core.errors import Overloaded
from tests.support.coordination import GOOD_JUDGE, scripted_runtime

TASK = CoordinationTask("t1", "Name the largest ocean.", "Pacific Ocean")


class JudgeQueue:
    def __init__(self, *replies):
        self.replies = deque(replies)
        self.seen: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, body):
        assert body["system"] == JUDGE_SYSTEM
        with self.lock:
            self.seen.append(body)
            reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        return reply


@pytest.fixture()
def judge_with(config, ledger_url):
    runtimes = []

    def run(*replies, repeats=1, answers=("The Pacific.",)):
        cfg = config.model_copy(update={"coordination": config.coordination.model_copy(update={
            "judge": config.coordination.judge.model_copy(update={"repeats": repeats})})})
        script = JudgeQueue(*replies)
        runtime = scripted_runtime(cfg, ledger_url, script, judge="llm")
        runtimes.append(runtime)
        log = CallLog()
        judgements = runtime.judge_answers(TASK, list(answers), run_id="run-1", log=log, call=_direct, tag="b")
        return judgements, log.snapshot(), script

    yield run
    for runtime in runtimes:
        runtime.agents_llm.controller.close()


def _direct(backend, messages, **kwargs):
    return backend.complete(messages, **kwargs)


def test_a_readable_reply_is_scored_once(judge_with):
    (j,), calls, script = judge_with(GOOD_JUDGE)
    assert j.quality == pytest.approx(0.8) and j.error is None and j.std == 0.0
    assert len(calls) == 1 and calls[0].phase == "judge" and calls[0].quality == pytest.approx(0.8)
    prompt = script.seen[0]["messages"][0]["content"]
    assert "Reference answer: Pacific Ocean" in prompt and "Response: The Pacific." in prompt


def test_an_unreadable_reply_is_asked_again_once_with_a_format_reminder(judge_with):
    (j,), calls, script = judge_with("Looks good to me, 9/10.", '```json\n{"accuracy": 6, "relevance": 6, '
                                                                '"completeness": 6, "clarity": 6,}\n```')
    assert j.quality == pytest.approx(0.6) and j.error is None
    retry = script.seen[1]["messages"]
    assert [m["role"] for m in retry] == ["user", "assistant", "user"] and retry[2]["content"] == FORMAT_REMINDER
    assert [c.judge_error is not None for c in calls] == [True, False]


@pytest.mark.parametrize(("first", "second", "words"), [
    ("", "", "the judge's reply was empty"),
    ("no json", '{"accuracy": 8, "relevance": 9, "completeness": 7}', "no 'clarity' score"),
    ('{"accuracy": 80, "relevance": 9, "completeness": 7, "clarity": 7}', '{"accuracy": 12, "relevance": 9, '
                                                                         '"completeness": 7, "clarity": 7}', "outside 0-10"),
])
def test_still_unreadable_after_the_retry_is_null_with_the_reason(judge_with, first, second, words):
    (j,), calls, _ = judge_with(first, second)
    assert j.quality is None and "after one retry" in j.error and words in j.error
    assert len(calls) == 2 and all(c.quality is None for c in calls)


def test_a_failed_judge_call_is_null_with_the_reason(judge_with):
    (j,), calls, _ = judge_with(Overloaded("529 after every retry"))
    assert j.quality is None and "the judge call failed (Overloaded" in j.error and calls == ()


def test_repeats_record_the_mean_and_the_standard_deviation(judge_with):
    replies = ['{"accuracy": 10, "relevance": 10, "completeness": 10, "clarity": 10}',
               '{"accuracy": 6, "relevance": 6, "completeness": 6, "clarity": 6}',
               "garbage", "more garbage"]
    (j,), calls, _ = judge_with(*replies, repeats=3)
    # two repeats read (1.0 and 0.6), one unreadable twice: mean and std over the two
    assert j.quality == pytest.approx(0.8) and j.std == pytest.approx(0.2) and j.error is None
    assert len(calls) == 4


def test_every_answer_is_judged(judge_with):
    js, calls, _ = judge_with(GOOD_JUDGE, GOOD_JUDGE, answers=("a", "b"))
    assert [j.quality for j in js] == [pytest.approx(0.8)] * 2 and len(calls) == 2
