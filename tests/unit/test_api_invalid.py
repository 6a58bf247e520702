"""A request's pydantic error as the API's 400 (`routing.invalid`): the field named, a stable code, and a
Chinese message for the kinds staff meet (an unknown field never takes a known field's code)."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.api.problems import Code
from chalicelib.api.routing import invalid


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: int = Field(2025, ge=2000, le=2100)
    limit: int = 50
    level: Literal["city", "zone"] = "city"
    filename: str = Field("a.csv", max_length=8)


def _problem(data: dict[str, object]) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as caught:
        Params.model_validate(data)
    problem = invalid(caught.value, Code.INVALID_BODY)
    return problem.code.value, problem.detail, problem.detail_zh


def test_a_known_field_keeps_its_code_and_says_what_is_wrong_in_chinese() -> None:
    assert _problem({"period": 1999}) == (
        "INVALID_PERIOD",
        "period: Input should be greater than or equal to 2000",
        "参数 period 须不小于 2000",
    )
    assert _problem({"limit": "many"})[0::2] == ("INVALID_LIMIT", "参数 limit 须为整数")
    assert _problem({"filename": "a-long-name.csv"})[2] == "参数 filename 过长（至多 8 个字符）"
    assert _problem({"level": "town"})[2] == "参数 level 须为以下之一：'city' or 'zone'"


def test_an_unknown_field_is_the_fallback_code_whatever_its_name() -> None:
    code, en, zh = _problem({"periods": 2025})
    assert (code, zh) == ("INVALID_BODY", "参数 periods 不是本接口接受的参数")
    assert en == "periods: Extra inputs are not permitted"
