"""`vivavoce serve` on its embedded PostgreSQL, stopped the ways real supervisors stop it: a
SIGTERM (systemd, `docker stop`) stops the database too; after a SIGKILL the next start adopts
the leftover server and stops it on its own exit. Also: forwarded headers from loopback are not
believed unless the address is a configured proxy. Real processes, real signals."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.cluster import VIVAVOCE, free_port


class Served:
    def __init__(self, data_dir: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIVAVOCE_")}
        env.update(
            {
                "VIVAVOCE_DATA_DIR": str(data_dir),
                "VIVAVOCE_SECRET_KEY": "serve-signals-" + "s" * 32,
                "VIVAVOCE_LOG_LEVEL": "warning",
                "VIVAVOCE_STT_PROVIDER": "off",
                **settings,
            }
        )
        self.log = data_dir.parent / f"serve-{self.port}.log"
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [VIVAVOCE, "serve", "--no-worker", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._until_ready()

    def _until_ready(self, within: float = 120) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(self.log.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{self.url}/readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(self.log.read_text(errors="replace")[-3000:])

    def signal(self, signum: int) -> int:
        self.popen.send_signal(signum)
        return self.popen.wait(timeout=60)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)


def postmaster_pid(data_dir: Path) -> int | None:
    pidfile = data_dir / "pgdata" / "postmaster.pid"
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie child of nobody we know still answers kill(0); /proc tells
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and re.search(r"State:\s+Z", status.read_text()))


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "data"
    yield directory
    pid = postmaster_pid(directory)
    if pid is not None and running(pid):  # never leave a server behind, whatever failed
        os.kill(pid, signal.SIGTERM)
        gone_within(pid, 20)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_serve_and_its_embedded_postgres(
    data_dir: Path, stop: signal.Signals
) -> None:
    served = Served(data_dir)
    try:
        pid = postmaster_pid(data_dir)
        assert pid is not None and running(pid)
        served.signal(stop)
    finally:
        served.stop()
    assert gone_within(pid, 20), "the embedded PostgreSQL outlived `vivavoce serve`"


def test_a_restart_after_sigkill_adopts_the_leftover_server_and_stops_it(data_dir: Path) -> None:
    first = Served(data_dir)
    pid = postmaster_pid(data_dir)
    assert pid is not None
    first.signal(signal.SIGKILL)
    assert running(pid)  # nobody could stop it: the process died without exiting
    second = Served(data_dir)
    try:
        assert postmaster_pid(data_dir) == pid  # adopted, not a second server
        second.signal(signal.SIGTERM)
    finally:
        second.stop()
    assert gone_within(pid, 20), "the adopted PostgreSQL outlived the restarted serve"


def _sign_in_attempts(url: str, forwarded: bool) -> list[int]:
    """Forty failed sign-ins from this one client, sent together: the address budget (30, then
    one every 2 s) must run out however slowly a loaded machine answers them one by one."""
    return asyncio.run(_send_sign_ins(url, forwarded, 40))


async def _send_sign_ins(url: str, forwarded: bool, count: int) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        form = await client.get("/dashboard/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text

        async def attempt(number: int) -> int:
            headers = {"Origin": url}
            if forwarded:
                headers["X-Forwarded-For"] = f"198.51.100.{number + 1}"
            response = await client.post(
                "/dashboard/login",
                data={"email": f"x{number}@example.com", "password": "no", "csrf_token": token[1]},
                headers=headers,
            )
            return response.status_code

        return list(await asyncio.gather(*(attempt(n) for n in range(count))))


def test_forwarded_for_from_loopback_does_not_dodge_the_sign_in_throttle(data_dir: Path) -> None:
    served = Served(data_dir)
    try:
        statuses = _sign_in_attempts(served.url, forwarded=True)
    finally:
        served.signal(signal.SIGTERM)
        served.stop()
    assert 429 in statuses, statuses  # one client address, however the header rotates


def test_a_configured_proxy_is_believed(data_dir: Path) -> None:
    served = Served(data_dir, VIVAVOCE_TRUSTED_PROXIES="127.0.0.1")
    try:
        statuses = _sign_in_attempts(served.url, forwarded=True)
    finally:
        served.signal(signal.SIGTERM)
        served.stop()
    assert 429 not in statuses, statuses  # forty different clients, each within its burst
