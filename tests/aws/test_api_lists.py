"""Lists: /whitelist, /rankings and /verifications, paged through with every filter, over one seeded stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.api import pagination
from chalicelib.settings import get_settings
from scripts.synthetic import Seeded
from tests.aws.api_helpers import SEEDED_PERIOD, Call, Stack, get_json, pages

PERIOD = SEEDED_PERIOD
Filter = Callable[[Seeded], bool]


def _expected(seeded: list[Seeded], keep: Filter) -> list[tuple[str, float]]:
    return [(s.code, float(s.score)) for s in sorted(seeded, key=lambda s: s.rank_sk) if keep(s)]


def _got(items: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return [(i["credit_code"], i["score"]) for i in items]


WHITELIST_FILTERS: list[tuple[str, Filter, int]] = [
    ("", lambda s: True, 9),
    ("region=36", lambda s: True, 50),
    ("region=3601", lambda s: s.region_code.startswith("3601"), 4),
    ("region=360111", lambda s: s.region_code == "360111", 3),
    ("region=3699", lambda s: s.region_code.startswith("3699"), 3),
    ("stage=growth", lambda s: s.stage == "growth", 8),
    ("grade=A", lambda s: s.grade == "A", 6),
    (
        "grade=B&stage=mature&region=3607",
        lambda s: (s.grade, s.stage, s.region_code[:4]) == ("B", "mature", "3607"),
        1,
    ),
]


@pytest.mark.parametrize(
    ("query", "keep", "limit"), WHITELIST_FILTERS, ids=[f[0] or "all" for f in WHITELIST_FILTERS]
)
def test_whitelist_pages(stack: Stack, query: str, keep: Filter, limit: int) -> None:
    items, count = pages(stack.client, f"/whitelist?period={PERIOD}&{query}", stack.keys["bank"], limit)
    expected = _expected(stack.seeded, lambda s: s.whitelisted and keep(s))
    assert expected and _got(items) == expected
    assert count == max(1, -(-len(expected) // limit))  # a page exactly full still gets a token
    assert all(
        set(i)
        == {
            "credit_code",
            "name",
            "region_code",
            "industry_code",
            "stage",
            "score",
            "grade",
            "zone_id",
        }  # zone_id: contract 14
        for i in items
    )
    assert all(i["score"] >= 600 for i in items)


RANKING_FILTERS: list[tuple[str, Filter, int]] = [
    ("", lambda s: True, 37),
    ("stage=startup", lambda s: s.stage == "startup", 11),
    ("region=3604", lambda s: s.region_code.startswith("3604"), 5),
    ("industry=C", lambda s: s.industry_code.startswith("C"), 17),
    ("industry=C39", lambda s: s.industry_code.startswith("C39"), 9),
    ("industry=M7310&region=36", lambda s: s.industry_code == "M7310", 8),
    (
        "stage=growth&region=3611&industry=C3911",
        lambda s: (s.stage, s.region_code[:4], s.industry_code) == ("growth", "3611", "C3911"),
        1,
    ),
]


@pytest.mark.parametrize(
    ("query", "keep", "limit"), RANKING_FILTERS, ids=[f[0] or "all" for f in RANKING_FILTERS]
)
def test_rankings_pages(stack: Stack, query: str, keep: Filter, limit: int) -> None:
    items, _ = pages(stack.client, f"/rankings?period={PERIOD}&{query}", stack.keys["admin"], limit)
    expected = _expected(stack.seeded, keep)
    assert expected and _got(items) == expected
    assert [i["rank"] for i in items] == list(range(1, len(expected) + 1))
    by_code = {s.code: s for s in stack.seeded}
    assert all(i["whitelisted"] == by_code[i["credit_code"]].whitelisted for i in items)


def test_a_city_filter_reads_only_that_city(stack: Stack, aws_calls: list[Call]) -> None:
    status, body = get_json(stack.client, f"/whitelist?period={PERIOD}&region=360111", stack.keys["bank"])
    assert status == 200 and body["items"]
    partitions = {
        value["S"]
        for service, operation, params in aws_calls
        if operation == "Query" and params.get("IndexName") == "by_whitelist"
        for value in params["ExpressionAttributeValues"].values()
        if value["S"].startswith(f"{PERIOD}#")
    }
    assert partitions == {f"{PERIOD}#3601"}


def test_period_defaults_to_the_latest_scored_one(stack: Stack) -> None:
    explicit = get_json(stack.client, f"/rankings?period={PERIOD}&limit=5", stack.keys["bank"])[1]
    status, default = get_json(stack.client, "/rankings?limit=5", stack.keys["bank"])
    assert status == 200 and default["period"] == PERIOD
    assert default["items"] == explicit["items"]
    # the token of a defaulted first page continues without a period
    status, second = get_json(
        stack.client, f"/rankings?limit=5&next_token={default['next_token']}", stack.keys["bank"]
    )
    assert status == 200 and second["items"][0]["rank"] == 6


def test_a_period_without_scores_is_an_empty_list(stack: Stack) -> None:
    status, body = get_json(stack.client, "/whitelist?period=2019", stack.keys["bank"])
    assert (status, body) == (200, {"period": 2019, "items": []})


def test_verifications_list_only_cards_with_discrepancies(stack: Stack) -> None:
    items, _ = pages(stack.client, f"/verifications?period={PERIOD}", stack.keys["admin"], 6)
    expected = [s.code for s in sorted(stack.seeded, key=lambda s: s.rank_sk) if s.has_discrepancy]
    assert expected and [i["credit_code"] for i in items] == expected
    first = items[0]["discrepancies"][0]
    assert first == {
        "indicator": "operating_revenue",
        "period": PERIOD,
        "scored_value": 1000,
        "scored_department": "tax",
        "stats_value": 1500,
        "gap_pct": 50,
        "stats_batch_id": "stats-1",
    }


# --- bad parameters and tokens -----------------------------------------------------------------

BAD = [
    ("/whitelist?limit=0", "INVALID_LIMIT"),
    ("/whitelist?limit=501", "INVALID_LIMIT"),
    ("/rankings?limit=ten", "INVALID_LIMIT"),
    ("/whitelist?period=1999", "INVALID_PERIOD"),
    ("/rankings?period=2999", "INVALID_PERIOD"),
    ("/verifications?period=twenty", "INVALID_PERIOD"),
    ("/whitelist?stage=foo", "INVALID_PARAMETER"),
    ("/whitelist?grade=Z", "INVALID_PARAMETER"),
    ("/rankings?region=11", "INVALID_PARAMETER"),
    ("/rankings?region=3601001", "INVALID_PARAMETER"),
    ("/rankings?industry=c39", "INVALID_PARAMETER"),
    ("/rankings?industry=Z", "INVALID_PARAMETER"),
    ("/rankings?colour=red", "INVALID_PARAMETER"),
    ("/rankings?stage=growth&stage=mature", "INVALID_PARAMETER"),
    ("/whitelist?next_token=garbage", "INVALID_TOKEN"),
    ("/whitelist?next_token=a.b", "INVALID_TOKEN"),
    ("/batches", "INVALID_PARAMETER"),
]


@pytest.mark.parametrize(("path", "code"), BAD)
def test_bad_parameters_are_400(stack: Stack, path: str, code: str) -> None:
    status, body = get_json(stack.client, path, stack.keys["admin"])
    assert (status, body["code"]) == (400, code), body
    assert body["status"] == 400 and body["detail"]


def test_foreign_and_tampered_tokens_are_400(stack: Stack) -> None:
    token = get_json(stack.client, f"/rankings?period={PERIOD}&stage=growth&limit=3", stack.keys["bank"])[1][
        "next_token"
    ]
    assert (
        get_json(
            stack.client, f"/rankings?period={PERIOD}&stage=growth&next_token={token}", stack.keys["bank"]
        )[0]
        == 200
    )
    payload, mac = token.split(".")
    forged = pagination.encode(
        pagination.Cursor(after={"rank_sk": "000000#"}, rank=0, period=PERIOD),
        pagination.binding("rankings", {"period": PERIOD, "stage": "growth"}),
        "not-the-secret",
    )
    tampered = ("A" if payload[0] != "A" else "B") + payload[1:] + "." + mac
    for path in (
        f"/rankings?period={PERIOD}&stage=mature&next_token={token}",  # other filters
        f"/whitelist?period={PERIOD}&stage=growth&next_token={token}",  # other route
        f"/rankings?period={PERIOD}&stage=growth&next_token={tampered}",
        f"/rankings?period={PERIOD}&stage=growth&next_token={forged}",  # another secret
    ):
        status, body = get_json(stack.client, path, stack.keys["bank"])
        assert (status, body["code"]) == (400, "INVALID_TOKEN"), path
    signed = pagination.encode(
        pagination.Cursor(after={"rank_sk": "000000#"}, period=PERIOD),
        pagination.binding("rankings", {"period": PERIOD, "stage": "growth"}),
        get_settings().token_secret,
    )
    assert (
        get_json(
            stack.client, f"/rankings?period={PERIOD}&stage=growth&next_token={signed}", stack.keys["bank"]
        )[0]
        == 200
    )


def test_grade_filter_follows_the_active_model(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The grade filter takes the active model's grades, not those of the version named in settings."""
    from chalicelib.domain.model.schema import GradeDef
    from chalicelib.services import model_registry

    shipped = model_registry.active_model()
    renamed = shipped.model_copy(
        update={"grades": [GradeDef(grade=f"S{g.grade}", min=g.min) for g in shipped.grades]}
    )
    monkeypatch.setattr(model_registry, "active_model", lambda **_: renamed)
    status, body = get_json(stack.client, f"/whitelist?period={PERIOD}&grade=SA", stack.keys["admin"])
    assert status == 200, body
    status, body = get_json(stack.client, f"/whitelist?period={PERIOD}&grade=A", stack.keys["admin"])
    assert (status, body["code"]) == (400, "INVALID_PARAMETER")
    assert "SA" in body["detail"]
