"""The retry schedule as a pure function."""

from __future__ import annotations

from vivavoce.events.webhooks.sender import Outcome
from vivavoce.events.webhooks.service import MAX_RETRY_AFTER_SECONDS, next_delay

SCHEDULE = [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]
FAILED = Outcome(500, 10, "", "HTTP 500")


def test_each_failure_waits_the_next_step_of_the_schedule() -> None:
    assert [next_delay(n, SCHEDULE, FAILED, 0.0) for n in range(1, 8)] == SCHEDULE


def test_jitter_stays_within_ten_percent() -> None:
    assert next_delay(2, SCHEDULE, FAILED, 1.0) == 330.0
    assert next_delay(2, SCHEDULE, FAILED, -1.0) == 270.0


def test_after_the_last_step_there_is_no_retry() -> None:
    assert next_delay(8, SCHEDULE, FAILED, 0.0) is None
    assert next_delay(1, [], FAILED, 0.0) is None


def test_a_longer_retry_after_wins_and_a_shorter_one_does_not() -> None:
    asked_later = Outcome(503, 10, "", "HTTP 503", retry_after_seconds=120.0)
    asked_sooner = Outcome(503, 10, "", "HTTP 503", retry_after_seconds=1.0)
    assert next_delay(1, SCHEDULE, asked_later, 0.0) == 120.0
    assert next_delay(1, SCHEDULE, asked_sooner, 0.0) == 5.0
    absurd = Outcome(503, 10, "", "HTTP 503", retry_after_seconds=10**9)
    assert next_delay(1, SCHEDULE, absurd, 0.0) == MAX_RETRY_AFTER_SECONDS
