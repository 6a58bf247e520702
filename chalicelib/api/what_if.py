"""POST /what-if (contract 11): the card an enterprise would get with changed values; nothing written."""

from __future__ import annotations

from typing import Any, Self

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chalicelib.api import queries
from chalicelib.api.areas import require_in_area
from chalicelib.api.auth import ADMIN, BANK, CITY, ENTERPRISE, INVESTOR, ZONE, Principal
from chalicelib.api.problems import ApiProblem, Code, problem_response_with
from chalicelib.api.routing import Routes, invalid, json_body
from chalicelib.api.schemas import Period, ScoredCard
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.numbers import Num
from chalicelib.domain.records import EnterpriseData, ScoreCard
from chalicelib.domain.scoring import what_if
from chalicelib.domain.scoring.engine import score_period
from chalicelib.domain.timestamps import now, stamp_s
from chalicelib.settings import Settings

routes = Routes(__name__)

MAX_CHANGES = 200  # every indicator of the model, with room: a bound, not a target


class WhatIfBody(BaseModel):
    """An existing enterprise with `changes`, or a hypothetical one from `master` and `facts`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period
    credit_code: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict, max_length=MAX_CHANGES)
    master: dict[str, Any] | None = None
    facts: dict[str, dict[str, Any]] | None = Field(default=None, max_length=30)
    model_version: str | None = Field(
        default=None, description="a registered version; default the active one"
    )

    @model_validator(mode="after")
    def _one_enterprise(self) -> Self:
        if (self.credit_code is None) == (self.master is None):
            raise ValueError(
                "give either credit_code (with changes) or master and facts (a hypothetical enterprise)"
            )
        if self.master is not None and self.changes:
            raise ValueError("a hypothetical enterprise takes its values in facts, not changes")
        return self


class IndicatorDelta(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    points_from: Num
    points_to: Num


class Delta(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: Num
    grade_from: str | None
    grade_to: str
    whitelisted_from: bool
    whitelisted_to: bool
    indicators: list[IndicatorDelta]


class WhatIfOut(ScoredCard):
    """The portrait's shape without `rank` and `cohort_size` (contract 13), plus `delta`."""

    hypothetical: bool
    delta: Delta


def _card_out(
    card: ScoreCard, data: EnterpriseData, before: ScoreCard | None, hypothetical: bool
) -> WhatIfOut:
    master = data.master
    change = what_if.delta(before, card)
    fields = queries.scored_card_fields(
        card,
        master,
        computed_at=stamp_s(now()),
        name=master.name if master else None,
        region_code=master.region_code if master else None,
        industry_code=master.industry_code if master else None,
    )
    return WhatIfOut(
        **fields,
        hypothetical=hypothetical,
        delta=Delta.model_validate(change),
    )


def _faulty(problems: list[what_if.Problem]) -> Response:
    unknown = any(p.code == what_if.UNKNOWN_INDICATOR for p in problems)
    first = problems[0]
    problem = ApiProblem(
        Code.UNKNOWN_INDICATOR if unknown else Code.INVALID_VALUE,
        f"{len(problems)} faulty value(s); {first.field}: {first.message_en}",
        f"{len(problems)} 个取值有误；{first.field}：{first.message_zh}",
    )
    errors = [
        {"field": p.field, "code": p.code, "message_zh": p.message_zh, "message_en": p.message_en}
        for p in problems
    ]
    return problem_response_with(problem, errors=errors)


def _model(version: str | None) -> ScoringModel:
    from chalicelib.services import model_registry

    try:
        return model_registry.model_by_version(version) if version else model_registry.active_model()
    except model_registry.UnknownModelError as exc:
        raise ApiProblem(
            Code.MODEL_NOT_FOUND, f"no model version {version}", f"没有版本为 {version} 的评分模型"
        ) from exc


@routes(
    "/what-if",
    "POST",
    roles=(ADMIN, BANK, INVESTOR, CITY, ZONE, ENTERPRISE),
    response=WhatIfOut,
    raw=True,
    summary="The card an enterprise would get with changed values (nothing is written)",
)
def what_if_card(principal: Principal, settings: Settings) -> Response:
    data = json_body(routes.current_request)
    if not isinstance(data, dict):
        raise ApiProblem(Code.INVALID_BODY, "the body must be a JSON object", "请求体必须是 JSON 对象")
    try:
        body = WhatIfBody.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, Code.INVALID_BODY) from exc
    if body.credit_code is not None:
        require_in_area(principal, body.credit_code)  # the body names the enterprise: 404 outside the area
    elif principal.role == ENTERPRISE:
        raise ApiProblem(
            Code.FORBIDDEN,
            "an enterprise key asks what-if of itself only",
            "企业账号只能对本企业进行模拟测算",
        )
    model = _model(body.model_version)
    if body.master is not None:
        enterprise, problems = what_if.hypothetical(model, body.master, body.facts or {})
        if problems or enterprise is None:
            return _faulty(problems)
        before = None
    else:
        assert body.credit_code is not None
        code = queries.credit_code(body.credit_code)
        require_in_area(principal, code)  # contract 15: a city's or zone's key, its own area (404 outside)
        changes, problems = what_if.parse_values(model, body.changes, "changes")
        if problems:
            return _faulty(problems)
        from chalicelib.stores.facts import FactsRepository

        current = FactsRepository().load(code)
        if current.master is None and not current.facts:
            raise ApiProblem(
                Code.ENTERPRISE_NOT_FOUND, f"no enterprise {code}", f"没有统一社会信用代码为 {code} 的企业"
            )
        # from where it stands (the active model, its facts) to the what-if (the changes, the model asked)
        before = score_period(_model(None), current, body.period)
        enterprise = what_if.with_changes(current, body.period, changes)
    card = score_period(model, enterprise, body.period)
    if card is None:
        raise ApiProblem(
            Code.PERIOD_NOT_SCORED,
            f"with these values the enterprise would have no score for {body.period} "
            "(it needs master data and a scored indicator value, and must be established by then)",
            f"按这些取值，该企业在 {body.period} 年度不会有积分"
            "（需要登记信息和至少一项计分指标，且成立于该年度之前）",
        )
    out = _card_out(card, enterprise, before, hypothetical=body.master is not None)
    return Response(body=out.model_dump_json(), status_code=200, headers={"Content-Type": "application/json"})
