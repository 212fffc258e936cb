"""The question library the planner draws from when a stage has no question bank.

Every question here is role-neutral on purpose: vivavoce interviews engineers, salespeople,
nurses and university applicants, so a skill is treated as an area of competence ("a piece of
work where Negotiation was central"), never as a technology. What makes a question specific
is what the template puts into it — the skill, the soft skill, the role, the objective — and
the candidate's level, which picks the variant.

Each draft carries the probes a follow-up may use (in order) and the hint a clarification
gives, so the offline interviewer can word every move without a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Band = Literal["junior", "mid", "senior", "lead"]
QuestionKind = Literal["opening", "technical", "behavioural", "situational", "motivation", "bank"]

BEHAVIOURAL_HINT = (
    "I'm looking for one real situation from your own experience: what the situation was, "
    "what you personally did, and how it turned out. Examples from work, study or "
    "volunteering all count."
)
# The skill questions of this kind ask about real work ("Tell me about a recent piece of work
# where …", "Walk me through a real decision …"), so their hint asks for one too — never for a
# hypothetical approach, which is the situational questions' hint.
TECHNICAL_HINT = (
    "I'm asking about real work of yours, even a small piece: what the problem was, the "
    "options you weighed, what you chose and did yourself, and how you knew it had worked. "
    "There's no single right answer."
)
SITUATIONAL_HINT = (
    "This one is hypothetical, so there's no single right answer. Talk me through what you'd "
    "do, in what order, and why."
)
OPENING_HINT = (
    "Just a short overview: a minute or so on your background, then one piece of work you're "
    "proud of and the part you played in it."
)
MOTIVATION_HINT = (
    "There's no right answer here. I'd simply like to understand what you're looking for and "
    "what you'd hope to achieve."
)

BEHAVIOURAL_PROBES = (
    "What did you personally do, as opposed to the wider team?",
    "What was the outcome, and is there a concrete result or number you can point to?",
    "Looking back, what would you do differently?",
)
TECHNICAL_PROBES = (
    "Which alternatives did you consider, and why did you rule them out?",
    "How did you check or test that it actually worked?",
    "What would you need to change if the scope grew ten times bigger?",
)
SITUATIONAL_PROBES = (
    "What would you do first, and why that first?",
    "What could go wrong with that plan, and how would you notice early?",
    "How would you know, a few weeks later, that it had worked?",
)
OPENING_PROBES = (
    "What was the hardest part of that work, and how did you handle it?",
    "What did you learn from it that you still use today?",
    "Who else was involved, and how did you work with them?",
)
MOTIVATION_PROBES = (
    "What would make this a success for you a year from now?",
    "What kind of environment helps you do your best work?",
    "What would you want to get better at next?",
)


@dataclass(frozen=True, slots=True)
class Draft:
    """A question before the planner gives it an id and the dimensions it informs."""

    kind: QuestionKind
    topic: str
    text: str
    follow_ups: tuple[str, ...]
    hint: str


# Templates for a (hard) skill. `{skill}` is the template's wording, kept as written.
_SKILL_TEMPLATES: tuple[tuple[QuestionKind, dict[Band, str]], ...] = (
    (
        "technical",
        {
            "junior": "Tell me about something you've built or worked on where {skill} was "
            "central: a job, an internship, a course or a personal project. What was the hardest "
            "part, and how did you get past it?",
            "mid": "Tell me about a recent piece of work where {skill} was central. What was the "
            "goal, what did you do yourself, and how did you know it had worked?",
            "senior": "Tell me about the most demanding piece of work you've done where {skill} "
            "was central. What was the goal, which decisions were yours, and what trade-offs did "
            "you make?",
            "lead": "Tell me about a piece of work where {skill} was central and you set the "
            "direction. Which decisions did you make, what trade-offs did you accept, and how did "
            "you bring others along?",
        },
    ),
    (
        "situational",
        {
            "junior": "Imagine you've just started as {role} and you're asked to help with "
            "some work that depends heavily on {skill}, and you hit a problem you've never seen "
            "before. How would you go about getting unstuck?",
            "mid": "Imagine you've just joined as {role} and you're asked to take over some work "
            "that depends heavily on {skill}, with very little documentation. How would you "
            "approach your first couple of weeks?",
            "senior": "Imagine you've just joined as {role} and the work that depends on {skill} "
            "is behind schedule, with quality problems nobody has got to the bottom of. How would "
            "you approach it in your first month?",
            "lead": "Imagine you've just joined as {role} and the team's approach to {skill} is "
            "inconsistent: everyone does it their own way and it is starting to hurt. How would "
            "you change that without stalling the work?",
        },
    ),
    (
        "technical",
        {
            "junior": "How do you decide how to approach a task that involves {skill}? Walk me "
            "through a real example, even a small one, and why you chose the approach you did.",
            "mid": "How do you decide when and how to apply {skill}? Walk me through a real "
            "decision where you weighed alternatives, and what tipped it.",
            "senior": "Walk me through a real decision about {skill} where the obvious option "
            "wasn't the right one. What alternatives did you weigh, and what tipped it?",
            "lead": "Tell me about a decision about {skill} with long-lasting consequences that "
            "you drove. How did you weigh the options, and how did you get people to commit?",
        },
    ),
    (
        "behavioural",
        {
            "junior": "Tell me about a time something involving {skill} didn't go to plan, at "
            "work or in your studies. How did you work out what was wrong, and what did you do?",
            "mid": "Tell me about a time something involving {skill} didn't go to plan. How did "
            "you work out what was wrong, and what did you do about it?",
            "senior": "Tell me about a time something involving {skill} went wrong and the cause "
            "wasn't obvious. How did you find it, and what did you change so it wouldn't happen "
            "again?",
            "lead": "Tell me about a time something involving {skill} went wrong on your watch. "
            "How did you handle it with the team, and what did you change afterwards?",
        },
    ),
    (
        "technical",
        {
            "junior": "What's something about {skill} you found confusing at first and "
            "understand well now? How did it click?",
            "mid": "What's a common mistake people make with {skill}, and how do you avoid it in "
            "your own work? A real example would be ideal.",
            "senior": "What's a mistake with {skill} that you've seen cost real time or money? "
            "How did you spot it, and what do you do differently because of it?",
            "lead": "What standards or habits around {skill} would you insist on in a team, and "
            "why? Tell me about a time one of them paid off.",
        },
    ),
)

_PROBES_FOR: dict[QuestionKind, tuple[str, ...]] = {
    "technical": TECHNICAL_PROBES,
    "situational": SITUATIONAL_PROBES,
    "behavioural": BEHAVIOURAL_PROBES,
    "opening": OPENING_PROBES,
    "motivation": MOTIVATION_PROBES,
    "bank": (),
}
_HINT_FOR: dict[QuestionKind, str] = {
    "technical": TECHNICAL_HINT,
    "situational": SITUATIONAL_HINT,
    "behavioural": BEHAVIOURAL_HINT,
    "opening": OPENING_HINT,
    "motivation": MOTIVATION_HINT,
    "bank": BEHAVIOURAL_HINT,
}

# Behavioural questions for common soft skills: (key, words that select it, questions).
_SOFT_SKILLS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "conflict",
        ("conflict", "disagree", "disagreement", "negotiat"),
        (
            "Tell me about a time you disagreed with a colleague or manager about how something "
            "should be done. How did you handle it, and what was the outcome?",
            "Tell me about a time you had to find common ground between people who wanted "
            "different things. What did you do, and where did it land?",
        ),
    ),
    (
        "communication",
        ("communicat", "explain", "present", "writing", "listening", "articulat"),
        (
            "Tell me about a time you had to explain something complex to someone without your "
            "background. How did you make sure it landed?",
            "Tell me about a time a misunderstanding caused a problem. What happened, and what "
            "do you now do differently when you communicate?",
        ),
    ),
    (
        "leadership",
        ("leader", "leading", "influenc", "motivat", "people manage"),
        (
            "Tell me about a time you led people, formally or not, through something hard. What "
            "did you do to get them on board?",
            "Tell me about a time you had to convince people who didn't report to you to change "
            "course. How did you do it?",
        ),
    ),
    (
        "teamwork",
        ("team", "collaborat", "cooperat", "cross-functional", "partner"),
        (
            "Tell me about a time you worked closely with others towards a shared goal and it got "
            "difficult. What was your part, and how did you keep things moving?",
            "Tell me about a time you helped a teammate who was struggling. What did you notice, "
            "and what did you do?",
        ),
    ),
    (
        "ownership",
        ("ownership", "accountab", "initiative", "proactiv", "responsib", "self-start"),
        (
            "Tell me about something you took ownership of without being asked. Why did you step "
            "in, and what happened?",
            "Tell me about a time something you were responsible for went wrong. What did you do "
            "in the moment, and afterwards?",
        ),
    ),
    (
        "problem solving",
        ("problem", "analytic", "critical thinking", "reasoning", "troubleshoot", "debug"),
        (
            "Describe the hardest problem you've worked on in the last year or two. How did you "
            "break it down, and which options did you consider?",
            "Tell me about a time the first solution you tried didn't work. How did you work out "
            "what to try next?",
        ),
    ),
    (
        "adaptability",
        ("adapt", "flexib", "change", "ambigu", "uncertain"),
        (
            "Tell me about a time the goals or circumstances changed under you halfway through. "
            "How did you adapt?",
            "Tell me about a time you had to make progress when the way forward was unclear. "
            "What did you do first?",
        ),
    ),
    (
        "learning",
        ("learn", "curio", "growth", "self-improve", "coachab"),
        (
            "Tell me about something you had to learn quickly to get a job done. How did you go "
            "about it?",
            "Tell me about a piece of critical feedback you received. What did you do with it?",
        ),
    ),
    (
        "prioritisation",
        ("priorit", "time management", "organi", "planning", "deadline", "multitask"),
        (
            "Tell me about a time you had more to do than time to do it. How did you decide what "
            "came first, and what did you let go?",
            "Tell me about a deadline you were at risk of missing. How did you spot the risk, and "
            "what did you do?",
        ),
    ),
    (
        "stakeholders",
        ("stakeholder", "customer", "client", "patient", "user focus", "service"),
        (
            "Tell me about a time you had to handle a difficult customer or stakeholder. What did "
            "they need, and how did you handle it?",
            "Tell me about a time you had to say no to someone whose support you needed. How did "
            "you do it?",
        ),
    ),
    (
        "mentoring",
        ("mentor", "coach", "teach", "develop others", "grow others"),
        (
            "Tell me about someone you helped grow. What did you do, and what changed for them?",
            "Tell me about a time you taught someone a skill that didn't come easily to them. "
            "How did you adjust your approach?",
        ),
    ),
    (
        "resilience",
        ("resilien", "pressure", "stress", "composure", "perseveran", "grit"),
        (
            "Describe a time you were under real pressure, a deadline or a crisis. How did you "
            "keep the quality of your work up?",
            "Tell me about a setback that knocked you back. How did you recover?",
        ),
    ),
    (
        "attention to detail",
        ("detail", "accura", "quality", "thorough", "precision"),
        (
            "Tell me about a time your attention to detail caught a problem others had missed. "
            "What did you notice, and what did you do?",
            "How do you check your own work before it goes out? Walk me through a recent example.",
        ),
    ),
    (
        "creativity",
        ("creativ", "innovat", "idea", "original"),
        (
            "Tell me about an idea of yours that changed how something was done. How did you get "
            "it adopted?",
            "Tell me about a time you solved a problem in an unconventional way. What made you "
            "try it?",
        ),
    ),
    (
        "judgement",
        ("decision", "judgement", "judgment", "risk"),
        (
            "Tell me about a hard decision you made with incomplete information. How did you "
            "decide, and how did it turn out?",
            "Tell me about a time you changed your mind on something important. What changed it?",
        ),
    ),
    (
        "integrity",
        ("integrity", "ethic", "honest", "trust"),
        (
            "Tell me about a time you had to do the right thing when it wasn't the easy thing. "
            "What happened?",
            "Tell me about a time you had to deliver bad news. How did you go about it?",
        ),
    ),
)

# Words that make a dimension read as a technical / domain competence rather than a behaviour.
TECHNICAL_WORDS = (
    "technical",
    "design",
    "architect",
    "coding",
    "code",
    "engineering",
    "system",
    "data",
    "debug",
    "security",
    "knowledge",
    "expertise",
    "proficien",
    "domain",
    "tool",
    "method",
    "analysis",
    "modelling",
    "modeling",
    "craft",
    "implementation",
)


def _article(phrase: str) -> str:
    """'a Backend Engineer' / 'an Account Executive'; a phrase that already reads as a role
    with an article or possessive is left alone."""
    lowered = phrase.lower()
    if lowered.startswith(("a ", "an ", "the ", "our ", "their ")):
        return phrase
    return ("an " if lowered[:1] in "aeiou" else "a ") + phrase


def role_phrase(role: str) -> str:
    return _article(role.strip() or "member of the team")


def soft_skill_key(text: str) -> str | None:
    """The library entry a soft skill or dimension reads as (`Stakeholder management` →
    `stakeholders`), or None when nothing matches."""
    lowered = text.lower()
    for key, words, _ in _SOFT_SKILLS:
        if any(word in lowered for word in words):
            return key
    return None


def is_technical(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in TECHNICAL_WORDS)


_COMMON_NOUN = re.compile(r"(tion|sion|ing|ment|ship|ness|ity|ance|ence|ics|ure|sis|ogy)$")


def mid_sentence(label: str) -> str:
    """A label as it reads inside a sentence: `System design` → `system design`,
    `Negotiation` → `negotiation`, while `Python`, `PostgreSQL` and `AWS` keep their case."""
    first, _, rest = label.partition(" ")
    if not first[:1].isupper() or any(c.isupper() or c.isdigit() for c in first[1:]):
        return label
    if rest and rest == rest.lower():
        return label[0].lower() + label[1:]
    if not rest and _COMMON_NOUN.search(first.lower()):
        return label[0].lower() + label[1:]
    return label


def skill_question(skill: str, role: str, band: Band, variant: int) -> Draft:
    kind, texts = _SKILL_TEMPLATES[variant % len(_SKILL_TEMPLATES)]
    text = texts[band].format(skill=mid_sentence(skill), role=role_phrase(role))
    return Draft(kind, skill, text, _PROBES_FOR[kind], _HINT_FOR[kind])


def soft_skill_question(soft_skill: str, variant: int) -> Draft:
    key = soft_skill_key(soft_skill)
    for entry_key, _, texts in _SOFT_SKILLS:
        if entry_key == key:
            text = texts[variant % len(texts)]
            return Draft("behavioural", soft_skill, text, BEHAVIOURAL_PROBES, BEHAVIOURAL_HINT)
    text = (
        f"Tell me about a specific situation where your {soft_skill.lower()} made a real "
        "difference. What was the situation, what did you do, and what was the result?"
    )
    return Draft("behavioural", soft_skill, text, BEHAVIOURAL_PROBES, BEHAVIOURAL_HINT)


def dimension_question(name: str, description: str, *, technical: bool, variant: int) -> Draft:
    """A question straight from an evaluation dimension nothing else in the template covers."""
    subject = name.strip()
    hint_extra = _describe(subject, description)
    if technical:
        texts = (
            f"Let's look at {subject.lower()}. Walk me through a real example of how you "
            "approached it: the problem, the options you considered, and why you chose the one "
            "you did.",
            f"Tell me about the piece of work that best shows your {subject.lower()}. What made "
            "it hard, and what did you do yourself?",
        )
        kind: QuestionKind = "technical"
        hint = f"{hint_extra} {TECHNICAL_HINT}".strip()
        probes = TECHNICAL_PROBES
    else:
        texts = (
            # "how you handle safety", not "your safety at work" (which reads as their own)
            f"Tell me about a specific situation that shows how you handle {subject.lower()} at "
            "work. What was the situation, what did you do, and what was the result?",
            f"Think of a time when {subject.lower()} really mattered in your work. What happened, "
            "and what was your part in it?",
        )
        kind = "behavioural"
        hint = f"{hint_extra} {BEHAVIOURAL_HINT}".strip()
        probes = BEHAVIOURAL_PROBES
    return Draft(kind, subject, texts[variant % len(texts)], probes, hint)


def _describe(name: str, description: str) -> str:
    """A dimension's description, when it reads as a definition rather than scoring advice."""
    text = " ".join(description.split())
    if not text or len(text) > 200 or re.search(r"\bscor|\bpoints?\b|\brat(e|ing)\b", text, re.I):
        return ""
    text = text.rstrip(".")
    return f"By {name.lower()} I mean: {text[0].lower()}{text[1:]}."


def opening_question(role: str) -> Draft:
    text = (
        "To start, could you give me a short overview of your background, and then walk me "
        f"through the piece of work you're proudest of that's most relevant to this {role} "
        "role? What was your part in it?"
    )
    return Draft("opening", "your background", text, OPENING_PROBES, OPENING_HINT)


def objective_question(role: str, objective: str) -> Draft:
    goal = first_sentence(objective).rstrip(".")
    if goal[:1].isupper() and goal[1:2].islower():
        goal = goal[0].lower() + goal[1:]
    text = (
        f'Imagine you\'ve just joined as {role_phrase(role)}. The role exists to "{goal}". What '
        "would you focus on in your first ninety days, and how would you know you were on track?"
    )
    return Draft(
        "situational", "your first ninety days", text, SITUATIONAL_PROBES, SITUATIONAL_HINT
    )


def priorities_question(role: str) -> Draft:
    text = (
        f"Imagine it's your first month as {role_phrase(role)}, and two important requests land "
        "on your desk at once, each from a senior person who says theirs is the most urgent. "
        "What would you do?"
    )
    return Draft("situational", "competing priorities", text, SITUATIONAL_PROBES, SITUATIONAL_HINT)


def requirements_question(requirements: str) -> Draft:
    asked = first_sentence(requirements).rstrip(".")
    text = (
        f'This role asks for the following: "{asked}". Which part of that is your strongest, '
        "and can you give me a concrete example that shows it?"
    )
    return Draft(
        "behavioural", "the role's requirements", text, BEHAVIOURAL_PROBES, BEHAVIOURAL_HINT
    )


def motivation_question(role: str, use_case: str) -> Draft:
    if use_case == "admissions":
        text = (
            f"What draws you to {role}, and what would you hope to have achieved by the end of "
            "your first year?"
        )
    elif use_case == "training":
        text = f"What do you most want to get out of {role}, and how will you know it has helped?"
    else:
        text = (
            f"What draws you to this {role} role, and what would you want to have achieved a year "
            "from now?"
        )
    return Draft("motivation", "your motivation", text, MOTIVATION_PROBES, MOTIVATION_HINT)


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of free text, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?;])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return sentence
