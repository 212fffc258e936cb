"""Re-encrypting the stored webhook signing secrets under the newest secret key, so that an
older key can be removed from `VIVAVOCE_SECRET_KEY` without touching any endpoint's signing
secret (docs/operations.md, "Rotating the secret key")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.events.webhooks import repository
from vivavoce.kit import crypto


@dataclass(frozen=True)
class Resealed:
    resealed: int  # endpoints whose secrets were sealed under an older key or derivation
    unreadable: int  # endpoints whose secret no listed key opens (left as they are)
    total: int


async def reseal_secrets(db: AsyncSession, secret_key: str) -> Resealed:
    """Seal every endpoint's current and previous signing secret under the newest key. The
    secrets themselves do not change, so receivers notice nothing. Safe to run again."""
    resealed = unreadable = 0
    endpoints = await repository.all_endpoints_for_update(db)
    for endpoint in endpoints:
        try:
            current = crypto.reseal(secret_key, endpoint.secret_sealed)
        except ValueError:
            unreadable += 1
            continue
        previous = _reseal_previous(secret_key, endpoint.previous_secret_sealed)
        if current is not None:
            endpoint.secret_sealed = current
        if previous is not None:
            endpoint.previous_secret_sealed = previous
        resealed += current is not None or previous is not None
    await db.flush()
    return Resealed(resealed=resealed, unreadable=unreadable, total=len(endpoints))


def _reseal_previous(secret_key: str, sealed: str | None) -> str | None:
    """The previous secret only signs during a rotation's overlap; one no listed key opens
    is left as it is (the delivery code already skips it)."""
    if not sealed:
        return None
    try:
        return crypto.reseal(secret_key, sealed)
    except ValueError:
        return None
