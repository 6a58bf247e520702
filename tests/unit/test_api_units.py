"""The API's pure parts: shards, page tokens, parameter models, roles."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.api import auth, pagination, schemas
from chalicelib.api.problems import ApiProblem
from chalicelib.domain.records import Master
from chalicelib.domain.regions import (
    CITIES,
    OTHER,
    all_shards,
    period_partition,
    shard_for,
    shards_for_prefix,
    stage_partition,
)

# --- regions -----------------------------------------------------------------------------------


def test_shards_are_the_eleven_cities_and_other() -> None:
    assert all_shards() == (*(f"36{n:02d}" for n in range(1, 12)), OTHER)
    assert len(CITIES) == 11


@pytest.mark.parametrize(
    ("region", "shard"),
    [
        ("360111", "3601"),
        ("361102", "3611"),
        ("3607", "3607"),
        ("369901", OTHER),
        ("110101", OTHER),
        (None, OTHER),
        ("", OTHER),
    ],
)
def test_shard_for(region: str | None, shard: str) -> None:
    assert shard_for(region) == shard


def test_a_region_filter_reads_one_shard_from_four_digits_on() -> None:
    assert shards_for_prefix(None) == shards_for_prefix("36") == shards_for_prefix("360") == all_shards()
    assert shards_for_prefix("3601") == shards_for_prefix("360111") == ("3601",)
    assert shards_for_prefix("3699") == (OTHER,)


def test_rescoring_writes_the_partitions_the_api_reads() -> None:
    from chalicelib.stores.scores import CardWrite, card_item
    from scripts.synthetic import build_card

    card = build_card("91360111MA35000004", 2025, Decimal("700.00"), "growth")
    master = Master(card.credit_code, "某公司", date(2010, 1, 1), "360111", "C39")
    item = card_item(CardWrite(card, master, None, None, None, None, "2026-01-01T00:00:00.000000Z"))
    assert item.gsi_period == period_partition(2025, "3601") == item.gsi_whitelist
    assert item.gsi_stage == stage_partition(2025, "growth", "3601")


# --- page tokens -------------------------------------------------------------------------------

BOUND = pagination.binding("rankings", {"period": 2025, "stage": "growth", "region": None})


@given(
    after=st.dictionaries(st.sampled_from(["rank_sk", "sk", "batch_id"]), st.text(max_size=40), min_size=1),
    rank=st.integers(min_value=0, max_value=10**6),
    period=st.none() | st.integers(min_value=2000, max_value=2100),
)
def test_tokens_round_trip(after: dict[str, str], rank: int, period: int | None) -> None:
    cursor = pagination.Cursor(after=after, rank=rank, period=period)
    token = pagination.encode(cursor, BOUND, "secret")
    assert pagination.decode(token, BOUND, "secret") == cursor
    assert all(c.isalnum() or c in "-_." for c in token)  # safe in a query string as it is


@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw-_"))
def test_any_changed_character_is_refused(position: int, replacement: str) -> None:
    token = pagination.encode(pagination.Cursor(after={"rank_sk": "099000#9136"}, rank=3), BOUND, "s")
    i = position % len(token)
    if token[i] == replacement or token[i] == ".":
        return
    with pytest.raises(ApiProblem) as refused:
        pagination.decode(token[:i] + replacement + token[i + 1 :], BOUND, "s")
    assert refused.value.status == 400


def test_a_token_is_bound_to_route_filters_and_secret() -> None:
    token = pagination.encode(pagination.Cursor(after={"rank_sk": "x"}), BOUND, "s")
    other_filter = pagination.binding("rankings", {"period": 2025, "stage": "mature"})
    other_route = pagination.binding("whitelist", {"period": 2025, "stage": "growth"})
    for bound, secret in ((other_filter, "s"), (other_route, "s"), (BOUND, "t")):
        with pytest.raises(ApiProblem, match="INVALID_TOKEN"):
            pagination.decode(token, bound, secret)
    # absent and None filters bind alike: the same query either way
    assert pagination.binding("rankings", {"stage": "growth", "period": 2025}) == BOUND


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!.??", "x" * 3000, "e30.AAAA"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(ApiProblem, match="INVALID_TOKEN"):
        pagination.decode(token, BOUND, "s")


# --- parameter and response models ---------------------------------------------------------------


def test_limits_and_periods() -> None:
    assert schemas.PageParams().limit == 50
    assert schemas.PageParams.model_validate({"limit": "500"}).limit == 500
    this_year = datetime.now(UTC).year
    assert schemas.PortraitParams.model_validate({"period": str(this_year)}).period == this_year
    for bad in ({"limit": "0"}, {"limit": "501"}):
        with pytest.raises(ValidationError):
            schemas.PageParams.model_validate(bad)
    for period in ("1999", str(this_year + 1), "2025.5"):
        with pytest.raises(ValidationError):
            schemas.PortraitParams.model_validate({"period": period})


def test_numbers_leave_as_json_numbers() -> None:
    entry = schemas.CategoryOut(id="negative", points=Decimal("-200.00"), max=Decimal("0"))
    assert json.loads(entry.model_dump_json()) == {"id": "negative", "points": -200, "max": 0}
    assert (
        '"points":812.5'
        in schemas.CategoryOut(id="x", points=Decimal("812.50"), max=Decimal(0)).model_dump_json()
    )


def test_next_token_is_absent_on_the_last_page() -> None:
    assert json.loads(schemas.HistoryPage(items=[]).model_dump_json()) == {"items": []}
    assert json.loads(schemas.HistoryPage(items=[], next_token="t").model_dump_json())["next_token"] == "t"


# --- roles ---------------------------------------------------------------------------------------


def test_roles() -> None:
    departments = {"tax", "stats"}
    assert auth.validate_role("department:tax", departments) == "department:tax"
    for bad in ("department:", "department:police", "Admin", "banker"):
        with pytest.raises(ValueError, match="unknown role"):
            auth.validate_role(bad, departments)
    tax = auth.Principal("department:tax", "api_key")
    assert tax.department == "tax" and auth.Principal("bank", "api_key").department is None
    assert auth.allowed(tax, {auth.DEPARTMENT}) and not auth.allowed(tax, {auth.ADMIN, auth.BANK})
    assert auth.allowed(auth.Principal("bank", "iam"), {auth.ANY_ROLE})


def test_keys_hash_to_sha256() -> None:
    assert auth.hash_key(" ipk_abc ") == auth.hash_key("ipk_abc")
    assert len(auth.hash_key("ipk_abc")) == 64
