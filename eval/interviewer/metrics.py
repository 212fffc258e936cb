"""The figures of the conversation evaluation, per group of interviews (a role, a split, all).

Every figure is a count of offending turns (or a share of turns that did what they should),
from the checks in `checks.py`; `failures()` lists the turns behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from eval.interviewer import checks
from eval.interviewer.checks import Conversation

# The floors (times are reported, not asserted).
FLOORS = {
    "repeats": 0,
    "cut_quotes": 0,
    "probe_misfits": 0,
    "over_depth": 0,
    "grounded": 0.8,
    "hinted": 0.9,
    "closing": 1.0,
}


def percentile(values: Sequence[float], fraction: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def share(hits: int, total: int) -> float | None:
    return hits / total if total else None


@dataclass
class Figures:
    group: str
    interviews: int
    completed: int
    ai_turns: int
    repeats: int
    quotes: int
    cut_quotes: int
    transitions: int
    grounded: float | None
    follow_ups: int
    probe_misfits: int
    dont_knows: int
    hinted: float | None
    steered: float | None  # reported, no floor: off topic / clarification / scorer talk
    closing: float | None
    follow_ups_per_question: float | None
    over_depth: int
    first_word_p50_ms: float | None
    first_word_p95_ms: float | None
    last_word_p50_ms: float | None
    last_word_p95_ms: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def misses(self) -> list[str]:
        """The floors this group misses (empty when it meets all of them)."""
        missed = [
            name
            for name in ("repeats", "cut_quotes", "probe_misfits", "over_depth")
            if getattr(self, name) > FLOORS[name]
        ]
        for name in ("grounded", "hinted", "closing"):
            value = getattr(self, name)
            if value is not None and value < FLOORS[name]:
                missed.append(name)
        if self.completed < self.interviews:
            missed.append("completed")
        return missed


def figures(group: str, conversations: Sequence[Conversation]) -> Figures:
    transitions = [ok for c in conversations for _, ok in checks.transitions(c)]
    idk = [ok for c in conversations for _, ok in checks.dont_know_replies(c)]
    steered = [ok for c in conversations for _, ok in checks.steered_replies(c)]
    completed = [c for c in conversations if c.completed]
    per_question = [
        (n, c.max_follow_ups)
        for c in conversations
        for n in checks.follow_ups_per_question(c).values()
    ]
    first = [ms for c in conversations for ms in c.first_word_ms]
    last = [ms for c in conversations for ms in c.last_word_ms]
    return Figures(
        group=group,
        interviews=len(conversations),
        completed=len(completed),
        ai_turns=sum(len(c.ai()) for c in conversations),
        repeats=sum(len(checks.repeats(c)) for c in conversations),
        quotes=sum(len(checks.quotes(c)) for c in conversations),
        cut_quotes=sum(len(checks.cut_quotes(c)) for c in conversations),
        transitions=len(transitions),
        grounded=share(sum(transitions), len(transitions)),
        follow_ups=sum(n for n, _ in per_question),
        probe_misfits=sum(len(checks.probe_misfits(c)) for c in conversations),
        dont_knows=len(idk),
        hinted=share(sum(idk), len(idk)),
        steered=share(sum(steered), len(steered)),
        closing=share(sum(checks.closed_properly(c) for c in completed), len(completed)),
        follow_ups_per_question=(
            sum(n for n, _ in per_question) / len(per_question) if per_question else None
        ),
        over_depth=sum(1 for n, most in per_question if n > most),
        first_word_p50_ms=percentile(first, 0.5),
        first_word_p95_ms=percentile(first, 0.95),
        last_word_p50_ms=percentile(last, 0.5),
        last_word_p95_ms=percentile(last, 0.95),
    )


def failures(conversation: Conversation) -> list[str]:
    """Each offending turn of one interview, as a line a person can check."""
    lines: list[str] = []
    turns = conversation.turns
    for earlier, later in checks.repeats(conversation):
        lines.append(f"repeat: turn {later} copies turn {earlier}: {turns[later].text!r}")
    for index, quote in checks.cut_quotes(conversation):
        lines.append(f"cut quote: turn {index} {quote!r} in {turns[index].text!r}")
    for index, ok in checks.transitions(conversation):
        if not ok:
            lines.append(f"ungrounded transition: turn {index}: {turns[index].text!r}")
    for index, why in checks.probe_misfits(conversation):
        lines.append(f"misfit ({why}): turn {index}: {turns[index].text!r}")
    for index, ok in checks.steered_replies(conversation):
        if not ok:
            reply = turns[index + 1]
            lines.append(f"not steered: turn {index} {turns[index].label} → {reply.move}")
    for index, ok in checks.dont_know_replies(conversation):
        if not ok:
            reply = turns[index + 1]
            lines.append(
                f"no hint after 'I don't know': turn {index + 1} {reply.move}: {reply.text!r}"
            )
    counts = checks.follow_ups_per_question(conversation)
    for question, count in counts.items():
        if count > conversation.max_follow_ups:
            lines.append(f"{count} follow-ups on question {question + 1}")
    if conversation.completed and not checks.closed_properly(conversation):
        lines.append("completed without a closing line")
    if not conversation.completed:
        lines.append("did not complete")
    return lines


def _cell(name: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if name.endswith("_ms") else f"{value:.2f}"
    return str(value)


COLUMNS = (
    ("group", "group"),
    ("interviews", "interviews"),
    ("completed", "done"),
    ("ai_turns", "AI turns"),
    ("repeats", "repeats"),
    ("cut_quotes", "cut quotes"),
    ("quotes", "quotes"),
    ("grounded", "grounded"),
    ("probe_misfits", "misfits"),
    ("follow_ups", "follow-ups"),
    ("follow_ups_per_question", "per question"),
    ("over_depth", "over depth"),
    ("hinted", "IDK→hint"),
    ("steered", "steered"),
    ("closing", "closing"),
    ("first_word_p50_ms", "first p50 ms"),
    ("first_word_p95_ms", "first p95 ms"),
    ("last_word_p50_ms", "last p50 ms"),
    ("last_word_p95_ms", "last p95 ms"),
)


def table(rows: Sequence[Figures]) -> str:
    """A Markdown table, one row per group."""
    header = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "|".join("---" if name == "group" else "---:" for name, _ in COLUMNS) + "|"
    body = [
        "| " + " | ".join(_cell(name, getattr(row, name)) for name, _ in COLUMNS) + " |"
        for row in rows
    ]
    return "\n".join([header, rule, *body])
