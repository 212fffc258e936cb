"""The self-identification questions and their answers (the categories of the EEO-1 report
that New York City's Local Law 144 audits use). Every question is optional; "prefer not to
say" is the default and is stored as nothing at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DECLINE = "prefer_not_to_say"


@dataclass(frozen=True)
class Question:
    key: str  # the form field and the column
    label: str  # the report's heading
    prompt: str  # what the candidate reads
    options: tuple[tuple[str, str], ...]  # (value, label), in the order shown

    def label_of(self, value: str) -> str:
        return dict(self.options).get(value, value)


SEX = Question(
    key="sex",
    label="Sex",
    prompt="Sex",
    options=(
        ("female", "Female"),
        ("male", "Male"),
        ("another", "Another gender or non-binary"),
    ),
)

RACE_ETHNICITY = Question(
    key="race_ethnicity",
    label="Race / ethnicity",
    prompt="Race or ethnicity",
    options=(
        ("hispanic_latino", "Hispanic or Latino"),
        ("white", "White"),
        ("black", "Black or African American"),
        ("asian", "Asian"),
        ("native_american", "American Indian or Alaska Native"),
        ("pacific_islander", "Native Hawaiian or Other Pacific Islander"),
        ("two_or_more", "Two or more races"),
    ),
)

QUESTIONS: tuple[Question, ...] = (SEX, RACE_ETHNICITY)
FIELD_PREFIX = "self_id_"


@dataclass(frozen=True)
class Answers:
    """What a candidate chose to say; None where they declined."""

    sex: str | None = None
    race_ethnicity: str | None = None

    @property
    def empty(self) -> bool:
        return self.sex is None and self.race_ethnicity is None


@dataclass(frozen=True)
class Parsed:
    answers: Answers
    errors: dict[str, str]


def field_name(question: Question) -> str:
    return FIELD_PREFIX + question.key


def parse(values: Mapping[str, str]) -> Parsed:
    """The answers of a posted form. A missing field or "prefer not to say" declines that
    question; a value that is not one of the options is an error (nothing is stored)."""
    chosen: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for question in QUESTIONS:
        name = field_name(question)
        value = values.get(name, "").strip()
        if value in ("", DECLINE):
            chosen[question.key] = None
        elif value in dict(question.options):
            chosen[question.key] = value
        else:
            chosen[question.key] = None
            errors[name] = "Please choose one of the answers, or “Prefer not to say”."
    return Parsed(Answers(**chosen), errors)
