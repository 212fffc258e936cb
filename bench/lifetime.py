"""A bench stops what it started however it is stopped.

`stop_on_signals` turns SIGTERM and SIGHUP (a CI timeout, `kill`, a closed terminal) into the
KeyboardInterrupt of Ctrl-C, so every `finally` runs: servers stopped, the embedded
PostgreSQL stopped, a throwaway database dropped. `die_with_parent`, as a subprocess's
`preexec_fn`, has the kernel send SIGTERM to that child when the bench dies in a way no
handler sees (SIGKILL, a crash), so no server outlives it.
"""

from __future__ import annotations

import ctypes
import signal
import sys
from types import FrameType

_PR_SET_PDEATHSIG = 1


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")


def stop_on_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)


def die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
