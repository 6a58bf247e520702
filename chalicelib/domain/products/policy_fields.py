"""A product is a policy (contract 18): its fields on a policy body, and whether a grade has terms."""

from __future__ import annotations

from collections.abc import Collection

from chalicelib.domain.policies.policy import Policy, PolicyFields
from chalicelib.domain.products.terms import check_product, normalised_terms, terms_for


def product_fields(fields: PolicyFields, grades: Collection[str]) -> PolicyFields:
    """The body with a product's terms checked and normalised; TermsError naming the path otherwise."""
    check_product(fields.kind, fields.product_type, fields.terms, grades)
    if fields.product_type is None:
        return fields
    return fields.model_copy(update={"terms": normalised_terms(fields.terms, grades)})


def has_terms(policy: Policy, grade: str | None) -> bool:
    """Whether the policy reaches an enterprise of `grade` at all: always for a plain policy; for a
    product only when that grade has terms."""
    return not policy.is_product or terms_for(policy.terms, grade) is not None


def terms_moved(policy: Policy, was_grade: str | None, grade: str | None) -> bool:
    """A matched enterprise of a product moved onto other terms (its grade changed): matched anew."""
    return policy.is_product and terms_for(policy.terms, was_grade) != terms_for(policy.terms, grade)
