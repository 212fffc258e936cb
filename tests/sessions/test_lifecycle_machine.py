"""The session lifecycle (SPEC §2) under random operation sequences: a hypothesis stateful
test drives a real server over HTTP and the join room's WebSocket — create, join, answer,
complete, end early, cancel, reschedule, and racing pairs (cancel against join, two tabs
joining) — and checks the API against a model after every step.

The model: `scheduled → in_progress → completed | failed`, `scheduled → cancelled`; terminal
sessions refuse every change with 409 `session_immutable`; cancel and reschedule only while
scheduled (409 otherwise); one open session per participant and stage unless `force`; each
transition writes its one event (`session.created`, `.started`, `.completed`, `.failed`,
`.cancelled`) and no other; exactly one side of a race wins.

The server runs in its own thread and event loop (hypothesis' rules are synchronous), on a
fresh database of the test server, with no worker: a dropped connection never fails a session
here (the grace window has its own tests and the fault runs).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from tests.fixtures.threaded_site import Site, threaded_site
from tests.fixtures.traffic import ANSWERS, token_of
from vivavoce.config import Settings

# Short by default (`make test`); `make reliability` runs many more sequences.
EXAMPLES = int(os.environ.get("VIVAVOCE_LIFECYCLE_EXAMPLES", "5"))
STEPS = int(os.environ.get("VIVAVOCE_LIFECYCLE_STEPS", "10"))
TERMINAL = {"completed", "failed", "cancelled"}
EXPECTED_EVENTS = {
    "scheduled": ["session.created"],
    "in_progress": ["session.created", "session.started"],
    "completed": ["session.created", "session.started", "session.completed"],
    "failed": ["session.created", "session.started", "session.failed"],
    "cancelled": ["session.created", "session.cancelled"],
}


@pytest.fixture(scope="module")
def lifecycle_site(settings: Settings) -> Iterator[Site]:
    with threaded_site(settings) as site:
        with httpx.Client(base_url=site.url, headers={"x-api-key": site.key}) as http:
            site.template_id = _world(http)
        yield site


def _data(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _rows(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def _world(http: httpx.Client) -> str:
    profile = _data(
        http.post(
            "/api/v1/agent-profiles",
            json={
                "name": "Ada",
                "persona": "I'm Ada.",
                "useCase": "hiring",
                "interaction": {"probingDepth": "low"},
                "evaluationDimensions": [
                    {"name": "Design", "description": "Designs systems", "weight": 100}
                ],
            },
        ),
        201,
    )
    template = _data(
        http.post("/api/v1/evaluation-templates", json={"template_name": "Engineer"}), 201
    )
    _data(
        http.post(
            "/api/v1/evaluation-stages",
            json={
                "evaluation_template_id": template["id"],
                "type": "screen",
                "agent_profile_id": profile["id"],
                "duration_minutes": 10,
                "questions": [{"text": "Tell me about a system you designed."}],
            },
        ),
        201,
    )
    return str(template["id"])


@dataclass
class Model:
    id: str
    participant: str
    token: str
    status: str = "scheduled"
    end_reason: str | None = None
    turns: int = 0


class Room:
    """A candidate's connection to the join room, synchronous."""

    def __init__(self, site: Site, token: str) -> None:
        self.socket: ClientConnection = connect(
            f"{site.url.replace('http', 'ws', 1)}/join/{token}/ws", open_timeout=10
        )
        self.ended: dict[str, Any] | None = None
        self.turns: list[dict[str, Any]] = []
        self.live = False

    def __enter__(self) -> Room:
        return self

    def __exit__(self, *_: object) -> None:
        self.socket.close()

    def send(self, **message: Any) -> None:
        self.socket.send(json.dumps(message))

    def read(self, quiet: float = 0.25, within: float = 10) -> None:
        """Messages until the room is quiet for `quiet` seconds (or the interview ended)."""
        deadline = time.monotonic() + within
        while self.ended is None and time.monotonic() < deadline:
            try:
                message = json.loads(self.socket.recv(timeout=quiet))
            except TimeoutError:
                if self.live and self.turns and self.turns[-1]["speaker"] == "ai":
                    return
                continue
            except WebSocketException:
                return
            if message["type"] == "turn":
                self.turns.append(message)
            elif message["type"] == "status":
                if message["state"] == "live":
                    self.live = True
                elif message["state"] in ("ended", "taken_over"):
                    self.ended = message


class Lifecycle(RuleBasedStateMachine):
    site: Site

    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.http = httpx.Client(
            base_url=self.site.url, headers={"x-api-key": self.site.key}, timeout=30
        )
        self.models: dict[str, Model] = {}
        self.participants: list[str] = []

    def teardown(self) -> None:
        self.http.close()

    # --- helpers ----------------------------------------------------------------------------

    def _participant(self) -> str:
        email = f"p{len(self.participants)}-{time.monotonic_ns()}@example.com"
        person = _data(
            self.http.post(
                "/api/v1/participants",
                json={
                    "name": "P",
                    "email": email,
                    "evaluation_template_id": self.site.template_id,
                },
            ),
            201,
        )
        self.participants.append(person["id"])
        return str(person["id"])

    def _open_for(self, participant: str) -> list[str]:
        return [
            m.id
            for m in self.models.values()
            if m.participant == participant and m.status in ("scheduled", "in_progress")
        ]

    def _refused(self, response: httpx.Response, model: Model) -> None:
        assert response.status_code == 409, response.text
        expected = "session_immutable" if model.status in TERMINAL else "invalid_transition"
        assert response.json()["code"] == expected, response.text

    def _absorb(self, model: Model, room: Room) -> None:
        ended = room.ended is not None and room.ended.get("state") == "ended"
        if ended and room.ended is not None and model.status == "in_progress":
            model.status = room.ended["status"]
            model.end_reason = room.ended.get("reason")

    # --- rules ------------------------------------------------------------------------------

    @initialize()
    def first_participant(self) -> None:
        self._participant()

    @rule()
    def add_participant(self) -> None:
        self._participant()

    @rule(target=sessions, pick=st.integers(0, 100), force=st.booleans())
    def create(self, pick: int, force: bool) -> Any:
        participant = self.participants[pick % len(self.participants)]
        body: dict[str, Any] = {
            "candidate_id": participant,
            "evaluation_template_id": self.site.template_id,
            "stage": "screen",
        }
        if force:
            body["force"] = True
        response = self.http.post("/api/v1/sessions", json=body)
        open_ones = self._open_for(participant)
        if open_ones and not force:
            assert response.status_code == 409, response.text
            assert response.json()["code"] == "duplicate_session"
            assert response.json()["session_id"] in open_ones  # it names one of them
            return response.json()["session_id"]
        session = _data(response, 201)
        assert session["status"] == "scheduled"
        model = Model(session["id"], participant, token_of(session["join_url"]))
        self.models[model.id] = model
        return model.id

    @rule(session=sessions)
    def join(self, session: str) -> None:
        model = self.models[session]
        with Room(self.site, model.token) as room:
            room.send(type="consent")
            room.read()
            if model.status in ("scheduled", "in_progress"):
                assert room.live, room.ended
                assert room.turns and room.turns[0]["speaker"] == "ai"
                model.status = "in_progress"
                model.turns = max(model.turns, room.turns[-1]["index"] + 1)
            else:
                assert room.ended is not None and room.ended["status"] == model.status

    @precondition(lambda self: any(m.status == "in_progress" for m in self.models.values()))
    @rule(session=sessions, answers=st.integers(1, 3))
    def answer(self, session: str, answers: int) -> None:
        model = self.models[session]
        if model.status != "in_progress":
            return
        with Room(self.site, model.token) as room:
            room.send(type="resume")
            room.read()
            for n in range(answers):
                if room.ended is not None or model.status != "in_progress":
                    break
                before = len(room.turns)
                room.send(type="answer", text=ANSWERS[n % len(ANSWERS)])
                room.read()
                assert room.ended is not None or len(room.turns) >= before + 2
            if model.status == "in_progress":
                assert room.turns, room.ended
                model.turns = room.turns[-1]["index"] + 1
            self._absorb(model, room)

    @rule(session=sessions)
    def complete(self, session: str) -> None:
        model = self.models[session]
        if model.status != "in_progress":
            return
        with Room(self.site, model.token) as room:
            room.send(type="resume")
            room.read()
            for n in range(20):
                if room.ended is not None:
                    break
                room.send(type="answer", text=ANSWERS[n % len(ANSWERS)])
                room.read()
            assert room.ended is not None, "the interview never closed"
            assert room.ended["status"] == "completed", room.ended
            self._absorb(model, room)
        assert model.status == "completed"

    @rule(session=sessions)
    def end_early(self, session: str) -> None:
        model = self.models[session]
        with Room(self.site, model.token) as room:
            room.send(type="resume")
            room.read()
            if model.status in TERMINAL:
                assert room.ended is not None and room.ended["status"] == model.status
                return
            room.send(type="end")
            room.read()
            assert room.ended == {
                "type": "status",
                "state": "ended",
                "status": "failed",
                "reason": "candidate_ended",
            }
            model.status, model.end_reason = "failed", "candidate_ended"

    @rule(session=sessions)
    def cancel(self, session: str) -> None:
        model = self.models[session]
        response = self.http.post(f"/api/v1/sessions/{session}/cancel")
        if model.status == "scheduled":
            assert _data(response, 200)["status"] == "cancelled"
            model.status, model.end_reason = "cancelled", "cancelled"
        else:
            self._refused(response, model)

    @rule(session=sessions, day=st.integers(1, 300))
    def reschedule(self, session: str, day: int) -> None:
        model = self.models[session]
        when = f"2031-{1 + day % 12:02d}-{1 + day % 28:02d}T10:30:00Z"
        response = self.http.patch(f"/api/v1/sessions/{session}", json={"scheduled_at": when})
        if model.status == "scheduled":
            assert _data(response, 200)["scheduled_at"] == when
        else:
            self._refused(response, model)

    @rule(session=consumes(sessions))
    def cancel_races_join(self, session: str) -> None:
        model = self.models[session]
        before = model.status

        def join() -> Room:
            room = Room(self.site, model.token)
            room.send(type="consent")
            room.read()
            return room

        with ThreadPoolExecutor(2) as pool:
            joined = pool.submit(join)
            cancelled = pool.submit(self.http.post, f"/api/v1/sessions/{session}/cancel")
            room, response = joined.result(), cancelled.result()
        with room:
            if before != "scheduled":
                self._refused(response, model)
                if before == "in_progress":
                    assert room.live
                return
            if response.status_code == 200:  # cancel won: the room says so
                assert room.ended is not None and room.ended["status"] == "cancelled", room.ended
                model.status, model.end_reason = "cancelled", "cancelled"
            else:  # join won: the cancel is refused and the interview runs
                assert response.status_code == 409 and room.live, (response.text, room.ended)
                model.status = "in_progress"

    @rule(session=sessions)
    def two_tabs_join(self, session: str) -> None:
        model = self.models[session]

        def join() -> Room:
            room = Room(self.site, model.token)
            room.send(type="consent")
            room.read()
            return room

        with ThreadPoolExecutor(2) as pool:
            rooms = [f.result() for f in [pool.submit(join), pool.submit(join)]]
        for room in rooms:
            room.socket.close()
        if model.status in ("scheduled", "in_progress"):
            assert any(r.live for r in rooms)
            model.status = "in_progress"

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def api_matches_model(self) -> None:
        for model in self.models.values():
            session = _data(self.http.get(f"/api/v1/sessions/{model.id}"), 200)
            assert session["status"] == model.status, (session, model)
            if model.status in TERMINAL:
                assert session["end_reason"] == model.end_reason, (session, model)
                assert session["ended_at"] is not None
            if model.status != "scheduled" and model.status != "cancelled":
                assert session["started_at"] is not None
            events = _rows(self.http.get(f"/api/v1/sessions/{model.id}/events"), 200)
            kinds = Counter(e["event"] for e in events)
            assert sorted(kinds.elements()) == sorted(EXPECTED_EVENTS[model.status]), (
                model,
                kinds,
            )
            turns = _rows(self.http.get(f"/api/v1/sessions/{model.id}/transcript"), 200)
            assert [t["index"] for t in turns] == list(range(len(turns)))
            assert len(turns) >= model.turns

    @invariant()
    def terminal_sessions_are_immutable(self) -> None:
        for model in self.models.values():
            if model.status in TERMINAL:
                response = self.http.patch(f"/api/v1/sessions/{model.id}", json={"notes": "x"})
                assert response.status_code == 409
                assert response.json()["code"] == "session_immutable"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:connect\\(\\) must be used:DeprecationWarning")
def test_session_lifecycle_follows_the_model(lifecycle_site: Site) -> None:
    Lifecycle.site = lifecycle_site
    Lifecycle.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # shrinking a process-level run takes ages
        suppress_health_check=list(HealthCheck),
    )
    Lifecycle.TestCase().runTest()
