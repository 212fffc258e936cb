"""The evaluation's side of the wire: a role set up through the HTTP API, and a candidate
driven through the join WebSocket exactly as `web/static/join.js` does — `consent`, a
`typing` frame before each answer, `answer` frames with the page's (empty) signals — reading
the interviewer's reply however it is chunked: `ai_delta`s accumulate until the turn's
`turn` frame, an `ai_retract` drops what came so far.

Times are the client's: from sending an answer (or the consent) to the first `ai_delta` of
the reply (first word) and to its last (last word), so they include the WebSocket round trip.
After the interview, the moves the code chose are read from the database (`session_turns.meta`),
which the evaluation owns.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import websockets
from eval.interviewer.candidates import Candidate, Said
from eval.interviewer.checks import Conversation, Turn
from eval.interviewer.roles import Role
from eval.interviewer.server import Served

MAX_AI_TURNS = 40
# A candidate reads the reply before typing: it also keeps the candidate under the room's
# per-connection frame rate (10 a second, bursts of 30), as a person always is.
THINK_SECONDS = 0.3
READ_TIMEOUT = 120.0
CLOSING_LINE = re.compile(r"close this window|your interview is now complete", re.IGNORECASE)


@dataclass(frozen=True)
class Booked:
    role: Role
    kind: str
    session_id: str
    join_url: str


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
    data: dict[str, Any] = response.json()["data"]
    return data


async def book(served: Served, role: Role, kinds: tuple[str, ...]) -> list[Booked]:
    """The role's profile, template and screen stage (its question bank), and one scheduled
    session per candidate kind, through the API."""
    headers = {"x-api-key": served.api_key}
    async with httpx.AsyncClient(base_url=served.base_url, headers=headers, timeout=60) as api:
        profile = await _create(api, "/api/v1/agent-profiles", role.profile)
        template = await _create(api, "/api/v1/evaluation-templates", role.template)
        questions = [{"text": q.text, "dimensions": list(q.dimensions)} for q in role.questions]
        stage = {
            "evaluation_template_id": template["id"],
            "type": "screen",
            "stage_order": 0,
            "agent_profile_id": profile["id"],
            "duration_minutes": 30,
            "questions": questions,
        }
        await _create(api, "/api/v1/evaluation-stages", stage)
        people = await _create(
            api,
            "/api/v1/participants/bulk",
            {
                "evaluation_template_id": template["id"],
                "participants": [
                    {
                        "name": f"{kind.title()} Candidate",
                        "email": f"{role.name}.{kind}@example.com",
                    }
                    for kind in kinds
                ],
            },
        )
        booked = []
        for kind, person in zip(kinds, people["created"], strict=True):
            session = await _create(
                api,
                "/api/v1/sessions",
                {
                    "candidate_id": person["id"],
                    "evaluation_template_id": template["id"],
                    "stage": "screen",
                },
            )
            booked.append(Booked(role, kind, session["id"], session["join_url"]))
        return booked


def ws_url(base_url: str, join_url: str) -> str:
    token = join_url.rsplit("/", 1)[1]
    return base_url.replace("http://", "ws://", 1) + f"/join/{token}/ws"


class Reply:
    """One AI turn read off the socket: its text and when its first and last words came."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.first: float | None = None
        self.last: float | None = None

    def delta(self, text: str) -> None:
        now = time.perf_counter()
        self.first = self.first if self.first is not None else now
        self.last = now
        self.parts.append(text)


async def _next_ai_turn(
    socket: Any, read_timeout: float = READ_TIMEOUT
) -> tuple[str, Reply] | None:
    """Read until the interviewer's next stored turn (its text and timing), or None when
    the interview has ended."""
    reply = Reply()
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), read_timeout))
        kind = message.get("type")
        if kind == "ai_delta":
            reply.delta(message["text"])
        elif kind == "ai_retract":
            reply = Reply()
        elif kind == "turn" and message["speaker"] == "ai":
            if reply.last is None:
                reply.delta(message["text"])
            return str(message["text"]), reply
        elif kind == "status" and message.get("state") != "live":
            return None
        elif kind == "error":
            raise RuntimeError(f"the room refused a frame: {message}")


async def converse(
    served: Served,
    booked: Booked,
    think_seconds: float = THINK_SECONDS,
    read_timeout: float = READ_TIMEOUT,
) -> tuple[list[Said], list[float], list[float]]:
    """One whole interview: what the candidate said, and the first- and last-word times (ms)
    of every AI reply. The candidate waits `think_seconds` after each reply before answering."""
    candidate = Candidate(booked.role, booked.kind)
    said: list[Said] = []
    first_ms: list[float] = []
    last_ms: list[float] = []
    url = ws_url(served.base_url, booked.join_url)
    async with websockets.connect(url, max_size=2**20, open_timeout=60) as socket:
        await socket.send(json.dumps({"type": "consent"}))
        sent = time.perf_counter()
        for number in range(MAX_AI_TURNS):
            heard = await _next_ai_turn(socket, read_timeout)
            if heard is None:
                break
            text, reply = heard
            assert reply.first is not None
            assert reply.last is not None
            first_ms.append((reply.first - sent) * 1000)
            last_ms.append((reply.last - sent) * 1000)
            if CLOSING_LINE.search(text):
                continue  # the closing line: the room ends the interview next
            answer = candidate.hear(text, first=number == 0)
            said.append(answer)
            await asyncio.sleep(think_seconds)
            await socket.send(json.dumps({"type": "typing"}))
            await socket.send(json.dumps({"type": "answer", "text": answer.text, "signals": []}))
            sent = time.perf_counter()
        else:
            await socket.send(json.dumps({"type": "end"}))
    return said, first_ms, last_ms


async def stored(served: Served, session_id: str) -> tuple[str, list[asyncpg.Record]]:
    connection = await asyncpg.connect(served.database_url)
    try:
        status = await connection.fetchval(
            "SELECT status FROM sessions WHERE id = $1::uuid", session_id
        )
        rows = await connection.fetch(
            "SELECT index, speaker, text, meta FROM session_turns "
            "WHERE session_id = $1::uuid ORDER BY index",
            session_id,
        )
    finally:
        await connection.close()
    return str(status), list(rows)


def _position(question_id: object) -> int | None:
    if isinstance(question_id, str) and re.fullmatch(r"q\d+", question_id):
        return int(question_id[1:]) - 1
    return None


async def run_interview(
    served: Served,
    booked: Booked,
    think_seconds: float = THINK_SECONDS,
    read_timeout: float = READ_TIMEOUT,
) -> Conversation:
    try:
        said, first_ms, last_ms = await converse(served, booked, think_seconds, read_timeout)
    except (TimeoutError, RuntimeError, websockets.WebSocketException) as failure:
        # an interview that broke off (a model too slow to answer, a technical failure) is
        # reported as not done, with what was stored, instead of ending the whole run
        print(
            f"{booked.role.name}/{booked.kind}: the interview broke off: "
            f"{type(failure).__name__}: {failure}",
            file=sys.stderr,
        )
        said, first_ms, last_ms = [], [], []
    status, rows = await stored(served, booked.session_id)
    role = booked.role
    conversation = Conversation(
        role=role.name,
        candidate=booked.kind,
        question_texts=tuple(q.text for q in role.questions),
        question_kinds=tuple(q.kind for q in role.questions),
        max_follow_ups=role.max_follow_ups,
        completed=status == "completed",
        first_word_ms=first_ms,
        last_word_ms=last_ms,
    )
    spoken = iter(said)
    for row in rows:
        meta = row["meta"] if isinstance(row["meta"], dict) else json.loads(row["meta"] or "{}")
        if row["speaker"] == "ai":
            turn = Turn("ai", row["text"], meta.get("move"), _position(meta.get("question_id")))
        else:
            mine = next(spoken, None)
            label, covers, question = (
                (mine.label, mine.covers, mine.question) if mine else (None, frozenset(), None)
            )
            turn = Turn("participant", row["text"], None, question, label, covers)
        conversation.turns.append(turn)
    return conversation
