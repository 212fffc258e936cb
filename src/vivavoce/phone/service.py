"""Phone sessions (docs/phone.md): making a session a phone interview, asking for its call,
and the bookkeeping of `vivavoce sip` — claiming the calls that are due, recording each
attempt as a session event, and retrying an unanswered or busy call on the schedule below."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vivavoce.events import service as events
from vivavoce.kit import crypto
from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.db import unit_of_work
from vivavoce.kit.errors import Conflict, Issue, Unprocessable
from vivavoce.models import InterviewSession, PhoneCall
from vivavoce.sessions import service as sessions
from vivavoce.sessions.state import OPEN, Status
from vivavoce.templates.visibility import Reader

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
PIN_DIGITS = 8
PIN_PURPOSE = "phone-pin"
CALL_LEASE = timedelta(minutes=90)  # longer than any interview: a crashed caller's call frees
# after an unanswered or busy call, the next try is this long after the one before; after the
# last, the session fails with the reason
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
ATTEMPT_EVENT = "session.call_attempted"


@dataclass(frozen=True)
class PhoneSetup:
    row: PhoneCall
    pin: str

    def public(self) -> dict[str, object]:
        return {
            "session_id": str(self.row.session_id),
            "channel": "phone",
            "phone": self.row.phone,
            "dial_in_pin": self.pin,
        }


@dataclass(frozen=True)
class DueCall:
    call_id: uuid.UUID
    session_id: uuid.UUID
    workspace_id: uuid.UUID
    phone: str
    attempt: int


def valid_phone(phone: str) -> str:
    """`phone` in E.164 (+ and 7 to 15 digits, spaces and dashes removed), or 422."""
    compact = re.sub(r"[\s\-().]", "", phone)
    if not E164.match(compact):
        raise Unprocessable(
            "phone must be an E.164 number: + then the country code and number",
            [Issue(["body", "phone"], "for example +447700900123")],
            code="invalid_phone",
        )
    return compact


def pin_digest(secret_key: str, pin: str) -> str:
    return crypto.keyed_digest(secret_key, PIN_PURPOSE, pin)


async def set_phone(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    phone: str,
    secret_key: str,
    reader: Reader | None = None,
) -> PhoneSetup:
    """Make the session a phone interview with `phone` (again: a new number and a new PIN).
    Its call is due at its scheduled time, if it has one, else when asked for."""
    number = valid_phone(phone)
    session = await sessions.open_live_session(
        db, workspace_id, session_id, reader, channel="by phone"
    )
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    row = await db.scalar(
        select(PhoneCall).where(PhoneCall.session_id == session.id).with_for_update()
    )
    if row is None:
        row = PhoneCall(workspace_id=workspace_id, session_id=session.id, attempts=0)
        db.add(row)
    row.phone = number
    row.pin_digest = pin_digest(secret_key, pin)
    row.due_at = session.scheduled_at if session.status == Status.SCHEDULED else None
    await db.flush()
    return PhoneSetup(row, pin)


async def request_call(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    session_id: uuid.UUID,
    now: datetime,
    reader: Reader | None = None,
) -> PhoneCall:
    """Call the candidate now: 404 for another workspace's session, 409 for one that is not a
    scheduled phone interview or whose call is under way."""
    session = await sessions.open_live_session(
        db, workspace_id, session_id, reader, channel="by phone"
    )
    row = await db.scalar(
        select(PhoneCall).where(PhoneCall.session_id == session.id).with_for_update()
    )
    if row is None:
        raise Conflict("this session is not a phone interview", code="not_a_phone_session")
    if session.status != Status.SCHEDULED:
        raise Conflict(
            f"the session is {session.status}: only a scheduled one is called",
            code="invalid_transition",
            session_status=session.status,
        )
    if row.calling_until is not None and row.calling_until > now:
        raise Conflict("the candidate is being called now", code="call_in_progress")
    row.due_at = now
    await db.flush()
    return row


@dataclass(frozen=True)
class QuietHours:
    """Hours of the candidate's day (in their session's time zone) when no call is placed:
    from `start` o'clock to `end` o'clock, across midnight when `start > end`."""

    start: int = 21
    end: int = 8

    def next_allowed(self, now: datetime, zone: str) -> datetime | None:
        """None when a call may be placed now; else when it may (the quiet hours' end)."""
        if self.start == self.end:
            return None
        local = now.astimezone(_zone(zone))
        hour = local.hour
        if self.start > self.end:  # across midnight: 21 → 8
            quiet = hour >= self.start or hour < self.end
        else:
            quiet = self.start <= hour < self.end
        if not quiet:
            return None
        ends = local.replace(hour=self.end, minute=0, second=0, microsecond=0)
        if ends <= local:
            ends += timedelta(days=1)
        return ends.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def claim_due(
    maker: async_sessionmaker[AsyncSession],
    now: datetime,
    limit: int,
    quiet: QuietHours | None = None,
) -> list[DueCall]:
    """Up to `limit` calls that are due, each taken by this process alone (a lease). A call
    that falls due in the candidate's quiet hours is moved to their end instead."""
    async with unit_of_work(maker) as db:
        due = await db.execute(
            select(PhoneCall.id, InterviewSession.timezone)
            .join(InterviewSession, InterviewSession.id == PhoneCall.session_id)
            .where(
                PhoneCall.due_at <= now,
                InterviewSession.status == Status.SCHEDULED.value,
                (PhoneCall.calling_until.is_(None)) | (PhoneCall.calling_until < now),
            )
            .order_by(PhoneCall.due_at)
            .limit(limit)
            .with_for_update(of=PhoneCall, skip_locked=True)
        )
        callable_ids = []
        for call_id, zone in due.all():
            later = quiet.next_allowed(now, zone) if quiet else None
            if later is None:
                callable_ids.append(call_id)
            else:
                await db.execute(
                    update(PhoneCall).where(PhoneCall.id == call_id).values(due_at=later)
                )
        if not callable_ids:
            return []
        rows = await db.execute(
            update(PhoneCall)
            .where(PhoneCall.id.in_(callable_ids))
            .values(due_at=None, calling_until=now + CALL_LEASE, attempts=PhoneCall.attempts + 1)
            .returning(
                PhoneCall.id,
                PhoneCall.session_id,
                PhoneCall.workspace_id,
                PhoneCall.phone,
                PhoneCall.attempts,
            )
            .execution_options(synchronize_session=False)
        )
        return [DueCall(*row) for row in rows.all()]


async def dialled_in(db: AsyncSession, secret_key: str, pin: str) -> InterviewSession | None:
    """The open phone session whose PIN is `pin` (under any listed secret), or None."""
    digests = [
        crypto.keyed_digest(secret, PIN_PURPOSE, pin) for secret in crypto.secret_keys(secret_key)
    ]
    session: InterviewSession | None = await db.scalar(
        select(InterviewSession)
        .join(PhoneCall, PhoneCall.session_id == InterviewSession.id)
        .where(
            PhoneCall.pin_digest.in_(digests),
            InterviewSession.status.in_([s.value for s in OPEN]),
        )
    )
    return session


async def attempt_ended(
    maker: async_sessionmaker[AsyncSession],
    due: DueCall,
    outcome: str,
    sip_status: int,
    now: datetime,
    links: sessions.SessionLinks,
) -> datetime | None:
    """Record how an attempt went (a `session.call_attempted` event) and free the call. One
    that was not answered is due again after its delay while attempts remain; after the
    last, the session fails as `unreachable`. Returns when the next attempt is due."""
    next_due: datetime | None = None
    answered = outcome == "answered"
    if not answered and due.attempt <= len(RETRY_DELAYS):
        next_due = now + RETRY_DELAYS[due.attempt - 1]
    async with unit_of_work(maker) as db:
        await db.execute(
            update(PhoneCall)
            .where(PhoneCall.id == due.call_id)
            .values(calling_until=None, last_outcome=outcome, due_at=next_due)
        )
        session = await db.get(InterviewSession, due.session_id)
        await events.record(
            db,
            due.workspace_id,
            ATTEMPT_EVENT,
            {
                "attempt": due.attempt,
                "outcome": outcome,
                "sip_status": sip_status,
                "next_attempt_at": isoformat_z(next_due),
            },
            now,
            session_id=due.session_id,
            participant_id=session.candidate_id if session else None,
        )
        unreachable = not answered and next_due is None
        if unreachable and session is not None and session.status == Status.SCHEDULED:
            await sessions.fail_unreachable(db, due.workspace_id, due.session_id, links, now)
    return next_due
