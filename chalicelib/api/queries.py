"""Query functions behind the API routes: parse, authorise and shape around the reads of
`services/enterprise_reads.py` (Queries and GetItems through the stores, never a Scan).

A page's token carries the last `rank_sk` it served (or, for a page a rare filter cut short, the last
one it examined). No Chalice here: plain functions that return the
response models of `chalicelib.api.schemas` or raise `ApiProblem`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from chalicelib.api import pagination
from chalicelib.api.auth import ADMIN, Principal
from chalicelib.api.objection_overlay import with_objections
from chalicelib.api.pagination import Cursor
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.schemas import (
    BatchesParams,
    BatchPage,
    CategoryDefOut,
    CategoryOut,
    DiscrepancyOut,
    GradeOut,
    HistoryEntry,
    HistoryPage,
    HistoryParams,
    IndicatorOut,
    ListedEnterprise,
    ModelIndicatorOut,
    ModelOut,
    Portrait,
    QualificationOut,
    RankedEnterprise,
    RankingsPage,
    RankingsParams,
    StageOut,
    VerificationEntry,
    VerificationsPage,
    VerificationsParams,
    WhitelistPage,
    WhitelistParams,
    WhitelistRuleOut,
)
from chalicelib.domain import creditcode
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import Discrepancy, Master, ScoreCard
from chalicelib.domain.scoring.cardcodec import card_from_dict
from chalicelib.domain.validation.report import BatchReport
from chalicelib.services import enterprise_reads as reads
from chalicelib.services import zones
from chalicelib.services.card_sentences import card_sentences
from chalicelib.services.cultivation import ladder, qualification_fields
from chalicelib.services.enterprise_reads import Filters, Index, Listing, MasterFields, rank_of
from chalicelib.services.enterprise_reads import latest_period as latest_period  # moved, still found here

MAX_BATCH_ID_CHARS = 256

# --- the model -------------------------------------------------------------------------------


def model_out(model: ScoringModel) -> ModelOut:
    """The active scoring model as GET /model shows it (contract 6)."""
    indicators = []
    for ind in model.indicators:
        scored_extra = ind.kind in ("characteristic", "negative")
        indicators.append(
            ModelIndicatorOut(
                id=ind.id,
                name_zh=ind.name_zh,
                category=ind.category,
                kind=ind.kind,
                unit=ind.unit,
                type=ind.type,
                source=ind.source,
                full=ind.full,
                weight=ind.weight,
                points=ind.points if scored_extra else None,
                cap=ind.cap if scored_extra else None,
                veto=ind.veto if scored_extra else None,
            )
        )
    return ModelOut(
        version=model.version,
        name_zh=model.name_zh,
        scale=model.scale,
        stages=[StageOut(id=s.id, name_zh=s.name_zh) for s in model.stages],
        categories=[CategoryDefOut(id=c.id, name_zh=c.name_zh, kind=c.kind) for c in model.categories],
        indicators=indicators,
        grades=[GradeOut(grade=g.grade, min=g.min) for g in model.grades],
        whitelist=WhitelistRuleOut(
            min_score=model.whitelist.min_score, veto_excludes=model.whitelist.veto_excludes
        ),
    )


# --- shared helpers --------------------------------------------------------------------------


def credit_code(raw: str) -> str:
    """A credit code from a URL, folded like an uploaded one; ApiProblem 400 when it is not valid."""
    code = creditcode.normalise(raw)
    problem = creditcode.problem(code)
    if problem is creditcode.CodeProblem.FORMAT:
        raise ApiProblem(
            Code.INVALID_CREDIT_CODE,
            "a credit code has 18 characters: digits and capital letters except I, O, Z, S, V",
            "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）",
        )
    if problem is creditcode.CodeProblem.CHECKSUM:
        raise ApiProblem(
            Code.CREDIT_CODE_CHECKSUM,
            "the 18th character is not the GB 32100-2015 check character",
            "第 18 位不是 GB 32100-2015 规定的校验码",
        )
    return code


def _qualification(asked: str | None) -> str | None:
    """`qualification=`: a known qualification id (contract 17), else 400."""
    if asked is None:
        return None
    known = ladder()
    if known.qualification(asked) is None:
        ids = ", ".join(q.id for q in known.qualifications)
        raise ApiProblem(
            Code.INVALID_PARAMETER, f"qualification: one of {ids}", f"参数 qualification 无效，可选：{ids}"
        )
    return asked


def _cursor(token: str | None, bound_to: bytes, secret: str) -> Cursor | None:
    return pagination.decode(token, bound_to, secret) if token is not None else None


def _next_token(resume_after: str | None, rank: int, period: int, bound_to: bytes, secret: str) -> str | None:
    if resume_after is None:
        return None
    cursor = Cursor(after={"rank_sk": resume_after}, rank=rank, period=period)
    return pagination.encode(cursor, bound_to, secret)


def _period(asked: int | None, cursor: Cursor | None) -> int:
    if asked is not None:
        return asked
    if cursor is not None and cursor.period is not None:
        return cursor.period
    return latest_period()


def _listed(item: Listing) -> dict[str, Any]:
    return {
        "credit_code": item.credit_code,
        "name": item.name,
        "region_code": item.region_code,
        "industry_code": item.industry_code,
        "stage": item.stage,
        "score": item.score,
        "grade": item.grade,
        "zone_id": zones.resolved(item.zone_id),
    }


def _zone_binding(params: WhitelistParams | RankingsParams) -> dict[str, Any]:
    return {"zone": params.zone, "zone_type": params.zone_type, "zone_level": params.zone_level}


def _zones(params: WhitelistParams | RankingsParams) -> frozenset[str] | None:
    return zones.selected(params.zone, params.zone_type, params.zone_level)


# --- lists -----------------------------------------------------------------------------------


def whitelist(params: WhitelistParams, secret: str) -> WhitelistPage:
    """白名单 for a period: score descending, then credit code; filtered by region, stage, grade."""
    bound_to = pagination.binding(
        "whitelist",
        {
            "period": params.period,
            "region": params.region,
            "stage": params.stage,
            "grade": params.grade,
            **_zone_binding(params),
            "qualification": params.qualification,
        },
    )
    cursor = _cursor(params.next_token, bound_to, secret)
    period = _period(params.period, cursor)
    filters = Filters(region=params.region, stage=params.stage, grade=params.grade, zones=_zones(params))
    after = cursor.after.get("rank_sk") if cursor else None
    items, resume = reads.ranked_page(
        "whitelist", period, filters, after, params.limit, qualification=_qualification(params.qualification)
    )
    served = (cursor.rank if cursor else 0) + len(items)
    return WhitelistPage(
        period=period,
        items=[ListedEnterprise.model_validate(_listed(i)) for i in items],
        next_token=_next_token(resume, served, period, bound_to, secret),
    )


def rankings(params: RankingsParams, secret: str) -> RankingsPage:
    """Ranks within the filtered set: by_stage for one stage, by_period for all stages together."""
    bound_to = pagination.binding(
        "rankings",
        {
            "period": params.period,
            "stage": params.stage,
            "region": params.region,
            "industry": params.industry,
            **_zone_binding(params),
            "qualification": params.qualification,
        },
    )
    cursor = _cursor(params.next_token, bound_to, secret)
    period = _period(params.period, cursor)
    # one stage: its cohort's index, already that stage alone; all stages: the period's index
    index: Index = "stage" if params.stage is not None else "period"
    filters = Filters(
        region=params.region, industry=params.industry, stage=params.stage, zones=_zones(params)
    )
    after = cursor.after.get("rank_sk") if cursor else None
    items, resume = reads.ranked_page(
        index, period, filters, after, params.limit, qualification=_qualification(params.qualification)
    )
    before = cursor.rank if cursor else 0
    ranked = [
        RankedEnterprise.model_validate(
            {**_listed(item), "rank": before + n, "whitelisted": item.whitelisted}
        )
        for n, item in enumerate(items, start=1)
    ]
    return RankingsPage(
        period=period,
        items=ranked,
        next_token=_next_token(resume, before + len(items), period, bound_to, secret),
    )


def _discrepancy_out(d: Discrepancy) -> DiscrepancyOut:
    return DiscrepancyOut(
        indicator=d.indicator,
        period=d.period,
        scored_value=d.scored_value,
        scored_department=d.scored_department,
        stats_value=d.stats_value,
        gap_pct=d.gap_pct,
        stats_batch_id=d.stats_batch_id,
    )


def verifications(params: VerificationsParams, secret: str) -> VerificationsPage:
    """Enterprises of a period whose scored values disagree with `stats` (多源校核), in rank order.

    Reads the period's list rows through by_period filtered on the sparse `discrepancy` flag (no scan;
    rows are ~0.3 KB, but it reads the whole period's partitions when discrepancies are rare), then the
    page's cards (one BatchGetItem).
    """
    bound_to = pagination.binding("verifications", {"period": params.period})
    cursor = _cursor(params.next_token, bound_to, secret)
    period = _period(params.period, cursor)
    after = cursor.after.get("rank_sk") if cursor else None
    filters = Filters(with_discrepancy=True)
    items, resume = reads.ranked_page("period", period, filters, after, params.limit, with_card=True)
    entries = []
    for item in items:
        card = card_from_dict(item.card or {})
        entries.append(
            VerificationEntry(
                credit_code=item.credit_code,
                name=item.name,
                region_code=item.region_code,
                stage=card.stage,
                score=card.score,
                discrepancies=[_discrepancy_out(d) for d in card.discrepancies],
            )
        )
    served = (cursor.rank if cursor else 0) + len(items)
    return VerificationsPage(
        period=period, items=entries, next_token=_next_token(resume, served, period, bound_to, secret)
    )


# --- one enterprise --------------------------------------------------------------------------


def _not_found(code: str) -> ApiProblem:
    return ApiProblem(
        Code.ENTERPRISE_NOT_FOUND, f"no score for credit code {code}", f"未找到统一社会信用代码 {code} 的积分"
    )


def _period_not_scored(code: str, period: int) -> ApiProblem:
    return ApiProblem(
        Code.PERIOD_NOT_SCORED, f"{code} has no score for {period}", f"{code} 在 {period} 年度没有积分"
    )


def _portrait_read(
    code: str, period: int | None
) -> tuple[reads.CurrentCard, MasterFields | None, reads.BuiltMark | None]:
    try:
        return reads.portrait_read(code, period)
    except reads.PeriodNotScoredError as exc:
        raise _period_not_scored(code, exc.period) from exc
    except reads.EnterpriseNotScoredError as exc:
        raise _not_found(code) from exc


def scored_card_fields(
    card: ScoreCard,
    master: Master | MasterFields | None,
    *,
    computed_at: str,
    name: str | None,
    region_code: str | None,
    industry_code: str | None,
) -> dict[str, Any]:
    """The fields of `ScoredCard` for a card and its enterprise's master data (portrait, what-if)."""
    return {
        "credit_code": card.credit_code,
        "period": card.period,
        "name": name,
        "region_code": region_code,
        "industry_code": industry_code,
        "established_on": master.established_on.isoformat() if master and master.established_on else None,
        "model_version": card.model_version,
        "computed_at": computed_at,
        "stage": card.stage,
        "score": card.score,
        "grade": card.grade,
        "whitelisted": card.whitelisted,
        "veto": card.veto,
        "completeness": card.completeness,
        "core": card.core,
        "bonus": card.bonus,
        "deductions": card.deductions,
        "categories": [CategoryOut(id=c.id, points=c.points, max=c.max) for c in card.categories],
        "indicators": [
            IndicatorOut(
                id=i.id,
                name_zh=i.name_zh,
                category=i.category,
                value=i.value,
                points=i.points,
                max_points=i.max_points,
                source_department=i.source_department,
                batch_id=i.batch_id,
                explanation=told,
            )
            for i, told in zip(card.indicators, card_sentences(card), strict=True)
            if i.category is not None
        ],
        "discrepancies": [_discrepancy_out(d) for d in card.discrepancies],
    }


def portrait(raw_code: str, period: int | None) -> Portrait:
    """The portrait (画像) of one enterprise for `period` (default: its latest scored period): two
    requests (the BatchGetItem of card, master data and mark; the rank chunk), whatever the cohort,
    once the period has a report build (before it, the rank is counted: `stores/rank_reads.py`)."""
    code = credit_code(raw_code)
    item, master, built = _portrait_read(code, period)
    if item.card is None:
        raise ApiProblem(Code.PERIOD_NOT_SCORED, f"{code} has no score card for {item.period}")
    card = card_from_dict(item.card)
    ranked = rank_of(item, card, built)
    fields = scored_card_fields(
        card,
        master,
        computed_at=item.computed_at,
        name=item.name or (master.name if master else None),
        region_code=item.region_code or (master.region_code if master else None),
        industry_code=item.industry_code or (master.industry_code if master else None),
    )
    portrait = Portrait(
        **fields,
        rank=ranked.rank,
        cohort_size=ranked.cohort_size,
        rank_as_of=ranked.as_of,
        zone=zones.zone_brief(item.zone_id),
        qualifications=_qualifications(master, card.period),
    )
    return with_objections(portrait, master.objections if master else {})  # read with the master data


def _qualifications(master: MasterFields | None, period: int) -> list[QualificationOut]:
    """The portrait's certificates (contract 17), `held` for its period; read with the master record."""
    records = master.qualifications if master is not None else ()
    return [QualificationOut.model_validate(qualification_fields(r, period)) for r in records]


def history(raw_code: str, params: HistoryParams, secret: str) -> HistoryPage:
    """Every score change of an enterprise, newest first (latest period first)."""
    code = credit_code(raw_code)
    bound_to = pagination.binding("history", {"credit_code": code})
    cursor = _cursor(params.next_token, bound_to, secret)
    items, more = reads.history_page(code, cursor.after.get("sk", "") if cursor else None, params.limit)
    if cursor is None and not items:
        raise _not_found(code)
    token = None
    if more:
        token = pagination.encode(Cursor(after={"sk": items[-1].sk}), bound_to, secret)
    return HistoryPage(
        items=[
            HistoryEntry.model_validate(
                {
                    "period": i.period,
                    "score": i.score,
                    "grade": i.grade,
                    "stage": i.stage,
                    "model_version": i.model_version,
                    "computed_at": i.computed_at,
                    "batch_id": i.batch_id,
                }
            )
            for i in items
        ],
        next_token=token,
    )


# --- batches ---------------------------------------------------------------------------------


def _may_read_batch(principal: Principal, department: str, departments: Collection[str]) -> bool:
    """Admin reads every batch; a department its own; a batch of no known department is admin-only."""
    if principal.role == ADMIN:
        return True
    mine = principal.department
    return mine is not None and mine in departments and department == mine


def _forbidden_batch() -> ApiProblem:
    return ApiProblem(
        Code.FORBIDDEN, "this batch belongs to another department", "该批次属于其他部门，无权查看"
    )


def batch(batch_id: str, principal: Principal, departments: Collection[str]) -> BatchReport:
    """One batch report (contract 2.4)."""
    missing = ApiProblem(Code.BATCH_NOT_FOUND, f"no batch {batch_id!r}", f"未找到批次 {batch_id}")
    if not batch_id or len(batch_id) > MAX_BATCH_ID_CHARS:
        raise missing
    item = reads.batch_item(batch_id)
    if item is None:
        raise missing
    if not _may_read_batch(principal, item.department, departments):
        raise _forbidden_batch()
    return item.report


def batches(
    params: BatchesParams, principal: Principal, departments: Collection[str], secret: str
) -> BatchPage:
    """The batches of one S3 key, newest first (GSI by_key)."""
    mine = principal.department
    if principal.role != ADMIN and (
        mine is None
        or mine not in departments
        or not params.key.startswith((f"incoming/{mine}/", f"qualifications/{mine}/"))  # contract 17
    ):
        raise _forbidden_batch()
    bound_to = pagination.binding("batches", {"key": params.key})
    cursor = _cursor(params.next_token, bound_to, secret)
    start = None
    if cursor is not None:
        after = cursor.after
        if set(after) != {"batch_id", "received_at"}:
            raise ApiProblem(Code.INVALID_TOKEN, "next_token: not issued for this query")
        start = (after["batch_id"], after["received_at"])
    items, more = reads.batches_of_key(params.key, start, params.limit)
    token = None
    if more:
        last = items[-1]
        token = pagination.encode(
            Cursor(after={"batch_id": last.batch_id, "received_at": last.received_at}), bound_to, secret
        )
    return BatchPage(
        items=[i.report for i in items if _may_read_batch(principal, i.department, departments)],
        next_token=token,
    )
