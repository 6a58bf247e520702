"""A product's terms per grade (contract 18): what a bank offers an enterprise of each grade.

A product is a policy of kind `finance` with a `product_type` (`loan` | `credit_line`) and `terms`:
`{"<grade>": {"max_amount_wan", "rate_pct", "max_term_months", "collateral"}}` for at least one grade
of the scoring model. Amounts and rates follow the support records' rules (contract 8): amounts in
万元 ≥ 0 with at most 2 decimals, rates 0–36 %, terms 1–360 months. Every fault names its path
(`terms.A.rate_pct`) and is answered 400 `INVALID_TERMS`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.numbers import Num
from chalicelib.domain.support.fields import COLLATERALS, MAX_AMOUNT_WAN, MAX_RATE_PCT

ProductType = Literal["loan", "credit_line"]
PRODUCT_TYPES: Final[tuple[str, ...]] = ("loan", "credit_line")
PRODUCT_KIND: Final = "finance"  # the policy kind of every product
TERM_FIELDS: Final[tuple[str, ...]] = ("max_amount_wan", "rate_pct", "max_term_months", "collateral")
MAX_TERM_MONTHS: Final = 360


class Terms(BaseModel):
    """What one grade is offered: the ceiling (积分变信用), the rate (积分省利率), the term (积分延期限)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_amount_wan: Num
    rate_pct: Num
    max_term_months: int
    collateral: str

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class TermsError(ValueError):
    """A fault in a product's fields; `path` names it (`terms.A.rate_pct`, `product_type`)."""

    code: Final = "INVALID_TERMS"

    def __init__(self, path: str, message_en: str, message_zh: str) -> None:
        super().__init__(f"{path}: {message_en}")
        self.path = path
        self.message_en = message_en
        self.message_zh = message_zh


def _decimal(value: object, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise TermsError(path, "a number", "须为数字")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise TermsError(path, "a number", "须为数字") from None
    if not number.is_finite():
        raise TermsError(path, "a finite number", "须为有限数字")
    return number


def _one(grade: str, raw: object) -> Terms:
    at = f"terms.{grade}"
    if not isinstance(raw, Mapping):
        raise TermsError(
            at, "an object with " + ", ".join(TERM_FIELDS), "须为包含额度、利率、期限和担保方式的对象"
        )
    for key in raw:
        if key not in TERM_FIELDS:
            raise TermsError(f"{at}.{key}", "unknown field", "不是产品条件的字段")
    for key in TERM_FIELDS:
        if key not in raw or raw[key] is None:
            raise TermsError(f"{at}.{key}", "required", "为必填项")
    amount = _decimal(raw["max_amount_wan"], f"{at}.max_amount_wan")
    if amount < 0 or amount > MAX_AMOUNT_WAN or amount != round(amount, 2):
        raise TermsError(
            f"{at}.max_amount_wan",
            "an amount in 万元 ≥ 0 with at most 2 decimals",
            "额度须为不小于 0 的金额（万元），最多两位小数",
        )
    rate = _decimal(raw["rate_pct"], f"{at}.rate_pct")
    if rate < 0 or rate > MAX_RATE_PCT or rate != round(rate, 4):
        raise TermsError(f"{at}.rate_pct", "a yearly rate from 0 to 36 %", "利率须为 0–36 之间的年利率（%）")
    months = raw["max_term_months"]
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_TERM_MONTHS:
        raise TermsError(
            f"{at}.max_term_months",
            "a whole number of months from 1 to 360",
            "期限须为 1–360 之间的整数（月）",
        )
    collateral = raw["collateral"]
    if collateral not in COLLATERALS:
        raise TermsError(
            f"{at}.collateral",
            "one of " + ", ".join(COLLATERALS),
            "担保方式须为 " + "、".join(COLLATERALS) + " 之一",
        )
    return Terms(max_amount_wan=amount, rate_pct=rate, max_term_months=months, collateral=str(collateral))


def parse_terms(raw: object, grades: Collection[str]) -> dict[str, Terms]:
    """A product's terms, checked against the model's grades; TermsError naming the path otherwise."""
    if raw is None:
        raise TermsError(
            "terms", "a product needs terms for at least one grade", "产品须至少为一个等级设定条件"
        )
    if not isinstance(raw, Mapping):
        raise TermsError("terms", "an object: grade -> terms", "须为“等级 → 条件”的对象")
    if not raw:
        raise TermsError(
            "terms", "a product needs terms for at least one grade", "产品须至少为一个等级设定条件"
        )
    parsed: dict[str, Terms] = {}
    for grade in raw:
        if grade not in grades:
            known = ", ".join(sorted(grades))
            raise TermsError(f"terms.{grade}", f"unknown grade (one of {known})", f"未知等级（可选 {known}）")
        parsed[str(grade)] = _one(str(grade), raw[grade])
    return {g: parsed[g] for g in sorted(parsed)}


def check_product(kind: str, product_type: object, terms: object, grades: Collection[str]) -> None:
    """The product fields of a policy body: both or neither; a product is of kind finance."""
    if product_type is None and terms is None:
        return
    if kind != PRODUCT_KIND:
        raise TermsError(
            "kind", "a product (terms, product_type) is a finance policy", "产品须为金融类（finance）政策"
        )
    if product_type not in PRODUCT_TYPES:
        raise TermsError(
            "product_type", "loan or credit_line", "产品类型须为 loan（贷款）或 credit_line（授信）"
        )
    parse_terms(terms, grades)


def terms_for(terms: Mapping[str, Any] | None, grade: str | None) -> dict[str, Any] | None:
    """The stored terms (JSON) of one grade; None when the product has none for it (or no grade)."""
    if terms is None or grade is None:
        return None
    found = terms.get(grade)
    return dict(found) if isinstance(found, Mapping) else None


def normalised_terms(raw: object, grades: Collection[str]) -> dict[str, dict[str, Any]]:
    """The terms as stored and shown: checked, by grade in order, numbers as JSON numbers."""
    return {grade: terms.as_json() for grade, terms in parse_terms(raw, grades).items()}
