"""Evaluation template and stage bodies. Field names are snake_case, as the public docs write
them for these objects."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from vivavoce.kit.clock import isoformat_z
from vivavoce.kit.schemas import StrictModel
from vivavoce.models import EvaluationStage, EvaluationTemplate
from vivavoce.templates.roleplay_schemas import RoleplayScenario

UseCase = Literal["hiring", "admissions", "training", "custom_api"]
SuccessOutcome = Literal[
    "hire_no_hire",
    "admit_reject",
    "pass_fail",
    "ready_needs_training",
    "certified_not_certified",
    "custom",
]
Status = Literal["draft", "active", "archived"]
Difficulty = Literal["beginner", "intermediate", "advanced", "expert", "adaptive"]
SessionFormat = Literal["voice", "text", "voice_or_text"]
# Who sees the template: `private` its creator (and admins) in the dashboard, `team` and
# `organization` everyone in the workspace (one vivavoce workspace is one Intervyo team of one
# organization), `public_template` also every other workspace, which may fork it.
Visibility = Literal["private", "team", "organization", "public_template"]
# How candidates take the template's interviews. A format other than `live_ai_interview`
# is the default `stage_type` of the template's new stages (`STAGE_TYPE_FOR_FORMAT`); each
# stage then runs as its own `stage_type` says (a `roleplay_simulation` stage needs its
# scenario, `roleplay`).
InterviewFormat = Literal[
    "live_ai_interview",
    "async_interview",
    "roleplay_simulation",
    "practice_session",
    "manual_review",
]
RUNNABLE_FORMATS: frozenset[str] = frozenset(
    {
        "live_ai_interview",
        "async_interview",
        "roleplay_simulation",
        "practice_session",
        "manual_review",
    }
)
STAGE_TYPE_FOR_FORMAT: dict[str, str] = {
    "live_ai_interview": "ai_interview",
    "async_interview": "async_assessment",
    "roleplay_simulation": "roleplay_simulation",
    "practice_session": "practice_session",
    "manual_review": "manual_review",
}
StageType = Literal[
    "ai_interview",
    "roleplay_simulation",
    "practice_session",
    "manual_review",
    "async_assessment",
    "final_review",
]
AutomationRule = Literal["auto_advance", "require_reviewer_approval", "none"]

OUTCOME_FOR_USE_CASE: dict[str, str] = {
    "hiring": "hire_no_hire",
    "admissions": "admit_reject",
    "training": "ready_needs_training",
    "custom_api": "pass_fail",
}

# BCP-47, loosely: a 2-3 letter language, then subtags (script, region, variant) of 1-8.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
Label = Annotated[str, Field(min_length=1, max_length=100)]
Labels = Annotated[list[Label], Field(max_length=50)]
Duration = Annotated[int, Field(ge=5, le=240, description="Minutes, 5-240")]


def _canonical_language(tag: str) -> str:
    """`EN-gb` → `en-GB`: language lower case, script title case, region upper case."""
    first, *rest = tag.split("-")
    parts = [first.lower()]
    for sub in rest:
        if len(sub) == 4 and sub.isalpha():
            parts.append(sub.title())
        elif (len(sub) == 2 and sub.isalpha()) or (len(sub) == 3 and sub.isdigit()):
            parts.append(sub.upper())
        else:
            parts.append(sub.lower())
    return "-".join(parts)


Language = Annotated[
    str,
    Field(
        min_length=2,
        max_length=35,
        pattern=_LANGUAGE.pattern,
        description="BCP-47 tag, e.g. `en`, `en-GB`, `pt-BR`",
    ),
    AfterValidator(_canonical_language),
]
PassThreshold = Annotated[
    float, Field(ge=0, le=100, description="0-100; the stage passes at score ≥ this / 10")
]
AccountSlug = Annotated[str | None, Field(default=None, max_length=63)]


# A web origin as a browser sends it (scheme, host, optional port; nothing else): it lands in
# the embed pages' Content-Security-Policy, so nothing looser is accepted (no wildcards).
_ORIGIN = re.compile(
    r"^(https?)://([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?/?$"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def canonical_origin(value: str) -> str:
    """`HTTPS://Jobs.Example.com:443/` → `https://jobs.example.com`; ValueError otherwise."""
    found = _ORIGIN.match(value.strip().lower())
    if found is None:
        raise ValueError("must be an origin: http(s)://host[:port], no path, no wildcard")
    scheme, host, port = found.groups()
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError("the port must be 1-65535")
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{int(port)}"


def _unique_origins(origins: list[str]) -> list[str]:
    return list(dict.fromkeys(origins))


MAX_EMBED_ORIGINS = 20
Origin = Annotated[str, Field(max_length=300), AfterValidator(canonical_origin)]
EmbedOrigins = Annotated[
    list[Origin],
    Field(
        max_length=MAX_EMBED_ORIGINS,
        description="Origins whose pages may embed this template's interviews (docs/embed.md)",
    ),
    AfterValidator(_unique_origins),
]


def _no_nulls(model: BaseModel, names: tuple[str, ...]) -> None:
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


class ApplySettings(StrictModel):
    """The public apply page (`/apply/{template_id}`)."""

    enabled: bool = False
    requires_approval: bool = True
    requires_otp: bool = True
    consent_text: Annotated[str | None, Field(max_length=5000)] = None
    notify_on_rejection: bool = Field(
        default=True, description="Email a polite notice when an application is rejected"
    )


class Branding(StrictModel):
    logo_url: Annotated[
        str | None, Field(max_length=2000, pattern=r"^https?://[^\s]+$", description="http(s)")
    ] = None
    primary_color: Annotated[
        str | None, Field(pattern=r"^#[0-9A-Fa-f]{6}$", description="`#rrggbb`")
    ] = None


class TemplateCreate(StrictModel):
    template_name: ShortText
    use_case: UseCase = "hiring"
    description: LongText | None = None
    objective: LongText | None = None
    success_outcome: Annotated[
        SuccessOutcome | None, Field(description="Derived from use_case when omitted")
    ] = None
    status: Status = "active"
    industry: Annotated[str | None, Field(max_length=200)] = None
    level: Annotated[str | None, Field(max_length=100)] = None
    requirements: LongText | None = None
    skills: Labels = Field(default_factory=list)
    soft_skills: Labels = Field(default_factory=list)
    ai_context: Annotated[str | None, Field(max_length=10000)] = None
    default_duration_minutes: Duration = 30
    default_difficulty: Difficulty = "intermediate"
    session_format: SessionFormat = "voice_or_text"
    format: InterviewFormat = "live_ai_interview"
    visibility: Visibility = "team"
    language: Language = "en"
    apply: ApplySettings = Field(default_factory=ApplySettings)
    branding: Branding = Field(default_factory=Branding)
    embed_origins: EmbedOrigins = Field(default_factory=list)
    accountSlug: AccountSlug = None

    @model_validator(mode="after")
    def _not_null(self) -> TemplateCreate:
        _no_nulls(self, ("apply", "branding", "embed_origins"))
        return self


class TemplateFork(StrictModel):
    """`POST /evaluation-templates?action=fork`: copy a `public_template` (of any workspace)
    or one of this workspace's templates, with its stages."""

    sourceId: uuid.UUID
    template_name: ShortText | None = None
    accountSlug: AccountSlug = None


class ApplyPatch(StrictModel):
    """Only the fields sent change; the others keep their values."""

    enabled: bool | None = None
    requires_approval: bool | None = None
    requires_otp: bool | None = None
    consent_text: Annotated[str | None, Field(max_length=5000)] = None
    notify_on_rejection: bool | None = None

    @model_validator(mode="after")
    def _not_null(self) -> ApplyPatch:
        _no_nulls(self, ("enabled", "requires_approval", "requires_otp", "notify_on_rejection"))
        return self


class TemplateUpdate(StrictModel):
    template_name: ShortText | None = None
    use_case: UseCase | None = None
    description: LongText | None = None
    objective: LongText | None = None
    success_outcome: SuccessOutcome | None = None
    status: Status | None = None
    industry: Annotated[str | None, Field(max_length=200)] = None
    level: Annotated[str | None, Field(max_length=100)] = None
    requirements: LongText | None = None
    skills: Labels | None = None
    soft_skills: Labels | None = None
    ai_context: Annotated[str | None, Field(max_length=10000)] = None
    default_duration_minutes: Duration | None = None
    default_difficulty: Difficulty | None = None
    session_format: SessionFormat | None = None
    format: InterviewFormat | None = None
    visibility: Visibility | None = None
    language: Language | None = None
    apply: ApplyPatch | None = None
    branding: Branding | None = None
    embed_origins: EmbedOrigins | None = None
    accountSlug: AccountSlug = None

    @model_validator(mode="after")
    def _not_null(self) -> TemplateUpdate:
        _no_nulls(
            self,
            (
                "template_name",
                "use_case",
                "success_outcome",
                "status",
                "skills",
                "soft_skills",
                "default_duration_minutes",
                "default_difficulty",
                "session_format",
                "format",
                "visibility",
                "language",
                "apply",
                "branding",
                "embed_origins",
            ),
        )
        return self


class Question(StrictModel):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    dimensions: Annotated[list[Label], Field(max_length=20)] = Field(default_factory=list)
    follow_ups: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=1000)]], Field(max_length=10)
    ] = Field(default_factory=list)
    verbatim: bool = Field(default=False, description="Ask word for word, not reworded")
    time_limit_seconds: Annotated[int | None, Field(ge=10, le=3600)] = None


Questions = Annotated[list[Question], Field(max_length=50)]


AnswerKind = Literal["text", "audio", "video"]


def _typed_only() -> list[AnswerKind]:
    return ["text"]


class AssessmentSettings(StrictModel):
    """How an `async_assessment` (one-way interview) runs each question: time to read and
    prepare, then time to answer (a question's own `time_limit_seconds` wins), and how many
    times an answer may be recorded again before it is submitted."""

    prep_seconds: Annotated[int, Field(ge=0, le=600, description="0: answer at once")] = 30
    answer_seconds: Annotated[int, Field(ge=10, le=3600)] = 180
    retakes: Annotated[int, Field(ge=0, le=5, description="Extra attempts per question")] = 1
    answer_kinds: Annotated[
        list[AnswerKind],
        Field(
            min_length=1,
            max_length=3,
            description="How answers may be given: typed, recorded audio, camera video",
        ),
    ] = Field(default_factory=_typed_only)
    speak_questions: Annotated[
        bool, Field(description="Each question is also read aloud (the server's voice)")
    ] = False

    @field_validator("answer_kinds")
    @classmethod
    def _distinct_kinds(cls, kinds: list[AnswerKind]) -> list[AnswerKind]:
        if len(set(kinds)) != len(kinds):
            raise ValueError("each answer kind once")
        return kinds


DEFAULT_ASSESSMENT = AssessmentSettings()


class ReviewSettings(StrictModel):
    """A `manual_review` stage's reviewer: a named user of the workspace, or (null) anyone
    of the reviewer pool, i.e. every member."""

    reviewer_user_id: uuid.UUID | None = None


class PracticeSettings(StrictModel):
    """A `practice_session` is the candidate's own rehearsal: recruiters see that it
    happened; its transcript only when the stage shares it."""

    share_transcript: bool = False


StageTypeLabel = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="Short label (`screen`, `Final Round`), unique in the template ignoring "
        "case; `stage` on POST /sessions matches it ignoring case",
    ),
]


def _check_type(value: str | None) -> str | None:
    if value is not None and any(not char.isprintable() for char in value):
        raise ValueError("a stage type is a short label on one line, without control characters")
    return value


class StageCreate(StrictModel):
    evaluation_template_id: uuid.UUID
    type: StageTypeLabel
    stage_name: ShortText | None = None
    stage_type: StageType = "ai_interview"
    agent_profile_id: uuid.UUID | None = None
    stage_order: Annotated[
        int | None, Field(ge=0, le=1000, description="0 first; default: after the last stage")
    ] = None
    duration_minutes: Annotated[
        Duration | None, Field(description="Default: the template's default_duration_minutes")
    ] = None
    difficulty: Annotated[
        Difficulty | None, Field(description="Default: the template's default_difficulty")
    ] = None
    pass_threshold: PassThreshold | None = None
    allow_retake: bool = False
    automation_rule: AutomationRule = "auto_advance"
    status: Status = "active"
    questions: Questions = Field(default_factory=list)
    assessment: Annotated[
        AssessmentSettings | None,
        Field(description="`async_assessment` stages only; defaults apply when omitted"),
    ] = None
    practice: Annotated[
        PracticeSettings | None, Field(description="`practice_session` stages only")
    ] = None
    review: Annotated[ReviewSettings | None, Field(description="`manual_review` stages only")] = (
        None
    )
    roleplay: Annotated[
        RoleplayScenario | None,
        Field(description="The scene: required on, and only for, `roleplay_simulation` stages"),
    ] = None
    accountSlug: AccountSlug = None

    _type = field_validator("type")(_check_type)

    @model_validator(mode="after")
    def _not_null(self) -> StageCreate:
        _no_nulls(self, ("allow_retake", "automation_rule", "status", "questions"))
        explicit = "stage_type" in self.model_fields_set  # else the template's format decides
        if explicit and self.assessment is not None and self.stage_type != "async_assessment":
            raise ValueError("assessment settings apply to async_assessment stages only")
        if explicit and self.practice is not None and self.stage_type != "practice_session":
            raise ValueError("practice settings apply to practice_session stages only")
        if explicit and self.review is not None and self.stage_type != "manual_review":
            raise ValueError("review settings apply to manual_review stages only")
        return self


class StageUpdate(StrictModel):
    type: StageTypeLabel | None = None
    stage_name: ShortText | None = None
    stage_type: StageType | None = None
    agent_profile_id: uuid.UUID | None = None
    stage_order: Annotated[int | None, Field(ge=0, le=1000)] = None
    duration_minutes: Duration | None = None
    difficulty: Difficulty | None = None
    pass_threshold: PassThreshold | None = None
    allow_retake: bool | None = None
    automation_rule: AutomationRule | None = None
    status: Status | None = None
    questions: Questions | None = None
    assessment: AssessmentSettings | None = None
    practice: PracticeSettings | None = None
    review: ReviewSettings | None = None
    roleplay: RoleplayScenario | None = None
    accountSlug: AccountSlug = None

    _type = field_validator("type")(_check_type)

    @model_validator(mode="after")
    def _not_null(self) -> StageUpdate:
        _no_nulls(
            self,
            (
                "type",
                "stage_type",
                "stage_order",
                "duration_minutes",
                "allow_retake",
                "automation_rule",
                "status",
                "questions",
            ),
        )
        return self


class EvaluationStageOut(BaseModel):
    id: str
    evaluation_template_id: str
    type: str
    stage_name: str | None
    stage_type: str
    agent_profile_id: str | None
    stage_order: int
    duration_minutes: int
    difficulty: str | None
    pass_threshold: float | None
    allow_retake: bool
    automation_rule: str
    status: str
    questions: list[Question]
    assessment: AssessmentSettings | None = Field(
        default=None, description="The settings an `async_assessment` runs with; null otherwise"
    )
    practice: PracticeSettings | None = Field(
        default=None, description="A `practice_session`'s settings; null otherwise"
    )
    review: ReviewSettings | None = Field(
        default=None, description="A `manual_review`'s reviewer; null otherwise"
    )
    roleplay: RoleplayScenario | None = Field(
        default=None, description="A `roleplay_simulation`'s scenario; null otherwise"
    )
    created_at: str
    updated_at: str


class EvaluationTemplateOut(BaseModel):
    id: str
    template_name: str
    use_case: str
    description: str | None
    objective: str | None
    success_outcome: str
    status: str
    industry: str | None
    level: str | None
    requirements: str | None
    skills: list[str]
    soft_skills: list[str]
    ai_context: str | None
    default_duration_minutes: int
    default_difficulty: str
    session_format: str
    format: str
    visibility: str
    language: str
    apply: ApplySettings
    branding: Branding
    embed_origins: list[str]
    stages: list[EvaluationStageOut] | None = Field(
        default=None, description="The pipeline, ordered by stage_order"
    )
    created_at: str
    updated_at: str


def stage_public(stage: EvaluationStage) -> dict[str, Any]:
    return {
        "id": str(stage.id),
        "evaluation_template_id": str(stage.evaluation_template_id),
        "type": stage.type,
        "stage_name": stage.stage_name,
        "stage_type": stage.stage_type,
        "agent_profile_id": str(stage.agent_profile_id) if stage.agent_profile_id else None,
        "stage_order": stage.stage_order,
        "duration_minutes": stage.duration_minutes,
        "difficulty": stage.difficulty,
        "pass_threshold": float(stage.pass_threshold) if stage.pass_threshold is not None else None,
        "allow_retake": stage.allow_retake,
        "automation_rule": stage.automation_rule,
        "status": stage.status,
        "questions": stage.questions,
        "assessment": (
            assessment_settings(stage).model_dump()
            if stage.stage_type == "async_assessment"
            else None
        ),
        "practice": (
            practice_settings(stage).model_dump()
            if stage.stage_type == "practice_session"
            else None
        ),
        "review": (
            review_settings(stage).model_dump(mode="json")
            if stage.stage_type == "manual_review"
            else None
        ),
        "roleplay": roleplay_scenario(stage) if stage.stage_type == "roleplay_simulation" else None,
        "created_at": isoformat_z(stage.created_at),
        "updated_at": isoformat_z(stage.updated_at),
    }


def assessment_settings(stage: EvaluationStage) -> AssessmentSettings:
    """The stage's one-way assessment settings, defaults filled in."""
    stored = (stage.mode_settings or {}).get("assessment") or {}
    return AssessmentSettings.model_validate({**DEFAULT_ASSESSMENT.model_dump(), **stored})


def practice_settings(stage: EvaluationStage) -> PracticeSettings:
    return PracticeSettings.model_validate((stage.mode_settings or {}).get("practice") or {})


def review_settings(stage: EvaluationStage) -> ReviewSettings:
    return ReviewSettings.model_validate((stage.mode_settings or {}).get("review") or {})


def roleplay_scenario(stage: EvaluationStage) -> dict[str, Any] | None:
    """The stage's stored scenario (defaults filled in when it was set), or None."""
    stored = (stage.mode_settings or {}).get("roleplay")
    return stored if isinstance(stored, dict) else None


def template_public(
    template: EvaluationTemplate, stages: list[EvaluationStage] | None = None
) -> dict[str, Any]:
    """The template; with `stages` (already ordered) it carries its pipeline too."""
    body: dict[str, Any] = {
        "id": str(template.id),
        "template_name": template.template_name,
        "use_case": template.use_case,
        "description": template.description,
        "objective": template.objective,
        "success_outcome": template.success_outcome,
        "status": template.status,
        "industry": template.industry,
        "level": template.level,
        "requirements": template.requirements,
        "skills": template.skills,
        "soft_skills": template.soft_skills,
        "ai_context": template.ai_context,
        "default_duration_minutes": template.default_duration_minutes,
        "default_difficulty": template.default_difficulty,
        "session_format": template.session_format,
        "format": template.format,
        "visibility": template.visibility,
        "language": template.language,
        "apply": {**ApplySettings().model_dump(), **template.apply},  # defaults of newer fields
        "branding": template.branding,
        "embed_origins": list(template.embed_origins or []),
    }
    if stages is not None:
        body["stages"] = [stage_public(s) for s in stages]
    body["created_at"] = isoformat_z(template.created_at)
    body["updated_at"] = isoformat_z(template.updated_at)
    return body
