"""The one-off backfill of the `discrepancy` flag on cards written before the indexes carried it."""

from __future__ import annotations

from chalicelib.stores.discrepancy_backfill import backfill
from chalicelib.stores.scores import card_sk, enterprise_pk
from chalicelib.stores.tables import ScoreItem
from scripts.provision import Resources
from scripts.synthetic import seed_many

PERIOD = 2025


def test_old_cards_with_a_discrepancy_get_the_flag_once(aws: Resources) -> None:
    seeded = seed_many(30, PERIOD)
    flagged = [s.code for s in seeded if s.has_discrepancy]
    assert flagged  # every ninth seeded card holds one
    for code in flagged:  # as written before the flag existed
        item = ScoreItem.get(enterprise_pk(code), card_sk(PERIOD))
        item.update(actions=[ScoreItem.discrepancy.remove()])
    assert backfill(PERIOD) == (30, len(flagged))
    for s in seeded:
        item = ScoreItem.get(enterprise_pk(s.code), card_sk(PERIOD), consistent_read=True)
        assert (item.discrepancy == "1") == s.has_discrepancy
    assert backfill(PERIOD) == (30, 0)  # idempotent
