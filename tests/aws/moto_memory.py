"""Bound the in-process moto's memory without changing any answer (tests/aws/conftest.py applies it).

moto 5.2's `transact_write_items` deep-copies a whole table once per *item* of a transaction (100 copies
of the table for a 100-item transaction), to roll back on failure, and every copied `Item` is kept in
moto's instance tracker (`BaseModel.instances_tracked`, its dashboard's data) until the mock stops. The
package-scoped mock of tests/aws stops only at the end of the package, so the copies of every transaction
of every test piled up: `tests/aws/test_ingest_receipt.py` alone (3,000 enterprises, 30 transactions)
passed 6 GB within minutes, and the whole suite peaked above 15 GB.

Here each table a transaction touches is copied ONCE (the same state before the transaction: the
rollback is moto's own, exact, unlike `scripts/moto_speedups.py`, which tests never use), and the copy's
items are not tracked. `reset_tracked` drops what moto tracks between tests (the dashboard only).
"""

from __future__ import annotations

import copy
import types
from typing import Any


def snapshot_tables_once() -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import Item

    if getattr(models.DynamoDBBackend.transact_write_items, "snapshots_once", False):
        return
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots: dict[int, Any] = {}

        def deepcopy_once(value: Any, memo: Any = None) -> Any:
            if id(value) not in snapshots:
                tracked = len(Item.instances_tracked)  # type: ignore[attr-defined]
                snapshots[id(value)] = copy.deepcopy(value, memo)
                del Item.instances_tracked[tracked:]  # type: ignore[attr-defined]  # a snapshot, not state
            return snapshots[id(value)]

        models.copy = types.SimpleNamespace(copy=copy.copy, deepcopy=deepcopy_once)  # type: ignore[attr-defined,assignment]
        try:
            original(self, transact_items)
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    transact_write_items.snapshots_once = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def reset_tracked() -> None:
    """Forget the model instances moto tracks for its dashboard (its state is untouched)."""
    from moto.core.model_instances import reset_model_data

    reset_model_data()
