"""Errors carry structured fields for callers; the message and the response stay as before."""

from __future__ import annotations

import uuid

from vivavoce.kit.errors import AppError, Conflict, NotFound


def test_not_found_names_its_resource_and_id_without_changing_the_message() -> None:
    wanted = uuid.uuid4()
    error = NotFound("agent profile", id=wanted, field="agent_profile_id")
    assert (error.message, error.status, error.code) == (
        "agent profile not found",
        404,
        "not_found",
    )
    assert (error.resource, error.id, error.field) == (
        "agent_profile",
        str(wanted),
        "agent_profile_id",
    )
    assert NotFound("session").resource == "session" and NotFound("session").id is None
    assert NotFound("interview", resource="evaluation_stage").resource == "evaluation_stage"


def test_conflict_fields_stay_out_of_the_response_details() -> None:
    error = Conflict(
        "taken", code="duplicate_session", resource="participant", id=7, session_id="s"
    )
    assert error.details == {"session_id": "s"}
    assert (error.resource, error.id, error.field) == ("participant", "7", None)
    assert isinstance(error, AppError) and error.status == 409
