"""Pictures for the dashboard, drawn on the server as inline SVG (no chart library, no CDN,
nothing for the page's policy to allow): a stage funnel, a score distribution with one
candidate marked on it, and an interview's timeline strip. Each picture has a title and a
text description for screen readers, and colours come from classes in dashboard.css (the
policy forbids inline styles)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

WIDTH = 640


def _svg(name: str, title: str, description: str, height: int, body: str) -> Markup:
    ident = escape(name)
    # every value put into the picture is escaped or a number made here
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" data-chart="{ident}" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>{body}</svg>'
    )


@dataclass(frozen=True)
class Step:
    label: str
    count: int


def funnel(name: str, title: str, steps: Sequence[Step]) -> Markup:
    """Bars from the first step's count down, each with its count and what share of the
    step before it went on (the drop-off)."""
    top = max((s.count for s in steps), default=0) or 1
    row, label_width, bar_width = 34, 110, WIDTH - 110 - 240
    parts: list[str] = []
    said: list[str] = []
    for place, step in enumerate(steps):
        y = place * row + 30
        width = max(2.0, bar_width * step.count / top) if step.count else 0.0
        before = steps[place - 1].count if place else None
        share = f"{round(100 * step.count / before)}% of the step before" if before else ""
        parts.append(
            f'<text class="chart-label" x="0" y="{y + 17}">{escape(step.label)}</text>'
            f'<rect class="chart-bar" x="{label_width}" y="{y}" width="{width:.1f}" '
            f'height="24" rx="4"/>'
            f'<text class="chart-value" x="{label_width + width + 8:.1f}" y="{y + 17}">'
            f"{step.count}{' · ' + share if share else ''}</text>"
        )
        said.append(f"{step.label}: {step.count}" + (f" ({share})" if share else ""))
    height = len(steps) * row + 32
    body = _heading(title) + "".join(parts)
    return _svg(name, title, "; ".join(said) or "No candidates yet.", height, body)


def _heading(title: str) -> str:
    return f'<text class="chart-title" x="0" y="16">{escape(title)}</text>'


def _bins(scores: Sequence[float]) -> list[int]:
    counts = [0] * 10
    for score in scores:
        counts[min(9, max(0, int(score)))] += 1
    return counts


def distribution(
    name: str, title: str, scores: Sequence[float], mark: float | None = None
) -> Markup:
    """How many candidates scored in each band of 0-10 (0-1, 1-2 … 9-10), with `mark` (one
    candidate's score) drawn as a line across it."""
    counts = _bins(scores)
    top = max(counts) or 1
    left, chart_h, base = 24, 80, 116
    band = (WIDTH - left - 8) / 10
    parts = [f'<line class="chart-axis" x1="{left}" y1="{base}" x2="{WIDTH - 8}" y2="{base}"/>']
    for place, count in enumerate(counts):
        x = left + place * band
        height = chart_h * count / top
        parts.append(
            f'<rect class="chart-bar" x="{x + 2:.1f}" y="{base - height:.1f}" '
            f'width="{band - 4:.1f}" height="{height:.1f}" rx="2"><title>{place}-{place + 1}: '
            f"{count}</title></rect>"
        )
        if count:
            parts.append(
                f'<text class="chart-value" x="{x + band / 2:.1f}" y="{base - height - 4:.1f}" '
                f'text-anchor="middle">{count}</text>'
            )
    for tick in range(0, 11, 2):
        parts.append(
            f'<text class="chart-label" x="{left + tick * band:.1f}" y="{base + 16}" '
            f'text-anchor="middle">{tick}</text>'
        )
    said = f"{len(scores)} scored; " + ", ".join(
        f"{p}-{p + 1}: {c}" for p, c in enumerate(counts) if c
    )
    if mark is not None:
        x = left + min(10.0, max(0.0, mark)) * band
        parts.append(
            f'<line class="chart-mark" x1="{x:.1f}" y1="28" x2="{x:.1f}" y2="{base}"/>'
            f'<text class="chart-mark-label" x="{x + 4:.1f}" y="38">this candidate: '
            f"{mark:.1f}</text>"
        )
        below = sum(1 for s in scores if s < mark)
        said += f". This candidate scored {mark:.1f}, above {below} of {len(scores)}."
    return _svg(name, title, said, base + 22, _heading(title) + "".join(parts))


@dataclass(frozen=True)
class Span:
    """A stretch of the interview: who spoke from `start` to `end`."""

    kind: str  # "ai" | "participant"
    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True)
class Tick:
    at: datetime
    label: str


SILENCE_SECONDS = 20


def timeline(name: str, title: str, spans: Sequence[Span], ticks: Sequence[Tick]) -> Markup:
    """The interview left to right: the interviewer's and the candidate's turns as blocks on
    two lanes, silences of SILENCE_SECONDS or more shaded, signals (tab switches, pastes …)
    as ticks below, minutes along the bottom."""
    if not spans:
        return _svg(name, title, "Nothing was said.", 20, "")
    first = min(s.start for s in spans)
    last = max(max(s.end for s in spans), max((t.at for t in ticks), default=first))
    total = max(1.0, (last - first).total_seconds())
    left, right = 86, WIDTH - 8

    def x(moment: datetime) -> float:
        return left + (right - left) * (moment - first).total_seconds() / total

    parts = [
        '<text class="chart-label" x="0" y="20">Interviewer</text>',
        '<text class="chart-label" x="0" y="46">Candidate</text>',
        '<text class="chart-label" x="0" y="72">Signals</text>',
    ]  # no heading: the strip sits under its section's own
    ordered = sorted(spans, key=lambda s: s.start)
    silences = 0
    for before, after in itertools.pairwise(ordered):
        gap = (after.start - before.end).total_seconds()
        if gap >= SILENCE_SECONDS:
            silences += 1
            parts.append(
                f'<rect class="chart-silence" x="{x(before.end):.1f}" y="4" '
                f'width="{x(after.start) - x(before.end):.1f}" height="52">'
                f"<title>{round(gap)} s of silence</title></rect>"
            )
    for span in ordered:
        y = 8 if span.kind == "ai" else 34
        width = max(2.0, x(span.end) - x(span.start))
        parts.append(
            f'<rect class="chart-turn chart-turn-{escape(span.kind)}" x="{x(span.start):.1f}" '
            f'y="{y}" width="{width:.1f}" height="18" rx="3"><title>{escape(span.label)}'
            f"</title></rect>"
        )
    for tick in ticks:
        parts.append(
            f'<line class="chart-tick" x1="{x(tick.at):.1f}" y1="60" x2="{x(tick.at):.1f}" '
            f'y2="78"><title>{escape(tick.label)}</title></line>'
        )
    minutes = int(total // 60)
    step = max(1, minutes // 6 or 1)
    for minute in range(0, minutes + 1, step):
        at = left + (right - left) * minute * 60 / total
        parts.append(f'<text class="chart-label" x="{at:.1f}" y="96">{minute} min</text>')
    said = (
        f"{sum(1 for s in spans if s.kind == 'ai')} interviewer turns, "
        f"{sum(1 for s in spans if s.kind != 'ai')} candidate turns over {round(total / 60, 1)} "
        f"minutes; {silences} silences of {SILENCE_SECONDS} s or more; {len(ticks)} signals."
    )
    return _svg(name, title, said, 102, "".join(parts))


@dataclass(frozen=True)
class RateBar:
    """One group of a bias-audit table: its selection rate (None when suppressed or
    empty) and whether it falls under four fifths of the highest rate."""

    label: str
    rate: float | None
    below: bool
    note: str  # what is said instead of a bar ("fewer than 5", "no candidates")


def selection_rates(name: str, title: str, bars: Sequence[RateBar], threshold: float) -> Markup:
    """Each group's selection rate as a bar from 0 to 100 %, a dashed line at `threshold`
    times the highest rate (the four-fifths line), bars under it marked; groups without a
    rate keep their row with the reason instead of a bar."""
    shown = [b.rate for b in bars if b.rate is not None]
    best = max(shown, default=0.0)
    row, label_width = 30, 250
    scale = WIDTH - label_width - 90
    parts: list[str] = []  # no heading: the table's section has its own; `title` is read out
    said: list[str] = []
    for place, bar in enumerate(bars):
        y = place * row + 4
        parts.append(f'<text class="chart-label" x="0" y="{y + 16}">{escape(bar.label)}</text>')
        if bar.rate is None:
            parts.append(
                f'<text class="chart-note" x="{label_width}" y="{y + 16}">{escape(bar.note)}</text>'
            )
            said.append(f"{bar.label}: {bar.note}")
            continue
        width = max(2.0, scale * bar.rate)
        kind = "chart-bar chart-bar-below" if bar.below else "chart-bar"
        percent = f"{100 * bar.rate:.0f}%"
        flag = " · under 4/5" if bar.below else ""
        parts.append(
            f'<rect class="{kind}" x="{label_width}" y="{y}" width="{width:.1f}" height="20" '
            f'rx="3" data-group="{escape(bar.label)}"/>'
            f'<text class="chart-value" x="{label_width + width + 6:.1f}" y="{y + 15}">'
            f"{percent}{flag}</text>"
        )
        under = " (under four fifths of the highest)" if bar.below else ""
        said.append(f"{bar.label}: {percent}{under}")
    height = len(bars) * row + 22
    if best:
        x = label_width + scale * best * threshold
        # the label sits left of the line when it would run off the right edge
        anchor, at = ("end", x - 4) if x > WIDTH - 190 else ("start", x + 4)
        parts.append(
            f'<line class="chart-threshold" x1="{x:.1f}" y1="0" x2="{x:.1f}" '
            f'y2="{height - 14}"/><text class="chart-mark-label" x="{at:.1f}" '
            f'y="{height - 2}" text-anchor="{anchor}">4/5 of the highest '
            f"({100 * best * threshold:.0f}%)</text>"
        )
    return _svg(name, title, "; ".join(said) or "No candidates.", height + 4, "".join(parts))
