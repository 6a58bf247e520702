"""The portrait's open objections (contract 16, 19.1): on an indicator's item, or in the top-level
`objections` for master fields. Read with the portrait's one BatchGetItem (the facts table's
open-objections item, kept by the objections' transactions): no request of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api.schemas import MasterObjectionMark, ObjectionMark, Portrait


def with_objections(portrait: Portrait, open_objections: Mapping[str, Mapping[str, Any]]) -> Portrait:
    """`open_objections`: objection_id -> {"field", "period", "status", "due_on"}."""
    if not open_objections:
        return portrait
    on_indicator: dict[str, ObjectionMark] = {}
    on_master: list[MasterObjectionMark] = []
    for objection_id, o in sorted(open_objections.items(), key=lambda kv: str(kv[1].get("due_on"))):
        field, status, due_on = str(o.get("field")), str(o.get("status")), str(o.get("due_on"))
        if field.startswith("master."):
            on_master.append(
                MasterObjectionMark(field=field, objection_id=objection_id, status=status, due_on=due_on)
            )
        elif o.get("period") == portrait.period:
            on_indicator[field.removeprefix("indicator.")] = ObjectionMark(
                objection_id=objection_id, status=status, due_on=due_on
            )
    indicators = [
        i.model_copy(update={"objection": on_indicator[i.id]}) if i.id in on_indicator else i
        for i in portrait.indicators
    ]
    return portrait.model_copy(update={"indicators": indicators, "objections": on_master})
