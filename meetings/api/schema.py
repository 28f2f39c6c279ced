"""Fixes to the generated OpenAPI document."""

from __future__ import annotations

from typing import Any


def postprocess(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Items nest: ``Item.children`` is a list of ``Item`` (a serializer method
    field cannot say so itself)."""
    item = result.get("components", {}).get("schemas", {}).get("Item")
    if item:
        item["properties"]["children"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Item"},
            "description": "入れ子の項目",
        }
    return result
