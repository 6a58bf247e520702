"""Match items keyed before issue 23 ("M#<policy_id>#<city shard>", sk credit code, no `gsi_shard`) moved to
their key by (policy, enterprise) (`policies.match_pk`), on the `by_shard` index; see
scripts/migrate_policy_matches.py. An admin's one-off: the only Scan of this table."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.regions import shard_for
from chalicelib.stores.policies import match_pk, shard_key
from chalicelib.stores.tables import PolicyMatchItem


def legacy_matches() -> Iterator[PolicyMatchItem]:
    """Every match item not yet on the new key (they alone lack `gsi_shard`)."""
    return PolicyMatchItem.scan(PolicyMatchItem.gsi_shard.does_not_exist())


def rekey(old: PolicyMatchItem) -> bool:
    """Move one legacy item to its new key in one transaction (put where none is, delete the old);
    False when an item is there already (written since by the new code): the old one is then deleted
    only if its sequence is not newer."""
    new_pk = match_pk(old.policy_id, old.credit_code)
    fields = {k: v for k, v in old.attribute_values.items() if k not in ("pk", "sk")}
    moved = PolicyMatchItem(new_pk, old.credit_code, **fields)
    moved.gsi_shard = shard_key(old.policy_id, shard_for(old.region_code))
    connection = PolicyMatchItem._get_connection().connection
    try:
        with TransactWrite(connection=connection) as tx:
            tx.save(moved, condition=PolicyMatchItem.pk.does_not_exist())
            tx.delete(PolicyMatchItem(old.pk, old.sk), condition=PolicyMatchItem.sequence == old.sequence)
        return True
    except TransactWriteError:
        try:
            there = PolicyMatchItem.get(new_pk, old.credit_code, consistent_read=True)
        except PolicyMatchItem.DoesNotExist:
            return False  # the old item changed meanwhile: the next run moves it
        if int(there.sequence or 0) >= int(old.sequence or 0):
            PolicyMatchItem(old.pk, old.sk).delete(condition=PolicyMatchItem.sequence == old.sequence)
        return False
