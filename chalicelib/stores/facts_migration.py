"""The facts table's items of the first layout, as the migration to one current item reads them.

The first layout kept one current item per value: "C#M" (master), "C#F#<period>#<indicator>" (fact),
"C#X#<period>#<indicator>" (cross-check). `scripts/migrate_facts.py` folds them into the enterprise's
current item ("C", see `facts.py`) and then deletes them; history items ("H#…") are not touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Final

from chalicelib.domain.records import FactValue, Master
from chalicelib.stores.facts import Current, FactKey, enterprise_pk
from chalicelib.stores.tables import FactItem

LEGACY_PREFIX: Final = "C#"


def legacy_enterprises(page_size: int = 1000) -> Iterator[str]:
    """Credit codes of enterprises with items of the first layout, each once (a Scan: a one-off job,
    never a request path; an enterprise already migrated has none left, so a rerun skips it)."""
    seen: set[str] = set()
    for item in FactItem.scan(
        FactItem.sk.startswith(LEGACY_PREFIX), attributes_to_get=["pk"], page_size=page_size
    ):
        code = item.pk[2:]
        if code not in seen:
            seen.add(code)
            yield code


def legacy_items(credit_code: str) -> list[FactItem]:
    """One enterprise's items of the first layout (one strongly consistent Query)."""
    return list(
        FactItem.query(
            enterprise_pk(credit_code), FactItem.sk.startswith(LEGACY_PREFIX), consistent_read=True
        )
    )


def fold(current: Current, items: Iterable[FactItem], registry_department: str) -> bool:
    """Fold first-layout items into `current`, the newer `order` winning value by value (so a value an
    upload wrote since the new code runs is kept); return whether anything changed."""
    changed = False
    for item in items:
        order = item.order or ""
        if item.kind == "master":
            if current.master is not None and current.master.order >= order:
                continue
            master = Master(
                current.credit_code,
                item.name or "",
                date.fromisoformat(item.established_on or "1900-01-01"),
                item.region_code or "",
                item.industry_code or "",
                item.batch_id or "",
                item.received_at or "",
            )
            current.set_master(master, registry_department, order)  # not the first layout's "registry"
            changed = True
            continue
        if item.period is None or item.indicator is None or item.value is None:
            continue
        key = FactKey(current.credit_code, int(item.period), item.indicator, item.kind == "cross_check")
        stored = current.get(key)
        if stored is not None and stored.order >= order:
            continue
        value = FactValue(
            Decimal(item.value), item.department or "", item.batch_id or "", item.received_at or ""
        )
        current.set_fact(key, value, order)
        changed = True
    return changed


def delete_legacy(items: Sequence[FactItem]) -> None:
    """Delete folded first-layout items, 25 a request (their values live on in the current item and in
    history)."""
    with FactItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
