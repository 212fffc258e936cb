"""The bias-audit report as CSV: one line per group of every category, with the period,
stage and minimum group size on each line so that a file read alone still says what it
covers."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "template",
    "stage",
    "from",
    "to",
    "category",
    "group",
    "candidates",
    "passed",
    "selection_rate",
    "impact_ratio",
    "below_four_fifths",
    "advanced",
    "advance_rate",
    "advance_impact_ratio",
    "mean_score",
    "scoring_rate",
    "scoring_impact_ratio",
    "suppressed",
    "min_group_size",
)


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    fixed = {
        "template": report["template_name"],
        "stage": report["stage"] or "",
        "from": report["period"]["from"] or "",
        "to": report["period"]["to"] or "",
        "min_group_size": report["min_group_size"],
    }
    for table in report["categories"]:
        for group in (*table["groups"], table["not_disclosed"]):
            line = {**group, **fixed, "category": table["label"], "group": group["label"]}
            # a spreadsheet must not run a formula a template name or label might start with
            writer.writerow([_safe(_value(line.get(column))) for column in COLUMNS])
    return out.getvalue()


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def file_name(report: dict[str, Any]) -> str:
    return f"bias-audit-{report['evaluation_template_id']}-{report['stage'] or 'none'}.csv"
