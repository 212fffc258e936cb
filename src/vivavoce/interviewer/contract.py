"""The JSON Schema of an LLM contract, from the pydantic model that writes it.

What an LLM must reply is written once, as a pydantic model: it gives the schema sent to the
endpoint and shown in the prompt (here), the validation of the reply and the repair request's
words (`vivavoce.kit.llm_contract`). The schema is the model's own, made plain for model
servers: references inlined (several constrained decoders do not follow `$ref`), no `title`,
`description` (the docstring) or `default`, and the keys in a fixed order, so the prompt text
that shows it does not move with pydantic's output order. Pure (pydantic only): the
interviewer's engine and judge import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

# the order a schema's keys are written in; any other key follows, in pydantic's order
_KEY_ORDER = (
    "type",
    "enum",
    "minimum",
    "maximum",
    "maxLength",
    "items",
    "maxItems",
    "properties",
    "required",
    "additionalProperties",
)
# written for the code's readers (a docstring) or already said by `required`
_DROPPED = ("title", "description", "default")


def contract_schema(
    model: type[BaseModel], *, mode: Literal["validation", "serialization"] = "validation"
) -> dict[str, Any]:
    """`model`'s JSON Schema as sent to a model server (see the module docstring)."""
    schema = model.model_json_schema(mode=mode)
    definitions = schema.pop("$defs", {})
    plain = _plain(schema, definitions)
    assert isinstance(plain, dict)
    return plain


def _plain(node: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_plain(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _plain(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    kept = {key: value for key, value in node.items() if key not in _DROPPED}
    if "properties" in kept:  # the field names themselves are not schema keys
        kept["properties"] = {
            name: _plain(field, definitions) for name, field in kept["properties"].items()
        }
    ordered = [key for key in _KEY_ORDER if key in kept]
    ordered += [key for key in kept if key not in _KEY_ORDER]
    return {
        key: kept[key] if key == "properties" else _plain(kept[key], definitions) for key in ordered
    }
