"""The built-in offline interviewer: a judge and a voice that need no model and no network.

`OfflineJudge` (in `offline_judge`, re-exported here) classifies turns with transparent
heuristics. `OfflineVoice` words every move in warm, professional English following the
profile's tone. Its choices among phrasings are seeded by (seed, turn number), so one
interview always reads the same, and it never reuses a phrasing the previous AI turns used:
the same acknowledgement never comes twice in a row. It introduces itself as an AI and never
claims to be human. It speaks English whatever the template's language (LLM voices cover
other languages).
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Sequence

from vivavoce.interviewer.engine import (
    Ask,
    Clarify,
    Close,
    Encourage,
    FollowUp,
    Greet,
    Hint,
    LeadIn,
    Move,
    Redirect,
    Repeat,
    Wait,
    WrapUp,
)
from vivavoce.interviewer.judge import FollowUpReason
from vivavoce.interviewer.listening import (
    ABOUT_THE_JOB,
    ABOUT_THE_QUESTION,
    HYPOTHETICAL,
    PROBES,
    question_parts,
    question_style,
    question_to_interviewer,
)
from vivavoce.interviewer.offline_judge import OfflineJudge, judge_answer, sentences
from vivavoce.interviewer.plan import InterviewPlan, PlannedQuestion, Tone
from vivavoce.interviewer.questions import mid_sentence
from vivavoce.interviewer.turns import MoveKind
from vivavoce.interviewer.voice import VoiceContext
from vivavoce.interviewer.wording import near_copy, word_chunks

__all__ = ["OfflineJudge", "OfflineVoice", "judge_answer"]

# --- the voice ------------------------------------------------------------------------------

# Neutral on purpose: a structured interview never signals a verdict ("great answer").
ACKNOWLEDGEMENTS: dict[Tone, tuple[str, ...]] = {
    "friendly": (
        "Thank you for walking me through that.",
        "Thanks for sharing that.",
        "Thank you, that's clear.",
        "Thanks, I've got that.",
        "Thank you for explaining.",
    ),
    "professional": (
        "Thank you.",
        "Thanks for walking me through that.",
        "Understood, thank you.",
        "Thank you for explaining.",
        "Thanks, I've noted that.",
    ),
    "strict": ("Noted.", "Understood.", "Thank you.", "Clear.", "All right, noted."),
    "challenging": (
        "Okay, noted.",
        "Fair enough.",
        "Understood.",
        "Right, thank you.",
        "Okay, that's clear.",
    ),
}
# The same, naming a whole phrase of what the candidate said ({phrase}, addressed back).
# After a whole clause of the candidate's, turned to "you" ("you'd ring the depot first").
CLAUSE_ACKNOWLEDGEMENTS: tuple[str, ...] = (
    "Thank you. I've noted that {phrase}.",
    "Understood: {phrase}. Thank you.",
    "Thanks. So {phrase}; that's noted.",
)
_FIRST_PERSON = re.compile(r"I(?:'m|'d|'ll|'ve)?\b")
# Each names the phrase as something the candidate said or mentioned, never as what they
# explained or took the interviewer through ("Thank you for explaining an outage" after "I'd
# check whether it's an outage first" reads wrong).
GROUNDED_ACKNOWLEDGEMENTS: dict[Tone, tuple[str, ...]] = {
    "friendly": (
        "Thank you. I've noted what you said about {phrase}.",
        "Thanks, I've made a note of what you mentioned about {phrase}.",
        "Thank you for the detail on {phrase}.",
        "Thanks, I've got your point about {phrase}.",
        "Thank you, I've noted your point on {phrase}.",
        "Thanks. What you said about {phrase} is noted.",
    ),
    "professional": (
        "Thank you. I've noted what you said about {phrase}.",
        "Thanks, I've made a note of what you mentioned about {phrase}.",
        "Understood, {phrase}. Thank you.",
        "Thank you for the detail on {phrase}.",
        "Thanks. What you said about {phrase} is noted.",
        "Thank you; I have your point about {phrase}.",
    ),
    "strict": (
        "Noted: {phrase}.",
        "Understood, {phrase}.",
        "Thank you. {Phrase}, noted.",
        "All right: {phrase}. Noted.",
        "Clear on {phrase}.",
    ),
    "challenging": (
        "Okay, {phrase}. Noted.",
        "Right, {phrase}. Understood.",
        "Fair enough on {phrase}.",
        "Okay, I have {phrase} down.",
        "Understood: {phrase}.",
    ),
}
NEUTRAL_ACKNOWLEDGEMENTS = (
    "Thank you.",
    "Okay, thanks.",
    "Thanks for that.",
    "All right, thank you.",
    "Okay, understood.",
)
DONT_KNOW_REPLIES: dict[Tone, tuple[str, ...]] = {
    "friendly": (
        "That's completely fine, thank you for saying so.",
        "No problem at all, thanks for being upfront about it.",
        "That's absolutely fine.",
    ),
    "professional": (
        "That's fine, thank you for being upfront.",
        "No problem.",
        "That's all right.",
    ),
    "strict": ("That's fine.", "Understood."),
    "challenging": ("Fair enough, thanks for being honest.", "Okay, that's fine."),
}
LET_GO = ("Let's leave that one there.", "No problem, we can leave that one.")
TRANSITIONS = (
    "Let's move on.",
    "Next question.",
    "Here's the next one.",
    "Let's turn to something different.",
    "Moving on.",
)
CONVERSATIONAL_TRANSITIONS = (
    "I'd like to switch gears a little.",
    "Let me ask you about something else.",
    "Let's shift to another topic.",
    "I'm curious about something different now.",
)
LAST_QUESTION = ("One last question before we wrap up.", "Here's my final question.")
FIRST_QUESTION: dict[Tone, tuple[str, ...]] = {
    "friendly": ("Great, let's get started.", "Wonderful, let's begin."),
    "professional": ("Good, let's begin.", "Let's get started."),
    "strict": ("Let's begin.",),
    "challenging": ("Right, let's get into it.", "Let's begin."),
}
TAKE_YOUR_TIME = (
    "Take your time.",
    "Of course, take all the time you need.",
    "No rush at all.",
)
REPEAT_OPENERS = ("Of course.", "Sure.", "No problem, here it is again.")
DEEPEN_LEADS: dict[Tone, tuple[str, ...]] = {
    "friendly": ("I'd like to dig into that a little.", "Let's go one step deeper."),
    "professional": ("Let's go one level deeper.", "I'd like to dig into that a little."),
    "strict": ("One more on this.", "Let's go deeper."),
    "challenging": ("Let me push you a little further.", "Let's test your thinking there."),
}
HINT_OPENERS: dict[Tone, tuple[str, ...]] = {
    "friendly": ("That's completely fine.", "No problem at all.", "That's okay."),
    "professional": ("That's fine.", "No problem.", "That's all right."),
    "strict": ("That's fine.", "All right."),
    "challenging": ("Okay, that's fine.", "Fair enough."),
}
REFERENCES = ("You mentioned {quote}.", "You brought up {quote}.", "You talked about {quote}.")
CHECK_INS = (
    "Whenever you're ready, go ahead. If it would help, I can repeat or rephrase the question.",
    "There's no rush. If it would help, I can repeat the question or put it another way.",
)


def _seeded(context: VoiceContext, salt: str) -> random.Random:
    # Wording variety, not secrecy. A string seed is hashed with SHA-512 by `random`, so the
    # choice is stable across runs and processes.
    return random.Random(f"{context.seed}|{len(context.transcript)}|{salt}")  # noqa: S311


def _recently_used(context: VoiceContext, options: Sequence[str], count: int = 2) -> set[str]:
    """The last `count` of `options` the interviewer has said, wherever they were."""
    used: list[str] = []
    for turn in reversed(context.transcript):
        if not turn.is_ai:
            continue
        for option in options:
            if _said(option, turn.text) and option not in used:
                used.append(option)
        if len(used) >= count:
            break
    return set(used[:count])


def _said(option: str, text: str) -> bool:
    """Whether `text` contains `option`, a phrasing that may hold a `{placeholder}`."""
    if "{" not in option:
        return option in text
    pattern = re.sub(r"\\\{\w+\\\}", ".+?", re.escape(option))
    return re.search(pattern, text) is not None


def _not_running_on(templates: Sequence[str], heard: str, context: VoiceContext) -> list[str]:
    """The templates whose word after the phrase is not the candidate's own next word: "What
    you said about a late report is noted" after "A late report is weaker …" would read as
    quoting "a late report is", a phrase cut mid-clause."""
    answer = next((t.text for t in reversed(context.transcript) if not t.is_ai), "")
    pattern = r"\s+".join(re.escape(w) for w in heard.split())
    found = re.search(pattern + r"\s+([\w']+)", answer, re.IGNORECASE)
    if not found:
        return list(templates)
    following = found.group(1).lower()
    kept = [
        t
        for t in templates
        if not re.search(r"\{phrase\}\s+" + re.escape(following) + r"\b", t, re.IGNORECASE)
    ]
    return kept or list(templates)


def _pick(context: VoiceContext, options: Sequence[str], salt: str) -> str:
    """One of `options`, stable for this turn of this interview, and not one of the last two
    the interviewer used (so the same acknowledgement never comes twice in a row)."""
    recent = _recently_used(context, options)
    fresh = [o for o in options if o not in recent] or list(options)
    return _seeded(context, salt).choice(fresh)


_SWAPS = {
    "i": "you",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "i was": "you were",
    "i am": "you are",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "we": "you",
    "we're": "you're",
    "we've": "you've",
    "our": "your",
    "us": "you",
}


def second_person(clause: str) -> str:
    """`I led our migration` → `you led your migration`: the candidate's words, addressed back."""

    def swap(match: re.Match[str]) -> str:
        return _SWAPS[match.group(0).lower()]

    pattern = r"\b(?:i was|i am|i'm|i've|i'd|i'll|i|me|my|mine|myself|we're|we've|we|our|us)\b"
    return re.sub(pattern, swap, clause, flags=re.IGNORECASE)


def _questionsentences(text: str) -> str:
    asked = [s for s in sentences(text) if s.endswith("?")]
    return " ".join(asked) if asked else text


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _role(plan: InterviewPlan) -> str:
    if plan.use_case in ("admissions", "training"):
        return plan.role
    return plan.role if plan.role.lower().endswith("role") else f"the {plan.role} role"


def _team(plan: InterviewPlan) -> str:
    return {"admissions": "admissions team", "training": "programme team"}.get(
        plan.use_case, "hiring team"
    )


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class OfflineVoice:
    """The `Voice` of the offline interviewer. `render` gives a move's whole text; `word`
    streams it word by word (the chunks join back to exactly `render`'s text)."""

    async def word(self, move: Move, context: VoiceContext) -> AsyncIterator[str]:
        for chunk in word_chunks(self.render(move, context)):
            yield chunk

    def render(self, move: Move, context: VoiceContext) -> str:
        if isinstance(move, Greet):
            text = self._greet(context)
        elif isinstance(move, Ask):
            text = self._ask(move, context)
        elif isinstance(move, FollowUp):
            text = self._follow_up(move, context)
        elif isinstance(move, Clarify):
            text = self._clarify(move, context)
        elif isinstance(move, Hint):
            text = self._hint(move, context)
        elif isinstance(move, Repeat):
            text = self._repeat(move, context)
        elif isinstance(move, Encourage):
            text = self._encourage(move, context)
        elif isinstance(move, Redirect):
            text = self._redirect(move, context)
        elif isinstance(move, WrapUp):
            text = self._wrap_up(move, context)
        elif isinstance(move, Close):
            text = self._close(move, context)
        elif isinstance(move, Wait):
            raise ValueError("a Wait is silent: there is nothing to word")
        return " ".join(text.split())

    # Each move -------------------------------------------------------------------------------

    def _greet(self, context: VoiceContext) -> str:
        plan = context.plan
        name = f" {plan.candidate_name}" if plan.candidate_name else ""
        hello = {
            "friendly": f"Hi{name}, and welcome! Thank you for joining.",
            "professional": f"Hello{name}, and thank you for joining.",
            "strict": f"Hello{name}. Thank you for joining.",
            "challenging": f"Hello{name}, thanks for joining.",
        }[plan.tone]
        me = (
            f"I'm {plan.interviewer_name}, an AI interviewer"
            if plan.interviewer_name
            else ("I'm an AI interviewer")
        )
        stage = f" This is the {plan.stage_name} stage." if plan.stage_name else ""
        topics = [mid_sentence(s) for s in (*plan.skills[:2], *plan.soft_skills[:1])]
        about = f" about things like {_join(topics)}" if topics else ""
        count = len(plan.questions)
        questions = "one main question" if count == 1 else f"around {count} questions"
        follow = (
            "I may ask a follow-up or two to understand your answers better."
            if plan.max_follow_ups > 1
            else "I may ask a short follow-up to understand an answer better."
        )
        reassure = {
            "friendly": "There are no trick questions, so take your time to think.",
            "professional": "There are no trick questions; take your time to think.",
            "strict": "Take the time you need to think before answering.",
            "challenging": "I'll push on some answers, so take your time to think.",
        }[plan.tone]
        return (
            f"{hello} {me}, and I'll be running this interview for {_role(plan)}.{stage} "
            f"We have about {_minutes(plan.duration_seconds)} together. I'll ask you "
            f"{questions}{about}, and {follow} {reassure} If anything "
            "is unclear, just ask me to repeat or clarify. At the end there'll be a moment for "
            "your own questions. Your answers are saved as a transcript for the "
            f"{_team(plan)} to review. Whenever you're ready, let me know and we'll begin."
        )

    def _bridge(self, lead_in: LeadIn, context: VoiceContext, heard: str | None = None) -> str:
        tone = context.plan.tone
        if heard and lead_in in (LeadIn.ANSWERED, LeadIn.PARTIAL):
            phrase = second_person(heard)
            # a whole clause of theirs ("I phone them …") is noted as said, not "about" it
            said = CLAUSE_ACKNOWLEDGEMENTS if _FIRST_PERSON.match(heard) else None
            grounded = said or GROUNDED_ACKNOWLEDGEMENTS[tone]
            templates = _not_running_on(grounded, heard, context)
            template = _pick(context, templates, "ack")
            return template.format(phrase=phrase, Phrase=phrase[:1].upper() + phrase[1:])
        if lead_in is LeadIn.ANSWERED:
            return _pick(context, ACKNOWLEDGEMENTS[tone], "ack")
        if lead_in is LeadIn.PARTIAL:
            return _pick(context, NEUTRAL_ACKNOWLEDGEMENTS, "ack")
        if lead_in is LeadIn.DONT_KNOW:
            return _pick(context, DONT_KNOW_REPLIES[tone], "dont-know")
        if lead_in in (LeadIn.NO_ANSWER, LeadIn.OFF_TOPIC):
            return _pick(context, LET_GO, "let-go")
        return _pick(context, FIRST_QUESTION[tone], "first")

    def _ask(self, move: Ask, context: VoiceContext) -> str:
        plan = context.plan
        parts = [self._bridge(move.lead_in, context, move.acknowledge)]
        if move.skipped:
            parts.append("We're a little short on time, so I'll skip ahead.")
        if move.lead_in is not LeadIn.FIRST:
            if move.remaining == 0 and len(plan.questions) > 1:
                parts.append(_pick(context, LAST_QUESTION, "last"))
            elif plan.style == "conversational":
                parts.append(_pick(context, CONVERSATIONAL_TRANSITIONS, "transition"))
            else:
                parts.append(_pick(context, TRANSITIONS, "transition"))
        parts.append(move.question.text)
        return " ".join(parts)

    def _follow_up(self, move: FollowUp, context: VoiceContext) -> str:
        if move.reason is FollowUpReason.CONTRADICTION and move.earlier_quote and move.quote:
            earlier = move.earlier_quote.rstrip(".!?")
            now = move.quote.rstrip(".!?")
            return (
                f'I want to make sure I understand. Earlier you said "{earlier}", and just now '
                f'"{now}". Could you help me reconcile those?'
            )
        reference = self._refer(move.quote, context)
        probe = move.prompt or _default_probe(move.question)
        lead = ""
        if move.reason is FollowUpReason.NONE and not move.question.follow_ups:
            lead = _pick(context, DEEPEN_LEADS[context.plan.tone], "lead")
        if move.number > 1 and not reference:
            lead = f"One more on this. {lead}".strip()
        return " ".join(p for p in (reference, lead, probe) if p)

    def _refer(self, quote: str | None, context: VoiceContext) -> str:
        """The candidate's whole clause ("You said you …") or phrase ("You mentioned …")."""
        if not quote:
            return ""
        quote = quote.strip().rstrip(".,;:!?")
        if re.match(r"(?i)i\b|i'", quote):
            return f"You said {second_person(quote)}."
        return _pick(context, REFERENCES, "refer").format(quote=second_person(quote))

    def _hint(self, move: Hint, context: VoiceContext) -> str:
        opener = _pick(context, HINT_OPENERS[context.plan.tone], "hint")
        return f"{opener} {move.prompt}"

    def _clarify(self, move: Clarify, context: VoiceContext) -> str:
        asked = move.asked.lower()
        plan = context.plan
        ready = (
            "Whenever you're ready, go ahead."
            if move.question
            else "Whenever you're ready, let me know and we'll begin."
        )
        if re.search(AI_QUESTION, asked):
            return (
                "I'm an AI interviewer, not a person. Your answers are saved as a transcript and "
                f"reviewed by the {_team(plan)} afterwards. {ready}"
            )
        if re.search(r"\bhow (?:long|much time)\b", asked) and not re.search(
            r"\banswer|\brespon", asked
        ):
            return f"We have about {_minutes(move.seconds_left)} left, so no need to rush. {ready}"
        if re.search(r"\bhow long\b|\bhow (?:much )?detail|\bhow many\b", asked):
            return "A couple of minutes is plenty, and I'll ask if I'd like more detail. " + ready
        if re.search(
            r"\b(?:university|college|school|stud(?:y|ies)|course|side project|personal project|"
            r"volunteer|previous (?:job|role)|last (?:job|role)|internship|example from)\b",
            asked,
        ):
            return _fresh(_where_from(move.question), move.question, context, ready)
        if question_to_interviewer(move.asked) == "process":
            return (
                f"The {_team(plan)} reviews the whole interview and will contact you about "
                "the next steps. I can't speak for their decision or its timing myself, but "
                f"I'll note that you asked. {ready}"
            )
        if re.search(ABOUT_THE_JOB, asked) and not re.search(ABOUT_THE_QUESTION, asked):
            return (
                "That's a fair question, and I'm not able to answer it myself. I'll note it for "
                f"the {_team(plan)}, so they can come back to you on it. {ready}"
            )
        if move.question is None:
            return (
                "It works like a conversation: I ask a question, you answer in your own words, "
                "and I may follow up to understand your answer better. You can ask me to "
                f"repeat or clarify anything. {ready}"
            )
        if move.limit_reached:
            return (
                "Take it whichever way makes the most sense to you; there's no wrong "
                "interpretation, and I'm interested in how you think about it. " + ready
            )
        return _fresh(f"Good question. {_rephrasing(move.question)}", move.question, context, ready)

    def _repeat(self, move: Repeat, context: VoiceContext) -> str:
        opener = _pick(context, REPEAT_OPENERS, "repeat")
        if move.previous_move is MoveKind.GREET:
            return (
                f"{opener} I'm an AI interviewer, and we have about "
                f"{_minutes(context.plan.duration_seconds)} together. I'll ask you a few "
                "questions about your experience and may follow up on your answers. Whenever "
                "you're ready, let me know and we'll begin."
            )
        if move.previous_move is MoveKind.WRAP_UP:
            return (
                f"{opener} Do you have any questions for me, or anything you'd like to add "
                "before we finish?"
            )
        if move.previous_move is MoveKind.ASK and move.question is not None:
            return f"{opener} {move.question.text}"
        return f"{opener} {_questionsentences(move.previous_text)}"

    def _encourage(self, move: Encourage, context: VoiceContext) -> str:
        if move.reason == "thinking":
            return _pick(context, TAKE_YOUR_TIME, "patience")
        if move.question is None:
            return "Whenever you're ready to begin, just let me know."
        return _pick(context, CHECK_INS, "check-in")

    def _redirect(self, move: Redirect, context: VoiceContext) -> str:
        if move.reason == "addressed_to_scorer":
            if any("score anything" in t.text for t in context.transcript if t.is_ai):
                # said once already in this interview: not the whole explanation again
                return (
                    "As I mentioned, nothing said here changes how answers are assessed. "
                    f"I'd rather hear your own answer. {_in_a_few_words(move.question)}"
                )
            return (
                "Just so you know, I don't score anything during our conversation, and requests "
                "about scores or instructions can't change how answers are assessed: everyone "
                "is assessed against the same criteria. What helps most is a concrete answer. "
                f"So, coming back to it: {_in_a_few_words(move.question)}"
            )
        if _redirected_before(move, context):
            # A second steer back on one question: the question again in a frame of its own,
            # so it is no near copy of the first steer (nor of another question's).
            return (
                "No problem. I'd still like to hear your own answer, whenever you're ready; "
                f"take a moment if you need one. Once more: {_in_a_few_words(move.question)}"
            )
        lead = _pick(
            context,
            (
                "I'd like to keep us on track so you get the most out of our time.",
                "Let's bring it back to the question.",
            ),
            "redirect",
        )
        return f"{lead} {_in_a_few_words(move.question)}"

    def _wrap_up(self, move: WrapUp, context: VoiceContext) -> str:
        parts = []
        if move.lead_in is not LeadIn.FIRST:
            parts.append(self._bridge(move.lead_in, context, move.acknowledge))
        if move.reason == "time":
            parts.append("We're coming up on time, so let's start wrapping up.")
            if move.skipped:
                parts.append("We didn't get to everything I'd planned, which is completely normal.")
        else:
            parts.append("That's all the questions I had for you.")
        parts.append(
            "Before we finish, do you have any questions for me, or is there anything you'd "
            "like to add that we haven't covered?"
        )
        return " ".join(parts)

    def _close(self, move: Close, context: VoiceContext) -> str:
        plan = context.plan
        team = _team(plan)
        parts = []
        question = (move.candidate_question or "").lower()
        next_steps = (
            f"Your interview is now complete. The {team} will review it and be in touch about "
            "next steps."
        )
        if question and re.search(AI_QUESTION, question):
            parts.append(
                "To answer your question: I'm an AI interviewer, not a person. People on the "
                f"{team} review every interview."
            )
        elif question and re.search(
            r"next step|hear back|timeline|when will|what happens", question
        ):
            parts.append("Good question.")
        elif question:
            parts.append(
                "That's a good question. I can't answer it myself, but it's in the transcript, so "
                f"the {team} can follow up with you on it."
            )
        elif _added_last_words(context):
            parts.append(f"That's noted; it's in the transcript for the {team}.")
        if move.reason == "time_up":
            parts.append("We've reached the end of our time.")
        name = f", {plan.candidate_name}," if plan.candidate_name else ""
        thanks = {
            "friendly": f"Thank you so much{name} for taking the time to talk with me today.",
            "professional": f"Thank you{name} for your time today.",
            "strict": f"Thank you{name.rstrip(',')}.",
            "challenging": f"Thanks{name.rstrip(',')}, I appreciate you taking the questions on.",
        }[plan.tone]
        goodbye = {
            "friendly": "You can close this window now. Goodbye, and all the best!",
            "professional": "You can close this window now. Goodbye, and all the best.",
            "strict": "You can close this window now. Goodbye.",
            "challenging": "You can close this window now. Goodbye, and good luck.",
        }[plan.tone]
        parts += [thanks, next_steps, goodbye]
        return " ".join(parts)


AI_QUESTION = r"\b(?:human|real person|a person|bot|robot|an ai|ai interviewer|machine)\b"
NOTHING_TO_ADD = re.compile(
    r"^\W*(?:no|nope|nothing|none|not really|i'?m good|all good|that'?s (?:all|it)|"
    r"no questions?|no,? thank|no thanks|i think that'?s (?:all|it))\b",
    re.IGNORECASE,
)


def _added_last_words(context: VoiceContext) -> bool:
    """The candidate answered the wrap-up with something of their own (not "no, thanks")."""
    if not context.transcript or context.transcript[-1].is_ai:
        return False
    last_ai = next((t for t in reversed(context.transcript) if t.is_ai), None)
    if last_ai is None or last_ai.move is not MoveKind.WRAP_UP:
        return False
    return not NOTHING_TO_ADD.search(context.transcript[-1].text)


# What a question asks for, said another way: a clarification of a recruiter's question.
REPHRASINGS = {
    "behavioural": "I'm asking for one real example: the situation, what you did yourself, and "
    "how it turned out. It can come from work, study or volunteering.",
    "design": "I'm asking how you would go about it: the approach you'd take, what could go "
    "wrong, and what you would trade off. There's no single right answer.",
    "situational": "I'm asking what you would do in that situation: your first steps, why "
    "you'd take them, and how you'd know it had worked.",
    "procedure": "I'm asking how you go about it in practice: the steps you take, why they "
    "matter, and how you make sure it's been done right.",
    "knowledge": "I'm asking you to explain it in your own words: how it works and why it "
    "matters. A rough explanation is fine.",
    "motivation": "I'm asking what matters to you here, in your own words; there's no right "
    "answer.",
}


def _rephrasing(question: PlannedQuestion) -> str:
    """A recruiter's question (bank) is rephrased by its kind, after the planner's note of
    what it is mainly about; a planned question has its own hint."""
    if question.kind != "bank":
        return question.hint or "Answer in whatever way feels most natural."
    focus = next((s for s in sentences(question.hint) if s.startswith("This question")), "")
    return f"{focus} {REPHRASINGS[question_style(question)]}".strip()


def _where_from(question: PlannedQuestion | None) -> str:
    """May the answer come from a previous job, study, …? For a question about the past, any
    real example; for a hypothetical one, how they would go about it."""
    if question is not None and question_style(question) in HYPOTHETICAL:
        return (
            "Either is fine: tell me how you would go about it, drawing on your last job or "
            "your studies if that helps."
        )
    return (
        "Yes, absolutely. Any real example works: from work, study, volunteering or a "
        "personal project."
    )


def _fresh(text: str, question: PlannedQuestion | None, context: VoiceContext, ready: str) -> str:
    """`text`, or, when an earlier AI turn said nearly the same, `text` naming the question
    (so the interviewer never repeats itself word for word)."""
    earlier = [t.text for t in context.transcript if t.is_ai]
    if question is not None and near_copy(f"{text} {ready}", earlier):
        return f"{text} So, for this one: {_in_a_few_words(question)}"
    return f"{text} {ready}"


def _redirected_before(move: Redirect, context: VoiceContext) -> bool:
    return any(
        t.is_ai and t.move is MoveKind.REDIRECT and t.question_id == move.question.id
        for t in context.transcript
    )


def _in_a_few_words(question: PlannedQuestion) -> str:
    """The question named briefly for a steer back: its own question sentence when short,
    else its topic."""
    parts = sentences(question.text)
    asked = [s for s in parts if s.endswith("?")]
    last = asked[-1] if asked else question.text
    topic = mid_sentence(question.topic) if question.topic else ""
    if len(parts) == 1 and len(last.split()) <= 25:
        return last
    if topic and len(last.split()) <= 18:
        return f"The question was about {topic}: {last[:1].lower()}{last[1:]}"
    return f"The question was about {topic or 'what I asked'}; how would you answer it?"


def _default_probe(question: PlannedQuestion) -> str:
    """A move without a chosen probe: the first part a complete answer to this kind of
    question has (`listening.question_parts`)."""
    aspect = question_parts(question)[0]
    return PROBES[aspect][0][0]
