from __future__ import annotations

import threading

import pytest

from cert_core.errors import InvalidInputError
from cert_core.llm import RequestLimiter, TokenBucketLimiter
from tests.support.clock import FakeClock


def grant_times(limiter: TokenBucketLimiter, clock: FakeClock, n: int) -> list[float]:
    times = []
    for _ in range(n):
        with limiter.acquire():
            times.append(clock.now)
    return times


def test_it_is_a_request_limiter():
    assert isinstance(TokenBucketLimiter(50, 1), RequestLimiter)


def test_grants_are_evenly_spaced_at_sixty_over_rpm(clock):
    limiter = TokenBucketLimiter(50, 4, clock=clock, sleep=clock.sleep)
    times = grant_times(limiter, clock, 5)
    # 60 s / 50 = 1.2 s apart; the first is immediate
    assert [round(t - times[0], 6) for t in times] == [0.0, 1.2, 2.4, 3.6, 4.8]
    assert limiter.acquisitions == 5


def test_no_sixty_second_window_holds_more_than_rpm(clock):
    limiter = TokenBucketLimiter(50, 8, clock=clock, sleep=clock.sleep)
    times = grant_times(limiter, clock, 200)
    worst = max(sum(1 for t in times if start <= t < start + 60.0) for start in times)
    assert worst == 50


def test_headroom_leaves_a_margin(clock):
    limiter = TokenBucketLimiter(60, 1, headroom=0.5, clock=clock, sleep=clock.sleep)
    times = grant_times(limiter, clock, 3)
    assert [t - times[0] for t in times] == [0.0, 2.0, 4.0]  # 60 rpm at half => one per 2 s


def test_idle_time_does_not_build_up_a_burst(clock):
    limiter = TokenBucketLimiter(60, 1, clock=clock, sleep=clock.sleep)
    grant_times(limiter, clock, 1)
    clock.advance(600)  # ten idle minutes
    times = grant_times(limiter, clock, 3)
    assert [t - times[0] for t in times] == [0.0, 1.0, 2.0]


def test_period_can_be_scaled_down_for_tests(clock):
    limiter = TokenBucketLimiter(10, 1, period_s=1.0, clock=clock, sleep=clock.sleep)
    times = grant_times(limiter, clock, 3)
    assert [round(t - times[0], 6) for t in times] == [0.0, 0.1, 0.2]


def test_in_flight_is_capped():
    limiter = TokenBucketLimiter(1_000_000, 2)
    active, peak, lock = 0, 0, threading.Lock()
    release = threading.Event()
    entered = threading.Semaphore(0)

    def worker():
        nonlocal active, peak
        with limiter.acquire():
            with lock:
                active += 1
                peak = max(peak, active)
            entered.release()
            release.wait(5)
            with lock:
                active -= 1

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    entered.acquire(timeout=5)
    entered.acquire(timeout=5)
    # two are inside and hold their slots; the third cannot enter until one leaves
    assert not entered.acquire(timeout=0.3)
    release.set()
    for t in threads:
        t.join(5)
    assert peak == 2
    assert limiter.acquisitions == 5


def test_an_exception_inside_releases_the_slot():
    limiter = TokenBucketLimiter(1_000_000, 1)
    with pytest.raises(ValueError):
        with limiter.acquire():
            raise ValueError("boom")
    with limiter.acquire():  # would block forever if the slot leaked
        pass


@pytest.mark.parametrize("kwargs", [{"requests_per_minute": 0, "max_in_flight": 1},
                                    {"requests_per_minute": 10, "max_in_flight": 0},
                                    {"requests_per_minute": 10, "max_in_flight": 1, "headroom": 1.5}])
def test_bad_settings_are_rejected(kwargs):
    with pytest.raises(InvalidInputError):
        TokenBucketLimiter(**kwargs)
