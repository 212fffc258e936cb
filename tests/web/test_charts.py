"""The server-drawn pictures: what they count, what they say to a screen reader, and that
they are well-formed SVG (parsed, never eyeballed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from vivavoce.web import charts

NS = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(
        str(svg).replace("<svg class", f'<svg xmlns="{NS[1:-1]}" class', 1)
    )


def test_a_funnel_counts_each_step_and_its_drop_off() -> None:
    steps = [charts.Step("Invited", 10), charts.Step("Started", 8), charts.Step("Passed", 2)]
    svg = parsed(charts.funnel("f", "Screen: funnel", steps))
    bars = [float(r.get("width") or 0) for r in svg.iter(f"{NS}rect")]
    assert bars[0] > bars[1] > bars[2] > 0
    assert bars[1] / bars[0] == 0.8
    description = svg.find(f"{NS}desc")
    assert description is not None
    assert (
        description.text
        == "Invited: 10; Started: 8 (80% of the step before); Passed: 2 (25% of the step before)"
    )


def test_a_distribution_bands_the_scores_and_marks_the_candidate() -> None:
    svg = parsed(charts.distribution("d", "SQL", [0.5, 7.2, 7.9, 9.99, 10.0], mark=7.5))
    heights = [float(r.get("height") or 0) for r in svg.iter(f"{NS}rect")]
    assert [h > 0 for h in heights] == [True] + [False] * 6 + [True, False, True]
    assert heights[7] == 2 * heights[0]  # two in 7-8, one in 0-1; 10 joins 9-10
    description = svg.find(f"{NS}desc")
    assert description is not None and description.text is not None
    assert description.text.endswith("This candidate scored 7.5, above 2 of 5.")
    assert len(list(svg.iter(f"{NS}line"))) == 2  # the axis and the mark


def test_a_timeline_shows_turns_silences_and_signals() -> None:
    def at(seconds: int) -> datetime:
        return T0 + timedelta(seconds=seconds)

    spans = [
        charts.Span("ai", at(0), at(10), "Turn 0"),
        charts.Span("participant", at(12), at(40), "Turn 1"),
        charts.Span("ai", at(70), at(80), "Turn 2"),  # after 30 s of silence
    ]
    svg = parsed(charts.timeline("t", "Interview", spans, [charts.Tick(at(20), "paste")]))
    silences = [r for r in svg.iter(f"{NS}rect") if r.get("class") == "chart-silence"]
    assert len(silences) == 1
    description = svg.find(f"{NS}desc")
    assert description is not None
    assert description.text == (
        "2 interviewer turns, 1 candidate turns over 1.3 minutes; 1 silences of 20 s or more; "
        "1 signals."
    )


def test_labels_are_escaped() -> None:
    svg = charts.funnel("f", "<script>", [charts.Step("<b>x</b>", 1)])
    assert "<script>" not in svg and "&lt;b&gt;" in svg
