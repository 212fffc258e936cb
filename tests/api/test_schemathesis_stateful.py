"""Stateful schemathesis runs over the published OpenAPI document: sequences of calls where
later operations use the ids earlier ones created (links schemathesis infers from the
schemas, the path parameters and the `Location` headers of 201s), against a real server on
127.0.0.1. No response in any sequence may be a 5xx, break the documented schema or use an
undocumented status code.

The stateless run (`test_schemathesis.py`) reaches every operation; this one reaches the
states only sequences reach: a template's stages, a participant's sessions, a cancelled
session then rescheduled, an endpoint's deliveries after a test send.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase

from tests.api.test_schemathesis import CHECKS
from tests.fixtures.threaded_site import Site, threaded_site
from vivavoce.config import Settings

EXAMPLES = int(os.environ.get("VIVAVOCE_STATEFUL_EXAMPLES", "6"))
STEPS = int(os.environ.get("VIVAVOCE_STATEFUL_STEPS", "10"))


@pytest.fixture(scope="module")
def stateful_site(settings: Settings) -> Iterator[Site]:
    with threaded_site(settings) as site:
        yield site


@pytest.mark.slow
def test_call_sequences_never_err_or_break_the_schema(stateful_site: Site) -> None:
    schema = schemathesis.openapi.from_url(f"{stateful_site.url}/api/v1/openapi.json")
    base = schema.as_state_machine()
    headers = {"x-api-key": stateful_site.key}
    seen: dict[str, int] = {}

    class Workflow(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"headers": headers, "timeout": 30}

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            # Random `accountSlug`s only meet the 403 the auth sweep covers.
            if case.query and "accountSlug" in case.query:
                del case.query["accountSlug"]
            if isinstance(case.body, dict):
                case.body.pop("accountSlug", None)

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case[Any]) -> None:
            seen[case.operation.label] = seen.get(case.operation.label, 0) + 1

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case[Any], **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    chained = [label for label in seen if "{" in label]
    assert len(chained) >= 5, f"sequences reached too few operations on ids: {sorted(seen)}"
