"""Admin command for API keys: create (prints the key once), revoke, list.

    python -m scripts.api_keys create --role bank --org jx-bank-nc --label "某银行南昌分行"
    python -m scripts.api_keys revoke <key-or-hash>
    python -m scripts.api_keys list
    python -m scripts.api_keys check    # institution keys whose org is a department id (exit 1 if any)

Only the sha256 hash of a key is stored; a lost key cannot be recovered, only revoked and replaced.
The table comes from the environment (API_KEYS_TABLE, AWS_REGION, AWS_ENDPOINT_URL for the local stack).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Iterable, Sequence

from chalicelib.api.auth import INSTITUTIONS, department_ids, issue_key, list_keys, revoke_key
from chalicelib.settings import get_settings
from chalicelib.stores.api_keys import StoredKey


def namespace_clashes(keys: Iterable[StoredKey], departments: Collection[str]) -> list[StoredKey]:
    """Active bank and investor keys whose org equals a department id (contract 18: one namespace;
    key creation refuses them now, keys issued before may still break the rule)."""
    return [
        k
        for k in keys
        if not k.revoked and k.role in INSTITUTIONS and k.org is not None and k.org in departments
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.api_keys", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (once)")
    create.add_argument(
        "--role", required=True, help="admin, bank, investor, city, zone, enterprise or department:<id>"
    )
    create.add_argument("--label", default=None, help="who holds the key")
    create.add_argument(
        "--org", default=None, help="a bank's institution id (a-z, 0-9, -); a department's is its id"
    )
    revoke = commands.add_parser("revoke", help="revoke a key, given the key or its hash")
    revoke.add_argument("key")
    commands.add_parser("list", help="list keys (hashes, roles, labels; never the keys)")
    commands.add_parser("check", help="report bank and investor keys whose org is a department id")
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
    if args.command == "check":
        clashes = namespace_clashes(list_keys(), department_ids(get_settings().model_version))
        for item in clashes:
            print(
                f"{item.key_hash[:16]}…\t{item.role}\t{item.org}\t{item.label or ''}: "
                "org is a department id / 机构标识与部门代码相同，请吊销后以新的机构标识重新签发"
            )
        print(f"{len(clashes)} key(s) break the one-namespace rule / 共 {len(clashes)} 个密钥违反命名规则")
        return 1 if clashes else 0
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
