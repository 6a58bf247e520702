"""The facts repository: one traceable file per enterprise (一企一档) in the facts table.

Current values live under sk "C#…" (one Query gives scoring everything), every upload's value under
"H#…" (history, never overwritten). See `tables.py` for the key design.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pynamodb.models import Model

from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.stores.tables import FactItem

MASTER_SK = "C#M"


def enterprise_pk(credit_code: str) -> str:
    return f"E#{credit_code}"


def fact_sk(period: int, indicator: str, *, cross_check: bool = False) -> str:
    return f"C#{'X' if cross_check else 'F'}#{period}#{indicator}"


def history_sk(current_sk: str, order: str) -> str:
    """History key of a current key: "C#F#2025#rd_expense" -> "H#F#2025#rd_expense#<order>"."""
    return f"H#{current_sk[2:]}#{order}"


@dataclass(frozen=True, slots=True)
class Stored:
    """What ingest needs to know of a current item: its value (text) and its order."""

    value: str | None
    order: str


def _to_master(item: FactItem) -> Master:
    return Master(
        credit_code=item.pk[2:],
        name=item.name or "",
        established_on=date.fromisoformat(item.established_on or "1900-01-01"),
        region_code=item.region_code or "",
        industry_code=item.industry_code or "",
        batch_id=item.batch_id,
        received_at=item.received_at,
    )


def master_value(master: Master) -> str:
    """The master record as one comparable text: equal text, no change."""
    return "|".join(
        (master.name, master.established_on.isoformat(), master.region_code, master.industry_code)
    )


def master_item(master: Master, order: str, *, history: bool = False) -> FactItem:
    """The current master item (or, with `history`, its history copy); `value` holds `master_value`."""
    return FactItem(
        enterprise_pk(master.credit_code),
        history_sk(MASTER_SK, order) if history else MASTER_SK,
        kind="master",
        value=master_value(master),
        department="registry",
        batch_id=master.batch_id,
        received_at=master.received_at,
        order=order,
        name=master.name,
        established_on=master.established_on.isoformat(),
        region_code=master.region_code,
        industry_code=master.industry_code,
    )


def fact_item(
    credit_code: str,
    period: int,
    indicator: str,
    value: FactValue,
    order: str,
    *,
    cross_check: bool = False,
    history: bool = False,
) -> FactItem:
    """A current fact item (or, with `history`, its history copy)."""
    sk = fact_sk(period, indicator, cross_check=cross_check)
    return FactItem(
        enterprise_pk(credit_code),
        history_sk(sk, order) if history else sk,
        kind="cross_check" if cross_check else "fact",
        period=period,
        indicator=indicator,
        value=str(value.value),
        department=value.department,
        batch_id=value.batch_id,
        received_at=value.received_at,
        order=order,
    )


class FactsRepository:
    def load(self, credit_code: str) -> EnterpriseData:
        """Everything scoring needs of one enterprise, in one Query."""
        master: Master | None = None
        facts: dict[int, dict[str, FactValue]] = defaultdict(dict)
        checks: dict[int, dict[str, FactValue]] = defaultdict(dict)
        for item in FactItem.query(
            enterprise_pk(credit_code), FactItem.sk.startswith("C#"), consistent_read=True
        ):  # strongly consistent: a rescore right after ingest must see its writes
            if item.kind == "master":
                master = _to_master(item)
                continue
            assert item.period is not None and item.indicator is not None and item.value is not None
            target = checks if item.kind == "cross_check" else facts
            target[int(item.period)][item.indicator] = FactValue(
                value=Decimal(item.value),
                department=item.department,
                batch_id=item.batch_id,
                received_at=item.received_at,
            )
        return EnterpriseData(credit_code, master, dict(facts), dict(checks))

    def load_master(self, credit_code: str) -> Master | None:
        try:
            return _to_master(FactItem.get(enterprise_pk(credit_code), MASTER_SK))
        except FactItem.DoesNotExist:
            return None

    def current(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
        """Current items by (pk, sk), fetched with BatchGetItem (100 keys a call)."""
        found: dict[tuple[str, str], Stored] = {}
        unique = list(dict.fromkeys(keys))
        for item in FactItem.batch_get(unique, attributes_to_get=["pk", "sk", "value", "order"]):
            found[(item.pk, item.sk)] = Stored(value=item.value, order=item.order)
        return found

    def history(self, credit_code: str) -> Iterator[FactItem]:
        return FactItem.query(enterprise_pk(credit_code), FactItem.sk.startswith("H#"))

    def periods(self, credit_code: str) -> list[int]:
        """Periods with any current fact (for a master-data change, which affects them all)."""
        items = FactItem.query(
            enterprise_pk(credit_code), FactItem.sk.startswith("C#F#"), attributes_to_get=["period"]
        )
        return sorted({int(i.period) for i in items if i.period is not None})


def write_items(items: Sequence[Model]) -> None:
    """Batch-write items, 25 a request; PynamoDB resends unprocessed items and raises if they persist."""
    if not items:
        return
    model = type(items[0])
    with model.batch_write() as batch:
        for item in items:
            batch.save(item)
