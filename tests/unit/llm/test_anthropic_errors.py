from __future__ import annotations

import json

import anthropic
import httpx2
import pytest

from cert_core.errors import LLMError, MalformedResponse, Overloaded, RateLimited, ServerError
from cert_core.llm.anthropic_errors import map_sdk_error, parse_retry_after

SECRET = "sk-ant-echoed-SECRET-1234"


def status_error(cls, status: int, headers: dict | None = None, message: str = "nope"):
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    body = {"type": "error", "error": {"type": "x", "message": message}}
    return cls(f"Error code: {status}", response=response, body=body)


def test_retry_after_ms_wins_over_seconds():
    assert parse_retry_after(httpx2.Headers({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5


@pytest.mark.parametrize(("headers", "expected"), [({"retry-after": "2.5"}, 2.5), ({}, None),
                                                    ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
                                                    ({"retry-after": "-1"}, None)])
def test_retry_after_seconds(headers, expected):
    assert parse_retry_after(httpx2.Headers(headers)) == expected


def test_429_carries_retry_after():
    error = map_sdk_error(status_error(anthropic.RateLimitError, 429, {"retry-after": "3"}))
    assert isinstance(error, RateLimited) and error.retry_after == 3.0 and error.context["status_code"] == 429


def test_529_is_overloaded_and_503_a_server_error():
    assert isinstance(map_sdk_error(status_error(anthropic.OverloadedError, 529)), Overloaded)
    assert isinstance(map_sdk_error(status_error(anthropic.InternalServerError, 503)), ServerError)


def test_an_unexpected_4xx_is_final():
    error = map_sdk_error(status_error(anthropic.ConflictError, 409))
    assert type(error) is LLMError and error.recoverable is False


def test_a_json_decode_error_is_malformed():
    try:
        json.loads("{")
    except json.JSONDecodeError as exc:
        error = map_sdk_error(exc)
    assert isinstance(error, MalformedResponse) and error.recoverable is True  # a cut-off body: try again


def test_a_key_echoed_by_the_server_is_scrubbed():
    error = map_sdk_error(status_error(anthropic.BadRequestError, 400, message=f"bad key {SECRET}"), secret=SECRET)
    assert SECRET not in error.message and "***" in error.message


def test_a_body_of_the_wrong_shape_is_malformed_and_final():
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx2.Response(200, request=request)
    error = map_sdk_error(anthropic.APIResponseValidationError(response=response, body={"content": "x"}))
    assert isinstance(error, MalformedResponse) and error.recoverable is False
