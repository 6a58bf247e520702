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
class FactKey:
    """A current value of an enterprise's file: its master record (no period), a fact or a cross-check."""

    credit_code: str
    period: int | None = None
    indicator: str | None = None
    cross_check: bool = False

    def item_key(self) -> tuple[str, str]:
        pk = enterprise_pk(self.credit_code)
        if self.period is None or self.indicator is None:
            return pk, MASTER_SK
        return pk, fact_sk(self.period, self.indicator, cross_check=self.cross_check)


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

    def current(self, keys: Iterable[FactKey]) -> dict[FactKey, Stored]:
        """The stored current values of `keys` that exist, fetched with BatchGetItem (100 keys a call)."""
        wanted = {key.item_key(): key for key in keys}
        found: dict[FactKey, Stored] = {}
        for item in FactItem.batch_get(list(wanted), attributes_to_get=["pk", "sk", "value", "order"]):
            found[wanted[(item.pk, item.sk)]] = Stored(value=item.value, order=item.order)
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


class FactWrites:
    """The items one chunk of an upload writes: every value into history, the newer ones as current."""

    def __init__(self) -> None:
        self._items: list[FactItem] = []

    def master(self, master: Master, order: str, *, current: bool) -> None:
        self._items.append(master_item(master, order, history=True))
        if current:
            self._items.append(master_item(master, order))

    def fact(self, key: FactKey, value: FactValue, order: str, *, current: bool) -> None:
        assert key.period is not None and key.indicator is not None
        args = (key.credit_code, key.period, key.indicator, value, order)
        self._items.append(fact_item(*args, cross_check=key.cross_check, history=True))
        if current:
            self._items.append(fact_item(*args, cross_check=key.cross_check))

    def write(self) -> None:
        write_items(self._items)
        self._items = []
