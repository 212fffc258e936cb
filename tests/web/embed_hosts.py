"""Host pages on other origins for the embed tests: a plain HTTP server on its own
127.0.0.1 port (another origin than the vivavoce site), serving the pages a test puts in it,
as a customer's site would after asking its server for an embed token."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from tests.conftest import Tenant


class HostSite:
    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def put(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.origin + path


@contextmanager
def running_host() -> Iterator[HostSite]:
    host = HostSite()
    thread = threading.Thread(target=host.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.server.shutdown()
        host.server.server_close()


def host_page(vivavoce_url: str, token: str) -> str:
    """A customer's page: the loader from vivavoce, the interview mounted with the token, and
    every event (and every message's origin) kept for the test to read."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme careers</title></head>
<body>
<h1>Acme careers: your interview</h1>
<div id="interview"></div>
<script src="{vivavoce_url}/embed.js"></script>
<script>
  window.events = [];
  window.origins = [];
  window.addEventListener("message", (event) => window.origins.push(event.origin));
  window.widget = Vivavoce.mount("#interview", {{
    token: {json.dumps(token)},
    onEvent: (event) => window.events.push(event),
  }});
</script>
</body></html>"""


async def allow_embedding(
    api: httpx.AsyncClient, tenant: Tenant, session: dict[str, Any], origins: list[str]
) -> None:
    response = await api.patch(
        f"/api/v1/evaluation-templates/{session['evaluation_template_id']}",
        json={"embed_origins": origins},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text


async def embed_token(api: httpx.AsyncClient, tenant: Tenant, session_id: str, origin: str) -> str:
    response = await api.post(
        f"/api/v1/sessions/{session_id}/embed-token",
        json={"origin": origin},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["data"]["token"]
    return token
