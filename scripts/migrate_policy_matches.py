"""`make migrate-policy-matches`: match items move from their city's key to their (policy, enterprise) key.

Before issue 23 a match item's partition was "M#<policy_id>#<city>": an enterprise that moved city lost
its match, its sequence and its delivery state. Now the item is keyed by (policy, enterprise) and listed
by city on the `by_shard` index (chalicelib/stores/policies.py). Run once per stage right after
deploying, BEFORE the rescore and jobs queues run again (the new code does not read the old keys, so a
re-match meanwhile would start an enterprise's sequence again at 1): disable those event sources,
deploy (the stack adds the index), run this, re-enable them. Idempotent and resumable (a moved item
leaves the Scan's filter). POLICY_MATCHES_TABLE names the table; credentials and region as for the CLI.
"""

from __future__ import annotations

import sys

from chalicelib.stores.policy_matches_migration import legacy_matches, rekey


def main() -> int:
    moved = kept = 0
    for item in legacy_matches():
        if rekey(item):
            moved += 1
        else:
            kept += 1
    print(f"moved {moved} match items to their (policy, enterprise) key; {kept} already had one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
