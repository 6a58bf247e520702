"""Whether the service has ever seen an enterprise (contract 6, 13.1): its master data or a card.

A well-formed code never seen is 404 on every `/enterprises/{code}/…` route; a seen enterprise with
nothing to show answers an empty page instead. Costs one read for an enterprise with master data.
"""

from __future__ import annotations

from chalicelib.stores.card_reads import latest_period_of
from chalicelib.stores.facts import FactsRepository


def ever_seen(credit_code: str) -> bool:
    if FactsRepository().load_master(credit_code) is not None:
        return True
    return latest_period_of(credit_code) is not None
