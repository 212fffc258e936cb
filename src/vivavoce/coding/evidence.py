"""What the coding round leaves for a scorecard (pure data): the session's finished runs and
which candidate turns answered the coding questions. `coding.service.scoring_evidence`
builds it; `scoring.coding` turns it into the scorecard's coding dimension. It lives here,
in the lower domain, so that scoring imports coding and never the reverse."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunRecord:
    number: int  # 1-based among the session's finished runs
    mode: str  # run | submit
    language: str
    passed: int
    total: int
    hidden_passed: int | None
    hidden_total: int
    errors: int  # tests that raised or timed out


def runtime_errors(results: Iterable[Mapping[str, Any]]) -> int:
    """How many of a run's test results raised or timed out."""
    return sum(r.get("status") in ("error", "timeout") for r in results)


@dataclass(frozen=True)
class CodingEvidence:
    runs: tuple[RunRecord, ...]
    answer_turns: frozenset[int]  # the candidate's answers to the coding questions
