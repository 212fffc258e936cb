"""Rubric calibration: POST /api/v1/evaluations/preview and `vivavoce score`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.fixtures.payloads import agent_profile
from tests.fixtures.world import created
from tests.scoring.samples import BUZZWORDS, EXPERT, INJECTION, QUESTION

URL = "/api/v1/evaluations/preview"
VIVAVOCE = str(Path(sys.executable).with_name("vivavoce"))

RUBRIC: dict[str, Any] = {
    "evaluationDimensions": [
        {
            "name": "System Design",
            "description": "Designs reliable, scalable services; reasons about trade-offs",
            "weight": 70,
            "passThreshold": 6,
            "anchors": {"2": "Vague and generic", "9": "Concrete design with trade-offs"},
        },
        {"name": "Communication", "description": "Explains clearly", "weight": 30},
    ],
    "scoring": {"overallPassThreshold": 6.5},
    "success_outcome": "pass_fail",
}


def transcript(answer: str) -> dict[str, Any]:
    return {
        "turns": [
            {"speaker": "ai", "text": QUESTION, "dimensions": ["system_design"]},
            {"speaker": "participant", "text": answer},
        ]
    }


async def preview(client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]) -> Any:
    return await client.post(URL, json=body, headers=tenant.headers)


async def test_preview_scores_an_inline_rubric_and_stores_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = (await client.get("/api/v1/events", headers=tenant.headers)).json()["data"]
    strong = await preview(client, tenant, {"rubric": RUBRIC, "transcript": transcript(EXPERT)})
    assert strong.status_code == 200, strong.text
    card = strong.json()["data"]
    assert card["recommendation"] in ("pass", "fail")
    design = card["evaluation_breakdown"][0]
    assert design["dimension_id"] == "system_design" and design["pass_threshold"] == 6.0
    assert all(c["turn"] == 1 and c["quote"] in EXPERT for c in design["citations"])
    assert card["scoring"]["rubric_version"].startswith("inline#")
    weak = await preview(client, tenant, {"rubric": RUBRIC, "transcript": transcript(BUZZWORDS)})
    assert float(weak.json()["data"]["score"]) < float(card["score"])
    assert weak.json()["data"]["recommendation"] == "fail"
    after = (await client.get("/api/v1/events", headers=tenant.headers)).json()["data"]
    assert after == before
    sessions = (await client.get("/api/v1/sessions", headers=tenant.headers)).json()["data"]
    assert sessions == []


async def test_preview_with_an_agent_profile_and_with_a_stage(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    profile = await created(
        await client.post("/api/v1/agent-profiles", json=agent_profile(), headers=tenant.headers)
    )
    by_profile = await preview(
        client, tenant, {"agent_profile_id": profile["id"], "transcript": transcript(EXPERT)}
    )
    assert by_profile.status_code == 200, by_profile.text
    assert by_profile.json()["data"]["scoring"]["rubric_version"].startswith(
        f"agent_profile:{profile['id']}:v1#"
    )
    template = await created(
        await client.post(
            "/api/v1/evaluation-templates",
            json={"template_name": "Nurse", "use_case": "training"},
            headers=tenant.headers,
        )
    )
    stage = await created(
        await client.post(
            "/api/v1/evaluation-stages",
            json={
                "evaluation_template_id": template["id"],
                "type": "screen",
                "agent_profile_id": profile["id"],
                "pass_threshold": 10,
            },
            headers=tenant.headers,
        )
    )
    by_stage = await preview(
        client, tenant, {"evaluation_stage_id": stage["id"], "transcript": transcript(EXPERT)}
    )
    card = by_stage.json()["data"]
    assert card["pass_threshold"] == 1.0  # the stage's 10/100 overrides the profile's 7.0
    assert card["recommendation"] in ("ready", "needs_training")  # the template's vocabulary


async def test_preview_counts_injection_and_flags_review(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    plain = await preview(client, tenant, {"rubric": RUBRIC, "transcript": transcript(EXPERT)})
    injected = await preview(
        client, tenant, {"rubric": RUBRIC, "transcript": transcript(EXPERT + " " + INJECTION)}
    )
    card = injected.json()["data"]
    assert card["evaluator_manipulation_attempts"] == 1 and card["needs_human_review"] is True
    assert float(card["score"]) <= float(plain.json()["data"]["score"])


async def test_preview_refuses_bad_input_with_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    bad_weights = {**RUBRIC, "evaluationDimensions": [{**RUBRIC["evaluationDimensions"][0]}]}
    cases: list[dict[str, Any]] = [
        {"rubric": bad_weights, "transcript": transcript(EXPERT)},  # weights sum to 70
        {"transcript": transcript(EXPERT)},  # no rubric at all
        {"rubric": RUBRIC, "agent_profile_id": RUBRIC_ID, "transcript": transcript(EXPERT)},
        {"rubric": RUBRIC, "transcript": {"turns": [{"speaker": "ai", "text": "Hi"}]}},
        {"rubric": RUBRIC, "transcript": {"turns": []}},
        {"rubric": RUBRIC, "transcript": transcript(EXPERT), "surprise": 1},
    ]
    for body in cases:
        response = await preview(client, tenant, body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["issues"]


RUBRIC_ID = "0190b0c4-0000-7000-8000-000000000000"


async def test_preview_of_another_workspaces_profile_or_stage_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    profile = await created(
        await client.post(
            "/api/v1/agent-profiles", json=agent_profile(), headers=other_tenant.headers
        )
    )
    response = await preview(
        client, tenant, {"agent_profile_id": profile["id"], "transcript": transcript(EXPERT)}
    )
    assert response.status_code == 404
    response = await preview(
        client, tenant, {"evaluation_stage_id": RUBRIC_ID, "transcript": transcript(EXPERT)}
    )
    assert response.status_code == 404


async def test_preview_needs_a_key_with_the_scope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"rubric": RUBRIC, "transcript": transcript(EXPERT)}
    assert (await client.post(URL, json=body)).status_code == 401
    narrow = await tenant.key_with("candidates.read")
    assert (await client.post(URL, json=body, headers=narrow)).status_code == 403


def test_cli_scores_a_transcript_file_against_a_rubric_file(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(transcript(EXPERT)))
    (tmp_path / "r.json").write_text(json.dumps(RUBRIC))
    done = subprocess.run(
        [VIVAVOCE, "score", str(tmp_path / "t.json"), "--rubric", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert card["scoring"]["scorer"] == "offline"
    assert card["evaluation_breakdown"][0]["citations"][0]["quote"] in EXPERT
    (tmp_path / "bad.json").write_text(json.dumps({"evaluationDimensions": []}))
    refused = subprocess.run(
        [VIVAVOCE, "score", str(tmp_path / "t.json"), "--rubric", str(tmp_path / "bad.json")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert refused.returncode == 2 and "evaluationDimensions" in refused.stderr
