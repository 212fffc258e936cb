"""Live interviews of scripted strong, mediocre and weak candidates (the built-in offline
interviewer over the join socket, a real server and worker on 127.0.0.1) come out in that
order, in roles beyond software too, and the mediocre candidate — one strong answer, one
vague, one partial, one "I don't know" — does not pass the 7.0 bar, while every strong
candidate does. The strong candidate's full answers (one question per dimension, and the
follow-ups the interviewer asks) are medium- or high-confidence evidence (ADR 0011): no
dimension is low and nothing flags the scorecard for review, while the weak candidate's
one-line answers are low and say so."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
import websockets

from tests.conftest import Tenant
from tests.emails.smtp import SmtpServer
from tests.fixtures.world import created
from tests.scoring.test_live import turn_or_end
from tests.web.conftest import running_site
from tests.web.test_join import session_of, ws_url
from vivavoce.config import Settings
from vivavoce.runtime import Database


@dataclass(frozen=True)
class Question:
    text: str
    dimension: str
    cue: str  # a word of the question that tells the scripted candidate which one it is


@dataclass(frozen=True)
class Role:
    name: str
    dimensions: list[dict[str, Any]]
    questions: list[Question]
    # level → one answer per question, and what that candidate says to any follow-up
    answers: dict[str, tuple[list[str], str]]


SUPPORT = Role(
    name="Customer Support Specialist",
    dimensions=[
        {
            "name": "Empathy",
            "description": "Acknowledges the customer's feelings and situation, stays calm",
            "weight": 30,
            "anchors": {
                "2": "Dismissive or scripted; no acknowledgement of how the customer feels",
                "5": "Polite and acknowledges the problem, but generic",
                "8": "Names the customer's situation, stays calm, personal and sincere",
                "10": "Turns an angry customer around with sincere, specific acknowledgement",
            },
        },
        {
            "name": "Resolution",
            "description": "Finds the cause, fixes the problem and follows up",
            "weight": 40,
            "anchors": {
                "2": "Escalates or promises without checking anything",
                "5": "Follows the usual steps, misses the root cause or the follow-up",
                "8": "Investigates, fixes it, sets an expectation and follows up",
                "10": "Fixes the case and the process behind it, with a measured result",
            },
        },
        {
            "name": "Communication",
            "description": "Explains clearly, sets expectations, writes plainly",
            "weight": 30,
        },
    ],
    questions=[
        Question("Tell me about a time you calmed down an angry customer.", "empathy", "angry"),
        Question(
            "A customer was charged twice and their refund has not arrived. What do you do?",
            "resolution",
            "charged",
        ),
        Question(
            "How would you explain a two-week shipping delay to a customer?",
            "communication",
            "delay",
        ),
    ],
    answers={
        "strong": (
            [
                "Last winter a customer called because his heating part arrived broken two days "
                "before a cold snap. I let him finish, told him I understood he had a family in "
                "a cold house, and that I would stay on it until it was sorted. I booked a "
                "replacement on next-day courier, waived the shipping and called him the next "
                "evening to check it worked. He later left a five-star review naming me.",
                "First I check the payment processor to confirm both charges settled rather "
                "than one being a pending authorisation, because a pending hold drops off on "
                "its own in three to five days. If both settled, I refund the duplicate, send "
                "the customer the refund reference and tell them their bank needs up to seven "
                "working days. I set a reminder to check on day eight, and I report it to "
                "billing so they can find out why the checkout charged twice.",
                "I would say plainly that the order is two weeks late because our supplier "
                "missed a delivery, give the new date, and offer a choice: wait with a "
                "discount on the order or cancel for a full refund today. I put it in writing "
                "too, with the tracking link, so they do not have to call again.",
            ],
            "Yes — in that case I also added a note to the account so the next agent knew "
            "the history, and we changed the macro so other customers got the same offer.",
        ),
        "mediocre": (
            [
                "A customer was furious because her order was lost. I listened, apologised and "
                "told her I understood how annoying it was. I found the parcel in the courier "
                "system, it was stuck at the depot, and I had it re-sent with express "
                "delivery. She calmed down and thanked me at the end of the call.",
                "I think I would look into it and probably escalate it to the billing team, "
                "they usually handle that kind of thing.",
                "I would tell them it is delayed and say sorry. I would probably give them a "
                "new date.",
            ],
            "I don't know, I would have to ask my team lead about that.",
        ),
        "weak": (
            [
                "I would just tell them to calm down, it is not that big of a deal usually.",
                "I don't know, I guess I would tell them to call their bank.",
                "I would say it is late and there is nothing I can do.",
            ],
            "Not sure.",
        ),
    },
)

WAREHOUSE = Role(
    name="Warehouse Associate",
    dimensions=[
        {
            "name": "Safety",
            "description": "Works safely, follows procedures, reports hazards",
            "weight": 40,
            "anchors": {
                "2": "Ignores or cannot name any safety rule",
                "5": "Knows the basic rules, little example of applying them",
                "8": "Concrete example of spotting and handling a hazard by the procedure",
                "10": "Prevents incidents and improves the procedure for everyone",
            },
        },
        {
            "name": "Accuracy",
            "description": "Picks and counts correctly, checks their work",
            "weight": 35,
        },
        {
            "name": "Reliability",
            "description": "Shows up, keeps pace, helps the team on busy shifts",
            "weight": 25,
        },
    ],
    questions=[
        Question("Tell me about a time you noticed something unsafe at work.", "safety", "unsafe"),
        Question("How do you make sure the orders you pick are correct?", "accuracy", "correct"),
        Question("Describe a busy shift when the team was short of people.", "reliability", "busy"),
    ],
    answers={
        "strong": (
            [
                "On a night shift I saw a pallet on the top rack leaning because the wrap had "
                "torn. I stopped picking in that aisle, put the cones out, and told my "
                "supervisor instead of trying to push it back myself, since it was over a "
                "tonne. A reach-truck driver took it down safely, and I wrote it in the near "
                "miss log so the rewrapping step got added to the inbound check.",
                "I scan every item and check the quantity on the handheld before it goes in "
                "the tote, and for lookalike items, like the two sizes of the same bolt, I "
                "read the label too because the barcodes are one digit apart. My pick "
                "accuracy last year was 99.8 percent over about forty thousand lines.",
                "During peak in December we were four people down on a Monday. I volunteered "
                "to stay two extra hours, and I switched from picking to packing because that "
                "was where the backlog was, so the trucks left on time at six.",
            ],
            "Sure, and I showed the two new starters how I check the lookalike items.",
        ),
        "mediocre": (
            [
                "Once there was oil on the floor near the loading bay. I put a cone next to "
                "it, told my team leader and we got it cleaned up with the spill kit before "
                "the forklifts came through again. Nobody slipped on it.",
                "I try to be careful and check things, usually it is fine.",
                "We were busy a lot. I just worked as hard as I could I guess.",
            ],
            "I don't know really, I never thought about it.",
        ),
        "weak": (
            [
                "I don't really notice that kind of thing, the supervisor handles safety.",
                "I just pick them, the scanner tells you if it is wrong I think.",
                "I don't know, I usually go home when my shift ends.",
            ],
            "No idea.",
        ),
    },
)

BACKEND = Role(
    name="Backend Engineer",
    dimensions=[
        {
            "name": "System Design",
            "description": "Designs reliable, scalable services; reasons about trade-offs",
            "weight": 50,
            "anchors": {
                "2": "Vague, generic statements with no design decisions",
                "5": "A workable design with some components named, few trade-offs",
                "8": "Concrete architecture with trade-offs and failure handling",
                "10": "Complete design with numbers, failure modes and measured results",
            },
        },
        {
            "name": "Debugging",
            "description": "Finds root causes methodically, with evidence",
            "weight": 30,
        },
        {
            "name": "Communication",
            "description": "Explains technical work clearly to others",
            "weight": 20,
        },
    ],
    questions=[
        Question(
            "How would you design a service that ingests a million events per minute?",
            "system_design",
            "ingests",
        ),
        Question("Tell me about the hardest production bug you tracked down.", "debugging", "bug"),
        Question(
            "How do you explain a technical decision to people outside engineering?",
            "communication",
            "outside",
        ),
    ],
    answers={
        "strong": (
            [
                "Stateless ingest nodes behind a load balancer write to Kafka, partitioned by "
                "device id so ordering holds per device. Consumers batch into Postgres every "
                "500 ms; if the database slows down the queue absorbs the burst instead of "
                "dropping events. The trade-off is a few seconds of lag for reads, and I would "
                "alert on consumer lag above thirty seconds.",
                "Our checkout latency doubled after a release. I compared flame graphs from "
                "before and after, found an N+1 query against PostgreSQL in a new serializer, "
                "and rewrote it as one join with an index. Then I added a query-count test so "
                "it could not come back; p95 dropped by 60 percent.",
                "I start from what it changes for them — cost, risk, dates — and keep the "
                "mechanism to one picture. When we moved to a queue I told finance it meant "
                "no lost orders during peaks, for about two hundred dollars a month.",
            ],
            "Yes, and I wrote the decision up as a one-page record so the next team could "
            "see why we chose it.",
        ),
        "mediocre": (
            [
                "I would put the events on a queue like Kafka and have workers write them to "
                "a database in batches, so a slow database does not lose events. I would "
                "partition it so it scales out.",
                "There was a memory leak once, I think we restarted the servers and it went "
                "away after a while.",
                "I try to keep it simple and not use jargon, that usually works.",
            ],
            "I don't know, I haven't done that.",
        ),
        "weak": (
            [
                "I would use the cloud, it scales automatically, so it is fine.",
                "I don't remember a specific one, bugs happen all the time.",
                "I just tell them it is technical.",
            ],
            "I'm not sure.",
        ),
    },
)


async def make_session(api: httpx.AsyncClient, tenant: Tenant, role: Role, email: str) -> str:
    headers = tenant.headers
    profile = await created(
        await api.post(
            "/api/v1/agent-profiles",
            json={
                "name": f"{role.name} screener",
                "persona": "You are Ava, a friendly interviewer.",
                "useCase": "hiring",
                "evaluationDimensions": role.dimensions,
                "scoring": {"overallPassThreshold": 7.0},
            },
            headers=headers,
        )
    )
    template = await created(
        await api.post(
            "/api/v1/evaluation-templates",
            json={"template_name": role.name, "use_case": "hiring"},
            headers=headers,
        )
    )
    await created(
        await api.post(
            "/api/v1/evaluation-stages",
            json={
                "evaluation_template_id": template["id"],
                "type": "screen",
                "stage_order": 0,
                "agent_profile_id": profile["id"],
                "duration_minutes": 15,
                "automation_rule": "none",
                "questions": [
                    {"text": q.text, "dimensions": [q.dimension]} for q in role.questions
                ],
            },
            headers=headers,
        )
    )
    person = await created(
        await api.post(
            "/api/v1/participants",
            json={"name": "Sam Taylor", "email": email, "evaluation_template_id": template["id"]},
            headers=headers,
        )
    )
    session = await created(
        await api.post(
            "/api/v1/sessions",
            json={
                "candidate_id": person["id"],
                "evaluation_template_id": template["id"],
                "stage": "screen",
            },
            headers=headers,
        )
    )
    return str(session["id"])


def reply_to(role: Role, level: str, ai_text: str, answered: set[str]) -> str:
    """What the scripted candidate says to an AI turn: the answer to the question it asks,
    their follow-up line to anything else after the first question, a hello before it."""
    answers, follow_up = role.answers[level]
    for question, answer in zip(role.questions, answers, strict=True):
        if question.cue in ai_text.lower() and question.cue not in answered:
            answered.add(question.cue)
            return answer
    return follow_up if answered else "Hi, yes, I'm ready to start."


async def interview(
    api: httpx.AsyncClient, tenant: Tenant, role: Role, level: str
) -> dict[str, Any]:
    session_id = await make_session(api, tenant, role, f"{level}.{len(role.name)}@example.com")
    session = await session_of(api, tenant, session_id)
    answered: set[str] = set()
    async with websockets.connect(ws_url(session["join_url"])) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        message = await turn_or_end(socket)
        for _ in range(24):
            if message["type"] == "status":
                break
            text = reply_to(role, level, message["text"], answered)
            try:
                await socket.send(json.dumps({"type": "answer", "text": text}))
                message = await turn_or_end(socket)
            except websockets.ConnectionClosed:  # the closing line ended it
                break
    assert answered == {q.cue for q in role.questions}, (level, answered)
    deadline = asyncio.get_running_loop().time() + 30
    card = await session_of(api, tenant, session_id)
    while card["scored_at"] is None and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        card = await session_of(api, tenant, session_id)
    assert card["scored_at"] is not None, card
    return card


async def test_strong_mediocre_and_weak_candidates_come_out_in_that_order(
    settings: Settings, database: Database, tenant: Tenant
) -> None:
    smtp = SmtpServer()
    smtp.start()
    try:
        async with (
            running_site(settings, database, smtp) as site,
            httpx.AsyncClient(base_url=site.url, timeout=10) as api,
        ):
            cards = {
                (role.name, level): await interview(api, tenant, role, level)
                for role in (SUPPORT, WAREHOUSE, BACKEND)
                for level in ("strong", "mediocre", "weak")
            }
    finally:
        smtp.stop()
    scores = {key: float(card["score"]) for key, card in cards.items()}
    for role in (SUPPORT, WAREHOUSE, BACKEND):
        strong, mediocre, weak = (scores[(role.name, lv)] for lv in ("strong", "mediocre", "weak"))
        assert strong > mediocre > weak, (role.name, strong, mediocre, weak)
        assert cards[(role.name, "mediocre")]["passed"] is False, (role.name, mediocre)
        assert cards[(role.name, "mediocre")]["recommendation"] == "no_hire"
        assert cards[(role.name, "weak")]["passed"] is False, (role.name, weak)
        strong_card = cards[(role.name, "strong")]
        levels = [d["confidence"] for d in strong_card["evaluation_breakdown"]]
        assert "low" not in levels, (role.name, levels)
        assert strong_card["needs_human_review"] is False, strong_card["scoring"]
        reasons = cards[(role.name, "weak")]["scoring"]["review_reasons"]
        assert any("low-confidence evidence: only one short answer" in r for r in reasons)
    # every strong candidate, answering in their own words, passes the 7.0 bar
    for role in (SUPPORT, WAREHOUSE, BACKEND):
        assert cards[(role.name, "strong")]["passed"] is True, (role.name, scores)
        assert cards[(role.name, "strong")]["recommendation"] == "hire"
