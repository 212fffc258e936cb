"""Bodies of a stage's problem pool (`/coding-problems`)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field, model_validator

from vivavoce.coding.runtimes import Language
from vivavoce.coding.schemas import (
    ENTRY_PATTERN,
    MAX_SOURCE_CHARS,
    MAX_TESTS,
    LimitsIn,
    TestIn,
)
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import CodingProblem

MAX_STATEMENT_CHARS = 20_000


class ProblemFields(StrictModel):
    title: str = Field(min_length=1, max_length=200)
    statement: str = Field(min_length=1, max_length=MAX_STATEMENT_CHARS)
    entry: str = Field(pattern=ENTRY_PATTERN, description="The function the tests call")
    languages: list[Language] = Field(min_length=1, max_length=3)
    starter_code: dict[Language, str] = Field(default_factory=dict)
    visible_tests: list[TestIn] = Field(min_length=1, max_length=MAX_TESTS)
    hidden_tests: list[TestIn] = Field(default_factory=list, max_length=MAX_TESTS)
    limits: LimitsIn = Field(default_factory=LimitsIn)

    @model_validator(mode="after")
    def _consistent(self) -> ProblemFields:
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("languages: each language once")
        extra = set(self.starter_code) - set(self.languages)
        if extra:
            raise ValueError(f"starter_code: {', '.join(sorted(extra))} is not an allowed language")
        if any(len(code) > MAX_SOURCE_CHARS for code in self.starter_code.values()):
            raise ValueError(f"starter_code: at most {MAX_SOURCE_CHARS} characters each")
        return self

    def columns(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "statement": self.statement,
            "entry": self.entry,
            "languages": [language.value for language in self.languages],
            "starter_code": {lang.value: code for lang, code in self.starter_code.items()},
            "visible_tests": [test.model_dump() for test in self.visible_tests],
            "hidden_tests": [test.model_dump() for test in self.hidden_tests],
            "limits": self.limits.applied(),
        }


class ProblemUpdate(StrictModel):
    """Any of a problem's fields; the result is checked as a whole."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    statement: str | None = Field(default=None, min_length=1, max_length=MAX_STATEMENT_CHARS)
    entry: str | None = Field(default=None, pattern=ENTRY_PATTERN)
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=3)
    starter_code: dict[Language, str] | None = None
    visible_tests: list[TestIn] | None = Field(default=None, min_length=1, max_length=MAX_TESTS)
    hidden_tests: list[TestIn] | None = Field(default=None, max_length=MAX_TESTS)
    limits: LimitsIn | None = None


def fields_of(problem: CodingProblem) -> dict[str, Any]:
    """A stored problem as `ProblemFields` input."""
    return {
        "title": problem.title,
        "statement": problem.statement,
        "entry": problem.entry,
        "languages": problem.languages,
        "starter_code": problem.starter_code,
        "visible_tests": problem.visible_tests,
        "hidden_tests": problem.hidden_tests,
        "limits": problem.limits,
    }


class ProblemCreate(ProblemFields):
    evaluation_stage_id: uuid.UUID


class ProblemOut(BaseModel):
    id: uuid.UUID
    evaluation_stage_id: uuid.UUID
    title: str
    statement: str
    entry: str
    languages: list[Language]
    starter_code: dict[str, str]
    visible_tests: list[dict[str, Any]]
    hidden_tests: list[dict[str, Any]] | None
    hidden_test_count: int
    limits: dict[str, Any]
    created_at: str
    updated_at: str


def problem_public(problem: CodingProblem, *, with_hidden: bool = True) -> dict[str, Any]:
    """The problem as the workspace sees it, or (`with_hidden=False`) as a candidate does:
    the hidden tests counted, never shown."""
    return {
        "id": str(problem.id),
        "evaluation_stage_id": str(problem.evaluation_stage_id),
        "title": problem.title,
        "statement": problem.statement,
        "entry": problem.entry,
        "languages": problem.languages,
        "starter_code": problem.starter_code,
        "visible_tests": problem.visible_tests,
        "hidden_tests": problem.hidden_tests if with_hidden else None,
        "hidden_test_count": len(problem.hidden_tests),
        "limits": problem.limits,
        "created_at": isoformat_z(problem.created_at),
        "updated_at": isoformat_z(problem.updated_at),
    }
