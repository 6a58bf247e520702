"""What-if (contract 11): an enterprise's facts with some values changed, or a hypothetical one.

Values are parsed as an upload would parse them (`domain/values.py`), so "1,200" and "是" mean what
they mean in a department file. Every faulty value is reported at once, each with its contract code
and a message in Chinese and English. Derived indicators (growth, ratios) cannot be set: they follow
from their inputs, as in an upload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.china import today_in_china
from chalicelib.domain.messages import issue
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.domain.values import (
    ValueProblem,
    parse_date,
    parse_indicator,
    parse_industry,
    parse_name,
    parse_region,
)

UNKNOWN_INDICATOR: Final = "UNKNOWN_INDICATOR"
DERIVED_INDICATOR: Final = "DERIVED_INDICATOR"
SOURCE: Final = "what-if"  # the department and batch of a changed value: never a real upload's
HYPOTHETICAL_CODE: Final = "HYPOTHETICAL000000"  # the credit code a hypothetical enterprise is scored under


@dataclass(frozen=True, slots=True)
class Problem:
    """A faulty input: `code` is UNKNOWN_INDICATOR, DERIVED_INDICATOR or a value code of contract 2.3."""

    field: str
    code: str
    message_zh: str
    message_en: str


def _value_problem(field: str, problem: ValueProblem, raw: object, name_zh: str, unit: str) -> Problem:
    params: dict[str, Any] = {"unit": unit, **problem.params}
    found = issue(problem.code, variant=problem.variant, column=field, column_zh=name_zh, value=raw, **params)
    return Problem(field, str(problem.code), found.message_zh, found.message_en)


def _unknown(field: str, indicator_id: str) -> Problem:
    return Problem(
        field,
        UNKNOWN_INDICATOR,
        f"未知指标“{indicator_id}”：请使用评分模型中的指标编号（GET /model）",
        f"unknown indicator {indicator_id!r}: use an indicator id of the model (GET /model)",
    )


def _derived(field: str, indicator_id: str, name_zh: str) -> Problem:
    return Problem(
        field,
        DERIVED_INDICATOR,
        f"“{name_zh}”由其他指标计算得出，不能直接设定，请修改其来源指标",
        f"{indicator_id} is derived from other indicators: change its inputs instead",
    )


def parse_values(
    model: ScoringModel, values: Mapping[str, Any], field: str
) -> tuple[dict[str, Decimal | None], list[Problem]]:
    """Indicator values as an upload parses them; None removes a value. Problems for every fault."""
    parsed: dict[str, Decimal | None] = {}
    problems: list[Problem] = []
    for indicator_id, raw in values.items():
        where = f"{field}.{indicator_id}"
        try:
            ind = model.indicator(indicator_id)
        except KeyError:
            problems.append(_unknown(where, indicator_id))
            continue
        if not ind.uploadable:
            problems.append(_derived(where, indicator_id, ind.name_zh))
            continue
        if raw is None:
            parsed[indicator_id] = None
            continue
        try:
            parsed[indicator_id] = parse_indicator(raw, ind)
        except ValueProblem as problem:
            problems.append(_value_problem(where, problem, raw, ind.name_zh, ind.unit or ""))
    return parsed, problems


def _fact(value: Decimal) -> FactValue:
    return FactValue(value=value, department=SOURCE, batch_id=SOURCE)


def with_changes(data: EnterpriseData, period: int, changes: Mapping[str, Decimal | None]) -> EnterpriseData:
    """The enterprise's data with `changes` applied to `period` (None removes a value)."""
    facts = {p: dict(values) for p, values in data.facts.items()}
    target = facts.setdefault(period, {})
    for indicator_id, value in changes.items():
        if value is None:
            target.pop(indicator_id, None)
        else:
            target[indicator_id] = _fact(value)
    return replace(data, facts=facts)


def hypothetical(
    model: ScoringModel,
    master: Mapping[str, Any],
    facts: Mapping[str, Mapping[str, Any]],
    *,
    today: date | None = None,
) -> tuple[EnterpriseData | None, list[Problem]]:
    """A hypothetical enterprise from master fields and facts by period (`{"2025": {...}}`)."""
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    parsers = {
        "established_on": lambda raw: parse_date(raw, today=today or today_in_china()),
        "region_code": parse_region,
        "industry_code": parse_industry,
    }
    for name, parse in parsers.items():
        try:
            fields[name] = parse(master.get(name))
        except ValueProblem as problem:
            found = issue(problem.code, variant=problem.variant, column=name, value=master.get(name))
            problems.append(Problem(f"master.{name}", str(problem.code), found.message_zh, found.message_en))
    try:
        fields["name"] = parse_name(master.get("name") or "假设企业")
    except ValueProblem as problem:
        found = issue(problem.code, variant=problem.variant, column="name", value=master.get("name"))
        problems.append(Problem("master.name", str(problem.code), found.message_zh, found.message_en))
    by_period: dict[int, dict[str, FactValue]] = {}
    for period_text, values in facts.items():
        try:
            period = int(period_text)
        except ValueError:
            problems.append(
                Problem(
                    f"facts.{period_text}",
                    "INVALID_PERIOD",
                    f"“{period_text}”不是有效的年度",
                    f"{period_text!r} is not a year",
                )
            )
            continue
        parsed, more = parse_values(model, values, f"facts.{period_text}")
        problems.extend(more)
        by_period[period] = {k: _fact(v) for k, v in parsed.items() if v is not None}
    if problems:
        return None, problems
    code = HYPOTHETICAL_CODE
    return EnterpriseData(code, Master(credit_code=code, **fields), by_period, {}), []


def delta(before: ScoreCard | None, after: ScoreCard) -> dict[str, Any]:
    """Contract 11's delta block: the score, grade and whitelist before and after; changed indicators."""
    points_before = {i.id: i.points for i in before.indicators} if before is not None else {}
    changed = []
    for ind in after.indicators:
        if ind.category is None:  # an input only (rd_staff): never scored itself
            continue
        was = points_before.get(ind.id, Decimal(0))
        if was != ind.points:
            changed.append({"id": ind.id, "points_from": was, "points_to": ind.points})
    return {
        "score": after.score - (before.score if before is not None else Decimal(0)),
        "grade_from": before.grade if before is not None else None,
        "grade_to": after.grade,
        "whitelisted_from": before.whitelisted if before is not None else False,
        "whitelisted_to": after.whitelisted,
        "indicators": changed,
    }
