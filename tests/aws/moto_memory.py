"""Bound the in-process moto's memory and time without changing any answer (tests/aws/conftest.py).

moto 5.2's `transact_write_items` deep-copies a whole table once per *item* of a transaction (100 copies
of the table for a 100-item transaction), to roll back on failure, and every copied `Item` is kept in
moto's instance tracker (`BaseModel.instances_tracked`, its dashboard's data) until the mock stops. The
package-scoped mock of tests/aws stops only at the end of the package, so the copies of every transaction
of every test piled up: `tests/aws/test_ingest_receipt.py` alone (3,000 enterprises, 30 transactions)
passed 6 GB within minutes, and the whole suite peaked above 15 GB. Copying each table once per
transaction still cost O(table) a transaction: three quarters of the time of a 250-enterprise rescore.

Here a transaction deep-copies only the partitions it names (the items of each key's hash key, the only
items a Put, Update, Delete or ConditionCheck can change), untracked, and a failed transaction puts those
copies back: the same state moto's own whole-table rollback restores (a GSI is read from the table's items,
so it follows), unlike `scripts/moto_speedups.py`'s shallow copies, which tests never use.
`reset_tracked` drops what moto tracks between tests (the dashboard only).
"""

from __future__ import annotations

import copy
import types
from typing import Any


def snapshot_touched_partitions() -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

    if getattr(models.DynamoDBBackend.transact_write_items, "snapshots_partitions", False):
        return
    original = models.DynamoDBBackend.transact_write_items

    def keep_table(value: Any, memo: Any = None) -> Any:
        # moto's own snapshot: the table itself (its rollback then reassigns the same object)
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: dict[tuple[str, Any], Any] = {}
        tracked = len(Item.instances_tracked)  # type: ignore[attr-defined]
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.tables.get(op.get("TableName"))
            attrs = (op.get("Item") or op.get("Key") or {}) if table is not None else {}
            if table is None or table.hash_key_attr not in attrs:
                continue  # moto answers this one with an error before anything is written
            hash_key = DynamoType(attrs[table.hash_key_attr])
            if (table.name, hash_key) not in saved:
                partition = table.items.get(hash_key)
                saved[(table.name, hash_key)] = None if partition is None else copy.deepcopy(partition)
        del Item.instances_tracked[tracked:]  # type: ignore[attr-defined]  # snapshots, not state
        models.copy = types.SimpleNamespace(copy=copy.copy, deepcopy=keep_table)  # type: ignore[attr-defined,assignment]
        try:
            original(self, transact_items)
        except Exception:
            for (name, hash_key), partition in saved.items():
                if partition is None:
                    self.tables[name].items.pop(hash_key, None)
                else:
                    self.tables[name].items[hash_key] = partition
            raise
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    transact_write_items.snapshots_partitions = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def reset_tracked() -> None:
    """Forget the model instances moto tracks for its dashboard (its state is untouched)."""
    from moto.core.model_instances import reset_model_data

    reset_model_data()
