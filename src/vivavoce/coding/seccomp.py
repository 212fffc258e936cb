"""A classic-BPF seccomp filter for the sandbox, built without libseccomp.

bubblewrap loads the program from a file descriptor (`--seccomp FD`) just before it runs the
candidate's command. The filter is a deny list on top of what the namespaces already take
away: calls that reach the kernel's rarely exercised surfaces (new namespaces, mounts, module
loading, BPF, perf, io_uring, keyrings, ptrace of a sibling, another architecture's syscall
table) fail with EPERM. `clone3` fails with ENOSYS so that C libraries fall back to `clone`,
whose flags a classic filter can read and refuse when they ask for a namespace.
"""

from __future__ import annotations

import errno
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_JSET_K = 0x45
_BPF_RET_K = 0x06

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

_OFFSET_NR = 0
_OFFSET_ARCH = 4
_OFFSET_ARG0_LOW = 16

# x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).
DENIED_SYSCALLS: dict[str, int] = {
    "uselib": 134, "personality": 135, "ptrace": 101, "syslog": 103, "vhangup": 153,
    "pivot_root": 155, "_sysctl": 156, "adjtimex": 159, "chroot": 161, "acct": 163,
    "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168,
    "reboot": 169, "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
    "create_module": 174, "init_module": 175, "delete_module": 176, "get_kernel_syms": 177,
    "query_module": 178, "quotactl": 179, "nfsservctl": 180, "lookup_dcookie": 212,
    "clock_settime": 227, "kexec_load": 246, "add_key": 248, "request_key": 249,
    "keyctl": 250, "unshare": 272, "perf_event_open": 298, "fanotify_init": 300,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "clock_adjtime": 305, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "finit_module": 313,
    "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "pidfd_getfd": 438, "mount_setattr": 442,
}  # fmt: skip
# Refused with ENOSYS, "not here", so callers take their fallback path.
UNAVAILABLE_SYSCALLS: dict[str, int] = {
    "clone3": 435, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}  # fmt: skip
CLONE_SYSCALL = 56
CLONE_NAMESPACE_FLAGS = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def build_filter() -> bytes:
    """The filter program as bubblewrap reads it: an array of `struct sock_filter`."""
    denied = sorted(DENIED_SYSCALLS.values())
    unavailable = sorted(UNAVAILABLE_SYSCALLS.values())
    checks = len(denied) + len(unavailable)
    # Layout after the checks: the clone block (3 instructions), ALLOW, EPERM, ENOSYS.
    body = [(number, "eperm") for number in denied] + [(n, "enosys") for n in unavailable]
    program = [
        _op(_BPF_LD_W_ABS, _OFFSET_ARCH),
        _op(_BPF_JEQ_K, AUDIT_ARCH_X86_64, jt=1),
        _op(_BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        _op(_BPF_LD_W_ABS, _OFFSET_NR),
        _op(_BPF_JGE_K, X32_SYSCALL_BIT, jt=checks + 4),  # to EPERM
    ]
    for index, (number, target) in enumerate(body):
        remaining = checks - index - 1
        eperm = remaining + 4  # past the remaining checks, the clone block and ALLOW
        jump = eperm if target == "eperm" else eperm + 1
        program.append(_op(_BPF_JEQ_K, number, jt=jump))
    program += [
        _op(_BPF_JEQ_K, CLONE_SYSCALL, jf=2),
        _op(_BPF_LD_W_ABS, _OFFSET_ARG0_LOW),
        _op(_BPF_JSET_K, CLONE_NAMESPACE_FLAGS, jt=1),
        _op(_BPF_RET_K, SECCOMP_RET_ALLOW),
        _op(_BPF_RET_K, SECCOMP_RET_ERRNO | errno.EPERM),
        _op(_BPF_RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS),
    ]
    return b"".join(program)
