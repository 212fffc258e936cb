"""Hostile candidate code, each attack shown contained by the sandbox (docs/adr/0013-sandbox.md).

Every test runs the real thing: bubblewrap, the seccomp filter, the rlimits, the unprivileged
uid, Python 3 and Node.js as installed by `make sandbox`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest

from tests.coding.conftest import run
from vivavoce.coding.executor import CodeTest, Executor
from vivavoce.coding.limits import Limits
from vivavoce.coding.runtimes import Language
from vivavoce.runtime import Database

ONE = [CodeTest(args=[], expected=None)]


# Unique to this pytest process: another suite running beside this one starts the same attacks.
MARKER = f"4242.{os.getpid()}"


@contextlib.contextmanager
def slots_free_of_other_runs(executor: Executor) -> Iterator[set[int]]:
    """The sandbox uids no other run holds, locked for the duration: a process of one is a leak.

    A slot's processes are killed before its lock is released, so once a run has returned, any
    process left on a free slot's uid is one the sandbox failed to contain. Slots another process
    holds (a suite running beside this one) belong to that run and are not judged here."""
    config = executor.sandbox.config
    config.lock_dir.mkdir(mode=0o700, exist_ok=True)
    held: dict[int, int] = {}
    try:
        for uid in range(config.uid_base, config.uid_base + config.slots):
            fd = os.open(config.lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            held[uid] = fd
        yield set(held)
    finally:
        for fd in held.values():
            os.close(fd)


def sandbox_processes(executor: Executor) -> list[psutil.Process]:
    """Processes on a sandbox uid no other run holds, or carrying this suite's attack marker."""
    found = []
    with slots_free_of_other_runs(executor) as uids:
        for process in psutil.process_iter(["uids", "cmdline"]):
            info = process.info
            marked = any(MARKER in part for part in info.get("cmdline") or [])
            if marked or (os.geteuid() == 0 and info["uids"] and info["uids"].real in uids):
                found.append(process)
    return found


async def test_fork_bomb_is_stopped_by_the_process_limit_and_leaves_nothing(
    executor: Executor,
) -> None:
    source = (
        "import os\n"
        "def attack():\n"
        "    children = 0\n"
        "    while True:\n"
        "        try:\n"
        "            if os.fork() == 0:\n"
        "                while True: pass\n"
        "            children += 1\n"
        "        except OSError as error:\n"
        "            return [children, error.errno]\n"
    )
    limits = Limits(processes=16, test_seconds=5)
    report = await run(executor, source, ONE, limits=limits)
    result = report.results[0]
    assert result.status == "failed"  # it returned: fork was refused, not the machine swamped
    children, errno_value = result.actual
    assert children < 16 and errno_value == 11  # EAGAIN at the per-sandbox process limit
    assert sandbox_processes(executor) == []  # the spinning children died with the sandbox


async def test_memory_bomb_in_python_fails_with_memory_error(executor: Executor) -> None:
    source = (
        "def attack():\n    hoard = []\n    while True:\n        hoard.append(bytearray(8 << 20))\n"
    )
    report = await run(executor, source, ONE, limits=Limits(memory_mb=128))
    assert report.results[0].status == "error"
    assert "MemoryError" in (report.results[0].error or "")


async def test_memory_bomb_in_javascript_is_stopped_at_the_heap_limit(executor: Executor) -> None:
    source = "function attack() { const a = []; while (true) a.push(new Array(1e6).fill(1.5)); }"
    tests = [CodeTest(args=[], expected=None), CodeTest(args=[], expected=None)]
    limits = Limits(test_seconds=10, run_seconds=30)  # filling 256 MB takes a while
    report = await run(executor, source, tests, language=Language.JAVASCRIPT, limits=limits)
    assert [r.status for r in report.results] == ["error", "error"]
    assert "memory limit" in (report.results[0].error or "")


async def test_native_allocation_in_javascript_hits_the_address_space_cap(
    executor: Executor,
) -> None:
    source = "function attack() { return Buffer.alloc(4 * 1024 * 1024 * 1024).length; }"
    report = await run(executor, source, ONE, language=Language.JAVASCRIPT)
    assert report.results[0].status == "error"


async def test_infinite_loop_times_out_and_the_next_test_still_runs(executor: Executor) -> None:
    source = "def attack(n):\n    while n == 1:\n        pass\n    return n\n"
    tests = [CodeTest(args=[0], expected=0), CodeTest(args=[1], expected=1), CodeTest([2], 2)]
    report = await run(executor, source, tests, limits=Limits(test_seconds=1))
    assert [r.status for r in report.results] == ["passed", "timeout", "passed"]
    assert sandbox_processes(executor) == []


async def test_cpu_burning_threads_are_killed_by_the_cpu_limit(executor: Executor) -> None:
    source = (
        "import threading\n"
        "def spin():\n    while True: pass\n"
        "def attack():\n"
        "    for _ in range(4): threading.Thread(target=spin, daemon=True).start()\n"
        "    spin()\n"
    )
    limits = Limits(cpu_seconds=1, test_seconds=8, run_seconds=10)
    report = await run(executor, source, ONE, limits=limits)
    result = report.results[0]
    assert result.status == "error", result
    assert "CPU" in (result.error or "") or "killed" in (result.error or "")


async def test_huge_output_is_capped_and_stops_the_run(executor: Executor) -> None:
    source = "def attack():\n    while True:\n        print('x' * 4096)\n"
    tests = [CodeTest(args=[], expected=None), CodeTest(args=[], expected=None)]
    report = await run(executor, source, tests, limits=Limits(output_bytes=64 * 1024))
    assert report.output_truncated
    assert len(report.stdout) <= 64 * 1024
    assert [r.status for r in report.results] == ["error", "error"]
    assert "output limit" in (report.results[0].error or "")


async def test_huge_return_value_is_refused(executor: Executor) -> None:
    source = "def attack():\n    return 'y' * 10_000_000\n"
    report = await run(executor, source, ONE)
    assert report.results[0].status == "error"
    assert "over 65536 characters" in (report.results[0].error or "")


async def test_host_files_and_environment_are_not_visible(
    executor: Executor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: Database
) -> None:
    secret = "s3cret-" + uuid.uuid4().hex
    (tmp_path / "secret.txt").write_text(secret)
    monkeypatch.setenv("VIVAVOCE_DATABASE_URL", database.url)
    monkeypatch.setenv("VIVAVOCE_SECRET_KEY", secret)
    paths = [
        "/etc/passwd", "/etc/shadow", "/etc/hostname", "/root", "/home",
        str(tmp_path / "secret.txt"), str(Path.cwd() / "pyproject.toml"), "/proc/1/environ",
        "/proc/self/environ", "/work", "/usr/bin/python3", sys.prefix,
    ]  # fmt: skip
    source = (
        "import os\n"
        "def attack(paths):\n"
        "    seen = {}\n"
        "    for path in paths:\n"
        "        try:\n"
        "            if os.path.isdir(path): seen[path] = sorted(os.listdir(path))\n"
        "            else: seen[path] = open(path, 'rb').read(200).decode('latin-1')\n"
        "        except OSError as error:\n"
        "            seen[path] = type(error).__name__\n"
        "    return {'env': dict(os.environ), 'seen': seen, 'uid': os.getuid()}\n"
    )
    report = await run(executor, source, [CodeTest(args=[paths], expected=None)])
    value = report.results[0].actual
    everything = json.dumps(value) + report.stdout + report.stderr
    assert secret not in everything
    assert database.url not in everything and "postgresql" not in everything
    assert set(value["env"]) <= {"PATH", "HOME", "LANG", "PWD", "LC_CTYPE"}
    for hidden in ["/etc/passwd", "/etc/shadow", "/root", "/home", str(tmp_path / "secret.txt")]:
        assert value["seen"][hidden] == "FileNotFoundError", hidden
    assert value["seen"][str(Path.cwd() / "pyproject.toml")] == "FileNotFoundError"
    assert value["seen"]["/work"] == []  # its own empty working directory
    assert value["seen"]["/proc/1/environ"] in ("", "PermissionError")
    assert value["seen"]["/usr/bin/python3"].startswith("\x7fELF")  # the read-only runtime
    assert value["uid"] != 0


async def test_writing_outside_its_directory_fails_and_the_host_is_untouched(
    executor: Executor, tmp_path: Path
) -> None:
    target = tmp_path / "planted.txt"
    source = (
        "def attack(paths):\n"
        "    results = {}\n"
        "    for path in paths:\n"
        "        try:\n"
        "            with open(path, 'w') as handle: handle.write('planted')\n"
        "            results[path] = 'written'\n"
        "        except OSError as error:\n"
        "            results[path] = type(error).__name__\n"
        "    try:\n"
        "        with open('/work/big', 'wb') as handle: handle.write(b'z' * (4 << 20))\n"
        "        results['big'] = 'written'\n"
        "    except OSError as error:\n"
        "        results['big'] = error.errno\n"
        "    return results\n"
    )
    paths = [str(target), "/usr/planted", "/sandbox/python_harness.py", "/work/mine.txt", "/tmp/x"]
    report = await run(executor, source, [CodeTest(args=[paths], expected=None)])
    results = report.results[0].actual
    assert results[str(target)] == "FileNotFoundError"
    assert results["/usr/planted"] in ("OSError", "PermissionError")  # read-only file system
    assert results["/sandbox/python_harness.py"] in ("OSError", "PermissionError")
    assert results["/work/mine.txt"] == "written" and results["/tmp/x"] == "written"
    assert results["big"] == 27  # EFBIG: the file-size limit
    assert not await asyncio.to_thread(target.exists)
    assert not await asyncio.to_thread(Path("/usr/planted").exists)


async def test_network_is_unreachable_tcp_udp_dns(executor: Executor) -> None:
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    try:
        source = (
            "import socket\n"
            "def attack(tcp_port, udp_port):\n"
            "    out = {}\n"
            "    try:\n"
            "        socket.create_connection(('127.0.0.1', tcp_port), timeout=1)\n"
            "        out['tcp'] = 'connected'\n"
            "    except OSError as error: out['tcp'] = type(error).__name__\n"
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "    try: s.sendto(b'leak', ('127.0.0.1', udp_port)); out['udp'] = 'sent'\n"
            "    except OSError as error: out['udp'] = type(error).__name__\n"
            "    try: socket.getaddrinfo('localhost.example', 80); out['dns'] = 'resolved'\n"
            "    except OSError as error: out['dns'] = type(error).__name__\n"
            "    out['interfaces'] = [name for _, name in socket.if_nameindex()]\n"
            "    return out\n"
        )
        ports = [tcp.getsockname()[1], udp.getsockname()[1]]
        report = await run(executor, source, [CodeTest(args=ports, expected=None)])
        out = report.results[0].actual
        assert out["tcp"] == "ConnectionRefusedError"  # the sandbox's own, empty loopback
        assert out["dns"] == "gaierror"
        assert out["interfaces"] == ["lo"]
        with pytest.raises(BlockingIOError):
            udp.recv(16)  # the datagram (if sent at all) went to the sandbox's own loopback
        tcp.setblocking(False)
        with pytest.raises(BlockingIOError):
            tcp.accept()
    finally:
        tcp.close()
        udp.close()


async def test_unix_sockets_to_postgresql_are_unreachable(
    executor: Executor, database: Database
) -> None:
    socket_dir = parse_qs(urlsplit(database.url).query).get("host", ["/var/run/postgresql"])[0]
    sockets = await asyncio.to_thread(lambda: list(Path(socket_dir).glob(".s.PGSQL.*")))
    candidates = [str(path) for path in sockets]
    candidates += ["/var/run/postgresql/.s.PGSQL.5432", "/tmp/.s.PGSQL.5432"]
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = "vivavoce-test-" + uuid.uuid4().hex
    abstract.bind("\0" + name)
    abstract.listen()
    source = (
        "import socket\n"
        "def attack(paths, abstract):\n"
        "    out = {}\n"
        "    for path in paths + ['\\0' + abstract]:\n"
        "        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "        key = path.replace('\\0', '@')  # how abstract names are written\n"
        "        try: s.connect(path); out[key] = 'connected'\n"
        "        except OSError as error: out[key] = type(error).__name__\n"
        "    return out\n"
    )
    try:
        report = await run(executor, source, [CodeTest(args=[candidates, name], expected=None)])
    finally:
        abstract.close()
    out = report.results[0].actual
    assert out and all(state != "connected" for state in out.values()), out
    assert out["@" + name] == "ConnectionRefusedError"  # another network namespace


async def test_other_processes_cannot_be_seen_or_killed(executor: Executor) -> None:
    victim = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(60)"
    )
    try:
        source = (
            "import os, signal\n"
            "def attack(pid):\n"
            "    out = {'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}\n"
            "    try: os.kill(pid, signal.SIGKILL); out['kill'] = 'sent'\n"
            "    except OSError as error: out['kill'] = type(error).__name__\n"
            "    try: os.kill(-1, signal.SIGKILL); out['all'] = 'sent'\n"
            "    except OSError as error: out['all'] = type(error).__name__\n"
            "    return out\n"
        )
        report = await run(executor, source, [CodeTest(args=[victim.pid], expected=None)])
        out = report.results[0].actual
        assert out["kill"] == "ProcessLookupError"
        assert max(out["pids"]) < 10  # its own pid namespace: bubblewrap's init and itself
        assert victim.returncode is None and psutil.pid_exists(victim.pid)  # still running
    finally:
        victim.kill()
        await victim.wait()


async def test_processes_left_behind_die_with_the_sandbox(executor: Executor) -> None:
    source = (
        "import os, subprocess\n"
        "def attack():\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            os.execv('/usr/bin/sleep', ['sleep', '{MARKER}'])\n"
        "        os._exit(0)\n"
        f"    p = subprocess.Popen(['/usr/bin/sleep', '{MARKER}'], start_new_session=True)\n"
        "    return p.pid > 0\n"
    )
    report = await run(executor, source, [CodeTest(args=[], expected=True)])
    assert report.results[0].status == "passed"  # the daemons were started
    assert sandbox_processes(executor) == []  # and are gone once the run returned


async def test_kernel_surfaces_are_refused_by_seccomp_and_namespaces(executor: Executor) -> None:
    source = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def call(number, *args):\n"
        "    result = libc.syscall(number, *args)\n"
        "    return ctypes.get_errno() if result == -1 else 'allowed'\n"
        "def attack():\n"
        "    out = {'unshare_user': call(272, 0x10000000), 'bpf': call(321, 0, 0, 0),\n"
        "           'mount': call(165, b'none', b'/work', b'tmpfs', 0, 0),\n"
        "           'ptrace': call(101, 16, 1, 0, 0), 'keyctl': call(250, 0, 0, 0, 0, 0),\n"
        "           'io_uring': call(425, 1, 0)}\n"
        "    try: os.setuid(0); out['setuid'] = 'allowed'\n"
        "    except OSError as error: out['setuid'] = type(error).__name__\n"
        "    return out\n"
    )
    report = await run(executor, source, ONE)
    out = report.results[0].actual
    assert out["unshare_user"] == 1 and out["bpf"] == 1 and out["mount"] == 1  # EPERM
    assert out["ptrace"] == 1 and out["keyctl"] == 1
    assert out["io_uring"] == 38  # ENOSYS
    assert out["setuid"] in ("PermissionError", "OSError")  # EPERM or EINVAL: no uid 0 here


async def test_many_runs_at_once_share_the_slots_and_all_finish(executor: Executor) -> None:
    source = "def attack(n):\n    return n * n\n"
    runs = [run(executor, source, [CodeTest(args=[n], expected=n * n)]) for n in range(6)]
    reports = await asyncio.gather(*runs)
    assert all(report.results[0].status == "passed" for report in reports)
