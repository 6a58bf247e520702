"""What a support record may say about products and investors (contract 18), checked as it is written.

- `product_id` names a product of the writer's own institution, published or withdrawn; anything else
  (another bank's product, a draft, a plain policy, no such policy) is 400 `UNKNOWN_PRODUCT` — the same
  answer for each, so another bank's product list does not leak.
- An investor writes records of `kind: equity` only (403 `FORBIDDEN`, naming `kind`).

Each distinct product is read once per batch (one GetItem), whatever the number of records naming it.
"""

from __future__ import annotations

from typing import Final

from chalicelib.domain.policies.policy import PUBLISHED, WITHDRAWN, Policy
from chalicelib.domain.support.fields import SupportInput, SupportProblem
from chalicelib.stores import policies as policy_store

INVESTOR: Final = "investor"
EQUITY: Final = "equity"
_NAMEABLE: Final = frozenset({PUBLISHED, WITHDRAWN})


class ProductLookup:
    """Products read once each for one batch of records."""

    def __init__(self) -> None:
        self._found: dict[str, Policy | None] = {}

    def get(self, product_id: str) -> Policy | None:
        if product_id not in self._found:
            self._found[product_id] = policy_store.get(product_id)
        return self._found[product_id]


def check_writer(written: SupportInput, org: str, org_type: str, products: ProductLookup) -> None:
    """SupportProblem unless the writer may write this record's kind and product."""
    if org_type == INVESTOR and written.kind != EQUITY:
        raise SupportProblem(
            "FORBIDDEN",
            "kind",
            f"kind: an investor writes equity records only, not {written.kind}",
            f"字段 kind（支持类型）：投资机构只能报送股权投资（equity）记录，不能报送 {written.kind}",
        )
    if written.product_id is None:
        return
    product = products.get(written.product_id)
    if product is None or not product.is_product or product.issuer != org or product.status not in _NAMEABLE:
        raise SupportProblem(
            "UNKNOWN_PRODUCT",
            "product_id",
            f"product_id: {written.product_id} is no published or withdrawn product of {org}",
            f"字段 product_id（产品编号）：{written.product_id} 不是本机构（{org}）已发布或已撤回的产品",
        )
