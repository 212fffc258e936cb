"""The dashboard's pictures from the data its pages already load: the template's funnel per
stage (from the Applications panel), score distributions per dimension (from the
comparison), one candidate against them, and the session's timeline strip."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from vivavoce.web import charts

STARTED = ("in_progress", "completed", "failed")


def stage_funnels(template: dict[str, Any], rows: list[dict[str, Any]]) -> list[Markup]:
    """For each stage: invited → started → completed → passed, counted over the panel's
    candidates (their latest session of the stage)."""
    pictures = []
    candidates = len(rows)
    for place, stage in enumerate(template.get("stages") or []):
        rolled = [
            found
            for row in rows
            if row["application"]
            for found in row["application"]["stages"]
            if found["evaluation_stage_id"] == stage["id"] and found["latest_session_id"]
        ]
        steps = [
            charts.Step("Invited", len(rolled)),
            charts.Step("Started", sum(1 for r in rolled if r["status"] in STARTED)),
            charts.Step("Completed", sum(1 for r in rolled if r["status"] == "completed")),
            charts.Step("Passed", sum(1 for r in rolled if r["passed"] is True)),
        ]
        if place == 0:
            steps.insert(0, charts.Step("Candidates", candidates))
        name = stage.get("stage_name") or stage["type"]
        pictures.append(charts.funnel(f"funnel-{stage['type']}", f"{name}: funnel", steps))
    return pictures


def dimension_scores(table: dict[str, Any]) -> dict[str, list[float]]:
    """Every candidate's score on each dimension of the compared stage (and `overall`)."""
    scores: dict[str, list[float]] = {"overall": []}
    for row in table["rows"]:
        if row["score"] is not None:
            scores["overall"].append(float(row["score"]))
        for key, cell in row["dimensions"].items():
            if cell.get("score") is not None:
                scores.setdefault(key, []).append(float(cell["score"]))
    return scores


def distributions(
    table: dict[str, Any], marks: dict[str, float] | None = None, prefix: str = "dist"
) -> list[Markup]:
    """The overall score and each dimension as a distribution; `marks`: one candidate's
    scores (by dimension id, and `overall`) to draw on them."""
    scores = dimension_scores(table)
    marks = marks or {}
    named = [("overall", "Overall score"), *((d["id"], d["name"]) for d in table["dimensions"])]
    return [
        charts.distribution(f"{prefix}-{key}", title, scores.get(key, []), marks.get(key))
        for key, title in named
        if scores.get(key)
    ]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def session_timeline(turns: list[dict[str, Any]], timeline: list[dict[str, Any]]) -> Markup:
    spans = []
    for turn in turns:
        start, end = _when(turn["started_at"]), _when(turn["ended_at"])
        if start and end:
            kind = "ai" if turn["speaker"] == "ai" else "participant"
            spans.append(charts.Span(kind, start, end, f"Turn {turn['index']}"))
    ticks = [
        charts.Tick(at, str(event["kind"]).replace("_", " "))
        for event in timeline
        if (at := _when(event.get("occurred_at"))) is not None
    ]
    return charts.timeline("session-timeline", "The interview over time", spans, ticks)
