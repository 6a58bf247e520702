"""Policies (政策精准推送, contract 9): the catalogue, drafts, preview, publish, withdraw, matches.

Who: admin manages every policy; a department creates policies as their issuer and manages its own.
Any key reads the catalogue; a draft is visible to admin and its issuer only (404 for others, so a
draft's existence does not leak). `GET /enterprises/{code}/policies` is what an enterprise-facing
platform shows: the published policies the enterprise matches, each with the reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from chalicelib.api import pagination, queries
from chalicelib.api.auth import (
    ADMIN,
    ANY_ROLE,
    BANK,
    CITY,
    DEPARTMENT,
    ENTERPRISE,
    INVESTOR,
    ZONE,
    Principal,
    department_ids,
)
from chalicelib.api.known import require_seen
from chalicelib.api.pagination import Cursor
from chalicelib.api.policy_schemas import (
    CatalogueParams,
    DeliveryOut,
    EnterprisePolicies,
    EnterprisePoliciesParams,
    MatchedPolicy,
    MatchesParams,
    MatchOut,
    MatchPage,
    PolicyPage,
    PreviewOut,
    Published,
)
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.products import bank_issuer, check_bank_body
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import NoParams
from chalicelib.domain.policies.criteria import CriteriaError
from chalicelib.domain.policies.policy import (
    ADMIN_ISSUER,
    DRAFT,
    Policy,
    PolicyFields,
    PolicyStateError,
    policy_day,
)
from chalicelib.domain.products.terms import TermsError, terms_for
from chalicelib.services import policies as service
from chalicelib.services.policies import PolicyNotFoundError
from chalicelib.settings import Settings
from chalicelib.stores import policies as store
from chalicelib.stores.card_reads import latest_period_of
from chalicelib.stores.policies import MatchState, StaleWriteError

routes = Routes(__name__)


@contextmanager
def _answers() -> Iterator[None]:
    """Domain and service faults as problem+json."""
    try:
        yield
    except CriteriaError as exc:
        raise ApiProblem(
            Code.INVALID_CRITERIA, f"{exc.path}: {exc.message_en}", f"{exc.path}：{exc.message_zh}"
        ) from exc
    except TermsError as exc:
        raise ApiProblem(
            Code.INVALID_TERMS, f"{exc.path}: {exc.message_en}", f"{exc.path}：{exc.message_zh}"
        ) from exc
    except PolicyStateError as exc:
        raise ApiProblem(Code(exc.code), exc.message_en, exc.message_zh) from exc
    except PolicyNotFoundError as exc:
        raise _not_found(exc.policy_id) from exc
    except StaleWriteError as exc:
        raise ApiProblem(Code.POLICY_CONFLICT, "the policy changed meanwhile; read it and try again") from exc


def _not_found(policy_id: str) -> ApiProblem:
    return ApiProblem(Code.POLICY_NOT_FOUND, f"no policy {policy_id}", f"未找到政策 {policy_id}")


def _viewer(principal: Principal) -> str | None:
    """None for admin (sees every draft); otherwise the issuer whose drafts the caller may see."""
    if principal.role == ADMIN:
        return None
    return principal.institution or ""


def _visible(policy_id: str, principal: Principal) -> Policy:
    with _answers():
        policy = service.get(policy_id)
    viewer = _viewer(principal)
    if policy.status == DRAFT and viewer is not None and policy.issuer != viewer:
        raise _not_found(policy_id)
    return policy


def _managed(policy_id: str, principal: Principal) -> Policy:
    """A policy the caller may manage: admin, or the issuing department (403 for another one)."""
    policy = _visible(policy_id, principal)
    if principal.role == BANK and policy.is_product and policy.issuer != principal.org:
        raise _not_found(policy_id)  # another bank's product (contract 18): as if it did not exist
    if principal.role != ADMIN and policy.issuer != principal.institution:
        raise ApiProblem(
            Code.FORBIDDEN,
            f"policy {policy_id} was issued by {policy.issuer}",
            f"政策 {policy_id} 由 {policy.issuer} 发布，只有发布单位或管理员可以操作",
        )
    return policy


def _issuer(principal: Principal, settings: Settings, asked: str | None) -> str:
    if principal.role == ADMIN:
        issuer = asked or ADMIN_ISSUER
        if issuer != ADMIN_ISSUER and issuer not in department_ids(settings.model_version):
            raise ApiProblem(
                Code.INVALID_BODY,
                f"issuer: {issuer!r} is neither a department id nor admin",
                f"issuer：{issuer} 不是部门代码，也不是 admin",
            )
        return issuer
    if principal.role == BANK:
        return bank_issuer(principal, asked)
    department = principal.institution or ""  # a department, or a city or zone (contract 15)
    if asked is not None and asked != department:
        raise ApiProblem(
            Code.FORBIDDEN,
            f"a department issues policies as itself ({department}), not as {asked}",
            f"部门只能以本部门（{department}）名义发布政策",
        )
    return department


@routes(
    "/policies",
    "POST",
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE),
    response=Policy,
    body=PolicyFields,
    status=201,
    summary="Create a policy draft (a department's issuer is itself)",
)
def create_policy(principal: Principal, settings: Settings, body: PolicyFields) -> Policy:
    issuer = _issuer(principal, settings, body.issuer)
    check_bank_body(principal, body)
    with _answers():
        return service.create(body, issuer)


@routes(
    "/policies/{policy_id}",
    "PUT",
    problems=(409,),
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE),
    response=Policy,
    body=PolicyFields,
    not_found=True,
    summary="Edit a draft: a new version (409 POLICY_NOT_DRAFT once published)",
)
def edit_policy(principal: Principal, settings: Settings, body: PolicyFields, policy_id: str) -> Policy:
    policy = _managed(policy_id, principal)
    check_bank_body(principal, body)
    if body.issuer is not None and body.issuer != policy.issuer:
        raise ApiProblem(Code.INVALID_BODY, "issuer: cannot change", "issuer：发布单位不能修改")
    with _answers():
        return service.edit(policy_id, body)


@routes(
    "/policies/{policy_id}/preview",
    "POST",
    problems=(409,),
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE),
    response=PreviewOut,
    params=NoParams,
    not_found=True,
    summary="Who the policy would reach now, by city and stage, with a sample; nothing is written",
)
def preview_policy(principal: Principal, settings: Settings, params: NoParams, policy_id: str) -> PreviewOut:
    _managed(policy_id, principal)
    with _answers():
        found = service.preview(policy_id)
    return PreviewOut(
        matched=found.matched, by_region=found.by_region, by_stage=found.by_stage, sample=found.sample
    )


@routes(
    "/policies/{policy_id}/publish",
    "POST",
    problems=(409,),
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE),
    response=Published,
    params=NoParams,
    status=202,
    not_found=True,
    summary="Publish a draft: a job matches every enterprise scored for its period and pushes each match",
)
def publish_policy(principal: Principal, settings: Settings, params: NoParams, policy_id: str) -> Published:
    _managed(policy_id, principal)
    with _answers():
        policy, job_id = service.publish(policy_id, started_by=principal.key_id)
    return Published(**policy.model_dump(), job_id=job_id)


@routes(
    "/policies/{policy_id}/withdraw",
    "POST",
    problems=(409,),
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE),
    response=Policy,
    params=NoParams,
    not_found=True,
    summary="Withdraw a published policy: no further pushes",
)
def withdraw_policy(principal: Principal, settings: Settings, params: NoParams, policy_id: str) -> Policy:
    _managed(policy_id, principal)
    with _answers():
        return service.withdraw(policy_id)


@routes(
    "/policies",
    "GET",
    roles=(ANY_ROLE,),
    response=PolicyPage,
    params=CatalogueParams,
    summary="The policy catalogue, newest first",
)
def list_policies(principal: Principal, settings: Settings, params: CatalogueParams) -> PolicyPage:
    viewer = _viewer(principal)
    bound = pagination.binding(
        "policies", {"status": params.status, "kind": params.kind, "viewer": viewer or "*"}
    )
    cursor = pagination.decode(params.next_token, bound, settings.token_secret) if params.next_token else None
    after = cursor.after.get("created_sk") if cursor else None
    items, last = store.catalogue(params.status, params.kind, viewer, params.limit, after)
    token = (
        pagination.encode(Cursor(after={"created_sk": last}), bound, settings.token_secret)
        if last is not None
        else None
    )
    return PolicyPage(items=items, next_token=token)


@routes(
    "/policies/{policy_id}",
    "GET",
    roles=(ANY_ROLE,),
    response=Policy,
    params=NoParams,
    not_found=True,
    summary="One policy",
)
def get_policy(principal: Principal, settings: Settings, params: NoParams, policy_id: str) -> Policy:
    return _visible(policy_id, principal)


def _match_out(state: MatchState, policy: Policy) -> MatchOut:
    return MatchOut(
        issuer=policy.issuer,
        terms=terms_for(policy.terms, state.grade) if policy.is_product else None,
        credit_code=state.credit_code,
        name=state.name,
        region_code=state.region_code,
        stage=state.stage,
        score=state.score,
        grade=state.grade,
        sequence=state.sequence,
        matched_at=state.changed_at,
        reasons=state.reasons,
        delivery=DeliveryOut(
            state=state.delivery.state,
            attempts=state.delivery.attempts,
            last_status=state.delivery.last_status,
        ),
    )


@routes(
    "/policies/{policy_id}/matches",
    "GET",
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE),
    response=MatchPage,
    params=MatchesParams,
    not_found=True,
    summary="The enterprises a policy matches now, with their 赣企通 delivery state",
)
def policy_matches(
    principal: Principal, settings: Settings, params: MatchesParams, policy_id: str
) -> MatchPage:
    policy = _managed(policy_id, principal)
    if not policy.in_force(policy_day(datetime.now(UTC))):
        # a draft has none yet; a withdrawn or expired policy has no current matches (contract 13)
        return MatchPage(policy_id=policy_id, items=[])
    bound = pagination.binding(
        f"policies/{policy_id}/matches", {"region": params.region, "delivery": params.delivery}
    )
    cursor = pagination.decode(params.next_token, bound, settings.token_secret) if params.next_token else None
    after = None
    if cursor is not None and {"shard", "sk"} <= set(cursor.after):
        after = (cursor.after["shard"], cursor.after["sk"])
    items, last = store.matches_of(policy_id, params.region, params.delivery, params.limit, after)
    token = (
        pagination.encode(Cursor(after={"shard": last[0], "sk": last[1]}), bound, settings.token_secret)
        if last is not None
        else None
    )
    return MatchPage(policy_id=policy_id, items=[_match_out(s, policy) for s in items], next_token=token)


@routes(
    "/enterprises/{credit_code}/policies",
    "GET",
    roles=(ADMIN, BANK, INVESTOR, DEPARTMENT, CITY, ZONE, ENTERPRISE),
    response=EnterprisePolicies,
    params=EnterprisePoliciesParams,
    not_found=True,
    summary="The published policies an enterprise matches, each with its reasons",
)
def enterprise_policies(
    principal: Principal, settings: Settings, params: EnterprisePoliciesParams, credit_code: str
) -> EnterprisePolicies:
    code = require_seen(queries.credit_code(credit_code))
    period = params.period if params.period is not None else latest_period_of(code)
    if period is None:
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND,
            f"no score for credit code {code}",
            f"未找到统一社会信用代码 {code} 的积分",
        )
    items: list[MatchedPolicy] = []
    for policy, reasons in service.enterprise_policies(code, period):
        items.append(
            MatchedPolicy(
                policy_id=policy.policy_id,
                title=policy.title,
                issuer=policy.issuer,
                kind=policy.kind,
                summary=policy.summary,
                url=policy.url,
                contact=policy.contact,
                period=policy.period,
                valid_from=policy.valid_from.isoformat(),
                valid_to=policy.valid_to.isoformat(),
                version=policy.version,
                reasons=reasons,
            )
        )
    return EnterprisePolicies(credit_code=code, period=period, items=items)
