"""The join page: `/join/{token}` and its live channel `/join/{token}/ws`.

GET /join/{token}      the AI-use notice and consent, then the interview (text mode); invalid,
                       cancelled and finished interviews get a page saying so
POST /join/{token}/about-you  the optional self-identification (docs/bias-audit.md), then
                       back to the page (303)
WS  /join/{token}/ws   the conversation, JSON messages (see `vivavoce.interviewer.room`);
                       with `?mode=voice` also microphone audio and the interviewer's speech
                       (see `vivavoce.voice.live`)

Unknown tokens are counted per client address (`TOKEN_MISSES_PER_MINUTE`, with a burst of
`TOKEN_MISS_BURST`): a client that keeps guessing is answered 429 (the page) or refused at the
handshake (the socket) until its budget refills, whatever token it tries next.

The page needs JavaScript for the conversation (a small module from /static, no CDN); the
notice and the outcome pages are plain HTML."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from starlette.responses import RedirectResponse, Response
from starlette.websockets import WebSocketDisconnect

from vivavoce.api.state import AppState, app_state
from vivavoce.bias_audit import questions as self_id
from vivavoce.bias_audit import service as bias_audit
from vivavoce.coding.room import LiveCodingRound
from vivavoce.config import Settings
from vivavoce.interviewer import providers
from vivavoce.interviewer.plan import InterviewPlan
from vivavoce.interviewer.room import CloseSocket, Room, RoomDeps, Send
from vivavoce.kit.clock import utcnow
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import NotFound
from vivavoce.kit.ratelimit import Lockout
from vivavoce.kit.recognition import Word
from vivavoce.sessions import service as sessions
from vivavoce.sessions.join_view import join_view
from vivavoce.sessions.state import Status
from vivavoce.templates.durations import interview_minutes
from vivavoce.voice import live as voice_live
from vivavoce.voice.bias import Topic
from vivavoce.web import assessment, csrf, practice
from vivavoce.web.apply import SELF_ID, HtmlRoute
from vivavoce.web.forms import UnstorableForm, read_form
from vivavoce.web.rendering import Theme, page

log = logging.getLogger(__name__)

TOKEN_MISSES_PER_MINUTE = 10
TOKEN_MISS_BURST = 10
_guessing = Lockout(TOKEN_MISSES_PER_MINUTE, TOKEN_MISS_BURST)

# "This interview will be held in English." — shown, in the candidate's language where we have
# it, when the interview's language is one the configured interviewer does not speak (the
# offline interviewer speaks English only), so nobody discovers it at the first question.
HELD_IN_ENGLISH = {
    "de": "Dieses Interview wird auf Englisch geführt.",
    "es": "Esta entrevista se realizará en inglés.",
    "fr": "Cet entretien se déroulera en anglais.",
    "it": "Questo colloquio si svolgerà in inglese.",
    "nl": "Dit gesprek wordt in het Engels gevoerd.",
    "pl": "Ta rozmowa zostanie przeprowadzona po angielsku.",
    "pt": "Esta entrevista será conduzida em inglês.",
    "sv": "Den här intervjun hålls på engelska.",
}

router = APIRouter(prefix="/join", route_class=HtmlRoute, include_in_schema=False)
socket_router = APIRouter(prefix="/join", include_in_schema=False)


@dataclass(frozen=True)
class Frame:
    """A page shown inside the embeddable widget (docs/embed.md): `origin` is the one host
    page origin that may frame it (CSP `frame-ancestors`) and receive its postMessage
    events; `state` is what the page tells the host on load, unless `announce` is off (a
    page that follows an end the host was already told of)."""

    origin: str
    session_id: str
    state: str = "ready"
    announce: bool = True

    def context(self) -> dict[str, str]:
        return {
            "origin": self.origin,
            "session_id": self.session_id,
            "state": self.state,
            "announce": "yes" if self.announce else "no",
        }


def _message(
    kind: str, status: int, theme: Theme | None = None, frame: Frame | None = None
) -> Response:
    if frame is None:
        return page("join_message.html", {"kind": kind, "embed": None}, status=status, theme=theme)
    framed = replace(frame, state=kind)
    return page(
        "join_message.html",
        {"kind": kind, "embed": framed.context()},
        status=status,
        theme=theme,
        scripts=True,
        frame_ancestors=frame.origin,
    )


def frame_message(kind: str, frame: Frame) -> Response:
    """A page of the widget saying why there is no interview to show (`token_used`, …)."""
    return _message(kind, 410, None, frame)


def _address(connection: Request | WebSocket) -> str:
    return connection.client.host if connection.client else "unknown"


def throttled(address: str) -> Response | None:
    """The 429 page for a client that kept opening unknown links, else None."""
    wait = _guessing.retry_after(address, time.monotonic())
    if not wait:
        return None
    response = _message("throttled", 429)
    response.headers["Retry-After"] = str(wait)
    return response


def missed(address: str) -> Response:
    """An unknown link: counted against the client, then the 404 (or 429) page."""
    _guessing.failed(address, time.monotonic())
    return throttled(address) or _message("not_found", 404)


_SAVED = ("saved", "withdrawn")  # the thank-you notes after the self-identification form


@router.get("/{token}")
async def join_page(request: Request, token: str) -> Response:
    saved = request.query_params.get("about_you")
    return await _join_page(request, token, SelfIdShown(saved=saved if saved in _SAVED else None))


def _self_id_context(
    token: str, saved: str | None, errors: dict[str, str] | None
) -> dict[str, Any]:
    """What `_self_id_form.html` needs on the join and assessment pages."""
    return {
        "csrf_field": csrf.FIELD,
        "csrf_token": token,
        "self_id": SELF_ID,
        "self_id_saved": saved,
        "self_id_errors": errors or {},
    }


@dataclass(frozen=True)
class SelfIdShown:
    """The self-identification form's state on a page: the thank-you or the errors."""

    saved: str | None = None
    errors: dict[str, str] | None = None


async def _join_page(request: Request, token: str, shown: SelfIdShown) -> Response:
    address = _address(request)
    if (refused := throttled(address)) is not None:
        return refused
    if len(token) > 200:
        return missed(address)
    return await interview_page(request, token, address, shown=shown)


async def interview_page(
    request: Request,
    token: str,
    address: str,
    frame: Frame | None = None,
    shown: SelfIdShown | None = None,
) -> Response:
    """The join page of `token` (a join token or an embedded page's room key): the notice
    and the interview, or a page saying why not. With `frame`, the page is the widget's."""
    state = app_state(request)
    async with state.sessionmaker() as db:
        try:
            session = await sessions.session_for_token(db, token)
        except NotFound:
            return missed(address)
        setup = await sessions.interview_setup(db, session)
    theme = Theme.of(setup.template.get("branding"))
    view = join_view(session.status, str(setup.stage.get("stage_type")), framed=frame is not None)
    if view.page in _MESSAGES:
        return _message(view.page, _MESSAGES[view.page], theme, frame)
    if view.page == "practice_feedback":
        title = str(setup.template.get("template_name") or "Practice")
        scored = session.scored_at is not None
        framed = (frame, token) if frame else None
        breakdown = session.evaluation_breakdown
        return practice.feedback_page(title, breakdown, scored, theme, framed)
    if view.page == "assessment":
        issued = csrf.issue(request, state.settings.secret_key)
        shown = shown or SelfIdShown()
        form = _self_id_context(issued.token, shown.saved, shown.errors)
        response = assessment.page_for(token, setup, view.resume, theme, form)
        issued.set_cookie(response, secure=state.settings.base_url.startswith("https://"))
        return response
    live = _LivePage(setup, token, theme, frame, session.language, view.resume)
    return _live_page(request, state.settings, live, shown or SelfIdShown())


# The join views answered with a message page, and its HTTP status.
_MESSAGES: dict[str, int] = {"cancelled": 410, "completed": 200, "failed": 410, "not_joinable": 404}


@dataclass(frozen=True)
class _LivePage:
    setup: sessions.InterviewSetup
    token: str
    theme: Theme
    frame: Frame | None
    language: str | None
    resume: bool


def _live_page(
    request: Request, settings: Settings, live: _LivePage, shown: SelfIdShown
) -> Response:
    """The live interview's page. The self-identification form is offered on the join link
    only: its answer redirects to /join, which an embedding page may not frame."""
    setup, token, frame = live.setup, live.token, live.frame
    language = live.language or "en"
    in_language = providers.speaks(settings, language)
    voice = voice_live.voice_available(settings)
    if voice:
        voice_live.warm_up(settings)  # ready by the time the candidate consents
    minutes = interview_minutes(
        setup.stage.get("duration_minutes"), setup.template.get("default_duration_minutes")
    )
    issued = csrf.issue(request, settings.secret_key)
    response = page(
        "join.html",
        {
            **_self_id_context(issued.token, shown.saved, shown.errors),
            "self_id_offered": frame is None,
            "title": setup.template.get("template_name") or "Interview",
            "candidate_name": setup.candidate_name,
            "minutes": minutes,
            "token": token,
            "resume": live.resume,
            "content_lang": language,
            # the language the conversation is held in, and the notice when that is not the
            # language the interview was set up in
            "interview_lang": language if in_language else "en",
            "held_in_english": not in_language,
            "held_in_english_local": HELD_IN_ENGLISH.get(language.split("-", 1)[0].lower()),
            "voice_available": voice,
            "practice": setup.stage.get("stage_type") == "practice_session",
            "roleplay": roleplay_brief(setup.stage),
            "embed": frame.context() if frame else None,
        },
        theme=live.theme,
        scripts=True,
        status=422 if shown.errors else 200,
        frame_ancestors=frame.origin if frame else None,
    )
    issued.set_cookie(response, secure=settings.base_url.startswith("https://"))
    return response


def roleplay_brief(stage: dict[str, Any]) -> dict[str, Any] | None:
    """What the join page tells a role-play's candidate before consent: who the AI plays,
    their own role and brief, and when the scene ends."""
    scenario = stage.get("roleplay") if stage.get("stage_type") == "roleplay_simulation" else None
    if not isinstance(scenario, dict):
        return None
    return {
        "character": scenario["character"]["name"],
        "description": scenario["character"]["description"],
        "role": scenario["candidate"]["role"],
        "brief": scenario["candidate"]["brief"],
        "max_turns": (scenario.get("ending") or {}).get("max_turns", 12),
    }


@router.post("/{token}/about-you")
async def save_self_identification(request: Request, token: str) -> Response:
    """The optional self-identification of the join page (docs/bias-audit.md): stored apart
    from the application, then back to the page with a thank-you (303)."""
    state = app_state(request)
    address = _address(request)
    if (refused := throttled(address)) is not None:
        return refused
    if len(token) > 200:
        return missed(address)
    try:
        values = (await read_form(request, max_fields=10)).first_values()
    except UnstorableForm:  # a NUL character: nobody types one
        return _message("unreadable", 422)
    if not csrf.accepts(request, values, state.settings.secret_key):
        return _message("forbidden", 403)
    answers = self_id.parse(values)
    if answers.errors:
        return await _join_page(request, token, SelfIdShown(errors=answers.errors))
    async with unit_of_work(state.sessionmaker) as db:
        try:
            session = await sessions.session_for_token(db, token)
        except NotFound:
            return missed(address)
        if session.status == Status.CANCELLED.value:
            return _message("cancelled", 410)
        await bias_audit.record_for_participant(
            db,
            session.workspace_id,
            session.candidate_id,
            answers.answers,
            bias_audit.JOIN_PAGE,
            utcnow(),
        )
    outcome = "withdrawn" if answers.answers.empty else "saved"
    return RedirectResponse(f"/join/{token}?about_you={outcome}", status_code=303)


async def _known(sessionmaker: Any, token: str) -> bool:
    if len(token) > 200:
        return False
    async with sessionmaker() as db:
        try:
            await sessions.session_for_token(db, token)
        except NotFound:
            return False
    return True


@socket_router.websocket("/{token}/ws")
async def join_socket(websocket: WebSocket, token: str) -> None:
    state = app_state(websocket)
    address = _address(websocket)
    if _guessing.retry_after(address, time.monotonic()):
        await websocket.close(1008)  # refused at the handshake (HTTP 403)
        return
    if not await _known(state.sessionmaker, token):
        _guessing.failed(address, time.monotonic())  # the room still answers not_found
    spoken = websocket.query_params.get("mode") == "voice"
    interviewers: providers.Interviewers = websocket.app.state.interviewers  # app._serving
    deps = _room_deps(state, interviewers, spoken=spoken)
    await websocket.accept()
    outbox = _Outbox(websocket)
    channel: voice_live.VoiceChannel | None = None
    if spoken:
        room, channel = _voice_room(websocket, state, deps, token, outbox)
    else:
        room = _room(websocket, deps, token, outbox.send_json, outbox.close)
    try:
        await _relay(websocket, room, channel)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("live room failed")
        await room.close(1011)
    finally:
        if channel is not None:
            channel.close()
        await room.disconnected()


def _room_deps(state: AppState, interviewers: providers.Interviewers, *, spoken: bool) -> RoomDeps:
    settings = state.settings
    return RoomDeps(
        sessionmaker=state.sessionmaker,
        links=sessions.SessionLinks(settings.base_url, settings.secret_key),
        grace_seconds=float(settings.join_grace_seconds),
        voice=interviewers.voice,
        judge=interviewers.judge,
        coding=LiveCodingRound(state.sessionmaker),
        outage_budget_seconds=settings.interviewer_outage_budget_seconds,
        answerer=interviewers.answerer,
        scene_voice=interviewers.scene_voice,
        liveness_sessionmaker=state.liveness_sessionmaker,
        listener=state.transcript_listener,
        # a spoken reply is paced by its audio: its text goes to the speech engine at once
        reveal_words_per_second=0.0 if spoken else settings.interviewer_reveal_words_per_second,
    )


class _Outbox:
    """What goes out on one socket; the room and the voice channel send from different tasks,
    so a message (or an audio header and its audio) is never interleaved with another."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._sending = asyncio.Lock()

    async def send_json(self, message: dict[str, Any]) -> None:
        async with self._sending:
            await self._websocket.send_json(message)

    async def send_audio(self, header: dict[str, Any], audio: bytes) -> None:
        async with self._sending:
            await self._websocket.send_json(header)
            await self._websocket.send_bytes(audio)

    async def close(self, code: int) -> None:
        await self._websocket.close(code)


def _room(websocket: WebSocket, deps: RoomDeps, token: str, send: Send, close: CloseSocket) -> Room:
    """The room for this connection, recording who connected."""
    return Room(
        deps,
        token,
        send,
        close,
        client_address=websocket.client.host if websocket.client else None,
        user_agent=websocket.headers.get("user-agent"),
    )


def _voice_room(
    websocket: WebSocket, state: AppState, deps: RoomDeps, token: str, outbox: _Outbox
) -> tuple[Room, voice_live.VoiceChannel]:
    """A room whose replies go through a voice channel that speaks them (and hears the
    candidate): each needs the other, so the channel reaches the room once it exists."""
    room_ref: list[Room] = []

    async def room_receive(raw: str) -> bool:
        return await room_ref[0].receive(raw)

    async def room_heard(text: str, heard: tuple[Word, ...]) -> bool:
        answer = json.dumps({"type": "answer", "text": text})
        return await room_ref[0].receive(answer, heard)

    channel = voice_live.VoiceChannel(
        voice_live.deps_for(state.settings, state.sessionmaker),
        outbox.send_json,
        outbox.send_audio,
        room_receive,
        lambda: (room_ref[0].session_id, room_ref[0].workspace_id),
        room_heard,
        lambda: _topic(room_ref[0].plan),
    )
    room = _room(websocket, deps, token, channel.observe, outbox.close)
    room_ref.append(room)
    return room, channel


async def _relay(websocket: WebSocket, room: Room, channel: voice_live.VoiceChannel | None) -> None:
    """Hand the socket's frames to the room (audio and voice controls to the channel) until
    either side ends the conversation."""
    while not room.closed:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            raw = message.get("bytes")
            if channel is not None and raw is not None:
                await channel.audio(raw)
                continue
        elif channel is not None and (control := _voice_control(raw)) is not None:
            await channel.control(control)
            continue
        if not await room.receive(raw):
            return


def _topic(plan: InterviewPlan | None) -> Topic:
    """What the recogniser is told the interview is about (docs/voice.md, biasing)."""
    if plan is None:
        return Topic()
    return Topic(role=plan.role, skills=plan.skills)


def _voice_control(raw: str) -> dict[str, Any] | None:
    """A voice control message (`barge_in`, `voice_off`), or None for the room."""
    if len(raw) > 200 or '"type"' not in raw:
        return None
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    if isinstance(message, dict) and message.get("type") in voice_live.CONTROL_TYPES:
        return message
    return None
