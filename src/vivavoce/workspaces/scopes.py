"""API key scopes (SPEC §3). Scopes are additive; a key holds any subset."""

from __future__ import annotations

ALL_SCOPES: tuple[str, ...] = (
    "candidates.read",
    "candidates.write",
    "candidates.delete",
    "interviews.read",
    "interviews.write",
    "evaluation_templates.read",
    "evaluation_templates.write",
    "evaluation_stages.read",
    "evaluation_stages.write",
    "webhooks.read",
    "webhooks.write",
    "applications.read",
    "applications.write",
    # GET/PATCH /workspace: the workspace's slug (`accountSlug`) and name.
    "workspace.admin",
    # Documented by Intervyo and accepted on keys; no programs endpoint exists yet.
    "programs.read",
    "programs.write",
)

ROLES: tuple[str, ...] = ("admin", "member")
