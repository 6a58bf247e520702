"""What a cancelled DynamoDB transaction says: did it lose a race with another writer?"""

from __future__ import annotations

from typing import Final

from pynamodb.exceptions import TransactWriteError

# an item's condition saw another writer's change, or another transaction held the item
WRITE_CONFLICTS: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def lost_race(exc: TransactWriteError, reasons: frozenset[str] = WRITE_CONFLICTS) -> bool:
    """Did an item of the cancelled transaction give one of `reasons`, or did DynamoDB refuse the whole
    transaction as conflicting with one in progress?"""
    given = {r.code for r in exc.cancellation_reasons or [] if r is not None}
    return bool(given & reasons) or exc.cause_response_code == "TransactionConflictException"
