"""`vivavoce webhooks listen` (README tour, step 5) verifies and prints deliveries."""

from __future__ import annotations

import time

import httpx

from vivavoce.events.webhooks.listener import receiver_app
from vivavoce.kit import signing


async def test_the_local_receiver_verifies_signatures_and_prints_deliveries() -> None:
    secret = signing.new_secret()
    printed: list[str] = []
    app = receiver_app(secret, printed.append)
    body = b'{"id": "evt_1", "event": "webhook.test", "data": {}}'
    stamp = int(time.time())
    good = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": signing.sign(secret, "evt_1", stamp, body),
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://r"
    ) as http:
        assert (await http.post("/hooks", content=body, headers=good)).status_code == 204
        forged = {
            **good,
            "webhook-signature": signing.sign(signing.new_secret(), "evt_1", stamp, body),
        }
        assert (await http.post("/hooks", content=body, headers=forged)).status_code == 401
    assert printed[0].startswith("verified  evt_1  webhook.test")
    assert printed[1].startswith("SIGNATURE INVALID")
