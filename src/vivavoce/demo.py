"""`vivavoce demo`: a realistic profile, template, two stages, a participant and a
scheduled session, created through the same services as the API."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.agent_profiles import service as agent_profiles
from vivavoce.agent_profiles.schemas import AgentProfileCreate
from vivavoce.kit.clock import utcnow
from vivavoce.participants import service as participants
from vivavoce.participants.schemas import ParticipantCreate
from vivavoce.sessions import service as sessions
from vivavoce.sessions.schemas import SessionCreate
from vivavoce.templates import service as templates
from vivavoce.templates.schemas import StageCreate, TemplateCreate

PROFILE = {
    "name": "Maya, backend engineering interviewer",
    "persona": (
        "Hi, I'm Maya. I've led backend teams for years and I'll be your interviewer today. "
        "I'm interested in how you think, not in trick questions."
    ),
    "useCase": "hiring",
    "evaluationDimensions": [
        {
            "name": "System Design",
            "description": "Designs services that stay correct and fast under load: data "
            "models, consistency, caching, failure handling, trade-offs stated explicitly.",
            "weight": 40,
            "passThreshold": 6,
            "anchors": {
                "3": "Names components without explaining how they interact or fail",
                "6": "Sound design with some trade-offs discussed",
                "9": "Clear design, quantified trade-offs, failure modes and their mitigation",
            },
        },
        {
            "name": "Coding Practice",
            "description": "Writes maintainable, tested code; reasons about complexity, "
            "concurrency and correctness.",
            "weight": 35,
        },
        {
            "name": "Communication",
            "description": "Explains reasoning clearly and concisely, with concrete examples.",
            "weight": 25,
        },
    ],
    "interaction": {"tone": "friendly", "style": "structured", "probingDepth": "medium"},
}

QUESTIONS = [
    {
        "text": "Tell me about a backend service you built or changed that you are proud of. "
        "What problem did it solve and what was your part?",
        "dimensions": ["communication"],
        "follow_ups": ["What would you do differently today?"],
    },
    {
        "text": "How would you design a rate limiter shared by several API servers?",
        "dimensions": ["system_design"],
        "follow_ups": ["What happens when the shared store is unavailable?"],
    },
    {
        "text": "Describe how you make sure a change to a payment flow is safe to ship.",
        "dimensions": ["coding_practice"],
    },
]


@dataclass(frozen=True)
class DemoResult:
    template_id: uuid.UUID
    participant_id: uuid.UUID
    session_id: uuid.UUID
    join_url: str


async def create_demo(
    db: AsyncSession, workspace_id: uuid.UUID, links: sessions.SessionLinks
) -> DemoResult:
    profile = await agent_profiles.create(
        db, workspace_id, AgentProfileCreate.model_validate(PROFILE)
    )
    template = await templates.create_template(
        db,
        workspace_id,
        TemplateCreate(
            template_name="Senior Backend Engineer",
            use_case="hiring",
            description="Backend engineer for the payments platform team.",
            objective="Assess system design depth, coding practice and communication.",
            level="senior",
            requirements="Designs reliable services and explains trade-offs clearly.",
            skills=["Python", "PostgreSQL", "distributed systems"],
            soft_skills=["communication", "ownership"],
            default_duration_minutes=30,
        ),
    )
    for order, (stage_type, name, questions) in enumerate(
        (("screen", "Screening interview", QUESTIONS), ("technical", "Technical deep dive", []))
    ):
        await templates.create_stage(
            db,
            workspace_id,
            StageCreate.model_validate(
                {
                    "evaluation_template_id": template.id,
                    "type": stage_type,
                    "stage_name": name,
                    "agent_profile_id": profile.id,
                    "stage_order": order,
                    "questions": questions,
                }
            ),
        )
    participant = await participants.create(
        db,
        workspace_id,
        ParticipantCreate(
            name="Demo Candidate",
            email=f"demo+{secrets.token_hex(4)}@example.com",
            evaluation_template_id=template.id,
            external_id=f"demo-{secrets.token_hex(4)}",
        ),
    )
    scheduled = await sessions.schedule(
        db,
        workspace_id,
        SessionCreate(
            candidate_id=participant.id,
            evaluation_template_id=template.id,
            stage="screen",
            scheduled_at=utcnow(),
        ),
        links,
        utcnow(),
    )
    return DemoResult(
        template.id, participant.id, scheduled.session.id, links.join_url(scheduled.session)
    )
