"""POST /what-if: the card with changed values, the delta, clear 400s; nothing is written."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from chalicelib.stores.tables import FactItem, ScoreItem
from tests.aws.api_helpers import post_json
from tests.aws.rescore_helpers import GROWTH_BASE, MID, P, enterprise, rescore


def snapshot(code: str) -> list[tuple[str, Any]]:
    facts = [(i.sk, i.value, i.version, str(i.facts)) for i in FactItem.query(f"E#{code}")]
    scores = [(i.sk, i.version) for i in ScoreItem.query(f"E#{code}")]
    return facts + scores


def test_what_if_answers_the_card_and_the_delta_and_writes_nothing(
    client: Client, keys: dict[str, str], api_aws: Any
) -> None:
    code = enterprise(801, MID)  # grade C: the growth indicators are missing (no P-1 data)
    rescore([(code, P)])
    before = snapshot(code)

    status, card = post_json(
        client,
        "/what-if",
        keys["bank"],
        {"credit_code": code, "period": P, "changes": {"invention_patents": "20", "admin_penalties": 1}},
    )

    assert status == 200, card
    assert "rank" not in card and "cohort_size" not in card
    assert (card["credit_code"], card["period"], card["hypothetical"]) == (code, P, False)
    delta = card["delta"]
    assert delta["grade_from"] == "C" and delta["grade_to"] == card["grade"]
    changed = {i["id"]: (i["points_from"], i["points_to"]) for i in delta["indicators"]}
    assert set(changed) == {"admin_penalties"}  # 10 patents already score full points at growth stage
    assert changed["admin_penalties"][1] < 0
    assert delta["score"] == changed["admin_penalties"][1]
    assert snapshot(code) == before


def test_what_if_crosses_the_whitelist_line(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    code = enterprise(802, MID)
    rescore([(code, P)])
    # last year's figures as an upload would send them cannot be given here; raise this year's instead
    status, card = post_json(
        client,
        "/what-if",
        keys["admin"],
        {
            "credit_code": code,
            "period": P,
            "changes": {
                "tech_contract_turnover": "500",
                "standards_led": 3,
                "rd_platforms": 1,
                "high_tech_enterprise": "是",
            },
        },
    )
    assert status == 200
    assert card["delta"]["whitelisted_from"] is False and card["delta"]["whitelisted_to"] is True
    assert card["whitelisted"] is True and card["delta"]["score"] > 0


def test_what_if_under_a_candidate_model(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    code = enterprise(803, MID, previous=GROWTH_BASE)
    rescore([(code, P)])
    status, card = post_json(
        client,
        "/what-if",
        keys["bank"],
        {"credit_code": code, "period": P, "changes": {}, "model_version": "jx-2026.1-draft"},
    )
    assert status == 200 and card["model_version"] == "jx-2026.1-draft"
    # from where it stands (the active model) to the candidate: the weights moved, the total did not
    changed = {i["id"]: (i["points_from"], i["points_to"]) for i in card["delta"]["indicators"]}
    assert changed["invention_patents"] == (75, 95) and changed["net_profit"] == (45, 35)
    # told with the candidate's own model: its weights, not the active model's
    told = {i["id"]: i["explanation"] for i in card["indicators"]}
    assert told["invention_patents"] == "有效发明专利数 10 件，满分线 10 件，得 95.00/95 分"
    assert card["delta"]["grade_from"] == card["grade"] == "B"
    status, problem = post_json(
        client, "/what-if", keys["bank"], {"credit_code": code, "period": P, "model_version": "jx-none"}
    )
    assert (status, problem["code"]) == (404, "MODEL_NOT_FOUND")


def test_what_if_of_a_hypothetical_enterprise(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    body = {
        "period": P,
        "master": {
            "name": "设想中的企业",
            "established_on": "2019年3月5日",
            "region_code": "360111",
            "industry_code": "C39",
        },
        "facts": {"2025": {k: str(v) for k, v in MID.items()}, "2024": dict(GROWTH_BASE)},
    }
    status, card = post_json(client, "/what-if", keys["admin"], body)
    assert status == 200
    assert card["hypothetical"] is True and card["name"] == "设想中的企业"
    assert card["delta"]["grade_from"] is None and card["delta"]["score"] == card["score"]
    assert card["whitelisted"] is True  # MID with last year's base: grade B, as the rescore tests find


def test_bad_what_if_input_gets_clear_400s(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    code = enterprise(804, MID)
    rescore([(code, P)])
    ask = {"credit_code": code, "period": P}

    status, problem = post_json(
        client, "/what-if", keys["admin"], {**ask, "changes": {"rd_spend": 1, "rd_expense": "x"}}
    )
    assert (status, problem["code"]) == (400, "UNKNOWN_INDICATOR")
    assert {e["field"]: e["code"] for e in problem["errors"]} == {
        "changes.rd_spend": "UNKNOWN_INDICATOR",
        "changes.rd_expense": "INVALID_NUMBER",
    }
    assert all(e["message_zh"] and e["message_en"] for e in problem["errors"])

    status, problem = post_json(client, "/what-if", keys["admin"], {**ask, "changes": {"rd_expense": [1]}})
    assert (status, problem["code"]) == (400, "INVALID_VALUE")
    status, problem = post_json(client, "/what-if", keys["admin"], {"period": P, "changes": {}})
    assert (status, problem["code"]) == (400, "INVALID_BODY")
    status, problem = post_json(
        client, "/what-if", keys["admin"], {**ask, "credit_code": "91360111000000000A"}
    )
    assert (status, problem["code"]) == (400, "CREDIT_CODE_CHECKSUM")
    status, problem = post_json(
        client, "/what-if", keys["admin"], {**ask, "credit_code": enterprise_code_unknown()}
    )
    assert (status, problem["code"]) == (404, "ENTERPRISE_NOT_FOUND")
    assert post_json(client, "/what-if", keys["department:tax"], ask)[0] == 403


def enterprise_code_unknown() -> str:
    from tests.aws.rescore_helpers import credit_code

    return credit_code(999_999)
