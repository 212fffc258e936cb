"""The OpenAPI document, plus the component schemas of request bodies that endpoints validate
by hand (a body that is one of several models): FastAPI only emits components for models it
sees in signatures, so a hand-written `$ref` to another model would point at nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

_EXTRA: list[type[BaseModel]] = []
REF_TEMPLATE = "#/components/schemas/{model}"


def component(model: type[BaseModel]) -> dict[str, str]:
    """A `$ref` to `model`'s component schema, which the document is then sure to carry."""
    if model not in _EXTRA:
        _EXTRA.append(model)
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def install(app: FastAPI) -> None:
    """Make `app.openapi()` add the registered models (and what they use) to the components."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
                separate_input_output_schemas=app.separate_input_output_schemas,
            )
            _add_components(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    method: Callable[[], dict[str, Any]] = document
    app.openapi = method  # type: ignore[method-assign]


def _add_components(schema: dict[str, Any]) -> None:
    if not _EXTRA:
        return
    _, definitions = models_json_schema(
        [(model, "validation") for model in _EXTRA], ref_template=REF_TEMPLATE
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in definitions.get("$defs", {}).items():
        components.setdefault(name, definition)
