"""Planning an interview from the profile, the template and the stage — no database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.interviewer.sim import PROFILE, STAGE, TEMPLATE, make_plan
from vivavoce.interviewer.plan import (
    InterviewPlan,
    build_plan,
    interviewer_name,
    level_band,
    question_count,
)


def _describe(plan: InterviewPlan) -> str:
    return "\n".join(f"{q.id} [{q.kind}] {list(q.dimension_ids)} {q.text}" for q in plan.questions)


@pytest.mark.parametrize("minutes", [5, 10, 15, 20, 30, 45, 60, 90])
def test_planned_questions_cover_every_dimension(minutes: int) -> None:
    plan = make_plan(stage={"duration_minutes": minutes})
    covered = {d for q in plan.questions for d in q.dimension_ids}
    assert covered == {d.id for d in plan.dimensions}, _describe(plan)


def test_the_number_of_questions_follows_the_duration() -> None:
    counts = [len(make_plan(stage={"duration_minutes": m}).questions) for m in (10, 20, 30, 45, 60)]
    assert counts == sorted(counts) and counts[0] < counts[-1], counts
    thirty = make_plan(stage={"duration_minutes": 30})
    # About 4-6 minutes per question, follow-ups included.
    assert 4 <= len(thirty.questions) <= 7, _describe(thirty)
    assert len(make_plan(stage={"duration_minutes": 5}).questions) >= 1


def test_deeper_probing_plans_fewer_questions_in_the_same_time() -> None:
    assert (
        question_count(3600, "low") > question_count(3600, "medium") > question_count(3600, "high")
    )


def test_the_duration_falls_back_to_the_template_then_30_minutes() -> None:
    assert make_plan(stage={"type": "screen"}).duration_seconds == 1800
    with_default = {**TEMPLATE, "default_duration_minutes": 45}
    assert make_plan(template=with_default, stage={}).duration_seconds == 2700


def test_planned_questions_mix_behavioural_and_technical_or_situational() -> None:
    plan = make_plan()
    kinds = {q.kind for q in plan.questions}
    assert kinds & {"behavioural", "opening"}, _describe(plan)
    assert kinds & {"technical", "situational"}, _describe(plan)


def test_planned_questions_name_the_templates_skills_and_are_all_different() -> None:
    plan = make_plan(stage={"duration_minutes": 60})
    texts = [q.text for q in plan.questions]
    assert len(set(texts)) == len(texts)
    joined = " ".join(texts).lower()
    for skill in ("python", "postgresql", "system design"):
        assert skill in joined, _describe(plan)
    assert "senior backend engineer" in joined
    assert "billing platform" in joined  # the objective


def test_a_template_with_only_soft_skills_still_gets_a_situational_question() -> None:
    template = {"template_name": "Account Executive", "soft_skills": ["Negotiation", "Resilience"]}
    profile = {
        **PROFILE,
        "evaluationDimensions": [
            {"name": "Negotiation", "description": "Finds deals both sides accept", "weight": 60},
            {"name": "Resilience", "description": "Keeps going after a no", "weight": 40},
        ],
    }
    plan = build_plan(profile, template, {"duration_minutes": 20})
    assert {q.kind for q in plan.questions} >= {"behavioural", "situational"}, _describe(plan)
    assert all("Account Executive" in q.text or q.kind == "behavioural" for q in plan.questions)


def test_the_level_changes_how_questions_are_pitched() -> None:
    junior = make_plan(template={**TEMPLATE, "level": "Junior"})
    lead = make_plan(template={**TEMPLATE, "level": "Staff engineer"})
    assert junior.band == "junior" and lead.band == "lead"
    assert [q.text for q in junior.questions] != [q.text for q in lead.questions]
    assert any("course" in q.text or "personal project" in q.text for q in junior.questions), (
        _describe(junior)
    )


@pytest.mark.parametrize(
    ("level", "difficulty", "band"),
    [
        ("Graduate", None, "junior"),
        ("Senior", None, "senior"),
        ("Principal", None, "lead"),
        (None, "beginner", "junior"),
        (None, "expert", "lead"),
        (None, None, "mid"),
    ],
)
def test_level_band(level: str | None, difficulty: str | None, band: str) -> None:
    assert level_band(level, difficulty) == band


def test_a_question_bank_is_asked_as_written_in_order() -> None:
    stage: dict[str, Any] = {
        "duration_minutes": 20,
        "questions": [
            {
                "text": "Design a rate limiter for our public API.",
                "dimensions": ["System Design"],
                "follow_ups": ["How would it behave across regions?"],
                "verbatim": True,
                "time_limit_seconds": 300,
            },
            {"text": "Tell me about a bug you were proud to fix.", "dimensions": ["python"]},
        ],
    }
    plan = make_plan(stage=stage)
    assert plan.source == "bank"
    first, second = plan.questions
    assert first.text == "Design a rate limiter for our public API."
    assert first.dimension_ids == ("system_design",)
    assert first.follow_ups == ("How would it behave across regions?",)
    assert first.verbatim and first.time_limit_seconds == 300
    assert second.dimension_ids == ("python",) and not second.verbatim


@pytest.mark.parametrize(("depth", "limit"), [("low", 1), ("medium", 2), ("high", 3)])
def test_probing_depth_sets_the_follow_ups_per_question(depth: str, limit: int) -> None:
    assert make_plan(probingDepth=depth).max_follow_ups == limit


def test_a_plan_survives_a_round_trip_through_json_ready_dicts() -> None:
    plan = make_plan()
    assert InterviewPlan.from_dict(plan.to_dict()) == plan


def test_the_plan_carries_who_is_interviewing_whom() -> None:
    plan = build_plan(PROFILE, TEMPLATE, STAGE, candidate_name="  Maria Lopez ")
    assert plan.interviewer_name == "Ava"
    assert plan.candidate_name == "Maria"
    assert plan.role == "Senior Backend Engineer"
    assert plan.tone == "friendly"


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("You are Ava, a friendly interviewer.", "Ava"),
        ("I'm Sam and I run first-round screens.", "Sam"),
        ("A patient AI interviewer named Lee.", "Lee"),
        ("You are a senior engineering manager.", None),
        ("Friendly, concise, curious.", None),
    ],
)
def test_interviewer_name_from_persona(persona: str, name: str | None) -> None:
    assert interviewer_name(persona) == name


def test_unknown_interaction_values_fall_back_to_defaults() -> None:
    plan = make_plan(tone="sarcastic", probingDepth="extreme")
    assert plan.tone == "professional" and plan.probing_depth == "medium"


# a plan exactly as the code before the pydantic plan stored it in a turn's meta (JSON), captured
# from that code: a session in progress when the new code is deployed resumes with it
STORED_PLAN = Path(__file__).with_name("stored_plan.json")
STORED_PLAN_STAGE: dict[str, Any] = {
    "type": "screen",
    "stage_name": "Screen",
    "duration_minutes": 20,
    "questions": [
        {
            "text": "Design a rate limiter for our public API.",
            "dimensions": ["System Design"],
            "follow_ups": ["How would it behave across regions?"],
            "verbatim": True,
            "time_limit_seconds": 300,
        },
        {"text": "Tell me about a bug you were proud to fix.", "dimensions": ["python"]},
    ],
}


def test_a_plan_stored_by_the_earlier_code_still_loads() -> None:
    stored = json.loads(STORED_PLAN.read_text())
    plan = InterviewPlan.from_dict(stored)
    assert plan == build_plan(PROFILE, TEMPLATE, STORED_PLAN_STAGE, candidate_name="Maria Lopez")
    assert plan.questions[0].follow_ups == ("How would it behave across regions?",)
    assert json.loads(json.dumps(plan.to_dict())) == stored  # and is stored the same way


def test_a_stored_plan_with_a_field_since_removed_or_not_yet_added_still_loads() -> None:
    stored = json.loads(STORED_PLAN.read_text())
    stored["retired_setting"] = "kept by an older release"
    stored["questions"][0]["retired_note"] = "likewise"
    del stored["band"], stored["questions"][1]["keywords"]
    plan = InterviewPlan.from_dict(stored)
    assert plan.band == "mid"  # the default, as for a plan stored before the field existed
    assert plan.questions[1].keywords == ()
    assert "retired_setting" not in plan.to_dict()
    assert "retired_note" not in plan.to_dict()["questions"][0]


def test_a_stored_plan_that_is_not_a_plan_is_refused() -> None:
    stored = json.loads(STORED_PLAN.read_text())
    stored["duration_seconds"] = "half an hour"
    with pytest.raises(ValidationError):
        InterviewPlan.from_dict(stored)


def test_a_skill_question_about_real_work_is_clarified_as_real_work() -> None:
    """The generated technical questions ask about a past piece of work: asked what they mean,
    the interviewer asks for real work, not a hypothetical approach (a misfit)."""
    from tests.interviewer.sim import make_plan

    plan = make_plan()
    technical = [q for q in plan.questions if q.kind == "technical"]
    assert technical
    for question in technical:
        assert "real work" in question.hint, question.hint
        assert "you'd take" not in question.hint
