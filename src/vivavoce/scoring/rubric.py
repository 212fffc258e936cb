"""What a transcript is scored against: the rubric (pure).

A rubric is the stage's agent-profile dimensions (`{name, description, weight, passThreshold?,
anchors?}`), the profile's `overallPassThreshold`, the stage's `pass_threshold` override and the
template's `success_outcome` vocabulary. Its `version` names exactly what was applied: the
profile id and version plus a digest of the content, so a scorecard can be traced back to it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_OVERALL_PASS_THRESHOLD = 7.0

# The scale a dimension is placed on when its profile gives no anchors (docs/scoring.md,
# "Calibration"); both scorers use it, the offline one also embeds these texts as anchors.
GENERIC_ANCHORS: tuple[tuple[float, str], ...] = (
    (1.0, "No evidence: did not answer, said they do not know, or talked about something else"),
    (3.0, "Vague and generic: general statements, no specifics, no example of their own"),
    (5.0, "Relevant but partial: some specifics or an example, little reasoning or outcome"),
    (8.0, "Concrete and sound: own actions, specifics, the reasons behind them and outcomes"),
    (10.0, "Exceptional: concrete, precise and complete, with trade-offs and measured results"),
)

# success_outcome → (positive, negative) recommendation words (SPEC §1)
VOCABULARIES: dict[str, tuple[str, str]] = {
    "hire_no_hire": ("hire", "no_hire"),
    "admit_reject": ("admit", "reject"),
    "pass_fail": ("pass", "fail"),
    "ready_needs_training": ("ready", "needs_training"),
    "certified_not_certified": ("certified", "not_certified"),
    "custom": ("pass", "fail"),
}


def dimension_id(name: str) -> str:
    """`System Design` → `system_design` (the agent-profile API's rule)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "dimension"


@dataclass(frozen=True, slots=True)
class RubricDimension:
    id: str
    name: str
    description: str
    weight: float  # as configured (the weights of a rubric sum to 100)
    pass_threshold: float | None = None  # 0-10
    anchors: tuple[tuple[float, str], ...] = ()  # (score 0-10, what that score looks like)

    @property
    def scale(self) -> tuple[tuple[float, str], ...]:
        """The anchors a score is placed on: the profile's, else the generic scale."""
        return self.anchors or GENERIC_ANCHORS


@dataclass(frozen=True, slots=True)
class Rubric:
    dimensions: tuple[RubricDimension, ...]
    overall_pass_threshold: float = DEFAULT_OVERALL_PASS_THRESHOLD
    stage_pass_threshold: float | None = None  # 0-100, overrides the overall threshold
    success_outcome: str = "hire_no_hire"
    source: str = "inline"  # where the dimensions came from, e.g. "agent_profile:<id>:v3"
    context: str = ""  # role, skills and requirements in words, for the scorers
    version: str = field(default="")

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise ValueError("a rubric needs at least one dimension")
        if not self.version:
            object.__setattr__(self, "version", f"{self.source}#{self.digest()}")

    def digest(self) -> str:
        content = {
            "dimensions": [
                [d.id, d.name, d.description, d.weight, d.pass_threshold, list(d.anchors)]
                for d in self.dimensions
            ],
            "overall": self.overall_pass_threshold,
            "stage": self.stage_pass_threshold,
            "outcome": self.success_outcome,
        }
        raw = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(raw).hexdigest()[:12]

    @property
    def pass_threshold(self) -> float:
        """The overall bar on the 0-10 scale: the stage's pass_threshold/10 when set."""
        if self.stage_pass_threshold is not None:
            return round(self.stage_pass_threshold / 10, 2)
        return self.overall_pass_threshold

    @property
    def vocabulary(self) -> tuple[str, str]:
        return VOCABULARIES.get(self.success_outcome, VOCABULARIES["pass_fail"])

    def dimension(self, dimension_id: str) -> RubricDimension | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)


def _float(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def dimensions_from_profile(raw: Sequence[Mapping[str, Any]]) -> tuple[RubricDimension, ...]:
    """Agent-profile `evaluationDimensions` (as stored or as posted) → rubric dimensions."""
    dimensions = []
    for item in raw:
        name = str(item.get("name") or "").strip()
        if not name:
            continue
        anchors_raw = item.get("anchors") or {}
        anchors = tuple(
            sorted(
                (score, str(text))
                for key, text in dict(anchors_raw).items()
                if (score := _float(key)) is not None and text
            )
        )
        dimensions.append(
            RubricDimension(
                id=str(item.get("id") or dimension_id(name)),
                name=name,
                description=str(item.get("description") or name),
                weight=_float(item.get("weight")) or 0.0,
                pass_threshold=_float(item.get("passThreshold")),
                anchors=anchors,
            )
        )
    return tuple(dimensions)


def rubric_from(
    profile: Mapping[str, Any] | None,
    template: Mapping[str, Any],
    stage: Mapping[str, Any] | None,
) -> Rubric:
    """The rubric of a session: the stage's agent profile, the stage and the template, as the
    API shows them (profile camelCase, template and stage snake_case). A stage without a
    profile is scored on one dimension built from the template's objective and requirements."""
    context = _template_context(template)
    dimensions = dimensions_from_profile((profile or {}).get("evaluationDimensions") or [])
    if not dimensions:
        dimensions = (
            RubricDimension(
                id="overall",
                name="Overall fit",
                description=context or str(template.get("template_name") or "the role"),
                weight=100.0,
            ),
        )
    scoring = (profile or {}).get("scoring") or {}
    overall = _float(scoring.get("overallPassThreshold"))
    stage_threshold = _float((stage or {}).get("pass_threshold"))
    if profile and profile.get("id"):
        source = f"agent_profile:{profile['id']}:v{profile.get('version', 1)}"
    else:
        source = f"template:{template.get('id', 'inline')}"
    return Rubric(
        dimensions=dimensions,
        overall_pass_threshold=DEFAULT_OVERALL_PASS_THRESHOLD if overall is None else overall,
        stage_pass_threshold=stage_threshold,
        success_outcome=str(template.get("success_outcome") or "hire_no_hire"),
        source=source,
        context=context,
    )


def _template_context(template: Mapping[str, Any]) -> str:
    parts = []
    for key in ("template_name", "objective", "requirements", "description"):
        value = template.get(key)
        if value:
            parts.append(str(value))
    skills = [str(s) for s in (template.get("skills") or [])]
    skills += [str(s) for s in (template.get("soft_skills") or [])]
    if skills:
        parts.append("Skills: " + ", ".join(skills))
    return ". ".join(parts)
