"""One hostile program under bubblewrap, and nothing of it left afterwards.

The program runs as an unprivileged uid of its own (when the service runs as root: one uid
per concurrent slot, held machine-wide by a lock file, so no two runs share a process count
or can signal each other), in new user, pid, network, ipc, uts, mount and cgroup namespaces,
with a read-only /usr, a private size-capped tmpfs as its working directory, no host /etc,
/home, /root or data directory, an empty environment, a seccomp deny list
(`vivavoce.coding.seccomp`), rlimits on CPU, address space, processes, file size and open
files (set by util-linux's prlimit inside the sandbox, so only the candidate's processes
carry them), output capped, and a wall clock that kills the process group: bubblewrap's
`--die-with-parent` then takes the pid namespace down with every process in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import os
import resource
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vivavoce.coding.limits import MIB, Limits
from vivavoce.coding.seccomp import build_filter
from vivavoce.config import Settings

HARNESS_DIR = Path(__file__).parent / "harness"
SANDBOX_HARNESS = "/sandbox"
SANDBOX_TYPESCRIPT = "/opt/typescript"
WORKDIR = "/work"
CHANNEL_FD = 3
_SECCOMP_FD = 4
_CHANNEL_CAP = 8 * MIB
_DRAIN_SECONDS = 2.0
_PR_SET_CHILD_SUBREAPER = 36


class SandboxUnavailable(RuntimeError):
    """bubblewrap (or a runtime) is missing: `make sandbox` installs it."""


@dataclass(frozen=True)
class SandboxConfig:
    bwrap: str = "/usr/bin/bwrap"
    setpriv: str = "/usr/bin/setpriv"
    prlimit: str = "/usr/bin/prlimit"
    uid_base: int = 62000
    slots: int = 16
    lock_dir: Path = field(
        default_factory=lambda: Path(tempfile.gettempdir()) / "vivavoce-sandbox-slots"
    )
    typescript_dir: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxConfig:
        return cls(
            uid_base=settings.sandbox_uid_base,
            slots=settings.sandbox_slots,
            typescript_dir=settings.sandbox_vendor_dir / "typescript",
        )

    def check(self) -> None:
        """Raise `SandboxUnavailable` unless every tool the sandbox runs is installed."""
        for tool in (self.bwrap, self.setpriv, self.prlimit):
            if not os.access(tool, os.X_OK):
                raise SandboxUnavailable(f"{tool} is missing (make sandbox installs it)")


@dataclass
class Outcome:
    """What a run left: its exit, its output (capped) and what it used."""

    exit_code: int | None = None
    signal: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    output_exceeded: bool = False
    timed_out: bool = False
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    max_rss_kb: int = 0


ChannelLine = Callable[[bytes], None]
Deadline = Callable[[], float]
Usage = resource.struct_rusage


class _Reader:
    """Collects one pipe's bytes up to a cap; past the cap it keeps counting and raises a flag."""

    def __init__(self, fd: int, cap: int, wake: asyncio.Event, lines: ChannelLine | None) -> None:
        self.fd, self.cap, self.wake, self.lines = fd, cap, wake, lines
        self.data = bytearray()
        self.total = 0
        self.closed = asyncio.get_running_loop().create_future()
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self._read)

    @property
    def exceeded(self) -> bool:
        return self.total > self.cap

    def _read(self) -> None:
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.close()
            return
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.total += len(chunk)
        if self.lines is not None:
            self._split_lines()
        self.wake.set()

    def _split_lines(self) -> None:
        assert self.lines is not None
        while (end := self.data.find(b"\n")) >= 0:
            line = bytes(self.data[:end])
            del self.data[: end + 1]
            self.lines(line)

    def close(self) -> None:
        if not self.closed.done():
            asyncio.get_running_loop().remove_reader(self.fd)
            os.close(self.fd)
            self.closed.set_result(None)
            self.wake.set()


class SlotPool:
    """Concurrent runs, each on a uid of its own, exclusive across processes by `flock`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._free: asyncio.Queue[int] | None = None
        self.isolated_uids = os.geteuid() == 0

    def _queue(self) -> asyncio.Queue[int]:
        if self._free is None:
            self._free = asyncio.Queue()
            for slot in range(self.config.slots):
                self._free.put_nowait(self.config.uid_base + slot)
        return self._free

    def _lock_file(self, uid: int) -> int | None:
        directory = self.config.lock_dir
        directory.mkdir(mode=0o700, exist_ok=True)
        if directory.is_symlink() or directory.stat().st_uid != os.geteuid():
            raise SandboxUnavailable(f"{directory} is not the service's own directory")
        fd = os.open(directory / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        queue = self._queue()
        while True:
            uid = await queue.get()
            lock = self._lock_file(uid)
            if lock is not None:
                break
            queue.put_nowait(uid)  # another process holds it: try the next one
            await asyncio.sleep(0.01)
        try:
            yield uid
        finally:
            if self.isolated_uids:
                kill_processes_of(uid)
            os.close(lock)
            queue.put_nowait(uid)


def kill_processes_of(uid: int) -> int:
    """SIGKILL every process whose real uid is `uid` (a slot's uid: only sandboxes use it)."""
    killed = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return killed


def bwrap_argv(config: SandboxConfig, uid: int, limits: Limits, command: list[str]) -> list[str]:
    """The whole command line: setpriv (when root) → bwrap → prlimit → `command`."""
    argv: list[str] = []
    if os.geteuid() == 0:
        argv += [
            config.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
        ]  # fmt: skip
    argv += [
        config.bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
        "--die-with-parent", "--new-session", "--clearenv",
        "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", WORKDIR,
        "--setenv", "LANG", "C.UTF-8", "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(limits.workdir_bytes), "--tmpfs", "/tmp",  # noqa: S108 - the sandbox's own
        "--size", str(limits.workdir_bytes), "--tmpfs", WORKDIR,
        "--ro-bind", str(HARNESS_DIR), SANDBOX_HARNESS,
    ]  # fmt: skip
    if config.typescript_dir is not None and config.typescript_dir.is_dir():
        argv += ["--ro-bind", str(config.typescript_dir), SANDBOX_TYPESCRIPT]
    argv += ["--chdir", WORKDIR, "--seccomp", str(_SECCOMP_FD), "--"]
    argv += [config.prlimit, *_rlimit_options(limits), "--", *command]
    return argv


def _rlimit_options(limits: Limits) -> list[str]:
    return [
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_mb * MIB}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--memlock=0",
    ]


class Sandbox:
    """Runs commands under bubblewrap; one instance per process (it owns the slot pool)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.slots = SlotPool(config)
        self._seccomp = build_filter()
        self._in_flight: set[int] = set()
        become_subreaper()

    async def run(
        self,
        command: list[str],
        stdin: bytes,
        limits: Limits,
        *,
        on_channel_line: ChannelLine,
        deadline: Deadline,
    ) -> Outcome:
        """Run `command` inside the sandbox until it exits or `deadline()` (loop time) passes.

        `command` sees `stdin`, writes JSON lines to descriptor 3 (`on_channel_line` gets each
        one as it arrives) and may be killed when `deadline()` moves closer."""
        self.config.check()
        async with self.slots.slot() as uid:
            argv = bwrap_argv(self.config, uid, limits, command)
            return await self._spawn_and_watch(argv, stdin, limits, on_channel_line, deadline)

    async def _spawn_and_watch(
        self,
        argv: list[str],
        stdin: bytes,
        limits: Limits,
        on_channel_line: ChannelLine,
        deadline: Deadline,
    ) -> Outcome:
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        started = time.monotonic()
        pid, ends = self._spawn(argv, stdin)
        self._in_flight.add(pid)
        stdout = _Reader(ends["stdout"], limits.output_bytes, wake, None)
        stderr = _Reader(ends["stderr"], limits.output_bytes, wake, None)
        channel = _Reader(ends["channel"], _CHANNEL_CAP, wake, on_channel_line)
        exited = _exit_future(pid)
        outcome = Outcome()
        try:
            while not exited.done():
                if stdout.total + stderr.total > limits.output_bytes or channel.exceeded:
                    outcome.output_exceeded = True
                    break
                remaining = deadline() - loop.time()
                if remaining <= 0:
                    outcome.timed_out = True
                    break
                wake.clear()
                waiter = asyncio.ensure_future(wake.wait())
                watched: set[asyncio.Future[Any]] = {exited, waiter}
                await asyncio.wait(watched, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
        finally:
            if not exited.done():
                await _kill(pid, exited)
            status, usage = await _reap(pid, exited)
            self._in_flight.discard(pid)
            await reap_orphans(self._in_flight)
            for reader in (stdout, stderr, channel):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(reader.closed), _DRAIN_SECONDS)
                reader.close()
        outcome.wall_seconds = time.monotonic() - started
        outcome.stdout, outcome.stderr = bytes(stdout.data), bytes(stderr.data)
        _record_exit(outcome, status, usage)
        return outcome

    def _spawn(self, argv: list[str], stdin: bytes) -> tuple[int, dict[str, int]]:
        pipes = {name: os.pipe() for name in ("stdin", "stdout", "stderr", "channel", "seccomp")}
        child = {"stdin": (0, 0), "stdout": (1, 1), "stderr": (1, 2), "channel": (1, CHANNEL_FD)}
        actions: list[tuple[int, int, int]] = [
            (os.POSIX_SPAWN_DUP2, pipes[name][end], target) for name, (end, target) in child.items()
        ]
        actions.append((os.POSIX_SPAWN_DUP2, pipes["seccomp"][0], _SECCOMP_FD))
        try:
            pid = os.posix_spawn(argv[0], argv, {}, file_actions=actions, setsid=True)
        finally:
            for name, (end, _target) in child.items():
                os.close(pipes[name][end])
            os.close(pipes["seccomp"][0])
        _write_all(pipes["seccomp"][1], self._seccomp)
        ends = {name: pipes[name][0] for name in ("stdout", "stderr", "channel")}
        asyncio.get_running_loop().create_task(_feed(pipes["stdin"][1], stdin))
        return pid, ends


def become_subreaper() -> None:
    """Make this process adopt its orphaned descendants: bubblewrap's outer process exits as
    soon as the candidate's command does, before its init in the pid namespace is reaped, so
    that init is reparented, and where the machine's PID 1 does not reap (containers), it would
    linger as a zombie counted against its slot's process limit."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(PR_SET_CHILD_SUBREAPER): errno {ctypes.get_errno()}")


async def reap_orphans(in_flight: set[int], patience: float = 1.0) -> None:
    """Wait for (and reap) the adopted bubblewrap processes of finished runs."""
    deadline = time.monotonic() + patience
    while True:
        orphans = [pid for pid in _adopted_bwraps() if pid not in in_flight]
        waiting = False
        for pid in orphans:
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)  # noqa: ASYNC222 - WNOHANG: never blocks
                waiting = waiting or done == 0
        if not waiting or time.monotonic() >= deadline:
            return
        await asyncio.sleep(0.01)


def _adopted_bwraps() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids += [int(part) for part in (task / "children").read_text().split()]
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == "bwrap":
                found.append(pid)
    return found


def _write_all(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb", closefd=True) as pipe:
            pipe.write(data)
    except BrokenPipeError:
        pass


async def _feed(fd: int, data: bytes) -> None:
    """Write `data` to the child's stdin without blocking the loop, then close it."""
    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)
    view = memoryview(data)
    try:
        while view:
            try:
                written = os.write(fd, view)
                view = view[written:]
            except BlockingIOError:
                ready = loop.create_future()
                loop.add_writer(fd, ready.set_result, None)
                try:
                    await asyncio.wait_for(ready, 30)
                finally:
                    loop.remove_writer(fd)
    except (BrokenPipeError, TimeoutError, OSError):
        pass
    finally:
        os.close(fd)


def _exit_future(pid: int) -> asyncio.Future[None]:
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()
    pidfd = os.pidfd_open(pid)

    def ready() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        if not exited.done():
            exited.set_result(None)

    loop.add_reader(pidfd, ready)
    return exited


async def _kill(pid: int, exited: asyncio.Future[None]) -> None:
    """Kill the sandbox from the inside out: bubblewrap's init in the pid namespace first (the
    kernel then kills every process in the namespace, and the outer bubblewrap reaps it and
    exits), the whole process group only if that does not end it."""
    for child in _children_of(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(exited), 1.0)
    if not exited.done():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


async def _reap(pid: int, exited: asyncio.Future[None]) -> tuple[int, Usage | None]:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(exited), 10)
    try:
        _, status, usage = os.wait4(pid, 0)  # noqa: ASYNC222 - it has exited (pidfd)
    except ChildProcessError:
        return 0, None
    return status, usage


def _record_exit(outcome: Outcome, status: int, usage: Usage | None) -> None:
    if os.WIFSIGNALED(status):
        outcome.signal = os.WTERMSIG(status)
    else:
        outcome.exit_code = os.waitstatus_to_exitcode(status)
    if usage is not None:
        outcome.cpu_seconds = usage.ru_utime + usage.ru_stime
        outcome.max_rss_kb = usage.ru_maxrss
