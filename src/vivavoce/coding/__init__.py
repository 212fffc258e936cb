"""The coding round: candidate code run in a sandbox against a problem's tests.

`sandbox` runs one hostile program under bubblewrap (namespaces, seccomp, rlimits, a wall
clock, an unprivileged uid); `executor` runs a problem's tests through it and judges the
results outside the sandbox, where the expected values stay. See docs/adr/0013-sandbox.md.
"""
