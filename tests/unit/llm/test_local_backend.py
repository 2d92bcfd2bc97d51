from __future__ import annotations

import pytest

from cert_core.errors import InvalidInputError, ResourceLoadError
from cert_core.llm import LLMBackend, LocalBackend
from tests.support.backends import llm_config
from tests.support.tiny_lm import build_tiny_lm


def local(model, **settings) -> LocalBackend:
    return LocalBackend(llm_config(local={"model": str(model), **settings}))


@pytest.fixture(scope="module")
def plain_model(tmp_path_factory):
    return build_tiny_lm(tmp_path_factory.mktemp("tiny-plain"))


@pytest.fixture(scope="module")
def chat_model(tmp_path_factory):
    return build_tiny_lm(tmp_path_factory.mktemp("tiny-chat"), chat_template=True)


def test_greedy_generation_is_repeatable_and_accounted(plain_model):
    backend = local(plain_model, max_new_tokens=8)
    assert isinstance(backend, LLMBackend) and not backend.has_chat_template
    a = backend.complete("the user asks a question", max_tokens=5, temperature=0)
    b = backend.complete("the user asks a question", max_tokens=5, temperature=0)
    assert a.text == b.text
    assert a.backend == "local" and a.model == str(plain_model)
    assert 0 < a.output_tokens <= 5 and a.input_tokens > 0
    assert a.cost_usd == 0.0


def test_max_new_tokens_from_config_caps_the_request(plain_model):
    backend = local(plain_model, max_new_tokens=3)
    assert backend.complete("plan the budget", max_tokens=50, temperature=0).output_tokens <= 3


def test_seeded_sampling_repeats(plain_model):
    backend = local(plain_model, max_new_tokens=8, seed=5)
    a = backend.complete("risk budget", max_tokens=8, temperature=1.0)
    b = backend.complete("risk budget", max_tokens=8, temperature=1.0)
    assert a.text == b.text


def test_chat_template_is_used_when_present(chat_model):
    backend = local(chat_model, max_new_tokens=4)
    assert backend.has_chat_template
    ids = backend._prompt_ids(backend_messages("the plan"), "be brief")
    text = backend._tokenizer.decode(ids[0])
    assert "<|system|>" in text and "<|user|>" in text and text.rstrip().endswith("<|assistant|>")
    # the system turn adds tokens, so the counted input grows
    with_system = backend.complete("the plan", max_tokens=2, temperature=0, system="be brief")
    without = backend.complete("the plan", max_tokens=2, temperature=0)
    assert with_system.input_tokens > without.input_tokens


def backend_messages(text):
    from cert_core.llm.completion import to_messages

    return to_messages(text)


def test_missing_model_is_a_resource_load_error_that_says_what_to_set(tmp_path):
    with pytest.raises(ResourceLoadError, match="llm.local.model"):
        local(tmp_path / "nope")


def test_empty_prompt_is_rejected_before_generation(plain_model):
    with pytest.raises(InvalidInputError):
        local(plain_model).complete("", max_tokens=5, temperature=0)


def test_a_prompt_near_the_context_gets_fewer_new_tokens_and_one_past_it_is_bad_input(plain_model):
    backend = local(plain_model, max_new_tokens=64)
    prompt_tokens = backend.complete("a " * 10, max_tokens=1, temperature=0).input_tokens
    filler = "a " * (250 - prompt_tokens + 10)  # about 250 prompt tokens of the model's 256
    near = backend.complete(filler, max_tokens=64, temperature=0)
    assert near.input_tokens + near.output_tokens <= 256  # no IndexError past the position table
    with pytest.raises(InvalidInputError, match="fills the local model's context of 256 tokens"):
        backend.complete("a " * 400, max_tokens=8, temperature=0)
