"""What one run of candidate code may use."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits of one execution: per test, for the whole run, and for its processes.

    `memory_mb` caps the address space of a Python process and the heap of a Node.js one
    (Node reserves far more address space than it uses, so its address-space cap is
    `memory_mb` plus `NODE_ADDRESS_SPACE_MB`).
    """

    test_seconds: float = 2.0
    run_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 256
    output_bytes: int = 64 * 1024
    processes: int = 32
    file_bytes: int = 1 * MIB
    open_files: int = 64
    workdir_bytes: int = 16 * MIB


NODE_ADDRESS_SPACE_MB = 1024

# The bounds an API caller or a problem author may ask for; anything outside is a 422.
MAX_TEST_SECONDS = 10.0
MAX_RUN_SECONDS = 30.0
MAX_MEMORY_MB = 1024
MAX_OUTPUT_BYTES = 1 * MIB
