"""Reads per request (issue 15): a portrait costs at most 3 DynamoDB requests whatever its cohort's size,
a list page at most 2 + (city shards); API keys are remembered for a short time; ranks are the last
report build's, with `rank_as_of` (a card changed since placed among the build's keys; counted before
a period's first build). Every DynamoDB call is counted at botocore's entry point."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api import key_cache
from chalicelib.domain.regions import all_shards
from chalicelib.domain.scoring.ranking import rank_in_groups, rank_key
from chalicelib.domain.timestamps import stamp
from chalicelib.services.scored_periods import ScoredPeriodsListener
from chalicelib.stores import api_keys, score_index, scored_periods
from chalicelib.stores.rank_reads import RankReader, built_mark
from chalicelib.stores.reports import ReportsRepository
from chalicelib.stores.scores import CardWrite, ScoresRepository
from scripts.synthetic import REGIONS, Seeded, build_card, card_write, credit_code, seed_many
from tests.aws.api_helpers import Call, build_report, get_json, pages, put_card

PERIOD = 2024  # the module's own period: other modules' cards never join its cohorts
PORTRAIT_CALLS = 3  # the BatchGetItem, the rank chunk, the support records
PAGE_CALLS = 2 + len(all_shards())


def _dynamodb(calls: list[Call]) -> Counter[str]:
    return Counter(operation for service, operation, _ in calls if service == "dynamodb")


@pytest.fixture(scope="module")
def cohort(client: Client, keys: dict[str, str]) -> list[Seeded]:
    """400 cards over every city (three stages: cohorts of ~130), the period recorded, a report built."""
    seeded = seed_many(400, PERIOD)
    scored_periods.record(PERIOD)
    build_report(PERIOD)
    return seeded


def _rank(seeded: list[Seeded], code: str) -> tuple[int, int]:
    mine = next(s for s in seeded if s.code == code)
    cohort = sorted((s for s in seeded if s.stage == mine.stage), key=lambda s: s.rank_sk)
    return [s.code for s in cohort].index(code) + 1, len(cohort)


def _portrait(client: Client, key: str, code: str, aws_calls: list[Call], query: str = "") -> Any:
    get_json(client, "/model", key)  # the key is remembered from here on (a warm container)
    aws_calls.clear()
    status, body = get_json(client, f"/enterprises/{code}{query}", key)
    assert status == 200, body
    return body


@pytest.mark.parametrize("query", [f"?period={PERIOD}", ""], ids=["period", "latest"])
def test_a_portrait_costs_three_requests_whatever_the_cohort(
    client: Client, keys: dict[str, str], cohort: list[Seeded], aws_calls: list[Call], query: str
) -> None:
    for seeded in cohort[::97]:
        body = _portrait(client, keys["bank"], seeded.code, aws_calls, query)
        assert (body["period"], body["stage"]) == (PERIOD, seeded.stage)
        assert (body["rank"], body["cohort_size"]) == _rank(cohort, seeded.code)
        assert body["rank_as_of"] and "rank_reason" not in body
        calls = _dynamodb(aws_calls)
        assert sum(calls.values()) <= PORTRAIT_CALLS, calls
        assert calls["BatchGetItem"] == 1 and "GetItem" not in calls, calls  # no key, card or mark GetItem


def test_a_larger_cohort_costs_no_more(client: Client, keys: dict[str, str], aws_calls: list[Call]) -> None:
    period = 2023
    small = seed_many(60, period)
    build_report(period)
    code = small[0].code
    before = _portrait(client, keys["admin"], code, aws_calls, f"?period={period}")
    small_calls = _dynamodb(aws_calls)
    large = seed_many(900, period, seed=11)  # the same 60 codes rescored, and 840 more
    build_report(period)
    after = _portrait(client, keys["admin"], code, aws_calls, f"?period={period}")
    assert _dynamodb(aws_calls) == small_calls and sum(small_calls.values()) <= PORTRAIT_CALLS
    assert (before["rank"], before["cohort_size"]) == _rank(small, code)
    assert (after["rank"], after["cohort_size"]) == _rank(large, code)
    assert after["cohort_size"] > 10 * before["cohort_size"] // 2


LISTS = [
    f"/whitelist?period={PERIOD}&limit=50",
    "/whitelist?limit=50",
    f"/rankings?period={PERIOD}&limit=50",
    "/rankings?limit=20",
    f"/rankings?period={PERIOD}&stage=growth&limit=100",
    f"/rankings?period={PERIOD}&region=3607&limit=10",
]  # a filter on what the index does not key (grade, industry) may read on: bounded, see below


@pytest.mark.parametrize("path", LISTS)
def test_a_list_page_costs_at_most_two_plus_the_shards(
    client: Client, keys: dict[str, str], cohort: list[Seeded], aws_calls: list[Call], path: str
) -> None:
    get_json(client, "/model", keys["bank"])
    aws_calls.clear()
    status, body = get_json(client, path, keys["bank"])
    assert status == 200 and body["items"] and body["next_token"], body
    calls = _dynamodb(aws_calls)
    assert sum(calls.values()) <= PAGE_CALLS, calls
    assert "GetItem" not in calls  # the key is remembered; the default period is one Query


def test_lists_without_period_use_the_recorded_latest_period(
    client: Client, keys: dict[str, str], cohort: list[Seeded]
) -> None:
    assert scored_periods.latest() == PERIOD
    status, body = get_json(client, "/whitelist?limit=5", keys["bank"])
    assert status == 200 and body["period"] == PERIOD


def test_the_listener_records_each_period_once(cohort: list[Seeded]) -> None:
    def write(period: int) -> CardWrite:
        card = build_card(credit_code(period), period, Decimal(500), "growth")
        return card_write(card, name="某企业", region_code="360111", industry_code="C3911")

    written: list[int] = []
    listener = ScoredPeriodsListener(record=written.append, known=set())
    listener([write(2023), write(2023)])
    listener([write(2023), write(2022)])
    assert written == [2023, 2022]  # once per period, in this container
    real = ScoredPeriodsListener(known=set())
    real([write(2021)])
    real([write(2020)])
    assert scored_periods.latest() == PERIOD  # the latest period recorded, whatever the order


def test_a_rare_filter_reads_a_bounded_share_and_pages_on(
    client: Client, keys: dict[str, str], cohort: list[Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a budget of 2 rows examined per item asked for: an industry held by few cards cuts pages short
    monkeypatch.setattr(score_index, "EXAMINED_PER_ITEM", 2)
    industry = Counter(s.industry_code[:3] for s in cohort).most_common()[-1][0]
    ranked = sorted(cohort, key=lambda s: s.rank_sk)
    expected = [s.code for s in ranked if s.industry_code.startswith(industry)]
    items: list[dict[str, Any]] = []
    token, count = None, 0
    while True:
        url = f"/rankings?period={PERIOD}&industry={industry}&limit=3"
        url += f"&next_token={token}" if token else ""
        status, body = get_json(client, url, keys["bank"])
        assert status == 200, body
        assert len(body["items"]) <= 3
        items += body["items"]
        count += 1
        token = body.get("next_token")
        if token is None:
            break
    assert [i["credit_code"] for i in items] == expected  # nothing lost or repeated across short pages
    assert [i["rank"] for i in items] == list(range(1, len(expected) + 1))
    assert count > -(-len(expected) // 3)  # some pages ended short, at a shard's budget
    # unfiltered, the budget never binds: every page is full (`pages` checks it)
    full, _ = pages(client, f"/rankings?period={PERIOD}", keys["bank"], 50)
    assert [i["credit_code"] for i in full] == [s.code for s in ranked]


def test_a_key_revoked_elsewhere_is_refused_once_its_record_expires(
    client: Client, keys: dict[str, str], aws_calls: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.api.auth import hash_key, issue_key

    now = [1000.0]
    monkeypatch.setattr(key_cache, "_clock", lambda: now[0])
    key = issue_key("bank", "cached", departments=(), org="test-bank-a")
    assert get_json(client, "/model", key)[0] == 200
    aws_calls.clear()
    assert get_json(client, "/model", key)[0] == 200
    assert not [c for c in aws_calls if c[1] == "GetItem"]  # remembered: no read of the keys table
    api_keys.revoke(hash_key(key))  # revoked by another container (or the admin command)
    now[0] += key_cache.TTL_S - 1
    assert get_json(client, "/model", key)[0] == 200  # the documented delay: still accepted here
    now[0] += 2  # past the TTL: read again, and refused
    status, body = get_json(client, "/model", key)
    assert (status, body["code"]) == (401, "INVALID_API_KEY")
    now[0] += 1000  # and stays refused: a revoked record is never treated as valid
    assert get_json(client, "/model", key)[0] == 401


def test_unknown_keys_are_not_remembered(client: Client, aws_calls: list[Call]) -> None:
    aws_calls.clear()
    for _ in range(2):
        assert get_json(client, "/model", "ipk_never-issued")[0] == 401
    assert len([c for c in aws_calls if c[1] == "GetItem"]) == 2  # each guess is read, never cached


def _rescore_card(seeded: Seeded, score: Decimal) -> Seeded:
    """The card rewritten with a new score as the rescore writes a change: the next version of the item
    (the report builder is not run, so the build does not know)."""
    stored = ScoresRepository().load(seeded.code)[seeded.period]
    card = build_card(seeded.code, seeded.period, score, seeded.stage)
    first = card_write(
        card, name=seeded.name, region_code=seeded.region_code, industry_code=seeded.industry_code
    )
    ScoresRepository().save([replace(first, previous=stored, computed_at=stamp(datetime.now(UTC)))])
    return replace(seeded, score=score)


def test_rank_as_of_after_a_card_change(
    client: Client, keys: dict[str, str], cohort: list[Seeded], aws_calls: list[Call]
) -> None:
    code = credit_code(77_001, "360111")
    mine = put_card(code, PERIOD, "10.00", "growth")
    build_report(PERIOD)
    first = _portrait(client, keys["admin"], code, aws_calls, f"?period={PERIOD}")
    as_of = first["rank_as_of"]
    assert (first["rank"], first["cohort_size"]) == _rank([*cohort, mine], code) and as_of
    _rescore_card(mine, Decimal("999.99"))  # it now leads; the build does not know
    changed = _portrait(client, keys["admin"], code, aws_calls, f"?period={PERIOD}")
    # placed among the build's keys with its current score: first, in the same cohort
    assert (changed["rank"], changed["cohort_size"], changed["rank_as_of"]) == (
        1,
        first["cohort_size"],
        as_of,
    )
    assert changed["score"] == 999.99 and "rank_reason" not in changed
    assert sum(_dynamodb(aws_calls).values()) <= PORTRAIT_CALLS  # no count of the cohort instead
    build_report(PERIOD)
    rebuilt = _portrait(client, keys["admin"], code, aws_calls, f"?period={PERIOD}")
    assert rebuilt["rank"] == 1 and rebuilt["rank_as_of"] > as_of


MOVED = 2017  # periods of their own: these tests change cards
NEVER_BUILT = 2016
CLEAN = 2015


def test_a_card_raised_past_ten_others_moves_up_ten_places_at_once(
    client: Client, keys: dict[str, str], aws_calls: list[Call]
) -> None:
    # cards written one by one as a rescore writes first versions (seed_many's bulk items carry none)
    rng = random.Random(5)
    seeded = [
        put_card(
            credit_code(20_000 + n, REGIONS[n % len(REGIONS)]),
            MOVED,
            Decimal(rng.randrange(0, 4001)) / 4,
            "growth" if n % 2 else "mature",
            region_code=REGIONS[n % len(REGIONS)],
        )
        for n in range(300)
    ]
    build_report(MOVED)
    # a card with at least 10 ahead of it in its stage, and a score that passes exactly 10 of them
    cohorts = {
        stage: sorted((s for s in seeded if s.stage == stage), key=lambda s: s.rank_sk)
        for stage in {"growth"}
    }
    growth = cohorts["growth"]
    assert len({s.region_code[:4] for s in growth}) > 1  # the cohort spans several city shards
    for mine in growth[40:]:
        others = [s.rank_sk for s in growth if s.code != mine.code]
        old_rank = growth.index(mine) + 1
        candidates = sorted({s.score for s in growth} | {s.score + Decimal("0.01") for s in growth})
        raised = next(
            (
                score
                for score in candidates
                if score > mine.score
                and sum(k < rank_key(score, mine.code) for k in others) + 1 == old_rank - 10
            ),
            None,
        )
        if raised is not None:
            break
    else:
        pytest.fail("no card can pass exactly ten others")
    before = _portrait(client, keys["bank"], mine.code, aws_calls, f"?period={MOVED}")
    assert (before["rank"], before["cohort_size"]) == (old_rank, len(growth))
    _rescore_card(mine, raised)
    after = _portrait(client, keys["bank"], mine.code, aws_calls, f"?period={MOVED}")
    assert (after["rank"], after["cohort_size"]) == (old_rank - 10, len(growth))
    assert after["rank_as_of"] == before["rank_as_of"] and Decimal(str(after["score"])) == raised
    assert sum(_dynamodb(aws_calls).values()) <= PORTRAIT_CALLS
    # the period marked dirty (as the rescore's listener would): the same reading
    ReportsRepository().mark_dirty(MOVED, stamp(datetime.now(UTC)))
    dirty = _portrait(client, keys["bank"], mine.code, aws_calls, f"?period={MOVED}")
    assert (dirty["rank"], dirty["cohort_size"]) == (old_rank - 10, len(growth))
    assert sum(_dynamodb(aws_calls).values()) <= PORTRAIT_CALLS
    build_report(MOVED)  # the next build agrees
    rebuilt = _portrait(client, keys["bank"], mine.code, aws_calls, f"?period={MOVED}")
    assert (rebuilt["rank"], rebuilt["cohort_size"]) == (old_rank - 10, len(growth))


def test_a_clean_periods_ranks_are_the_cohorts_exactly(aws_calls: list[Call]) -> None:
    cohort = seed_many(250, CLEAN, seed=9)
    build_report(CLEAN)
    expected = rank_in_groups([(s.stage, s.score, s.code) for s in cohort])
    built = built_mark(CLEAN)
    assert built is not None and not built.dirty
    reader = RankReader(CLEAN, built)
    aws_calls.clear()
    for seeded, want in zip(cohort, expected, strict=True):
        found = reader.rank(seeded.stage, seeded.rank_sk, seeded.code)
        assert (found.rank, found.cohort_size, found.exact) == (want.rank, want.cohort_size, True)
    assert len(aws_calls) == 3  # one chunk per stage, kept for the cards it covers


def test_a_period_never_built_is_counted_exactly(
    client: Client, keys: dict[str, str], aws_calls: list[Call]
) -> None:
    seeded = seed_many(60, NEVER_BUILT, seed=3)
    expected = rank_in_groups([(s.stage, s.score, s.code) for s in seeded])
    for mine, want in list(zip(seeded, expected, strict=True))[::7]:
        body = _portrait(client, keys["admin"], mine.code, aws_calls, f"?period={NEVER_BUILT}")
        assert (body["rank"], body["cohort_size"], body["rank_as_of"]) == (want.rank, want.cohort_size, None)
        # the BatchGetItem, two COUNT Queries per shard (O(cohort), until the first build), support
        assert _dynamodb(aws_calls)["Query"] >= 2 * len(all_shards())


def test_a_stage_the_build_ranked_no_card_of_is_counted(
    client: Client, keys: dict[str, str], aws_calls: list[Call]
) -> None:
    period = 2014
    growth = [put_card(credit_code(30_000 + n, "360111"), period, str(400 + n), "growth") for n in range(5)]
    build_report(period)
    first = put_card(credit_code(30_100, "360702"), period, "300.00", "mature")  # the stage's first cards
    second = put_card(credit_code(30_101, "360111"), period, "350.00", "mature")
    body = _portrait(client, keys["admin"], first.code, aws_calls, f"?period={period}")
    assert (body["rank"], body["cohort_size"], body["rank_as_of"]) == (2, 2, None)  # counted: exact
    built = _portrait(client, keys["admin"], growth[0].code, aws_calls, f"?period={period}")
    assert (built["rank"], built["cohort_size"]) == (5, 5) and built["rank_as_of"]
    assert second.stage == "mature"
