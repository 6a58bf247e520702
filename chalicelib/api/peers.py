"""GET /enterprises/{credit_code}/peers (contract 16): where an enterprise stands among its peers."""

from __future__ import annotations

from pydantic import BaseModel

from chalicelib.api.auth import ADMIN, BANK, CITY, ENTERPRISE, INVESTOR, ZONE, Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import PortraitParams
from chalicelib.api.support import checked_code
from chalicelib.domain.numbers import Num
from chalicelib.services import peers as service
from chalicelib.settings import Settings

routes = Routes(__name__)


class ScoreFigures(BaseModel):
    mean: Num | None
    median: Num | None
    p90: Num | None


class CategoryStandOut(BaseModel):
    mine: Num
    mean: Num | None


class CohortOut(BaseModel):
    kind: str
    key: str
    size: int
    percentile: Num | None
    score: ScoreFigures
    categories: dict[str, CategoryStandOut]


class PeersOut(BaseModel):
    period: int
    score: Num
    as_of: str
    cohorts: list[CohortOut]


@routes(
    "/enterprises/{credit_code}/peers",
    "GET",
    roles=(ADMIN, BANK, INVESTOR, CITY, ZONE, ENTERPRISE),
    response=PeersOut,
    params=PortraitParams,
    not_found=True,
    summary="Where an enterprise stands among its peers (stage, industry, city, zone) for a period",
)
def enterprise_peers(
    principal: Principal, settings: Settings, params: PortraitParams, credit_code: str
) -> PeersOut:
    code = checked_code(credit_code)
    try:
        found = service.peers_of(code, params.period)
    except service.NotScoredError as exc:
        raise ApiProblem(
            Code.PERIOD_NOT_SCORED if params.period else Code.ENTERPRISE_NOT_FOUND,
            f"no score card for {code}" + (f" in {params.period}" if params.period else ""),
            f"未找到企业 {code} 的积分",
        ) from exc
    except service.NotBuiltError as exc:
        raise ApiProblem(
            Code.REPORT_NOT_READY,
            f"the cohorts of {exc.args[0]} are not built yet; try again in a minute",
            f"{exc.args[0]} 年度的对比数据尚未生成，请稍后再试",
        ) from exc
    return PeersOut(
        period=found.period,
        score=found.score,
        as_of=found.as_of,
        cohorts=[
            CohortOut(
                kind=c.kind,
                key=c.key,
                size=c.size,
                percentile=c.percentile,
                score=ScoreFigures(mean=c.mean, median=c.median, p90=c.p90),
                categories={k: CategoryStandOut(mine=v.mine, mean=v.mean) for k, v in c.categories.items()},
            )
            for c in found.cohorts
        ],
    )
