"""Coverage's `registered` counters (contract 14) move by a chunk's ADDs in one transaction per 100
counters, all or none; a transaction that keeps meeting another writer's falls back to one ADD each, so
no count is lost or doubled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.stores import zones
from chalicelib.stores.zones import Placement, count_registered, registered
from scripts.provision import Resources


def _moves(keys: int) -> list[tuple[Placement, Placement]]:
    """One enterprise into each of `keys` zones of city 3601 (every counter +1, 3601 + `keys`)."""
    return [((None, None), ("3601", f"Z{n:03}")) for n in range(keys)]


def test_a_chunk_moves_its_counters_in_one_transaction_per_100(aws: Resources, calls: Counter[str]) -> None:
    count_registered(_moves(150))  # 151 counters: two transactions
    count_registered([(("3601", "Z000"), ("3607", None)), ((None, None), (None, None))])
    counts = registered()
    assert counts["3601"] == 149 and counts["3607"] == 1 and counts["Z000"] == 0
    assert all(counts[f"Z{n:03}"] == 1 for n in range(1, 150))
    assert calls["TransactWriteItems"] == 3 and calls["UpdateItem"] == 0


class _Conflicted(TransactWriteError):
    def __init__(self) -> None:
        super().__init__("conflict")

    @property
    def cause_response_code(self) -> str:
        return "TransactionConflictException"


def _always_cancelled(error: Callable[[], TransactWriteError], opened: list[int]) -> type:
    """A stand-in for pynamodb's TransactWrite that DynamoDB always cancels (none of its ADDs applied)."""

    class Cancelled:
        def __init__(self, **_: Any) -> None:
            opened.append(1)

        def __enter__(self) -> Cancelled:
            return self

        def update(self, *_: Any, **__: Any) -> None:
            return None

        def __exit__(self, *_: Any) -> None:
            raise error()

    return Cancelled


def test_a_transaction_that_keeps_conflicting_adds_each_counter_once_alone(
    aws: Resources, calls: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []
    monkeypatch.setattr(zones, "TransactWrite", _always_cancelled(_Conflicted, attempts))
    monkeypatch.setattr(zones.time, "sleep", lambda _s: None)
    count_registered(_moves(3))
    assert len(attempts) == zones._COUNTER_ATTEMPTS
    assert registered() == {"3601": 3, "Z000": 1, "Z001": 1, "Z002": 1}
    assert calls["UpdateItem"] == 4


def test_a_cancellation_that_is_not_a_conflict_is_raised(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []
    monkeypatch.setattr(
        zones, "TransactWrite", _always_cancelled(lambda: TransactWriteError("validation"), attempts)
    )
    with pytest.raises(TransactWriteError):
        count_registered(_moves(2))
    assert registered() == {} and len(attempts) == 1
