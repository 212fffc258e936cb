"""What the session page needs for the review form: the form's starting values, the audit
trail as rows to read, and the posted form turned into the API's `ReviewRequest` body (the
service decides what is allowed; this only translates names)."""

from __future__ import annotations

from typing import Any

from vivavoce.web.dashboard.common import Form

SCORE_FIELD = "score-"


def review_defaults(session: dict[str, Any], breakdown: list[dict[str, Any]]) -> dict[str, str]:
    """The form as it opens: the scorecard's version and every dimension's current score."""
    review = session.get("review") or {}
    values = {"version": str(review.get("version", 0))}
    for item in breakdown:
        score = item.get("score")
        values[f"{SCORE_FIELD}{item['dimension_id']}"] = "" if score is None else f"{score:.1f}"
    return values


def ai_dimension_scores(ai_scorecard: dict[str, Any] | None) -> dict[str, float | None]:
    """The AI's own score of each dimension, from the scorecard it wrote."""
    items = (ai_scorecard or {}).get("evaluation_breakdown") or []
    return {str(d["dimension_id"]): d.get("score") for d in items}


def _names(breakdown: list[dict[str, Any]]) -> dict[str, str]:
    return {str(d["dimension_id"]): str(d.get("name") or d["dimension_id"]) for d in breakdown}


def audit_rows(
    reviews: list[dict[str, Any]], breakdown: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Newest first, each with the dimensions whose score the action changed."""
    names = _names(breakdown)
    rows = []
    for entry in reversed(reviews):
        before, after = entry["before"], entry["after"]
        changes = [
            {"name": names.get(key, key), "before": before["dimensions"].get(key), "after": value}
            for key, value in after["dimensions"].items()
            if before["dimensions"].get(key) != value
        ]
        rows.append({**entry, "changes": changes})
    return rows


def review_body(form: Form) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The `ReviewRequest` body, the errors only the form can have (a score that is not a
    number), and the dimension id of each entry of `dimensions`, in order."""
    action = form.get("action")
    version_text = form.get("version").strip()
    body: dict[str, Any] = {
        "action": action,
        "version": int(version_text) if version_text.isdigit() else -1,
        "reason": form.text("reason"),
        "dimensions": [],
    }
    errors: dict[str, str] = {}
    order: list[str] = []
    if action != "adjust":
        return body, errors, order
    for name, values in form.values.items():
        if not name.startswith(SCORE_FIELD) or not values:
            continue
        dimension_id = name.removeprefix(SCORE_FIELD)
        try:
            score = float(values[0].strip().replace(",", "."))
        except ValueError:
            errors[name] = "Enter a score from 0 to 10."
            continue
        body["dimensions"].append({"dimension_id": dimension_id, "score": score})
        order.append(dimension_id)
    return body, errors, order


def form_errors(raw: dict[str, str], order: list[str]) -> dict[str, str]:
    """The body model's errors keyed by the form's fields (`dimensions-2-score` is the score
    field of the third dimension sent; a missing reason belongs to the reason box)."""
    errors: dict[str, str] = {}
    for key, message in raw.items():
        parts = key.split("-")
        if parts[0] == "dimensions" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            field = f"{SCORE_FIELD}{order[index]}" if index < len(order) else "__all__"
        elif key == "version":
            field, message = "__all__", "The form is out of date. Reload the page."
        elif key == "__all__" and "reason" in message:
            field = "reason"
        elif key in ("action", "reason"):
            field = key
        else:
            field = "__all__"
        errors.setdefault(field, message)
    return errors
