from __future__ import annotations

from vivavoce.kit.ratelimit import RateLimiter, TokenBucket


def test_a_burst_is_allowed_then_refused() -> None:
    limiter = RateLimiter(per_minute=60, burst=5)
    decisions = [limiter.check("k", now=100.0) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
    assert all(d.limit == 5 for d in decisions)


def test_a_refusal_says_when_to_retry() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    limiter.check("k", now=0.0)
    limiter.check("k", now=0.0)
    refused = limiter.check("k", now=0.0)
    assert not refused.allowed
    assert refused.retry_after == 1  # one request per second refills
    assert refused.reset_seconds >= refused.retry_after


def test_retry_after_is_never_zero_just_before_the_refill() -> None:
    limiter = RateLimiter(per_minute=60, burst=1)
    limiter.check("k", now=0.0)
    refused = limiter.check("k", now=0.999)
    assert not refused.allowed
    assert refused.retry_after >= 1


def test_the_budget_refills_at_the_steady_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    for _ in range(3):
        assert limiter.check("k", now=0.0).allowed
    assert not limiter.check("k", now=0.5).allowed
    # One second later exactly one request has been earned back.
    assert limiter.check("k", now=1.0).allowed
    assert not limiter.check("k", now=1.0).allowed
    # After the full window the whole burst is back.
    later = [limiter.check("k", now=10.0) for _ in range(4)]
    assert [d.allowed for d in later] == [True, True, True, False]


def test_waiting_retry_after_is_enough() -> None:
    limiter = RateLimiter(per_minute=30, burst=2)
    limiter.check("k", now=0.0)
    limiter.check("k", now=0.0)
    refused = limiter.check("k", now=0.0)
    assert not refused.allowed
    assert limiter.check("k", now=0.0 + refused.retry_after).allowed


def test_keys_have_independent_budgets() -> None:
    limiter = RateLimiter(per_minute=60, burst=1)
    assert limiter.check("a", now=0.0).allowed
    assert not limiter.check("a", now=0.0).allowed
    assert limiter.check("b", now=0.0).allowed


def test_remaining_counts_down_exactly_with_fractional_intervals() -> None:
    # 600/minute gives a 0.1 s interval, which binary floating point cannot represent.
    limiter = RateLimiter(per_minute=600, burst=120)
    remaining = [limiter.check("k", now=5.0).remaining for _ in range(120)]
    assert remaining == list(range(119, -1, -1))
    assert not limiter.check("k", now=5.0).allowed


def test_idle_keys_are_forgotten_when_the_table_is_full() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=10)
    for number in range(10):
        limiter.check(f"k{number}", now=0.0)
    limiter.check("fresh", now=100.0)
    assert len(limiter._tat) == 1


def test_a_token_bucket_starts_full_and_refuses_what_it_does_not_hold() -> None:
    bucket = TokenBucket(capacity=10, refill_per_second=2, now=0.0)
    assert bucket.take(6, now=0.0)
    assert not bucket.take(5, now=0.0)  # 4 left: a refusal spends nothing
    assert bucket.take(4, now=0.0)
    assert not bucket.take(1, now=0.0)


def test_a_token_bucket_refills_at_its_rate_up_to_its_capacity() -> None:
    bucket = TokenBucket(capacity=10, refill_per_second=2, now=0.0)
    assert bucket.take(10, now=0.0)
    assert not bucket.take(3, now=1.0)  # 2 refilled
    assert bucket.take(3, now=1.5)  # 3 by now
    assert bucket.take(10, now=100.0)  # refilled, but never past the capacity
    assert not bucket.take(1, now=100.0)
