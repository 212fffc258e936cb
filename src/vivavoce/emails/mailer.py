"""The SMTP side: MIME messages (text + HTML alternatives, attachments) and sending them
with aiosmtplib. Failures are sorted into permanent (a 5xx refusal of this message: retrying
cannot help) and transient (connection trouble, timeouts, 4xx, authentication)."""

from __future__ import annotations

import email.message
import email.utils
from datetime import datetime
from email.headerregistry import Address

import aiosmtplib

from vivavoce.config import Settings
from vivavoce.emails import ics
from vivavoce.emails.service import Outgoing


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def _header_text(value: str) -> str:
    return " ".join(value.split())


def sender(settings: Settings) -> tuple[str, str]:
    """(display name, address) of `smtp_from`."""
    name, address = email.utils.parseaddr(settings.smtp_from)
    return name, address or "no-reply@vivavoce.local"


def build(outgoing: Outgoing, settings: Settings, now: datetime) -> email.message.EmailMessage:
    """multipart/mixed [multipart/alternative [text/plain, text/html], attachments…]."""
    from_name, from_address = sender(settings)
    message = email.message.EmailMessage()
    message["Subject"] = _header_text(outgoing.subject)
    message["From"] = settings.smtp_from
    message["To"] = Address(
        display_name=_header_text(outgoing.to_name or ""), addr_spec=outgoing.to_address
    )
    message["Date"] = email.utils.format_datetime(now)
    domain = from_address.rpartition("@")[2] or "vivavoce.local"
    message["Message-ID"] = f"<{outgoing.message_id}@{domain}>"  # stable across retries
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(outgoing.text_body)
    message.add_alternative(outgoing.html_body, subtype="html")
    for attachment in outgoing.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        content = attachment.content
        if attachment.content_type == "text/calendar":
            content = ics.with_organizer(content, from_name, from_address)
        if maintype == "text":
            message.add_attachment(
                content,
                subtype=subtype or "plain",
                filename=attachment.filename,
                params=dict(attachment.params),
            )
        else:
            message.add_attachment(
                content.encode(),
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=attachment.filename,
            )
    return message


def _classify(exc: Exception) -> SendError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return SendError(
            f"recipient refused: {detail}", permanent=bool(codes) and min(codes) >= 500
        )
    if isinstance(
        exc,
        aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError,
    ):
        return SendError(f"{exc.code} {exc.message}", permanent=exc.code >= 500)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendError(f"{exc.code} {exc.message}", permanent=False)
    return SendError(f"{type(exc).__name__}: {exc}".strip(), permanent=False)


async def send(outgoing: Outgoing, settings: Settings, now: datetime) -> None:
    """Hand the message to the configured SMTP server; SendError when it is not accepted."""
    if not settings.smtp_host:
        raise SendError("no SMTP server is configured", permanent=False)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            build(outgoing, settings, now),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            use_tls=settings.smtp_tls,
            start_tls=False if settings.smtp_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise _classify(exc) from exc
