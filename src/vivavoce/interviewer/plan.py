"""The interview plan: who the interviewer is, what it asks, and how long it has.

`build_plan(profile, template, stage)` takes plain dicts shaped like the API objects (an agent
profile, an evaluation template, an evaluation stage) so it stays pure: the live room loads
them, the plan is built once per session and may be stored with it (`to_dict` / `from_dict`).

With a question bank the plan asks the stage's questions in order. Without one it plans
questions from the template (objective, skills, soft skills, requirements, level) and the
profile's evaluation dimensions: every dimension is covered by at least one question, the
number of questions follows the duration (`SECONDS_PER_QUESTION`, follow-ups included), and
behavioural, technical and situational questions are mixed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from vivavoce.interviewer import questions as library
from vivavoce.interviewer.questions import Band, Draft, QuestionKind
from vivavoce.templates.durations import interview_minutes

Tone = Literal["friendly", "professional", "strict", "challenging"]
Style = Literal["structured", "conversational", "adaptive"]
ProbingDepth = Literal["low", "medium", "high"]

MAX_FOLLOW_UPS: dict[ProbingDepth, int] = {"low": 1, "medium": 2, "high": 3}
# A planned question with its follow-ups takes about this long; deeper probing, longer.
SECONDS_PER_QUESTION: dict[ProbingDepth, int] = {"low": 240, "medium": 300, "high": 360}
GREETING_SECONDS = 60
MAX_PLANNED_QUESTIONS = 15

_T = TypeVar("_T", bound=str)
_TONES: tuple[Tone, ...] = ("friendly", "professional", "strict", "challenging")
_STYLES: tuple[Style, ...] = ("structured", "conversational", "adaptive")
_DEPTHS: tuple[ProbingDepth, ...] = ("low", "medium", "high")


def wrap_up_reserve_seconds(duration_seconds: int) -> int:
    """Time kept at the end for the wrap-up and the closing line: 8 %, between 1 and 3 min."""
    return max(60, min(180, round(duration_seconds * 0.08)))


def dimension_id(name: str) -> str:
    """The stable id of a dimension (`System Design` → `system_design`); the same rule as the
    agent profile API, repeated here so the plan does not import the agent profiles."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "dimension"


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    name: str
    description: str
    weight: float


@dataclass(frozen=True, slots=True)
class PlannedQuestion:
    """One question of the plan.

    `follow_ups` are probes a follow-up may use, in order (the recruiter's from the bank, or
    the planner's); `hint` is what a clarification explains; `keywords` are the words that
    make an answer on topic.
    """

    id: str
    text: str
    dimension_ids: tuple[str, ...]
    follow_ups: tuple[str, ...] = ()
    verbatim: bool = False
    time_limit_seconds: int | None = None
    kind: QuestionKind = "bank"
    topic: str = ""
    hint: str = ""
    keywords: tuple[str, ...] = ()


class InterviewPlan(BaseModel):
    """The plan of one interview. It is stored in a turn's meta (`to_dict`) and read back when
    an interview resumes (`from_dict`), so a plan stored by earlier code must still load: a
    field the stored plan lacks takes its default, a stored field the plan no longer has is
    ignored, and a renamed field keeps its old name readable as a validation alias
    (`Field(validation_alias=AliasChoices("new_name", "old_name"))`). The questions and
    dimensions are validated the same way (they are dataclasses pydantic reads)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: str
    persona: str
    questions: tuple[PlannedQuestion, ...]
    dimensions: tuple[Dimension, ...]
    duration_seconds: int
    language: str = "en"
    interviewer_name: str | None = None
    candidate_name: str | None = None
    stage_name: str | None = None
    use_case: str = "hiring"
    tone: Tone = "professional"
    style: Style = "structured"
    difficulty: str = "medium"
    probing_depth: ProbingDepth = "medium"
    level: str | None = None
    band: Band = "mid"
    objective: str | None = None
    skills: tuple[str, ...] = ()
    soft_skills: tuple[str, ...] = ()
    source: Literal["bank", "planned"] = "planned"
    additional_instructions: str | None = None
    context: dict[str, str] = Field(default_factory=dict)

    @property
    def max_follow_ups(self) -> int:
        """Follow-ups allowed per question: low 1, medium 2, high 3 (SPEC §4)."""
        return MAX_FOLLOW_UPS[self.probing_depth]

    @property
    def wrap_up_at_s(self) -> float:
        """When the wrap-up must start, in seconds since the interview started."""
        return float(self.duration_seconds - wrap_up_reserve_seconds(self.duration_seconds))

    def question_budget_s(self, question: PlannedQuestion) -> float:
        """The time one question may take, follow-ups included: its own limit when it has one,
        else an even share of the time between the greeting and the wrap-up."""
        if question.time_limit_seconds:
            return float(question.time_limit_seconds)
        share = (self.wrap_up_at_s - GREETING_SECONDS) / max(1, len(self.questions))
        return max(60.0, share)

    def question(self, question_id: str) -> PlannedQuestion:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def position(self, question_id: str) -> int:
        for position, question in enumerate(self.questions):
            if question.id == question_id:
                return position
        raise KeyError(question_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; `InterviewPlan.from_dict(plan.to_dict()) == plan`."""
        return self.model_dump()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InterviewPlan:
        """A stored plan, read as the class docstring says; a plan that cannot be read raises
        pydantic's `ValidationError`."""
        return cls.model_validate(dict(data))


# --- building a plan ----------------------------------------------------------------------


def build_plan(
    profile: Mapping[str, Any],
    template: Mapping[str, Any],
    stage: Mapping[str, Any],
    *,
    candidate_name: str | None = None,
) -> InterviewPlan:
    """The plan for one session of `stage`, run by the agent `profile`, for `template`.

    The arguments are the API objects as dicts (agent profiles in camelCase, templates and
    stages in snake_case); missing optional fields take the API defaults.
    """
    interaction = profile.get("interaction") or {}
    depth = _choice(interaction.get("probingDepth"), _DEPTHS, "medium")
    dimensions = _dimensions(profile.get("evaluationDimensions") or [])
    minutes = interview_minutes(
        stage.get("duration_minutes"), template.get("default_duration_minutes")
    )
    duration = minutes * 60
    role = _text(template.get("template_name")) or "this role"
    skills = _labels(template.get("skills"))
    soft_skills = _labels(template.get("soft_skills"))
    level = _text(template.get("level"))
    band = level_band(level, stage.get("difficulty"), template.get("default_difficulty"))
    objective = _text(template.get("objective")) or _text(template.get("description"))
    use_case = _text(template.get("use_case")) or _text(profile.get("useCase")) or "hiring"
    bank = stage.get("questions") or []
    if bank:
        planned = _from_bank(bank, dimensions)
        source: Literal["bank", "planned"] = "bank"
    else:
        count = question_count(duration, depth)
        planned = _planned(
            count=count,
            role=role,
            band=band,
            dimensions=dimensions,
            skills=skills,
            soft_skills=soft_skills,
            objective=objective,
            requirements=_text(template.get("requirements")),
            use_case=use_case,
        )
        source = "planned"
    persona = _text(profile.get("persona")) or ""
    context = {
        key: str(value)
        for key, value in (profile.get("context") or {}).items()
        if isinstance(value, str) and value.strip()
    }
    if _text(template.get("ai_context")):
        context["templateContext"] = str(template["ai_context"])
    return InterviewPlan(
        role=role,
        persona=persona,
        questions=planned,
        dimensions=dimensions,
        duration_seconds=duration,
        language=_text(template.get("language")) or "en",
        interviewer_name=interviewer_name(persona),
        candidate_name=_first_name(candidate_name),
        stage_name=_text(stage.get("stage_name")),
        use_case=use_case,
        tone=_choice(interaction.get("tone"), _TONES, "professional"),
        style=_choice(interaction.get("style"), _STYLES, "structured"),
        difficulty=_text(interaction.get("difficulty")) or "medium",
        probing_depth=depth,
        level=level,
        band=band,
        objective=objective,
        skills=tuple(skills),
        soft_skills=tuple(soft_skills),
        source=source,
        additional_instructions=_text(profile.get("additionalInstructions")),
        context=context,
    )


def question_count(duration_seconds: int, depth: ProbingDepth) -> int:
    """How many planned questions fit: the time between the greeting and the wrap-up divided by
    the time one question takes with its follow-ups, at least 1."""
    usable = duration_seconds - GREETING_SECONDS - wrap_up_reserve_seconds(duration_seconds)
    return max(1, min(MAX_PLANNED_QUESTIONS, round(usable / SECONDS_PER_QUESTION[depth])))


def level_band(level: str | None, *difficulties: object) -> Band:
    """The seniority the questions are pitched at, from the template's `level` (free text) or,
    failing that, the stage's or template's difficulty."""
    text = (level or "").lower()
    if re.search(r"\b(intern|junior|jr|graduate|grad|entry|trainee|apprentice|student)", text):
        return "junior"
    if re.search(r"\b(staff|principal|lead|head|director|manager|architect|vp|chief)", text):
        return "lead"
    if re.search(r"\b(senior|sr|iii|expert)", text):
        return "senior"
    if re.search(r"\b(mid|intermediate|ii)\b", text):
        return "mid"
    for difficulty in difficulties:
        band = {"beginner": "junior", "easy": "junior", "advanced": "senior", "hard": "senior"}
        band |= {"expert": "lead", "intermediate": "mid", "medium": "mid"}
        if isinstance(difficulty, str) and difficulty in band:
            return cast(Band, band[difficulty])
    return "mid"


def interviewer_name(persona: str) -> str | None:
    """The name a persona gives the interviewer ("You are Ava, …" / "I'm Ava …"), if any."""
    skip = {"a", "an", "the", "our", "your", "ai", "my", "here", "not", "going"}
    patterns = (
        r"^\s*(?:you are|you're|i am|i'm|my name is|this is|hi,? i'm|hello,? i'm)\s+([A-Z][\w'-]+)",
        r"\b(?:named|called|name is)\s+([A-Z][\w'-]+)",
    )
    for pattern in patterns:
        match = re.search(pattern, persona, re.IGNORECASE)
        if match and match.group(1)[0].isupper() and match.group(1).lower() not in skip:
            return match.group(1)
    return None


def _first_name(name: str | None) -> str | None:
    text = _text(name)
    return text.split()[0] if text else None


def _choice(value: object, allowed: tuple[_T, ...], default: _T) -> _T:
    for option in allowed:
        if value == option:
            return option
    return default


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _labels(values: object) -> list[str]:
    seen: dict[str, str] = {}
    if isinstance(values, list | tuple):
        for value in values:
            text = _text(value)
            if text and text.lower() not in seen:
                seen[text.lower()] = text
    return list(seen.values())


def _dimensions(raw: Sequence[Mapping[str, Any]]) -> tuple[Dimension, ...]:
    out: list[Dimension] = []
    for item in raw:
        name = _text(item.get("name")) or "Overall"
        out.append(
            Dimension(
                id=_text(item.get("id")) or dimension_id(name),
                name=name,
                description=_text(item.get("description")) or "",
                weight=float(item.get("weight") or 0),
            )
        )
    return tuple(out)


# --- words, for matching and for judging "on topic" -----------------------------------------

# fmt: off
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "could", "did", "do", "does", "for",
    "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my",
    "of", "on", "or", "our", "so", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "to", "us", "was", "we", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "you", "your", "about", "tell", "walk", "through", "time",
    "describe", "give", "example", "real", "specific",
})
# fmt: on


def words(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed, for overlap between texts."""
    out = []
    for token in re.findall(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]", text.lower()):
        if token in _STOP or len(token) < 2:
            continue
        out.append(stem(token))
    return out


def stem(token: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def _overlap(a: str, b: str) -> int:
    return len(set(words(a)) & set(words(b)))


# --- the bank -----------------------------------------------------------------------------


def _from_bank(
    bank: Sequence[Mapping[str, Any]], dimensions: Sequence[Dimension]
) -> tuple[PlannedQuestion, ...]:
    by_key = {d.id: d.id for d in dimensions} | {dimension_id(d.name): d.id for d in dimensions}
    names = {d.id: d.name for d in dimensions}
    planned = []
    for position, item in enumerate(bank, start=1):
        labels = [str(label) for label in item.get("dimensions") or []]
        ids = tuple(
            dict.fromkeys(by_key.get(dimension_id(label), dimension_id(label)) for label in labels)
        )
        text = str(item["text"]).strip()
        covered = [names.get(i, i.replace("_", " ")) for i in ids]
        hint = (
            (f"This question is mainly about {_join(covered).lower()}. " if covered else "")
            + "Answer in whatever way feels most natural; a concrete example from your own "
            "experience is ideal."
        )
        limit = item.get("time_limit_seconds")
        planned.append(
            PlannedQuestion(
                id=f"q{position}",
                text=text,
                dimension_ids=ids,
                follow_ups=tuple(
                    str(f).strip() for f in item.get("follow_ups") or [] if str(f).strip()
                ),
                verbatim=bool(item.get("verbatim", False)),
                time_limit_seconds=int(limit) if limit else None,
                kind="bank",
                topic=covered[0] if covered else "",
                hint=hint,
                keywords=tuple(dict.fromkeys(words(text + " " + " ".join(covered)))),
            )
        )
    return tuple(planned)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- planning without a bank ---------------------------------------------------------------


@dataclass
class _Slot:
    """A question being planned: its draft, the dimensions it informs and where it goes."""

    draft: Draft
    dims: list[str]
    weight: float
    order: int  # 0 opening, 1 core, 2 forward-looking, 3 motivation
    technical: bool


class _SlotMaker:
    """Makes the slots of one plan and remembers how many questions each topic has had, so a
    second question on a topic takes the next angle and skills cycle through the templates (no
    two read alike)."""

    def __init__(self, role: str, band: Band, dimensions: Sequence[Dimension]) -> None:
        self.role = role
        self.band = band
        self.dimensions = dimensions
        self.asked_about: dict[str, int] = {}  # topic -> questions planned on it
        self._skill_variant = 0

    def skill(self, skill: str) -> _Slot:
        draft = library.skill_question(skill, self.role, self.band, self._skill_variant)
        self._skill_variant += 1
        self._count(skill)
        return _Slot(draft, [], 0.0, 1, draft.kind != "behavioural")

    def soft_skill(self, soft: str) -> _Slot:
        draft = library.soft_skill_question(soft, self.asked_about.get(soft, 0))
        self._count(soft)
        return _Slot(draft, [], 0.0, 1, False)

    def dimension(self, dim: Dimension) -> _Slot:
        technical = library.is_technical(f"{dim.name} {dim.description}")
        variant = self.asked_about.get(dim.name, 0) + sum(
            1 for d in self.dimensions if d.name in self.asked_about and d.name != dim.name
        )
        self._count(dim.name)
        draft = library.dimension_question(
            dim.name, dim.description, technical=technical, variant=variant
        )
        return _Slot(draft, [], 0.0, 1, technical)

    def _count(self, topic: str) -> None:
        self.asked_about[topic] = self.asked_about.get(topic, 0) + 1


def _planned(
    *,
    count: int,
    role: str,
    band: Band,
    dimensions: Sequence[Dimension],
    skills: Sequence[str],
    soft_skills: Sequence[str],
    objective: str | None,
    requirements: str | None,
    use_case: str,
) -> tuple[PlannedQuestion, ...]:
    make = _SlotMaker(role, band, dimensions)
    topics = _topic_per_dimension(make, dimensions, skills, soft_skills)
    core = sorted(topics.values(), key=lambda s: -s.weight)
    with_opening = count >= 4
    room = count - (1 if with_opening else 0)
    _fold_lightest_topics(core, room)
    extras = _extra_slots(
        make,
        core,
        skills=skills,
        soft_skills=soft_skills,
        objective=objective,
        requirements=requirements,
        use_case=use_case,
    )
    chosen = core + list(itertools.islice(extras, max(0, room - len(core))))
    if with_opening:
        chosen.insert(0, _Slot(library.opening_question(role), [], 0.0, 0, False))
    _give_every_slot_a_dimension(chosen, dimensions, with_opening=with_opening)
    return _questions_in_order(chosen)


def _topic_per_dimension(
    make: _SlotMaker,
    dimensions: Sequence[Dimension],
    skills: Sequence[str],
    soft_skills: Sequence[str],
) -> dict[str, _Slot]:
    """One topic per dimension, heaviest first: the skill or soft skill it is about, else the
    dimension itself. Dimensions about the same topic share its slot (and add their weight)."""
    topics: dict[str, _Slot] = {}
    for dim in sorted(dimensions, key=lambda d: -d.weight):
        text = f"{dim.name} {dim.name} {dim.description}"
        hard, hard_score = _best_match(text, skills)
        soft, soft_score = _best_match(text, soft_skills)
        if hard and hard_score and hard_score >= soft_score:
            key = hard
            if key not in topics:
                topics[key] = make.skill(hard)
        elif soft and soft_score:
            key = soft
            if key not in topics:
                topics[key] = make.soft_skill(soft)
        elif not library.is_technical(dim.name) and (
            library.soft_skill_key(dim.name) or library.soft_skill_key(dim.description)
        ):
            key = dim.name
            if key not in topics:
                topics[key] = make.soft_skill(dim.name)
        else:
            key = dim.name
            if key not in topics:
                topics[key] = make.dimension(dim)
        topics[key].dims.append(dim.id)
        topics[key].weight += dim.weight
    return topics


def _best_match(text: str, labels: Sequence[str]) -> tuple[str | None, int]:
    """The label sharing most words with `text` (the first on a tie), and how many it shares."""
    best = max(labels, key=lambda label: _overlap(text, label), default=None)
    return best, (_overlap(text, best) if best else 0)


def _fold_lightest_topics(core: list[_Slot], room: int) -> None:
    """Too many topics for the time: fold the lightest (`core` is heaviest first) into a kept
    one of the same kind, the one informing fewest dimensions, until they fit."""
    while len(core) > max(1, room):
        dropped = core.pop()
        same = [s for s in core if s.technical == dropped.technical] or core
        target = min(same, key=lambda s: (len(s.dims), -s.weight))
        target.dims.extend(dropped.dims)


def _extra_slots(
    make: _SlotMaker,
    core: Sequence[_Slot],
    *,
    skills: Sequence[str],
    soft_skills: Sequence[str],
    objective: str | None,
    requirements: str | None,
    use_case: str,
) -> Iterator[_Slot]:
    """What fills the room the core topics leave, best first: skills nothing covered yet, a
    forward-looking question, the requirements, a second angle on the heaviest topics,
    motivation. A generator, so a slot is made (and counted as asked) only when taken."""
    role = make.role
    spare_hard = [s for s in skills if s not in make.asked_about]
    spare_soft = [s for s in soft_skills if s not in make.asked_about]
    technical_yet = any(s.technical for s in core)
    if not technical_yet:
        yield _forward(
            library.objective_question(role, objective)
            if objective
            else library.priorities_question(role)
        )
    for position in range(max(len(spare_hard), len(spare_soft))):
        if position < len(spare_hard):
            yield make.skill(spare_hard[position])
        if position < len(spare_soft):
            yield make.soft_skill(spare_soft[position])
    if objective and technical_yet:
        yield _forward(library.objective_question(role, objective))
    if requirements:
        yield _Slot(library.requirements_question(requirements), [], 0.0, 2, False)
    for slot in list(core):
        topic = slot.draft.topic
        if topic in skills:
            again = make.skill(topic)
        elif topic in soft_skills or library.soft_skill_key(topic):
            again = make.soft_skill(topic)
        else:
            continue
        again.dims = list(slot.dims)
        yield again
    yield _Slot(library.motivation_question(role, use_case), [], 0.0, 3, False)


def _give_every_slot_a_dimension(
    chosen: Sequence[_Slot], dimensions: Sequence[Dimension], *, with_opening: bool
) -> None:
    """Every question informs at least one dimension: the ones it overlaps, else the heaviest
    (the opening, a walk through the candidate's work, informs communication first)."""
    heaviest = max(dimensions, key=lambda d: d.weight).id if dimensions else None
    speaking = [d.id for d in dimensions if library.soft_skill_key(d.name) == "communication"]
    if with_opening and speaking:
        chosen[0].dims = speaking[:1]
    for slot in chosen:
        if not slot.dims:
            slot.dims = [
                d.id
                for d in dimensions
                if _overlap(f"{d.name} {d.description}", f"{slot.draft.topic} {slot.draft.text}")
            ][:2] or ([heaviest] if heaviest else [])


def _questions_in_order(chosen: list[_Slot]) -> tuple[PlannedQuestion, ...]:
    """The planned questions in interview order (`_interleave`), numbered, each text once."""
    planned: list[PlannedQuestion] = []
    for slot in _interleave(chosen):
        draft = slot.draft
        if any(q.text == draft.text for q in planned):
            continue
        planned.append(
            PlannedQuestion(
                id=f"q{len(planned) + 1}",
                text=draft.text,
                dimension_ids=tuple(dict.fromkeys(slot.dims)),
                follow_ups=draft.follow_ups,
                kind=draft.kind,
                topic=draft.topic,
                hint=draft.hint,
                keywords=tuple(dict.fromkeys(words(f"{draft.topic} {draft.text}"))),
            )
        )
    return tuple(planned)


def _forward(draft: Draft) -> _Slot:
    return _Slot(draft, [], 0.0, 2, True)


def _interleave(slots: list[_Slot]) -> list[_Slot]:
    """Opening first, then core questions alternating technical and behavioural (heaviest
    first), then forward-looking ones, motivation last."""
    out: list[_Slot] = []
    for order in (0, 1, 2, 3):
        group = [s for s in slots if s.order == order]
        technical = [s for s in group if s.technical]
        other = [s for s in group if not s.technical]
        take_technical = bool(technical) and (not other or technical[0].weight >= other[0].weight)
        while technical or other:
            source = technical if (take_technical and technical) or not other else other
            out.append(source.pop(0))
            take_technical = not take_technical
    return out
