"""The offline judge: transparent heuristics, no model.

`judge_answer` classifies a turn with phrases for repeat requests, clarifying questions,
"I don't know", "let me think" and text addressed to the evaluator; word counts for short
answers; specificity signals (numbers, named tools and technologies, first-person actions,
examples, outcomes, steps) against hedging for vague ones; overlap with the question and the
role for off-topic turns — deliberately conservative, since steering a genuine answer back
would be rude; and a skill the candidate now says they never used (or a different number of
years with it) for contradictions. Every verdict says why in its `notes`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vivavoce.interviewer.judge import (
    AnswerJudgement,
    AnswerKind,
    FollowUpReason,
    JudgeRequest,
)
from vivavoce.interviewer.listening import career_fact, question_to_interviewer
from vivavoce.interviewer.plan import InterviewPlan, stem, words
from vivavoce.interviewer.turns import MoveKind
from vivavoce.interviewer.wording import whole_clauses

SHORT_ANSWER_WORDS = 20
SHORT_FOLLOW_UP_ANSWER_WORDS = 10


def _any(patterns: Sequence[str], text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


SCORER_PATTERNS = (
    r"\bignore (?:all |any |the |your |my |previous |prior |above |these |those )*"
    r"(?:instructions|rubric|criteria|scoring|guidelines|rules|prompt)",
    r"\bdisregard (?:all |any |the |your |previous |prior )*"
    r"(?:instructions|rubric|criteria|scoring|guidelines|rules)",
    r"\b(?:give|award|assign) (?:me|this answer|this candidate) (?:a |an |the )?"
    r"(?:10|ten|perfect|full|top|maximum|max|high|highest|100|five|5)\b",
    r"\b(?:score|rate|grade|mark) (?:me|this answer|this candidate) (?:as |a |an )?"
    r"(?:10|ten|high|highly|perfect|top|pass|100|well|excellent|5)\b",
    r"\b(?:10|ten) ?(?:/|out of) ?(?:10|ten)\b",
    r"\b(?:mark|flag|record|rate) (?:me|this candidate|the candidate) as (?:a )?"
    r"(?:pass|passed|hire|strong|excellent|exceptional)",
    r"\b(?:you must|you should|you have to|please) (?:pass|hire|recommend|approve|advance) me\b",
    r"\bnote to (?:the )?(?:evaluator|grader|scorer|reviewer|assessor|ai|model|llm|system)",
    r"\b(?:evaluator|grader|scorer|assessor)s?\s*[,:]",
    r"\bsystem prompt\b",
    r"\bfull marks\b",
    r"\bpass this candidate\b",
    r"\bhighest (?:possible )?(?:score|rating|mark)\b",
    r"\b(?:new|updated) instructions\b",
    r"\boverride (?:the |your )?(?:score|scoring|rubric|instructions)",
)
REPEAT_PATTERNS = (
    r"\brepeat\b",
    r"\bsay (?:that|it|the question) again\b",
    r"\bcome again\b",
    r"\bpardon\b",
    r"\bdidn'?t (?:catch|hear|get) (?:that|it|the question|you|what you said)",
    r"\bmissed (?:that|the question|it|what you said)",
    r"\bwhat was the question\b",
    r"\bwhat(?:'s| is) the question\b",
    r"\bone more time\b",
    r"\bask (?:that|it|the question) again\b",
    r"^\s*(?:sorry|what|huh|eh)\s*\?+\s*$",
)
CLARIFY_PATTERNS = (
    r"\bwhat do you mean\b",
    r"\bwhat does .{1,40} mean\b",
    r"\bdo you mean\b",
    r"\bwhat you mean\b",
    r"\b(?:could|can|would) you (?:please )?(?:clarify|rephrase|explain (?:the|that|what)|"
    r"be more specific|give (?:me )?an example|put (?:it|that) another way)",
    r"\bare you asking\b",
    r"\bwhat (?:exactly )?are you (?:asking|looking for)\b",
    r"\bin what (?:sense|context|way)\b",
    r"\bare you (?:a |an )?(?:human|real|person|bot|robot|ai|machine)\b",
    r"\bis this (?:a |an )?(?:ai|bot|human|robot|real person)\b",
    r"\bhow (?:long|much time)\b",
)
CLARIFY_IF_ASKED = (  # only with a question mark
    r"\b(?:should|can|may|could) i\b",
    r"\bis it (?:ok|okay|alright|all right|fine)\b",
    r"\bdo you want\b",
    r"\bwould you like me\b",
    r"\bhow many\b",
    r"\bwhich (?:one|kind|type|part|example)\b",
    r"\bdo i (?:need|have)\b",
    r"\bdoes (?:it|that) (?:have|need) to\b",
)
DONT_KNOW_PATTERNS = (
    # The candidate's own "I don't know", not one inside an answer ("… what they don't know").
    r"\bi (?:really |honestly |just |simply |truly )?(?:don'?t|do not|dont) know\b",
    r"^\W*(?:sorry,? )?(?:don'?t|dont) know\b",
    r"\bno idea\b",
    r"\bno clue\b",
    r"\b(?:i'?m|i am) (?:really |honestly |just |quite |too )?(?:not (?:\w+ )?sure|unsure)\b",
    r"^\W*(?:not sure|unsure)\b",
    r"\b(?:can'?t|cannot) (?:think of|answer|recall|remember)\b",
    r"\b(?:have|'ve) (?:never|not) (?:done|had|been|worked|used|faced|dealt)",
    r"\bhaven'?t (?:done|had|been|worked|used|faced|dealt)",
    r"\bno experience (?:with|in|of)\b",
    r"\bnothing comes to mind\b",
    r"\bdraw(?:ing)? a blank\b",
    r"^\s*(?:pass|skip|next)(?: on)?(?: this| the)?(?: one| question)?(?:,? please)?\s*[.!]*\s*$",
    r"\b(?:skip|pass on) this (?:one|question)\b",
    r"\b(?:can|could) we (?:skip|move on)\b",
    r"\blet'?s (?:skip|move on)\b",
)
BARE_NO = r"^\W*(?:no|nope|nah|not really)\W*$"  # the whole turn: after a probe, declining it
# "That's all from me", "nothing more to add": the candidate has said what they have.
NOTHING_MORE_PATTERNS = (
    r"\b(?:that'?s|that is) (?:all|it|everything)(?: (?:from me|i have|i'?ve got|i can think "
    r"of|i know|for now|really|honestly))?\s*(?:[,.!]|$)",
    r"\bnothing (?:more|else)(?: to add| to say| comes to mind)?\b",
    r"\bno(?:thing)? more\b",
    r"\b(?:i )?(?:have|'ve) (?:got )?nothing (?:more|else|to add)\b",
    r"\b(?:i think )?that covers it\b",
    BARE_NO,
)
_FILLER_WORDS = """thanks thank you really honestly yeah yes ok okay so um umm uh well i think guess
sorry afraid that's all it from me for now"""
_FILLER = frozenset(_FILLER_WORDS.split())


def _has_nothing_more(text: str) -> bool:
    """The whole turn says there is nothing more ("That's all from me, thanks."), not an
    answer that starts or ends with such words ("That's it, the queue was the problem")."""
    for pattern in NOTHING_MORE_PATTERNS:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            rest = (text[: match.start()] + " " + text[match.end() :]).lower()
            if len([w for w in re.findall(r"[\w']+", rest) if w not in _FILLER]) <= 1:
                return True
    return False


THINKING_PATTERNS = (
    r"\blet me think\b",
    r"\b(?:give|allow) me (?:a|one|a few) (?:sec|secs|second|seconds|moment|moments|minute|min)\b",
    r"\b(?:one|a|just a) (?:sec|second|moment|minute)\b",
    r"^\s*(?:hmm+|h?mm+|umm*|uh+|erm+|well|ok(?:ay)?|so)[.!,\s]*$",
    r"\bthinking\b",
    r"\bhold on\b",
    r"\bbear with me\b",
    r"\bgood question\b",
    r"\blet me (?:see|recall|remember|gather)\b",
    r"\bneed (?:a|some) (?:moment|time|second)\b",
)
# A short question using these is about the interview, even with none of the question's words.
INTERVIEW_WORDS = (
    r"\b(?:question|answer|example|mean|project|experience|role|job|work|situation|team|"
    r"company|interview|start|talk about|focus)\b"
)
SMALL_TALK = (
    r"\b(?:football|soccer|basketball|the match|weather|movies?|films?|netflix|weekend|"
    r"holiday|vacation|pizza|celebrity|politics|jokes?|"
    r"favou?rite (?:movie|film|food|colou?r|song|band|team))\b",
)
PIVOT_PATTERNS = (
    r"\bby the way\b",
    r"\bunrelated\b",
    r"\boff[- ]topic\b",
    r"\bchange the subject\b",
    r"\banyway,? (?:what|how|do|did|have)\b",
)
HEDGES = (
    r"\bmaybe\b",
    r"\bprobably\b",
    r"\bi guess\b",
    r"\bi think\b",
    r"\bkind of\b",
    r"\bsort of\b",
    r"\bsomewhat\b",
    r"\bgenerally\b",
    r"\busually\b",
    r"\btypically\b",
    r"\bbasically\b",
    r"\bstuff\b",
    r"\bthings like that\b",
    r"\band so on\b",
    r"\betc\b",
    r"\bwhatever\b",
    r"\bi suppose\b",
    r"\bmore or less\b",
    r"\bsomething like\b",
    r"\bvarious\b",
    r"\bit depends\b",
    r"\ba lot of things\b",
)
EXAMPLE_MARKERS = (
    r"\bfor (?:example|instance)\b",
    r"\be\.g\.",
    r"\bone time\b",
    r"\bonce\b",
    r"\blast (?:year|month|week|quarter|summer|spring|autumn|winter)\b",
    r"\bat my (?:last|previous|current|old)\b",
    r"\bin my (?:last|previous|current) (?:job|role|team|company|position)\b",
    r"\bwhen i was\b",
    r"\bin (?:19|20)\d\d\b",
    r"\brecently\b",
    r"\bspecifically\b",
    r"\bsuch as\b",
    r"\bthe situation\b",
)
OUTCOME_MARKERS = (
    r"\bas a result\b",
    r"\bwhich meant\b",
    r"\bresult(?:ed|s)?\b",
    r"\b(?:reduced|increased|improved|saved|cut|grew|doubled|halved|lowered|raised)\b",
    r"\bso that\b",
    r"\boutcome\b",
    r"\bled to\b",
    r"\b(?:shipped|launched|delivered|released|closed|won|finished|completed)\b",
    r"\bin the end\b",
    r"\bafterwards\b",
)
STEP_MARKERS = (
    r"\bfirst(?:ly)?\b",
    r"\bsecond(?:ly)?\b",
    r"\bthen\b",
    r"\bnext\b",
    r"\bafter that\b",
    r"\bfinally\b",
    r"\bstep\b",
)
_IRREGULAR = (
    "built wrote led ran made took chose drove set found brought began cut kept spent taught "
    "put got did gave sold won met told went rewrote broke caught held paid sent split thought "
    "understood spoke stood became knew saw grew left lost sat fixed done seen"
)
ACTION = re.compile(
    r"\bI(?:'ve| have| had)?\s+(?:\w+ly\s+|then\s+|also\s+|first\s+|finally\s+|just\s+)?"
    rf"(?:\w+ed|{'|'.join(_IRREGULAR.split())})\b"
    r"|\bI(?:'d| would| will|'ll)\s+(?:\w+ly\s+|first\s+|then\s+)?\w+"
    r"|\bmy (?:role|job|part|responsibility|task) (?:was|is)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:never|not|no|don'?t|didn'?t|haven'?t|hasn'?t|hadn'?t|without|zero|wasn'?t)\b",
    re.IGNORECASE,
)
# fmt: off
TOOLS = frozenset({
    "python", "java", "javascript", "typescript", "golang", "rust", "ruby", "php",
    "kotlin", "swift", "scala", "c#", "c++", "sql", "postgres", "postgresql", "mysql", "sqlite",
    "redis", "kafka", "rabbitmq", "mongodb", "elasticsearch", "aws", "gcp", "azure", "docker",
    "kubernetes", "k8s", "terraform", "ansible", "react", "vue", "angular", "django", "flask",
    "fastapi", "django-rest", "nodejs", "excel", "salesforce", "hubspot", "jira", "confluence",
    "figma", "tableau", "looker", "git", "linux", "graphql", "grpc", "airflow", "pyspark",
    "pandas", "numpy", "pytorch", "tensorflow", "snowflake", "dbt", "sap",
})
_WORK = (
    "work", "worked", "job", "company", "team", "project", "client", "customer", "manager",
    "colleague", "boss", "code", "system", "product", "user", "data", "process", "problem",
    "solution", "stakeholder", "deadline", "role", "business", "service", "build", "built",
    "design", "deliver", "launch", "ship", "release", "plan", "meeting", "report", "experience",
    "career", "study", "course", "school", "university", "internship", "learn", "skill", "task",
    "goal", "result", "outcome", "responsibility", "lead", "test", "bug", "feature", "decision",
    "budget", "sale", "patient", "student", "feedback", "approach", "issue", "priority",
    "quality", "support", "research", "analysis", "tool", "people", "organisation",
    "organization", "department", "office", "shift",
)
# fmt: on
WORK_WORDS = frozenset(stem(w) for w in _WORK)
# Words any turn may share with the interviewer's ("Here's the next one. … before …"): sharing
# them does not put small talk on topic.
_GENERAL = """
    here there before after about again also then now just really very today this that what
    when where which your with from into over some more most much many other thing things time
    good well like know think want need next first last one
    day days week weeks weekend month months year years night morning evening yesterday
    tonight couple
"""
GENERAL_WORDS = frozenset(stem(w) for w in _GENERAL.split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _word_count(text: str) -> int:
    return len(re.findall(r"[\w'\u2019+#.-]+", text))


def named_terms(text: str, plan: InterviewPlan) -> list[str]:
    """Tools, technologies and proper names in `text`, in order: the plan's skills (any case),
    well-known tools, acronyms, and capitalised words that do not start a sentence."""
    found: list[str] = []
    lowered = text.lower()
    for skill in plan.skills:
        match = re.search(rf"(?<![\w]){re.escape(skill.lower())}(?![\w])", lowered)
        if match:
            found.append(text[match.start() : match.end()])
    for sentence in sentences(text):
        tokens = re.findall(r"[A-Za-z][\w+#.'\u2019-]*[\w+#]|[A-Za-z]", sentence)
        for position, token in enumerate(tokens):
            bare = token.rstrip(".")
            if bare.lower() in TOOLS or (
                position > 0
                and bare not in ("I", "I'm", "I've", "I'd", "I'll", "OK")
                and (bare[0].isupper() or any(c.isupper() for c in bare[1:]))
            ):
                found.append(bare)
    out: list[str] = []
    for term in found:
        if term.lower() not in (t.lower() for t in out):
            out.append(term)
    return out


def _clause(text: str, terms: Sequence[str]) -> str | None:
    """The candidate's words worth referring back to, exactly as written and whole (never cut
    mid-phrase, `wording.whole_clauses`): the first first-person action naming a tool or
    skill (`I profiled the Python workers`), else the first first-person action, else the
    first first-person clause — never a career fact (`listening.career_fact`)."""
    clauses = [c for c in whole_clauses(text) if not career_fact(c)]
    actions = [c for c in clauses if ACTION.match(c)]
    named = [c for c in actions if any(t.lower() in c.lower() for t in terms)]
    for group in (named, actions, clauses):
        if group:
            return group[0]
    return None


def _negated_near(sentence: str, term: str) -> bool:
    position = sentence.lower().find(term.lower())
    if position < 0:
        return False
    before = sentence[:position].split()[-5:]
    return bool(NEGATION.search(" ".join(before)))


def _contradiction(
    answer: str, earlier: Sequence[str], plan: InterviewPlan
) -> tuple[str, str] | None:
    """(current words, earlier words) when the candidate now says the opposite about a named
    skill or tool — never used it vs used it — or a different number of years with it."""
    terms = named_terms(answer, plan)
    for sentence in sentences(answer):
        for term in terms:
            if term.lower() not in sentence.lower():
                continue
            negated = _negated_near(sentence, term)
            years = _years(sentence)
            for previous in earlier:
                for old in sentences(previous):
                    if term.lower() not in old.lower():
                        continue
                    if _negated_near(old, term) != negated:
                        return sentence, old
                    old_years = _years(old)
                    if years is not None and old_years is not None and abs(years - old_years) >= 2:
                        return sentence, old
    return None


def _years(sentence: str) -> int | None:
    match = re.search(r"\b(\d{1,2})\+?\s*years?\b", sentence, re.IGNORECASE)
    return int(match.group(1)) if match else None


def _asks_how_to_answer(text: str) -> bool:
    """A question sentence about how to answer ("Should I answer from my last job?", "Can I
    use an example from university?"): a weak clarification phrase counts only in a sentence
    that asks and is about the interview — "can I say that my cat has been ill?" is not."""
    asked = [s for s in sentences(text) if s.endswith("?")]
    return any(
        _any(CLARIFY_IF_ASKED, s) and re.search(INTERVIEW_WORDS, s, re.IGNORECASE) for s in asked
    )


def _reference_words(request: JudgeRequest) -> set[str]:
    plan = request.plan
    parts = [request.prompt, plan.role, *plan.skills, *plan.soft_skills]
    parts += [f"{d.name} {d.description}" for d in plan.dimensions]
    reference = set(words(" ".join(parts)))
    if request.question:
        reference |= set(request.question.keywords) | set(words(request.question.text))
    if request.prompt_move in (MoveKind.FOLLOW_UP, MoveKind.HINT, MoveKind.CLARIFY):
        # A reply to a follow-up goes on with the candidate's own story ("She got the cake
        # back …" after "… a birthday cake on the bus"): their last answers are on topic.
        for earlier in request.earlier_answers[-3:]:
            reference |= set(words(earlier.text))
    return reference


def _small_talk_subjects(text: str) -> int:
    """How many different small-talk subjects a turn names ("football", "the match")."""
    return len(
        {m.group(0).lower() for p in SMALL_TALK for m in re.finditer(p, text, re.IGNORECASE)}
    )


# "It's the signature you take when …", "They're the forms we file …": a short answer that
# says what "it" is talks about the question's subject, whatever its words.
_WHAT_IT_IS = re.compile(r"^\W*(?:it|they|that|this)(?:'s|'re| is| are| means)\s", re.IGNORECASE)


def _says_what_it_is(text: str) -> bool:
    return bool(_WHAT_IT_IS.search(text)) and len(sentences(text)) == 1 and _word_count(text) <= 20


def _off_topic(
    request: JudgeRequest, text: str, specifics: set[str]
) -> tuple[AnswerKind, str] | None:
    """Why a turn in the question phase is not an answer (off topic, or a short question about
    the question), or None when it is one — deliberately conservative, since steering a
    genuine answer back would be rude."""
    plan = request.plan
    count = _word_count(text)
    own = set(words(text))
    overlap = own & _reference_words(request)
    work = own & WORK_WORDS
    about_interview = bool(re.search(INTERVIEW_WORDS, text, re.IGNORECASE))
    # Small talk is off topic however vivid ("my holiday in Portugal last summer"): details
    # of a holiday are not specifics of an answer. Two of its subjects in one turn ("football
    # … the match") outweigh one word shared with work ("my team is Arsenal").
    chat = _small_talk_subjects(text)
    if (
        chat
        and len(overlap - GENERAL_WORDS) <= 1
        and len(work) <= 1
        and (not about_interview or chat >= 2)
    ):
        return AnswerKind.OFF_TOPIC, "small talk, not an answer"
    if "?" in text and count <= 25 and not specifics:
        if overlap or about_interview:
            return AnswerKind.CLARIFYING_QUESTION, "a short question about the question"
        return AnswerKind.OFF_TOPIC, "a question unrelated to the interview"
    # A proper name alone ("my cat Biscuit") does not make a turn an answer; a known tool does.
    substance = specifics - {"named tools or places"}
    skills = {s.lower() for s in plan.skills}
    if any(t.lower() in TOOLS or t.lower() in skills for t in named_terms(text, plan)):
        substance.add("named tools")
    # A reply to a follow-up that names nothing new is a thin answer, not a change of subject
    # ("Yes, that is the main thing, doing it carefully"): only a pivot makes it off topic.
    replying = request.prompt_move is MoveKind.FOLLOW_UP or _says_what_it_is(text)
    if not overlap and not work and not substance and count >= 8 and not replying:
        return AnswerKind.OFF_TOPIC, "shares no words with the question or the role"
    if not overlap and _any(PIVOT_PATTERNS, text) and not specifics:
        return AnswerKind.OFF_TOPIC, "changes the subject"
    return None


def judge_answer(request: JudgeRequest) -> AnswerJudgement:
    """The offline judgement of `request.answer`. Every verdict says why in `notes`."""
    text = request.answer.text.strip()
    index = request.answer.index
    plan = request.plan
    notes: list[str] = []

    scorer_sentences = [s for s in sentences(text) if _any(SCORER_PATTERNS, s)]
    addressed = bool(scorer_sentences)
    rest = " ".join(s for s in sentences(text) if s not in scorer_sentences)
    if addressed:
        notes.append("part of the turn speaks to the evaluator: flagged, not followed")
        if _word_count(rest) < 6:
            return AnswerJudgement(
                index, AnswerKind.ADDRESSED_TO_SCORER, addressed_to_scorer=True, notes=tuple(notes)
            )
        text = rest

    count = _word_count(text)
    has_question_mark = "?" in text

    def verdict(kind: AnswerKind, why: str) -> AnswerJudgement:
        return AnswerJudgement(index, kind, addressed_to_scorer=addressed, notes=(*notes, why))

    if not text:
        return verdict(AnswerKind.THINKING, "empty turn")
    if count <= 20 and _any(REPEAT_PATTERNS, text):
        return verdict(AnswerKind.REPEAT_REQUEST, "asks to hear the question again")
    if count <= 40 and (_any(CLARIFY_PATTERNS, text) or _asks_how_to_answer(text)):
        return verdict(AnswerKind.CLARIFYING_QUESTION, "asks what the question means")
    asked_of_us = question_to_interviewer(text)
    if asked_of_us is not None:
        return verdict(
            AnswerKind.CLARIFYING_QUESTION, f"asks the interviewer about the {asked_of_us}"
        )
    specifics = _specificity(text, plan)
    earlier = [t.text for t in request.earlier_answers]
    clash = _contradiction(text, earlier, plan) if request.phase == "question" else None
    if clash:
        notes.append("contradicts an earlier answer")
        return AnswerJudgement(
            index,
            AnswerKind.ANSWER,
            needs_follow_up=True,
            reason=FollowUpReason.CONTRADICTION,
            quote=clash[0][:200],
            earlier_quote=clash[1][:200],
            addressed_to_scorer=addressed,
            notes=tuple(notes),
        )
    if _any(DONT_KNOW_PATTERNS, text) and (count <= 12 or (count <= 25 and len(specifics) <= 1)):
        return verdict(AnswerKind.DONT_KNOW, "says they don't know or have no example")
    if request.phase == "question" and count <= 12 and _has_nothing_more(text):
        # after a probe or a hint: they have said what they have, so move on; to the question
        # itself: no example to give, as "I don't know" (a hint, once) — but a bare "No" to a
        # question may be its answer ("Do you hold a forklift licence?")
        if request.prompt_move in (MoveKind.FOLLOW_UP, MoveKind.HINT, MoveKind.CLARIFY):
            return verdict(AnswerKind.ANSWER, "has nothing more to add")
        if not re.match(BARE_NO, text, re.IGNORECASE):
            return verdict(AnswerKind.DONT_KNOW, "has nothing to say to the question")
    if count <= 12 and _any(THINKING_PATTERNS, text):
        return verdict(AnswerKind.THINKING, "asks for a moment to think")
    if request.phase != "question":
        if has_question_mark:
            return verdict(AnswerKind.CLARIFYING_QUESTION, f"a question during the {request.phase}")
        return verdict(AnswerKind.ANSWER, f"reply during the {request.phase}")

    off_topic = _off_topic(request, text, specifics)
    if off_topic is not None:
        return verdict(*off_topic)

    return _answer(request, text, specifics, notes, addressed)


def _answer(
    request: JudgeRequest, text: str, specifics: set[str], notes: list[str], addressed: bool
) -> AnswerJudgement:
    """An answer, and whether it needs a follow-up: too short for where it came, or vague
    (one kind of specific at most, or heavily hedged)."""
    count = _word_count(text)
    terms = named_terms(text, request.plan)
    quote = _clause(text, terms) or (terms[0] if terms else None)
    hedges = sum(len(re.findall(p, text, re.IGNORECASE)) for p in HEDGES)
    short_limit = (
        SHORT_FOLLOW_UP_ANSWER_WORDS
        if request.prompt_move is MoveKind.FOLLOW_UP
        else SHORT_ANSWER_WORDS
    )
    notes.append(
        f"{count} words; specifics: {', '.join(sorted(specifics)) or 'none'}; hedges: {hedges}"
    )
    index = request.answer.index
    if count < short_limit:
        reason = FollowUpReason.SHORT
    elif (len(specifics) <= 1 and count < 150) or (hedges >= 3 and len(specifics) <= 2):
        reason = FollowUpReason.VAGUE
    else:
        return AnswerJudgement(
            index, AnswerKind.ANSWER, quote=quote, addressed_to_scorer=addressed, notes=tuple(notes)
        )
    return AnswerJudgement(
        index,
        AnswerKind.ANSWER,
        needs_follow_up=True,
        reason=reason,
        quote=quote,
        addressed_to_scorer=addressed,
        notes=tuple(notes),
    )


def _specificity(text: str, plan: InterviewPlan) -> set[str]:
    """Which kinds of concrete detail the text has."""
    found = set()
    if re.search(r"\d", text) or re.search(
        r"\b(?:two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|"
        r"half|twice)\b",
        text,
        re.IGNORECASE,
    ):
        found.add("numbers")
    if named_terms(text, plan):
        found.add("named tools or places")
    if ACTION.search(text):
        found.add("first-person actions")
    if _any(EXAMPLE_MARKERS, text):
        found.add("an example")
    if _any(OUTCOME_MARKERS, text):
        found.add("an outcome")
    if sum(1 for p in STEP_MARKERS if re.search(p, text, re.IGNORECASE)) >= 2:
        found.add("steps")
    return found


class OfflineJudge:
    """The `Judge` of the offline interviewer (`judge_answer`, with no model)."""

    async def judge(self, request: JudgeRequest) -> AnswerJudgement:
        return judge_answer(request)
