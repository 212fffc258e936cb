"""The report's arithmetic without a database: suppression (and the second cell blanked so
a total cannot give a lone suppressed one away), impact ratios, and a best rate of zero."""

from __future__ import annotations

from typing import Any

from vivavoce.bias_audit.questions import Answers
from vivavoce.bias_audit.report import Outcome, audit


def crowd(sex: str | None, count: int, passed: int) -> list[Outcome]:
    return [Outcome(Answers(sex, None), 5.0, n < passed, False) for n in range(count)]


def sex_table(outcomes: list[Outcome], minimum: int = 5) -> dict[str, dict[str, Any]]:
    report = audit(outcomes, minimum)
    table = report["categories"][0]
    return {**{g["key"]: g for g in table["groups"]}, "none": table["not_disclosed"]}


def test_a_lone_small_group_takes_the_next_smallest_with_it() -> None:
    cells = sex_table([*crowd("female", 9, 3), *crowd("male", 12, 6), *crowd("another", 2, 1)])
    assert cells["another"]["suppressed"] and cells["another"]["candidates"] is None
    # the total (23) minus the shown groups would reveal the two: the smallest shown goes too
    assert cells["female"]["suppressed"] and cells["female"]["selection_rate"] is None
    assert cells["male"]["candidates"] == 12 and cells["male"]["impact_ratio"] == 1.0
    assert cells["none"]["candidates"] == 0 and not cells["none"]["suppressed"]


def test_two_small_groups_hide_each_other() -> None:
    cells = sex_table(
        [*crowd("female", 9, 3), *crowd("male", 12, 6), *crowd("another", 2, 1), *crowd(None, 3, 1)]
    )
    assert cells["another"]["suppressed"] and cells["none"]["suppressed"]
    assert not cells["female"]["suppressed"]
    assert cells["female"]["impact_ratio"] == round((3 / 9) / 0.5, 4)
    assert cells["female"]["below_four_fifths"] is True


def test_the_four_fifths_line_and_a_best_rate_of_zero() -> None:
    cells = sex_table([*crowd("female", 10, 4), *crowd("male", 10, 5)])
    assert cells["female"]["impact_ratio"] == 0.8 and cells["female"]["below_four_fifths"] is False
    nobody = sex_table([*crowd("female", 5, 0), *crowd("male", 5, 0)])
    assert nobody["female"]["selection_rate"] == 0.0 and nobody["female"]["impact_ratio"] is None


def test_scoring_rate_is_the_share_above_the_median() -> None:
    outcomes = [
        *(Outcome(Answers("female", None), s, True, False) for s in (2, 3, 4, 9, 9)),
        *(Outcome(Answers("male", None), s, True, False) for s in (6, 7, 8, 9, 9)),
    ]
    report = audit(outcomes, 5)
    assert report["totals"]["median_score"] == 7.5
    women, men = report["categories"][0]["groups"][:2]
    assert (women["scoring_rate"], men["scoring_rate"]) == (0.4, 0.6)
    assert women["scoring_impact_ratio"] == round(0.4 / 0.6, 4)


def test_the_csv_has_a_line_per_group_and_never_a_formula() -> None:
    import csv
    import io

    from vivavoce.bias_audit.export import to_csv

    report = {
        "template_name": '=HYPERLINK("http://evil.example")',
        "stage": "screen",
        "period": {"from": "2026-01-01", "to": None},
        **audit([*crowd("female", 6, 3), *crowd("male", 2, 2), *crowd(None, 3, 1)], 5),
    }
    lines = list(csv.DictReader(io.StringIO(to_csv(report))))
    groups = sum(len(t["groups"]) + 1 for t in report["categories"])
    assert len(lines) == groups
    female = next(r for r in lines if r["category"] == "Sex" and r["group"] == "Female")
    assert (female["candidates"], female["selection_rate"], female["suppressed"]) == (
        "6",
        "0.5",
        "no",
    )
    male = next(r for r in lines if r["category"] == "Sex" and r["group"] == "Male")
    assert (male["candidates"], male["impact_ratio"], male["suppressed"]) == ("", "", "yes")
    assert all(r["template"].startswith("'=") for r in lines)
    assert {r["from"] for r in lines} == {"2026-01-01"} and {r["to"] for r in lines} == {""}
