"""Row checks with pydantic: one TypeAdapter per department, each column validated by its
`values` parser, every fault of a row collected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainValidator, TypeAdapter, ValidationInfo
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from chalicelib.domain import values
from chalicelib.domain.model.schema import IndicatorDef, ScoringModel
from chalicelib.domain.validation.columns import Department


# --- pydantic row validation ----------------------------------------------------------------
def _error(problem: values.ValueProblem) -> PydanticCustomError:
    """A ValueProblem as a pydantic error whose type is our code (the message is built later)."""
    return PydanticCustomError(
        problem.code.value, problem.code.value, {"variant": problem.variant, **problem.params}
    )


def _indicator_validator(ind: IndicatorDef) -> PlainValidator:
    if ind.type == "flag":

        def flag(raw: Any) -> Decimal | None:
            try:
                return values.parse_flag(raw)
            except values.ValueProblem as problem:
                raise _error(problem) from None

        return PlainValidator(flag)

    def number(raw: Any) -> Decimal | None:
        try:
            return values.parse_number(raw, ind)
        except values.ValueProblem as problem:
            raise _error(problem) from None

    return PlainValidator(number)


def _plain_validator(parse: Callable[[Any], Any]) -> PlainValidator:
    def run(raw: Any) -> Any:
        try:
            return parse(raw)
        except values.ValueProblem as problem:
            raise _error(problem) from None

    return PlainValidator(run)


def _today(info: ValidationInfo) -> date:
    today: date = (info.context or {})["today"]  # validate_python always passes it
    return today


def _period(raw: Any, info: ValidationInfo) -> int:
    try:
        return values.parse_period(raw, this_year=_today(info).year)
    except values.ValueProblem as problem:
        raise _error(problem) from None


def _date(raw: Any, info: ValidationInfo) -> date:
    try:
        return values.parse_date(raw, today=_today(info))
    except values.ValueProblem as problem:
        raise _error(problem) from None


def _zone_cell(raw: Any) -> str | None:
    """The registry's zone cell as text (resolved against the catalogue by ingest: UNKNOWN_ZONE there)."""
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


_KEY_VALIDATORS: dict[str, PlainValidator] = {
    "zone": PlainValidator(_zone_cell),
    "credit_code": _plain_validator(values.parse_credit_code),
    "period": PlainValidator(_period),
    "name": _plain_validator(values.parse_name),
    "established_on": PlainValidator(_date),
    "region_code": _plain_validator(values.parse_region),
    "industry_code": _plain_validator(values.parse_industry),
}


def _row_adapter(dept: Department) -> TypeAdapter[Any]:
    """A TypedDict of the department's columns, each validated by its `values` parser."""
    fields: dict[str, Any] = {}
    for col in dept.columns:
        check = _indicator_validator(col.indicator) if col.indicator is not None else _KEY_VALIDATORS[col.id]
        fields[col.id] = Annotated[Any, check]
    row_type = TypedDict(f"{dept.id}_row", fields, total=False)  # type: ignore[misc]
    return TypeAdapter(row_type)


_ADAPTERS: dict[tuple[int, str], tuple[ScoringModel, TypeAdapter[Any]]] = {}


def row_adapter(model: ScoringModel, dept: Department) -> TypeAdapter[Any]:
    cached = _ADAPTERS.get((id(model), dept.id))
    if cached is None or cached[0] is not model:
        cached = _ADAPTERS[(id(model), dept.id)] = (model, _row_adapter(dept))
    return cached[1]
