"""What an integration written only from Intervyo's public docs sends and expects.

Nothing here imports vivavoce's schemas: requests are plain dicts, and expectations are
explicit field names and JSON types, as a client written against Intervyo would hold them
(SPEC.md §1 and §3, issue 16).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

API = "/api/v1"
# Intervyo's seed data writes times like "2026-06-02T07:48:31Z"; clients parse them so.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIMESTAMP_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

STR, INT, BOOL, NUMBER, LIST, OBJECT = str, int, bool, (int, float), list, dict
NULL = type(None)

SESSION = {
    "id": STR,
    "status": STR,
    "evaluation_template_id": STR,
    "evaluation_stage_id": STR,
    "stage": STR,
    "candidate_id": STR,
    "application_id": STR,
    "external_id": (STR, NULL),
    "join_url": STR,
    "scheduled_at": (STR, NULL),
    "timezone": STR,
    "language": STR,
    "notes": (STR, NULL),
    "score": (STR, NULL),
    "passed": (BOOL, NULL),
    "recommendation": (STR, NULL),
    "ai_feedback": (STR, NULL),
    "evaluation_breakdown": (LIST, NULL),
    "needs_human_review": BOOL,
    "authenticity_signals": (OBJECT, NULL),
    "transcript_url": STR,
    "recording_url": (STR, NULL),
    "duration_seconds": (INT, NULL),
    "started_at": (STR, NULL),
    "ended_at": (STR, NULL),
    "scored_at": (STR, NULL),
    "end_reason": (STR, NULL),
    "created_at": STR,
    "updated_at": STR,
}
APPLICATION = {
    "id": STR,
    "evaluation_template_id": STR,
    "candidate_id": STR,
    "external_id": (STR, NULL),
    "source": STR,
    "approval_status": STR,
    "scheduling_status": STR,
    "current_stage": (STR, NULL),
    "latest_session_id": (STR, NULL),
    "stages": LIST,
    "outcome": STR,
    "created_at": STR,
    "updated_at": STR,
}
PARTICIPANT = {
    "id": STR,
    "name": STR,
    "email": STR,
    "evaluation_template_id": (STR, NULL),
    "external_id": (STR, NULL),
    "status": STR,
    "created_at": STR,
}
TEMPLATE = {
    "id": STR,
    "template_name": STR,
    "use_case": STR,
    "success_outcome": STR,
    "status": STR,
    "default_duration_minutes": INT,
    "default_difficulty": STR,
    "visibility": STR,
    "format": STR,
    "language": STR,
    "created_at": STR,
    "updated_at": STR,
}
STAGE = {
    "id": STR,
    "evaluation_template_id": STR,
    "type": STR,
    "stage_type": STR,
    "stage_order": INT,
    "duration_minutes": INT,
    "difficulty": STR,
    "allow_retake": BOOL,
    "automation_rule": STR,
    "status": STR,
}
AGENT_PROFILE = {
    "id": STR,
    "name": STR,
    "persona": STR,
    "useCase": STR,
    "evaluationDimensions": LIST,
    "isPublic": BOOL,
}
ERROR = {"error": STR, "code": STR, "issues": LIST, "request_id": (STR, NULL)}


def assert_shape(value: Any, fields: dict[str, Any], what: str = "object") -> None:
    """Every documented field is present with its documented JSON type."""
    assert isinstance(value, dict), f"{what}: not an object: {value!r}"
    for name, kinds in fields.items():
        assert name in value, f"{what}: missing `{name}` in {sorted(value)}"
        allowed = kinds if isinstance(kinds, tuple) else (kinds,)
        item = value[name]
        # JSON has no int/bool distinction problem for clients, but Python's bool is an int.
        ok = any(
            isinstance(item, kind) and not (kind is int and isinstance(item, bool))
            for kind in allowed
        )
        assert ok, f"{what}.{name}: {item!r} is not {allowed}"


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def timestamps_in(value: Any, path: str = "$") -> list[tuple[str, str]]:
    """(path, text) of every string in a JSON document that looks like a timestamp."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(timestamps_in(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(timestamps_in(item, f"{path}[{index}]"))
    elif isinstance(value, str) and _TIMESTAMP_LIKE.match(value):
        found.append((path, value))
    return found


def in_days(days: int, hour: int = 10) -> datetime:
    """A time `days` from now, at `hour`:00 UTC (scheduling needs future times)."""
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def profile_body(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Maya, backend interviewer",
        "persona": "Hi, I am Maya; I lead backend teams.",
        "useCase": "hiring",
        "evaluationDimensions": [
            {"name": "System Design", "description": "Designs reliable services", "weight": 60},
            {"name": "Communication", "description": "Explains trade-offs", "weight": 40},
        ],
        **extra,
    }


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST a create; Intervyo answers 201 with the object under `data`."""
    answer = await ok(await client.post(f"{API}{path}", json=body, headers=headers), 201)
    data: dict[str, Any] = answer["data"]
    return data


class Pipeline:
    """A profile, a template with stages, and a participant — built as an ATS would."""

    def __init__(self, profile: str, template: str, stages: dict[str, str], candidate: str):
        self.profile = profile
        self.template = template
        self.stages = stages
        self.candidate = candidate

    def session(self, stage: str, **extra: Any) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate,
            "evaluation_template_id": self.template,
            "stage": stage,
            **extra,
        }


async def pipeline(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    stages: tuple[str, ...] = ("screen",),
    external_id: str = "greenhouse-8821",
    template: dict[str, Any] | None = None,
) -> Pipeline:
    profile = await create(client, headers, "/agent-profiles", profile_body())
    created = await create(
        client,
        headers,
        "/evaluation-templates",
        template or {"template_name": "Senior Backend Engineer", "use_case": "hiring"},
    )
    stage_ids = {}
    for label in stages:
        stage = await create(
            client,
            headers,
            "/evaluation-stages",
            {
                "evaluation_template_id": created["id"],
                "type": label,
                "agent_profile_id": profile["id"],
            },
        )
        stage_ids[label] = stage["id"]
    person = await create(
        client,
        headers,
        "/participants",
        {
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "evaluation_template_id": created["id"],
            "external_id": external_id,
        },
    )
    return Pipeline(profile["id"], created["id"], stage_ids, person["id"])
