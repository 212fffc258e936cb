"""Re-encrypting stored webhook signing secrets under the newest secret key."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from tests.conftest import Tenant
from vivavoce.events.webhooks.resealing import reseal_secrets
from vivavoce.kit import crypto
from vivavoce.kit.db import unit_of_work
from vivavoce.models import WebhookEndpoint
from vivavoce.runtime import Database

OLD, NEW, LOST = ("old-" + "o" * 32), ("new-" + "n" * 32), ("lost-" + "l" * 32)


def legacy_seal(secret: str, plaintext: str) -> str:
    """The `v1:` format of the release before key lists."""
    key = hashlib.sha256(f"vivavoce-seal:{secret}".encode()).digest()
    nonce = b"\x02" * 12
    return (
        "v1:"
        + base64.urlsafe_b64encode(
            nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), b"vivavoce")
        ).decode()
    )


def endpoint(tenant: Tenant, sealed: str, previous: str | None = None) -> WebhookEndpoint:
    return WebhookEndpoint(
        workspace_id=tenant.id,
        url="https://hooks.example/reseal",
        description="reseal",
        events=[],
        enabled=True,
        secret_sealed=sealed,
        previous_secret_sealed=previous,
    )


async def test_every_readable_secret_ends_up_sealed_under_the_newest_key(
    database: Database, tenant: Tenant
) -> None:
    rows = [
        endpoint(tenant, crypto.seal(OLD, "whsec_old"), legacy_seal(OLD, "whsec_before")),
        endpoint(tenant, legacy_seal(OLD, "whsec_legacy")),
        endpoint(tenant, crypto.seal(NEW, "whsec_new")),
        endpoint(tenant, crypto.seal(LOST, "whsec_lost")),
    ]
    async with unit_of_work(database.sessionmaker) as db:
        db.add_all(rows)
    ids = [row.id for row in rows]
    lost_before = rows[3].secret_sealed

    async with unit_of_work(database.sessionmaker) as db:
        done = await reseal_secrets(db, f"{NEW},{OLD}")
    assert done.resealed >= 2 and done.unreadable >= 1

    async with unit_of_work(database.sessionmaker) as db:
        found = {
            row.id: row
            for row in await db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(ids)))
        }
    old, legacy, new, lost = (found[i] for i in ids)
    assert crypto.unseal(NEW, old.secret_sealed) == "whsec_old"  # the old key is not needed
    assert old.previous_secret_sealed is not None
    assert crypto.unseal(NEW, old.previous_secret_sealed) == "whsec_before"
    assert crypto.unseal(NEW, legacy.secret_sealed) == "whsec_legacy"
    assert crypto.unseal(NEW, new.secret_sealed) == "whsec_new"
    assert lost.secret_sealed == lost_before  # left alone, and counted

    async with unit_of_work(database.sessionmaker) as db:
        again = await reseal_secrets(db, f"{NEW},{OLD}")
    async with unit_of_work(database.sessionmaker) as db:
        unchanged = await db.get(WebhookEndpoint, ids[0])
        assert unchanged is not None and unchanged.secret_sealed == old.secret_sealed
    assert again.unreadable == done.unreadable
