"""The portrait's open objections (contract 16, 19.1): on an indicator's item, or in the top-level
`objections` for master fields. One Query of the enterprise's objections index."""

from __future__ import annotations

from chalicelib.api.schemas import MasterObjectionMark, ObjectionMark, Portrait
from chalicelib.stores import objections as store


def with_objections(portrait: Portrait) -> Portrait:
    found = store.open_of_enterprise(portrait.credit_code)
    if not found:
        return portrait
    on_indicator: dict[str, ObjectionMark] = {}
    on_master: list[MasterObjectionMark] = []
    for o in found:
        if o.field.startswith("master."):
            on_master.append(
                MasterObjectionMark(
                    field=o.field, objection_id=o.objection_id, status=o.status, due_on=o.due_on
                )
            )
        elif o.period == portrait.period:
            mark = ObjectionMark(objection_id=o.objection_id, status=o.status, due_on=o.due_on)
            on_indicator[o.field.removeprefix("indicator.")] = mark
    indicators = [
        i.model_copy(update={"objection": on_indicator[i.id]}) if i.id in on_indicator else i
        for i in portrait.indicators
    ]
    return portrait.model_copy(update={"indicators": indicators, "objections": on_master})
