from __future__ import annotations

import pickle

import pytest

from cert_core import errors


def test_error_type_defaults_to_class_name_and_to_dict_round_trips():
    err = errors.RateLimited("slow down", retry_after=2.5, context={"status": 429})
    assert err.error_type == "RateLimited"
    assert err.recoverable is True
    assert err.to_dict() == {
        "error": "RateLimited",
        "message": "slow down",
        "recoverable": True,
        "retry_after": 2.5,
        "context": {"status": 429},
    }


@pytest.mark.parametrize("cls", [errors.InvalidInputError, errors.ConfigError, errors.CircuitBreakerOpen])
def test_non_retryable_errors_say_so(cls):
    assert cls("x").recoverable is False


def test_errors_survive_pickling_for_process_and_dask_workers():
    err = errors.ResourceLoadError("no model at /x", context={"looked_in": ["/x"]})
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.ResourceLoadError
    assert back.to_dict() == err.to_dict()


def test_every_public_error_is_a_cert_error():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.CertError)
