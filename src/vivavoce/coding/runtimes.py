"""The languages candidates may write in, and how each runs inside the sandbox."""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from vivavoce.coding.limits import NODE_ADDRESS_SPACE_MB, Limits
from vivavoce.coding.sandbox import CHANNEL_FD, SANDBOX_HARNESS


class Language(StrEnum):
    PYTHON = "python"
    JAVASCRIPT = "javascript"
    TYPESCRIPT = "typescript"


PYTHON = "/usr/bin/python3"
NODE = "/usr/bin/node"


def command(language: Language, limits: Limits) -> list[str]:
    """The harness command of `language`, as the sandbox runs it."""
    if language is Language.PYTHON:
        return [PYTHON, "-I", "-S", "-B", f"{SANDBOX_HARNESS}/python_harness.py", str(CHANNEL_FD)]
    return [
        NODE,
        f"--max-old-space-size={limits.memory_mb}",
        "--disallow-code-generation-from-strings",
        f"{SANDBOX_HARNESS}/node_harness.js",
        str(CHANNEL_FD),
    ]


def process_limits(language: Language, limits: Limits) -> Limits:
    """The rlimits of `language`'s processes: Node's address space is its heap plus headroom
    for the reservations V8 makes up front (its heap cap is `--max-old-space-size`)."""
    if language is Language.PYTHON:
        return limits
    return dataclasses.replace(limits, memory_mb=limits.memory_mb + NODE_ADDRESS_SPACE_MB)
