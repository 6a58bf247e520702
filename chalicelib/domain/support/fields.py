"""What a bank or department sends about one piece of support (contract 8), and how it is checked.

`SupportInput` is the writer's part of a record: the same fields whether they come as JSON (POST
/support) or as a row of a support file. Every fault names its field and carries a stable code:
`INVALID_FIELD`, or `INVALID_CREDIT_CODE` / `CREDIT_CODE_CHECKSUM` for the credit code, with a
message in Chinese and English. Nothing here knows where the data came from or where it goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from chalicelib.domain import creditcode
from chalicelib.domain.china import china_year, today_in_china

Kind = Literal["loan", "credit_line", "guarantee", "equity", "subsidy", "project"]
Status = Literal["applied", "approved", "rejected", "withdrawn", "disbursed", "repaid"]
Collateral = Literal["credit", "mortgage", "pledge", "guarantee"]
OrgType = Literal["bank", "department", "investor"]

KINDS: Final[tuple[str, ...]] = get_args(Kind)
STATUSES: Final[tuple[str, ...]] = get_args(Status)
COLLATERALS: Final[tuple[str, ...]] = get_args(Collateral)
WITH_COLLATERAL: Final = frozenset({"loan", "credit_line"})  # kinds that may name a collateral

# Chinese names for messages and for people reading a file's header.
FIELD_ZH: Final[Mapping[str, str]] = {
    "credit_code": "统一社会信用代码",
    "external_ref": "业务编号",
    "kind": "支持类型",
    "product": "产品名称",
    "status": "状态",
    "amount_wan": "金额（万元）",
    "rate_pct": "利率（%）",
    "term_months": "期限（月）",
    "collateral": "担保方式",
    "reject_reason": "拒绝原因",
    "occurred_on": "发生日期",
    "period": "积分年度",
    "product_id": "产品编号",
}

# What each field accepts, in Chinese, for messages to department and bank staff.
RULE_ZH: Final[Mapping[str, str]] = {
    "external_ref": "须为 1–100 个字符的业务编号，不含控制字符",
    "kind": "须为 loan、credit_line、guarantee、equity、subsidy、project 之一",
    "product": "最多 100 个字符",
    "status": "须为 applied、approved、rejected、withdrawn、disbursed、repaid 之一",
    "amount_wan": "须为不小于 0 的金额（万元），最多两位小数",
    "rate_pct": "须为 0–36 之间的年利率（%），最多四位小数",
    "term_months": "须为 1–360 之间的整数（月）",
    "collateral": "须为 credit、mortgage、pledge、guarantee 之一（仅贷款和授信）",
    "reject_reason": "最多 500 个字符",
    "occurred_on": "须为不晚于今天的日期（YYYY-MM-DD）",
    "period": "须为 2000 年至今年之间的年度",
    "product_id": "须为本机构已发布（或已撤回）产品的编号",
}

FIRST_PERIOD: Final = 2000
MAX_REF_CHARS: Final = 100
MAX_PRODUCT_CHARS: Final = 100
MAX_REASON_CHARS: Final = 500
MAX_AMOUNT_WAN: Final = Decimal(100_000_000)  # 1 万亿元: larger is a typo, not a loan
MAX_RATE_PCT: Final = Decimal(36)  # the legal ceiling of private lending rates (民间借贷利率上限)


class SupportProblem(Exception):
    """A record that cannot be written: `code` is the contract's, `field` the offending field."""

    def __init__(self, code: str, field: str | None, detail_en: str, detail_zh: str) -> None:
        super().__init__(f"{code}: {detail_en}")
        self.code = code
        self.field = field
        self.detail_en = detail_en
        self.detail_zh = detail_zh


def _credit_code(raw: object) -> str:
    if not isinstance(raw, str):
        raise PydanticCustomError("INVALID_CREDIT_CODE", "a credit code is text of 18 characters")
    code = creditcode.normalise(raw)
    problem = creditcode.problem(code)
    if problem is creditcode.CodeProblem.FORMAT:
        raise PydanticCustomError(
            "INVALID_CREDIT_CODE", "a credit code has 18 characters: digits and capital letters"
        )
    if problem is creditcode.CodeProblem.CHECKSUM:
        raise PydanticCustomError(
            "CREDIT_CODE_CHECKSUM", "the 18th character is not the GB 32100-2015 check character"
        )
    return code


def _blank_to_none(value: object) -> object:
    """An empty cell or an empty string is "not given", as in department files (contract 2.2)."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _trimmed(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _printable(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("control characters are not allowed")
    return text


def _not_future(day: date) -> date:
    if day > today_in_china():  # the bank's calendar day, not UTC's
        raise ValueError("a date of support may not lie in the future")
    return day


def _period(value: int) -> int:
    if value > china_year():
        raise ValueError(f"a period is a year from {FIRST_PERIOD} to the current year")
    return value


Optional = BeforeValidator(_blank_to_none)
Text = BeforeValidator(_trimmed)


class SupportInput(BaseModel):
    """The fields a writer sends for one record (contract 8); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    credit_code: Annotated[str, BeforeValidator(_credit_code)]
    external_ref: Annotated[
        str, Text, Field(min_length=1, max_length=MAX_REF_CHARS), AfterValidator(_printable)
    ]
    kind: Kind
    status: Status
    occurred_on: Annotated[date, AfterValidator(_not_future)]
    # constraints sit inside the `| None`: an explicit null is "not given", never checked for length
    product: Annotated[Annotated[str, Field(max_length=MAX_PRODUCT_CHARS)] | None, Optional] = None
    amount_wan: Annotated[
        Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT_WAN, decimal_places=2, allow_inf_nan=False)] | None,
        Optional,
    ] = None
    rate_pct: Annotated[
        Annotated[Decimal, Field(ge=0, le=MAX_RATE_PCT, decimal_places=4, allow_inf_nan=False)] | None,
        Optional,
    ] = None
    term_months: Annotated[Annotated[int, Field(ge=1, le=360)] | None, Optional] = None
    collateral: Annotated[Collateral | None, Optional] = None
    reject_reason: Annotated[Annotated[str, Field(max_length=MAX_REASON_CHARS)] | None, Optional] = None
    period: Annotated[Annotated[int, Field(ge=FIRST_PERIOD), AfterValidator(_period)] | None, Optional] = None
    # the bank's product the record is about (contract 18): checked against the policies when written
    product_id: Annotated[
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None, Optional
    ] = None


def _field_problem(field: str, message: str, message_zh: str | None = None) -> SupportProblem:
    name_zh = FIELD_ZH.get(field, field)
    zh = message_zh or RULE_ZH.get(field, "取值无效")
    return SupportProblem("INVALID_FIELD", field, f"{field}: {message}", f"字段 {field}（{name_zh}）{zh}")


_DATE_FIELDS: Final = frozenset({"occurred_on"})


def _first_problem(exc: ValidationError) -> SupportProblem:
    error = exc.errors(include_url=False, include_input=False)[0]
    field = str(error["loc"][0]) if error["loc"] else "(body)"
    kind = error["type"]
    if kind in ("INVALID_CREDIT_CODE", "CREDIT_CODE_CHECKSUM"):
        zh = "统一社会信用代码格式错误" if kind == "INVALID_CREDIT_CODE" else "统一社会信用代码校验位错误"
        return SupportProblem(kind, field, f"{field}: {error['msg']}", f"字段 {field}：{zh}")
    if kind == "extra_forbidden":
        return SupportProblem(
            "INVALID_FIELD", field, f"{field}: unknown field", f"字段 {field} 不是支持信息的字段"
        )
    if kind == "missing":
        return _field_problem(field, "required", "为必填项")
    message = str(error["msg"]).removeprefix("Value error, ")
    if field in _DATE_FIELDS and kind.startswith("date"):
        message = "a date as YYYY-MM-DD"
    elif kind == "literal_error":
        allowed = {"kind": KINDS, "status": STATUSES, "collateral": COLLATERALS}.get(field, ())
        message = f"one of {', '.join(allowed)}"
    return _field_problem(field, message)


def parse_input(data: Mapping[str, Any]) -> SupportInput:
    """A writer's record, checked field by field and then across fields; SupportProblem otherwise."""
    try:
        record = SupportInput.model_validate(dict(data))
    except ValidationError as exc:
        raise _first_problem(exc) from None
    check_across_fields(record)
    return record


def check_across_fields(record: SupportInput) -> None:
    """The rules that tie fields together: a rejection says why; only loans name a collateral."""
    if record.status == "rejected" and record.reject_reason is None:
        raise _field_problem(
            "reject_reason", "a rejection needs its reason (at most 500 characters)", "拒绝时须填写拒绝原因"
        )
    if record.status != "rejected" and record.reject_reason is not None:
        raise _field_problem("reject_reason", "only a rejected record carries a reason", "仅拒绝时填写")
    if record.collateral is not None and record.kind not in WITH_COLLATERAL:
        raise _field_problem(
            "collateral", "only loans and credit lines name a collateral", "仅贷款和授信填写担保方式"
        )
