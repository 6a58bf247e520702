"""The portrait (画像), credit codes in URLs, and GET /model."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.creditcode import check_character
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.domain.scoring.engine import score_period
from chalicelib.settings import get_settings
from chalicelib.stores.facts import Current, seed_current
from chalicelib.stores.scores import card_item
from scripts.synthetic import card_write, credit_code, discrepancy
from tests.aws.api_helpers import build_report, get_json, put_card

MODEL = load_model(get_settings().model_version)
CODE = credit_code(42, "360111")


def _fact(value: str, department: str) -> FactValue:
    return FactValue(Decimal(value), department, f"batch-{department}", "2026-01-02T00:00:00Z")


def _scored_card(period: int = 2025) -> Any:
    """A real card from the scoring function: derived, characteristic and negative indicators included."""
    master = Master(CODE, "江西创新科技有限公司", date(2015, 3, 5), "360111", "C3911", "reg-1")
    facts = {
        2024: {"rd_expense": _fact("600", "tax"), "operating_revenue": _fact("8000", "tax")},
        period: {
            "rd_expense": _fact("800", "tax"),
            "operating_revenue": _fact("10000", "tax"),
            "net_profit": _fact("-50", "tax"),
            "invention_patents": _fact("4", "amr"),
            "employees": _fact("120", "hrss"),
            "rd_staff": _fact("30", "sci"),
            "high_tech_enterprise": _fact("1", "sci"),
            "admin_penalties": _fact("2", "amr"),
        },
    }
    stats = {period: {"operating_revenue": _fact("15000", "stats")}}
    card = score_period(MODEL, EnterpriseData(CODE, master, facts, stats), period)
    assert card is not None
    return card


@pytest.fixture(scope="module")
def portrait_card(api_aws: Any) -> Any:
    card = _scored_card()
    assert card.stage == "growth"  # the other tests' cards of 2025 stay out of its cohort
    write = card_write(card, name="江西创新科技有限公司", region_code="360111", industry_code="C3911")
    card_item(write).save()
    registered = Current(CODE)
    master = Master(
        CODE, "江西创新科技有限公司", date(2015, 3, 5), "360111", "C3911", "reg-1", "2026-01-01T00:00:00Z"
    )
    registered.set_master(master, "registry", "1")
    seed_current([registered])
    return card


def test_portrait_shows_the_stored_card(client: Client, keys: dict[str, str], portrait_card: Any) -> None:
    build_report(2025)  # ranks come from the report build
    status, body = get_json(client, f"/enterprises/{CODE}?period=2025", keys["bank"])
    assert status == 200, body
    card = portrait_card
    assert body["credit_code"] == CODE and body["period"] == 2025
    assert (body["name"], body["region_code"], body["industry_code"], body["established_on"]) == (
        "江西创新科技有限公司",
        "360111",
        "C3911",
        "2015-03-05",
    )
    assert body["stage"] == card.stage and body["grade"] == card.grade
    assert body["score"] == float(card.score) and isinstance(body["score"], int | float)
    assert body["completeness"] == float(card.completeness) and 0 < body["completeness"] < 1
    assert (body["whitelisted"], body["veto"]) == (card.whitelisted, card.veto)
    assert [c["id"] for c in body["categories"]] == [
        "tech_innovation",
        "growth_operations",
        "auxiliary",
        "characteristic",
        "negative",
    ]
    negative = body["categories"][-1]
    assert negative == {"id": "negative", "points": -40, "max": 0}
    by_id = {i["id"]: i for i in body["indicators"]}
    assert by_id["admin_penalties"]["points"] == -40
    assert by_id["rd_intensity"]["source_department"] == "derived"
    assert by_id["rd_intensity"]["value"] == 8
    assert by_id["rd_expense"] == {
        "id": "rd_expense",
        "name_zh": "研发费用总额",
        "category": "tech_innovation",
        "value": 800,
        "points": 64,
        "max_points": 80,
        "source_department": "tax",
        "batch_id": "batch-tax",
        "explanation": "研发费用总额 800 万元，满分线 1000 万元，得 64.00/80 分",  # told when read
    }
    # derived: told from the inputs the card keeps
    intensity = by_id["rd_intensity"]["explanation"]
    assert intensity.startswith("研发费用占营业收入比例 8.00%（研发费用总额 800 万元")
    assert by_id["equity_financing"]["explanation"].endswith("未报送，得 0.00/35 分")
    assert "rd_staff" not in by_id  # an input, never listed on a card
    assert by_id["equity_financing"]["value"] is None  # missing: null, and still listed
    assert body["discrepancies"] == [
        {
            "indicator": "operating_revenue",
            "period": 2025,
            "scored_value": 10000,
            "scored_department": "tax",
            "stats_value": 15000,
            "gap_pct": 50,
            "stats_batch_id": "batch-stats",
        }
    ]
    assert (body["rank"], body["cohort_size"]) == (1, 1)


def test_rank_and_cohort_are_province_wide_within_the_stage(
    client: Client, keys: dict[str, str], portrait_card: Any
) -> None:
    period, mine = 2022, Decimal("700.00")
    put_card(CODE, period, mine, "growth")
    # same period and stage in several cities: two ahead (one a tie broken by the code), three behind
    ahead = [(mine + 1, "360102"), (mine, "361102")]
    behind = [(mine - 1, "360702"), (mine - Decimal("0.01"), "369901"), (Decimal(0), "360402")]
    for n, (score, region) in enumerate(ahead + behind):
        # the tie's code starts 91000000…, before CODE's 91360111…: credit code ascending breaks it
        code = credit_code(100 + n, "000000" if score == mine else "360100")
        put_card(code, period, score, "growth", region_code=region)
    # not in the cohort: another stage, another period, a retired card
    put_card(credit_code(200), period, "999.00", "startup")
    put_card(credit_code(201), period - 1, "999.00", "growth")
    put_card(credit_code(202), period, "999.00", "growth", kind="retired")
    build_report(period)
    status, body = get_json(client, f"/enterprises/{CODE}?period={period}", keys["admin"])
    assert status == 200 and (body["rank"], body["cohort_size"]) == (3, 6)


def test_default_period_is_the_latest_scored(
    client: Client, keys: dict[str, str], portrait_card: Any
) -> None:
    put_card(CODE, 2023, "500.00")
    put_card(CODE, 2026, "900.00", kind="retired")  # retired: not a score any more
    status, body = get_json(client, f"/enterprises/{CODE}", keys["bank"])
    assert (status, body["period"]) == (200, 2025)
    status, body = get_json(client, f"/enterprises/{CODE}?period=2023", keys["bank"])
    assert (status, body["period"], body["score"]) == (200, 2023, 500)


def test_credit_codes_are_folded_like_uploads(
    client: Client, keys: dict[str, str], portrait_card: Any
) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in CODE.lower())
    for raw in (CODE.lower(), full_width, f"%20{CODE}%20"):
        status, body = get_json(client, f"/enterprises/{raw}", keys["bank"])
        assert (status, body.get("credit_code")) == (200, CODE), raw


def _with_wrong_check(code: str) -> str:
    wrong = next(c for c in "0123456789" if c != check_character(code[:17]))
    return code[:17] + wrong


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("91360100MA35XXXX", 400, "INVALID_CREDIT_CODE"),
        ("91360100MA35XXXXXI", 400, "INVALID_CREDIT_CODE"),
        (_with_wrong_check(CODE), 400, "CREDIT_CODE_CHECKSUM"),
        (credit_code(999), 404, "ENTERPRISE_NOT_FOUND"),
    ],
)
def test_bad_and_unknown_codes(
    client: Client, keys: dict[str, str], portrait_card: Any, raw: str, status: int, code: str
) -> None:
    for path in (f"/enterprises/{raw}", f"/enterprises/{raw}/history"):
        got, body = get_json(client, path, keys["bank"])
        assert (got, body["code"]) == (status, code), path


def test_unscored_period_and_bad_period(client: Client, keys: dict[str, str], portrait_card: Any) -> None:
    status, body = get_json(client, f"/enterprises/{CODE}?period=2020", keys["bank"])
    assert (status, body["code"]) == (404, "PERIOD_NOT_SCORED")
    for bad in ("1999", "3000", "2025.5", "last"):
        status, body = get_json(client, f"/enterprises/{CODE}?period={bad}", keys["bank"])
        assert (status, body["code"]) == (400, "INVALID_PERIOD"), bad


def test_verifications_show_the_scored_card_discrepancy(
    client: Client, keys: dict[str, str], portrait_card: Any
) -> None:
    # another stage than the portrait's: its cohort stays as it is
    put_card(credit_code(300), 2025, "650.00", "mature", discrepancies=[discrepancy(2025)])
    put_card(credit_code(301), 2025, "660.00", "mature")
    status, body = get_json(client, "/verifications?period=2025", keys["admin"])
    assert status == 200
    assert [i["credit_code"] for i in body["items"]] == [credit_code(300), CODE]
    assert body["items"][1]["discrepancies"][0]["stats_value"] == 15000


def test_model_route(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    status, body = get_json(client, "/model", keys["department:tax"])
    assert status == 200
    assert (body["version"], body["scale"]) == (MODEL.version, 1000)
    assert [s["id"] for s in body["stages"]] == ["startup", "growth", "mature"]
    by_id = {i["id"]: i for i in body["indicators"]}
    assert by_id["rd_expense"]["full"] == {"startup": 200, "growth": 1000, "mature": 5000}
    assert by_id["rd_expense"]["weight"] == {"startup": 90, "growth": 80, "mature": 70}
    assert "points" not in by_id["rd_expense"] and "veto" not in by_id["rd_expense"]
    assert (by_id["dishonest_debtor"]["points"], by_id["dishonest_debtor"]["veto"]) == (-200, True)
    assert "cap" not in by_id["dishonest_debtor"] and "full" not in by_id["dishonest_debtor"]
    assert (by_id["admin_penalties"]["points"], by_id["admin_penalties"]["cap"]) == (-20, 100)
    assert by_id["industry_university_projects"]["cap"] == 20
    assert body["grades"] == [
        {"grade": g, "min": m} for g, m in [("A", 750), ("B", 600), ("C", 450), ("D", 0)]
    ]
    assert body["whitelist"] == {"min_score": 600, "veto_excludes": True}
    assert json.dumps(body, ensure_ascii=False).count('"name_zh"') >= len(MODEL.indicators)
