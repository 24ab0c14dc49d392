"""The value of each synced field last seen equal on both issues of a pair (the owner of a pair's
`field_baselines` collection: nothing else builds or reads its documents).

`_id` = "<User issue id>:<field>": `user_id`, `field`, `kind` and `value` (app.sync.field_values;
a list for labels, names and options; None = empty). One document per field, so a pass that dies
after writing some fields of a change keeps the baselines of those it recorded; one it did not
record is seen again as a change on both sides with equal values, which only moves the baseline
(never a second write).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pymongo.collection import Collection

from app.mongo import Document
from app.sync.field_values import BUILTIN_KINDS, FieldValue, Kind

KINDS: frozenset[str] = frozenset(get_args(Kind))


def baseline_id(user_id: str, field: str) -> str:
    return f"{user_id}:{field}"


def to_document(user_id: str, field: str, value: FieldValue) -> dict[str, Any]:
    """The stored fields (`_id` apart)."""
    return {"user_id": user_id, "field": field, "kind": value.kind, "value": value.stored()}


def from_document(document: Mapping[str, Any]) -> tuple[str, FieldValue]:
    field = str(document.get("field"))
    kind = document.get("kind")
    known: Kind = kind if kind in KINDS else BUILTIN_KINDS.get(field, "text")
    return field, FieldValue.from_stored(known, document.get("value"))


def read_baselines(collection: Collection[Document], user_id: str) -> dict[str, FieldValue]:
    """The baselines of one pair of issues (by its User issue id), by field."""
    return dict(from_document(doc) for doc in collection.find({"user_id": user_id}))
