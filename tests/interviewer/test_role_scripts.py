"""The role scripts of the conversation evaluation (eval/interviewer/role_scripts/) load and
hold together: every part an answer covers has a reply, a strong answer covers the parts its
kind asks for, every question scores one of the profile's dimensions, and a scripted
candidate recognises each question when it is read out as written. Nothing is interviewed."""

from __future__ import annotations

import pytest
from eval.interviewer.candidates import WRAP_UP, which_question
from eval.interviewer.roles import Role, all_roles

# What a complete answer holds, per kind of question (the parts checks.ASKS_FOR probes).
COMPLETE = {
    "behavioural": {"situation", "action", "result"},
    "design": {"approach", "failure", "tradeoff"},
    "situational": {"first_step", "reasoning", "check"},
    "procedure": {"steps", "verify", "why"},
    "knowledge": {"mechanism", "why", "edge"},
}
ROLES = all_roles()


def dimension_keys(role: Role) -> set[str]:
    names = (str(d["name"]) for d in role.profile["evaluationDimensions"])
    return {name.lower().replace(" ", "_") for name in names}


def test_every_split_has_roles_and_names_are_unique() -> None:
    assert {role.split for role in ROLES} == {"tune", "holdout"}
    assert len({role.name for role in ROLES}) == len(ROLES)


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_role_script_holds_together(role: Role) -> None:
    assert 4 <= len(role.questions) <= 5
    assert sum(d["weight"] for d in role.profile["evaluationDimensions"]) == 100
    assert role.probing_depth in ("low", "medium", "high")
    for position, question in enumerate(role.questions):
        assert set(question.answers) == {"strong", "mediocre", "weak"}
        assert question.answers["strong"].covers == COMPLETE[question.kind]
        assert not question.answers["weak"].covers
        assert question.answers["mediocre"].covers < COMPLETE[question.kind]
        assert all(a.covers <= set(question.replies) for a in question.answers.values())
        assert set(question.dimensions) <= dimension_keys(role)
        assert not WRAP_UP.search(question.text)
        assert which_question(role, question.text, set()) == position
