"""The public apply page: a candidate applies to a template on their own.

A submission becomes an *apply request* (`apply_requests`), which records what was typed, the
consent text shown and when it was given, and the client address for the throttles. When the
template wants the email verified (`apply.requires_otp`), the request waits for a 6-digit code
sent to that address; only a keyed digest of the code is stored. A correct code (or, without
verification, the submission itself) creates the participant and the application in the same
transaction — pending, or approved at once when the template needs no approval.

Codes expire (10 minutes by default) and lock after 5 wrong tries. Sending codes is
throttled per address (one a minute, five an hour) and every submission and resend per client
address (twenty an hour). Whether an address has already applied is told only once its owner
has proved it with the code, so the page does not reveal who applied where.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.applications import apply_repository as repository
from vivavoce.applications import service as applications
from vivavoce.applications.apply_schemas import ApplyForm
from vivavoce.config import Settings
from vivavoce.emails import notify
from vivavoce.kit.crypto import derive_token, token_matches
from vivavoce.kit.errors import AppError, Conflict, NotFound
from vivavoce.kit.ids import uuid7
from vivavoce.models import ApplyRequest, EvaluationTemplate
from vivavoce.participants import service as participants
from vivavoce.participants.schemas import ParticipantCreate
from vivavoce.templates import service as templates

SOURCE = "apply_page"
CODE_LENGTH = 6
HOUR = timedelta(hours=1)

# Request statuses (16 characters at most).
WAITING = "awaiting_code"
COMPLETED = "completed"
DUPLICATE = "duplicate"
LOCKED = "locked"
SUPERSEDED = "superseded"  # a newer request for the same address took over
CLOSED = "closed"  # the template stopped taking applications before the code came

DEFAULT_CONSENT = (
    "I agree that the details I give here, and the recording, transcript and assessment of "
    "my interview, are stored and used to evaluate my application. I can ask for my data to "
    "be erased at any time."
)

_DUPLICATE_CODES = frozenset({"duplicate_participant", "duplicate_application"})
_NOT_DIGITS = re.compile(r"[\s\-.]")


@dataclass(frozen=True)
class ApplyConfig:
    """The OTP rules and throttles (from `Settings`), and the key the codes are digested
    with."""

    secret_key: str
    otp_ttl: timedelta
    max_attempts: int
    resend_interval: timedelta
    codes_per_email_per_hour: int
    submissions_per_ip_per_hour: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ApplyConfig:
        return cls(
            secret_key=settings.secret_key,
            otp_ttl=timedelta(seconds=settings.apply_otp_ttl_seconds),
            max_attempts=settings.apply_otp_max_attempts,
            resend_interval=timedelta(seconds=settings.apply_resend_interval_seconds),
            codes_per_email_per_hour=settings.apply_codes_per_email_per_hour,
            submissions_per_ip_per_hour=settings.apply_submissions_per_ip_per_hour,
        )

    @property
    def expires_minutes(self) -> int:
        return max(1, round(self.otp_ttl.total_seconds() / 60))


class ApplyClosed(AppError):
    """The template is archived: it no longer takes applications."""

    def __init__(self) -> None:
        super().__init__(
            "this evaluation template no longer accepts applications",
            code="apply_closed",
            status=410,
        )


ThrottleReason = Literal["address_recent", "address_hourly", "client_hourly"]


class Throttled(AppError):
    """Too many codes for one address, or too many submissions from one client."""

    def __init__(self, reason: ThrottleReason, retry_after: timedelta) -> None:
        seconds = max(1, int(retry_after.total_seconds() + 0.999))
        super().__init__(
            "too many requests; retry later",
            code="apply_throttled",
            status=429,
            headers={"Retry-After": str(seconds)},
        )
        self.reason: ThrottleReason = reason
        self.retry_after_seconds = seconds


@dataclass(frozen=True)
class ApplyPage:
    """What the public page shows about a template that takes applications."""

    template_id: uuid.UUID
    workspace_id: uuid.UUID
    title: str
    description: str | None
    language: str
    consent_text: str
    requires_otp: bool
    requires_approval: bool
    branding: dict[str, Any]


def _settings_of(template: EvaluationTemplate) -> dict[str, Any]:
    return dict(template.apply or {})


def _page(template: EvaluationTemplate) -> ApplyPage:
    apply = _settings_of(template)
    consent = (apply.get("consent_text") or "").strip() or DEFAULT_CONSENT
    return ApplyPage(
        template_id=template.id,
        workspace_id=template.workspace_id,
        title=template.template_name,
        description=template.description,
        language=template.language or "en",
        consent_text=consent,
        requires_otp=bool(apply.get("requires_otp", True)),
        requires_approval=bool(apply.get("requires_approval", True)),
        branding=dict(template.branding or {}),
    )


async def _template(db: AsyncSession, template_id: uuid.UUID) -> EvaluationTemplate:
    """The template behind a public page: NotFound unless its page is switched on (drafts
    have none), ApplyClosed once archived."""
    workspace_id = await repository.template_workspace(db, template_id)
    if workspace_id is None:
        raise NotFound("apply page")
    template = await templates.get_template(db, workspace_id, template_id)
    if not _settings_of(template).get("enabled") or template.status == "draft":
        raise NotFound("apply page")
    if template.status != "active":
        raise ApplyClosed()
    return template


async def open_page(db: AsyncSession, template_id: uuid.UUID) -> ApplyPage:
    """The apply page of a template, or NotFound / ApplyClosed."""
    return _page(await _template(db, template_id))


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


_OTP_PURPOSE = "apply-otp"


def code_digest(config: ApplyConfig, request_id: uuid.UUID, code: str) -> str:
    """Keyed and bound to the request: a leaked table does not give the codes away, even
    though there are only a million of them."""
    return derive_token(config.secret_key, _OTP_PURPOSE, f"{request_id}:{code}")


def code_matches(config: ApplyConfig, request_id: uuid.UUID, code: str, stored: str) -> bool:
    """Whether `code` is the one whose digest is stored, under any listed secret key."""
    return token_matches(config.secret_key, _OTP_PURPOSE, f"{request_id}:{code}", stored)


async def _check_client(
    db: AsyncSession, client_ip: str | None, config: ApplyConfig, now: datetime
) -> None:
    if client_ip is None:
        return
    window = await repository.activity_from_client(db, client_ip, now - HOUR)
    if window.count >= config.submissions_per_ip_per_hour:
        oldest = window.oldest or now
        raise Throttled("client_hourly", oldest + HOUR - now)


async def _check_address(
    db: AsyncSession, template_id: uuid.UUID, email: str, config: ApplyConfig, now: datetime
) -> None:
    window = await repository.sends_to_address(db, template_id, email, now - HOUR)
    if window.last_sent is not None and now - window.last_sent < config.resend_interval:
        raise Throttled("address_recent", window.last_sent + config.resend_interval - now)
    if window.count >= config.codes_per_email_per_hour:
        oldest = window.oldest or now
        raise Throttled("address_hourly", max(oldest + HOUR - now, config.resend_interval))


async def _send_code(
    db: AsyncSession,
    request: ApplyRequest,
    template: EvaluationTemplate,
    config: ApplyConfig,
    now: datetime,
) -> None:
    code = new_code()
    request.otp_digest = code_digest(config, request.id, code)
    request.otp_expires_at = now + config.otp_ttl
    request.otp_sent_at = now
    request.otp_attempts = 0
    request.updated_at = now
    await repository.save(db, request)
    await notify.otp_code(
        db,
        workspace_id=request.workspace_id,
        to_address=request.email,
        to_name=request.name,
        code=code,
        template=template,
        expires_minutes=config.expires_minutes,
    )


async def _complete(
    db: AsyncSession, request: ApplyRequest, template: EvaluationTemplate, now: datetime
) -> str:
    """Create the participant and the application (COMPLETED), or find the address has
    applied already (DUPLICATE). Either way in the caller's transaction."""
    body = ParticipantCreate(
        name=request.name,
        email=request.email,
        evaluation_template_id=template.id,
        phone=request.phone,
        resume_url=request.resume_url,
    )
    try:
        async with db.begin_nested():
            participant = await participants.create(db, request.workspace_id, body)
            application = await applications.submit(
                db,
                request.workspace_id,
                template.id,
                participant.id,
                source=SOURCE,
                requires_approval=bool(_settings_of(template).get("requires_approval", True)),
                consent_text=request.consent_text,
                consented_at=request.consented_at,
                now=now,
            )
    except Conflict as exc:
        if exc.code not in _DUPLICATE_CODES:
            raise
        request.status = DUPLICATE
        request.otp_digest = None
        request.updated_at = now
        await repository.save(db, request)
        return DUPLICATE
    request.status = COMPLETED
    request.otp_digest = None
    request.participant_id = participant.id
    request.application_id = application.id
    request.updated_at = now
    await repository.save(db, request)
    if application.approval_status == "pending":
        await notify.application_received(db, participant, template)
    return COMPLETED


@dataclass(frozen=True)
class Submitted:
    request_id: uuid.UUID
    status: str  # WAITING (a code was sent), COMPLETED or DUPLICATE


async def submit(
    db: AsyncSession,
    template_id: uuid.UUID,
    form: ApplyForm,
    *,
    client_ip: str | None,
    config: ApplyConfig,
    now: datetime,
) -> Submitted:
    """A filled-in form: a request waiting for its code, or — when the template does not
    verify emails — the participant and application at once. Raises Throttled."""
    template = await _template(db, template_id)
    page = _page(template)
    await repository.lock_address(db, template.id, form.email)
    await _check_client(db, client_ip, config, now)
    if page.requires_otp:
        await _check_address(db, template.id, form.email, config, now)
    request = ApplyRequest(
        id=uuid7(),
        workspace_id=template.workspace_id,
        evaluation_template_id=template.id,
        name=form.name,
        email=form.email,
        phone=form.phone,
        resume_url=form.resume_url,
        consent_text=page.consent_text,
        consented_at=now,
        otp_attempts=0,
        resend_count=0,
        client_ip=client_ip,
        status=WAITING,
        created_at=now,
        updated_at=now,
    )
    await repository.add(db, request)
    if not page.requires_otp:
        return Submitted(request.id, await _complete(db, request, template, now))
    await repository.supersede_waiting(
        db, template.id, form.email, request.id, waiting=WAITING, status=SUPERSEDED, now=now
    )
    await _send_code(db, request, template, config, now)
    return Submitted(request.id, WAITING)


async def _request(
    db: AsyncSession, template_id: uuid.UUID, request_id: uuid.UUID, *, for_update: bool = False
) -> ApplyRequest:
    request = await repository.get(db, template_id, request_id, for_update=for_update)
    if request is None:
        raise NotFound("apply request")
    return request


VerifyOutcome = Literal[
    "completed", "duplicate", "wrong", "malformed", "expired", "locked", "superseded", "closed"
]


@dataclass(frozen=True)
class Verification:
    outcome: VerifyOutcome
    tries_left: int = 0


def _normalised(code: str) -> str | None:
    """The six digits typed, forgiving spaces, dashes and full-width digits (an IME)."""
    digits = _NOT_DIGITS.sub("", unicodedata.normalize("NFKC", code))
    if len(digits) != CODE_LENGTH or not digits.isascii() or not digits.isdigit():
        return None
    return digits


async def verify(
    db: AsyncSession,
    template_id: uuid.UUID,
    request_id: uuid.UUID,
    code: str,
    *,
    config: ApplyConfig,
    now: datetime,
) -> Verification:
    """Check a typed code. A wrong one counts against the request (and locks it at the
    limit); an expired or malformed one does not. Verifying twice is harmless."""
    request = await _request(db, template_id, request_id, for_update=True)
    if request.status != WAITING:
        settled: dict[str, VerifyOutcome] = {
            COMPLETED: "completed",
            DUPLICATE: "duplicate",
            LOCKED: "locked",
            SUPERSEDED: "superseded",
            CLOSED: "closed",
        }
        return Verification(settled.get(request.status, "locked"))
    if request.otp_digest is None or request.otp_expires_at is None:
        return Verification("expired")
    if now >= request.otp_expires_at:
        return Verification("expired")
    typed = _normalised(code)
    if typed is None:
        return Verification("malformed", config.max_attempts - request.otp_attempts)
    if not code_matches(config, request.id, typed, request.otp_digest):
        request.otp_attempts += 1
        request.updated_at = now
        if request.otp_attempts >= config.max_attempts:
            request.status = LOCKED
            request.otp_digest = None
            await repository.save(db, request)
            return Verification("locked")
        await repository.save(db, request)
        return Verification("wrong", config.max_attempts - request.otp_attempts)
    try:
        template = await _template(db, template_id)
    except (NotFound, ApplyClosed):
        request.status = CLOSED
        request.otp_digest = None
        request.updated_at = now
        await repository.save(db, request)
        return Verification("closed")
    outcome = await _complete(db, request, template, now)
    return Verification("completed" if outcome == COMPLETED else "duplicate")


ResendOutcome = Literal["sent", "locked", "superseded", "closed", "settled"]


async def resend(
    db: AsyncSession,
    template_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    client_ip: str | None,
    config: ApplyConfig,
    now: datetime,
) -> ResendOutcome:
    """A new code for a request still waiting for one (the old code stops working).
    Raises Throttled."""
    request = await _request(db, template_id, request_id, for_update=True)
    if request.status == LOCKED:
        return "locked"
    if request.status == SUPERSEDED:
        return "superseded"
    if request.status != WAITING:
        return "settled"
    try:
        template = await _template(db, template_id)
    except (NotFound, ApplyClosed):
        return "closed"
    await repository.lock_address(db, template.id, request.email)
    await _check_client(db, client_ip, config, now)
    await _check_address(db, template.id, request.email, config, now)
    request.resend_count += 1
    if client_ip is not None:
        request.client_ip = client_ip
    await _send_code(db, request, template, config, now)
    return "sent"


ViewStatus = Literal[
    "waiting", "expired", "completed", "duplicate", "locked", "superseded", "closed"
]


_SETTLED_VIEWS: dict[str, ViewStatus] = {
    DUPLICATE: "duplicate",
    LOCKED: "locked",
    SUPERSEDED: "superseded",
    CLOSED: "closed",
}


@dataclass(frozen=True)
class RequestView:
    id: uuid.UUID
    status: ViewStatus
    name: str
    email: str
    tries_left: int
    expires_at: datetime | None
    approval_status: str | None  # of the application, once completed


async def view(
    db: AsyncSession,
    template_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    config: ApplyConfig,
    now: datetime,
) -> RequestView:
    """Where a request stands, for the pages that follow the form."""
    request = await _request(db, template_id, request_id)
    status: ViewStatus
    approval: str | None = None
    if request.status == WAITING:
        expired = request.otp_expires_at is None or now >= request.otp_expires_at
        status = "expired" if expired else "waiting"
    elif request.status == COMPLETED:
        status = "completed"
        if request.application_id is not None:
            application = await applications.get(db, request.workspace_id, request.application_id)
            approval = application.approval_status
    else:
        status = _SETTLED_VIEWS.get(request.status, "locked")
    return RequestView(
        id=request.id,
        status=status,
        name=request.name,
        email=request.email,
        tries_left=max(0, config.max_attempts - request.otp_attempts),
        expires_at=request.otp_expires_at,
        approval_status=approval,
    )


REQUEST_RETENTION = timedelta(days=1)


async def erase_for_participant(
    db: AsyncSession, workspace_id: uuid.UUID, email: str, participant_id: uuid.UUID
) -> int:
    """Delete the apply-page submissions of a person (for a deletion request)."""
    return await repository.delete_for_person(db, workspace_id, email, participant_id)


async def prune(db: AsyncSession, now: datetime) -> int:
    """Submissions are kept one day: long enough for their codes and throttles, and no
    longer (a verified one lives on as the participant and application, consent included)."""
    return await repository.delete_older_than(db, now - REQUEST_RETENTION)
