"""Admin command for API keys: create (prints the key once), revoke, list.

    python -m scripts.api_keys create --role bank --org jx-bank-nc --label "某银行南昌分行"
    python -m scripts.api_keys revoke <key-or-hash>
    python -m scripts.api_keys list

Only the sha256 hash of a key is stored; a lost key cannot be recovered, only revoked and replaced.
The table comes from the environment (API_KEYS_TABLE, AWS_REGION, AWS_ENDPOINT_URL for the local stack).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chalicelib.api.auth import department_ids, issue_key, list_keys, revoke_key
from chalicelib.settings import get_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.api_keys", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (once)")
    create.add_argument("--role", required=True, help="admin, bank or department:<id>")
    create.add_argument("--label", default=None, help="who holds the key")
    create.add_argument(
        "--org", default=None, help="a bank's institution id (a-z, 0-9, -); a department's is its id"
    )
    revoke = commands.add_parser("revoke", help="revoke a key, given the key or its hash")
    revoke.add_argument("key")
    commands.add_parser("list", help="list keys (hashes, roles, labels; never the keys)")
    args = parser.parse_args(argv)

    if args.command == "create":
        try:
            departments = department_ids(get_settings().model_version)
            key = issue_key(args.role, args.label, departments=departments, org=args.org)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(key)
        return 0
    if args.command == "revoke":
        if not revoke_key(args.key):
            print("no such key / 未找到该密钥", file=sys.stderr)
            return 1
        print("revoked / 已吊销")
        return 0
    for item in sorted(list_keys(), key=lambda i: i.created_at):
        state = "revoked" if item.revoked else "active"
        fields = (
            f"{item.key_hash[:16]}…",
            item.role,
            item.org or "",
            state,
            item.created_at,
            item.label or "",
        )
        print("\t".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
