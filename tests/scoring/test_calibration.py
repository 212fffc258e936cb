"""The offline scorer's placement: generated constants, the code that applies them, and the
reading rules docs/scoring.md ("Calibration") states."""

from __future__ import annotations

import math
from pathlib import Path

from eval import fit

from tests.scoring.samples import (
    DESIGN_ONLY,
    EXPERT,
    EXPERT_EXPLAINS,
    EXPERT_FAILURES,
    OFF_TOPIC,
    QUESTION,
    one_answer,
)
from vivavoce.scoring import calibration
from vivavoce.scoring.features import FEATURE_NAMES, gated, on_topic, phrased_share, piecewise
from vivavoce.scoring.offline import _FUNCTION_WORDS, shared
from vivavoce.scoring.rubric import Rubric, RubricDimension
from vivavoce.scoring.scorecard import assemble
from vivavoce.scoring.transcript import ScoringTurn, build


def test_calibration_py_is_exactly_what_the_fit_writes_for_its_constants() -> None:
    written = Path(calibration.__file__).read_text(encoding="utf-8")
    assert fit.source(calibration.PLACEMENT) == written
    assert "def " not in written  # constants only: the code lives in features.Placement
    assert calibration.FEATURES == FEATURE_NAMES


def test_the_monotone_map_is_flat_beyond_its_knots_and_never_decreases() -> None:
    knots = calibration.KNOTS
    assert piecewise(knots[0][0] - 5, knots) == knots[0][1]
    assert piecewise(knots[-1][0] + 5, knots) == knots[-1][1]
    xs = [knots[0][0] + i * (knots[-1][0] - knots[0][0]) / 50 for i in range(51)]
    ys = [piecewise(x, knots) for x in xs]
    assert ys == sorted(ys)


def test_an_unknown_feature_sits_at_its_mean() -> None:
    means = dict(zip(calibration.FEATURES, calibration.MEANS, strict=True))
    unknown = {**means, "anchor_high": math.nan}
    assert calibration.PLACEMENT.raw(unknown) == calibration.PLACEMENT.raw(means)


def test_terse_expert_fragments_are_phrased_and_keyword_lists_are_not() -> None:
    terse = "Tenant from the token, never the URL. Keyset pagination on created_at and id."
    listed = "REST, GraphQL, gRPC, idempotency keys, cursor pagination, OAuth2, JWT, Kafka."
    assert phrased_share(terse, _FUNCTION_WORDS) == 1.0
    assert phrased_share(listed, _FUNCTION_WORDS) == 0.0


def test_off_topic_evidence_keeps_only_its_on_topic_share() -> None:
    assert gated(8.0, 0.0, 1.0) == 1.0
    assert gated(8.0, 0.8, 1.0) == 8.0
    assert gated(8.0, 0.4, 1.0) == 4.5  # half way to on topic: half the distance
    # on topic for its question is on topic, though the dimension's own text is far
    assert on_topic({"relevance": 0.2, "question_relevance": 0.9}) == 0.9
    assert gated(0.5, 0.0, 1.0) == 0.5  # below the floor: left as it is


def test_a_reply_to_a_follow_up_is_read_with_the_answer_it_adds_to() -> None:
    def scored(follow_up: bool) -> float:
        turns = [
            ScoringTurn(0, "ai", QUESTION, "q1", ("system_design",)),
            ScoringTurn(1, "participant", EXPERT),
        ]
        if follow_up:
            turns += [
                ScoringTurn(2, "ai", "Could you say a bit more?", "q1", ("system_design",)),
                ScoringTurn(3, "participant", "Yes, that is about it."),
            ]
        return shared().score(DESIGN_ONLY, build(turns)).judgements[0].score

    assert abs(scored(True) - scored(False)) <= 0.5


def test_the_offline_scorer_reports_per_answer_evidence_and_off_topic_answers_do_not_count() -> (
    None
):
    on_topic = (EXPERT, EXPERT_FAILURES, EXPERT_EXPLAINS)
    rambling = OFF_TOPIC + " We also like to go camping by the lake in the summer holidays."
    turns = []
    for number, answer in enumerate((*on_topic, rambling)):
        turns.append(ScoringTurn(2 * number, "ai", f"Question {number + 1}?"))
        turns.append(ScoringTurn(2 * number + 1, "participant", answer))
    transcript = build(turns)  # no plan: every answer informs every dimension
    output = shared().score(DESIGN_ONLY, transcript)
    measured = output.judgements[0].evidence
    assert measured is not None and [e.turn for e in measured] == [1, 3, 5, 7]
    assert all(0.0 <= e.relevance <= 1.0 and 0.0 <= e.quality <= 1.0 for e in measured)
    assert measured[3].relevance < 0.35 <= min(e.relevance for e in measured[:3])
    card = assemble(DESIGN_ONLY, transcript, output)
    assert card.breakdown[0].evidence_turns == (1, 3, 5)


def test_a_dimension_without_anchors_is_not_scored_down_for_missing_anchor_words() -> None:
    with_anchors = DESIGN_ONLY.dimensions[0]
    bare = RubricDimension(with_anchors.id, with_anchors.name, with_anchors.description, 100.0)
    transcript = one_answer(EXPERT)
    anchored = shared().score(DESIGN_ONLY, transcript).judgements[0].score
    generic = shared().score(Rubric(dimensions=(bare,)), transcript).judgements[0].score
    assert generic >= 6.0 and abs(generic - anchored) <= 2.0
