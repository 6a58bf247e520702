"""Match items on the pre-issue-23 key (the city's partition) are moved to their (policy, enterprise) key."""

from __future__ import annotations

from chalicelib.stores import policies as store
from chalicelib.stores.tables import PolicyMatchItem
from scripts.migrate_policy_matches import main
from scripts.provision import Resources


def _legacy(policy_id: str, code: str, region: str, sequence: int) -> None:
    PolicyMatchItem(
        f"M#{policy_id}#{region[:4]}",
        code,
        policy_id=policy_id,
        credit_code=code,
        period=2025,
        region_code=region,
        matched=True,
        sequence=sequence,
        changed_at="2026-01-01T00:00:00.000000Z",
        delivery_state="delivered",
        delivery_attempts=1,
        gsi_enterprise=f"{code}#2025",
    ).save()


def test_legacy_match_items_move_to_their_enterprise_key_once(aws: Resources) -> None:
    _legacy("p1", "91360111000000001N", "360111", 3)
    _legacy("p1", "91360702000000002P", "360702", 1)
    assert store.match_of("p1", "91360111000000001N") is None  # the new code does not see them

    assert main() == 0
    moved = store.match_of("p1", "91360111000000001N")
    assert moved is not None and (moved.sequence, moved.delivery.state) == (3, "delivered")
    assert [m.credit_code for m in store.matches_of("p1", "3607", None, 10, None)[0]] == [
        "91360702000000002P"
    ]
    assert sorted(i.pk for i in PolicyMatchItem.scan()) == [
        store.match_pk("p1", "91360111000000001N"),
        store.match_pk("p1", "91360702000000002P"),
    ]
    assert main() == 0  # again: nothing left to move
    assert len(list(PolicyMatchItem.scan())) == 2
