"""Qualifications and cultivation over moto (contract 17): a sci file under qualifications/sci/ →
certificates, flag facts with the file's batch → rescore → the report builder's candidates → the API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.domain.upload_event import QUALIFICATIONS_PREFIX
from chalicelib.services import qualifications
from chalicelib.services.cultivation_build import cultivation_items
from chalicelib.services.ingest import handle_sqs_event
from chalicelib.services.reports import ReportBuilder
from chalicelib.settings import get_settings
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.reports import ReportsRepository
from chalicelib.stores.scores import ScoresRepository
from chalicelib.wiring import handle_rescore_event as rescore_handler
from scripts.provision import Resources
from tests.aws.api_helpers import Call, get_json, post_json
from tests.aws.ingest_helpers import put, receive_event, rescore_messages, sqs_record
from tests.aws.rescore_helpers import MID, STRONG, enterprise, rescore

P = 2025
KEY = "qualifications/sci/2025年高企名单.csv"
HEADER = "统一社会信用代码,资质,证书编号,起始日期,截止日期\n"


@dataclass(frozen=True)
class World:
    client: Client
    keys: dict[str, str]
    codes: dict[str, str]
    report: dict[str, Any]


def _drain_rescores(aws: Resources) -> int:
    messages = rescore_messages(aws)
    for n, message in enumerate(messages):
        assert rescore_handler({"Records": [sqs_record(json.dumps(message), f"r-{n}")]}) == {
            "batchItemFailures": []
        }
    return len(messages)


@pytest.fixture(scope="module")
def world(api_aws: Resources, client: Client) -> World:
    strong_ratio = {**STRONG, "high_tech_revenue_ratio": 65}
    codes = {
        "near": enterprise(901, MID),  # hnte: high_tech_revenue_ratio missing, 1 unmet
        "ready": enterprise(902, strong_ratio),  # hnte: 0 unmet
        "holder": enterprise(903, strong_ratio),  # holds hnte for 2025: no candidate, flag 1
        "expired": enterprise(904, strong_ratio, region="360202"),  # hnte expired mid-2024: flag 0
        "far": enterprise(905, MID, region="360202"),
    }
    assert rescore([(c, P) for c in codes.values()]) == {"batchItemFailures": []}
    rows = [
        f"{codes['holder']},高新技术企业,GR202436000001,2024-01-01,2026-12-31",
        f"{codes['expired']},hnte,GR202136000002,2021-07-01,2024-06-30",
        f"{codes['ready']},tech_sme,2025360100000001,2025-05-01,2026-04-30",
        f"{codes['near']},srdi,ZJTX-1,2025-01-01,2027-12-31",  # NOT_ISSUER: miit issues srdi
        f"{codes['near']},独角兽企业,X-1,2025-01-01,2027-12-31",  # UNKNOWN_QUALIFICATION
        f"{codes['near']},hnte,{'G' * 41},2025-01-01,2027-12-31",  # 41 characters
        f"{codes['far']},hnte,GR-9,2025-01-01,2024-12-31",  # valid_to before valid_from
        f"{codes['far']},hnte,GR-10,2023-01-01,2025-12-31",  # the same certificate twice
        f"{codes['far']},hnte,GR-10,2023-01-01,2025-12-31",
    ]
    put(api_aws, KEY, (HEADER + "\n".join(rows) + "\n").encode("utf-8"))
    routes = {QUALIFICATIONS_PREFIX: qualifications.handle}
    assert handle_sqs_event(receive_event(api_aws), None, routes) == {"batchItemFailures": []}
    obj = boto3.client("s3").get_object(Bucket=api_aws.upload_bucket, Key=f"reports/{KEY}.report.json")
    report = json.loads(obj["Body"].read())
    assert _drain_rescores(api_aws) >= 1
    ReportBuilder(extra=(cultivation_items,)).rebuild(P, ReportsRepository().mark(P))
    departments = department_ids(get_settings().model_version)
    keys = {
        role: issue_key(role, role, departments=departments, org=org)
        for role, org in (
            ("admin", None),
            ("department:sci", None),
            ("department:miit", None),
            ("department:tax", None),
            ("bank", "test-bank-a"),
            ("city", "3601"),
        )
    }
    keys["enterprise"] = issue_key("enterprise", "near", departments=departments, org=codes["near"])
    return World(client, keys, codes, report)


def test_the_report_codes_every_bad_row_and_keeps_the_good_ones(world: World) -> None:
    report = world.report
    assert report["status"] == "completed" and report["department"] == "sci"
    assert report["rows"] == {"total": 9, "accepted": 3, "rejected": 6, "warnings": 0}
    assert [(e["row"], e["code"]) for e in report["row_errors"]] == [
        (5, "NOT_ISSUER"),
        (6, "UNKNOWN_QUALIFICATION"),
        (7, "OUT_OF_RANGE"),
        (8, "INVALID_DATE"),
        (9, "DUPLICATE_ROW"),
        (10, "DUPLICATE_ROW"),
    ]
    status, batches = get_json(world.client, f"/batches?key={KEY}", world.keys["department:sci"])
    assert status == 200 and batches["items"][0]["batch_id"] == report["batch_id"]


def test_held_and_expired_certificates_write_the_flag_through_the_fact_path(world: World) -> None:
    facts = FactsRepository()
    holder = facts.read(world.codes["holder"]).facts[P]["high_tech_enterprise"].value
    assert (holder.value, holder.department, holder.batch_id) == (Decimal(1), "sci", world.report["batch_id"])
    expired = facts.read(world.codes["expired"]).facts[P]["high_tech_enterprise"].value
    assert expired.value == Decimal(0)
    assert "high_tech_enterprise" not in facts.read(world.codes["ready"]).facts[P]  # tech_sme sets no flag
    assert P - 1 not in facts.read(world.codes["holder"]).facts  # no period made by a qualification
    stored = ScoresRepository().load(world.codes["holder"])[P].card()
    assert stored is not None
    card = stored
    flag = next(i for i in card.indicators if i.id == "high_tech_enterprise")
    assert flag.points == Decimal(30)


def test_candidates_are_ordered_with_their_gaps(world: World) -> None:
    status, page = get_json(world.client, f"/cultivation/hnte?period={P}", world.keys["admin"])
    assert status == 200, page
    codes = [i["credit_code"] for i in page["items"]]
    assert world.codes["holder"] not in codes  # holds the target for P
    assert set(codes) == {world.codes[k] for k in ("near", "ready", "expired", "far")}
    keys = [(i["unmet"], -Decimal(str(i["closeness"])), i["credit_code"]) for i in page["items"]]
    assert keys == sorted(keys)
    near = next(i for i in page["items"] if i["credit_code"] == world.codes["near"])
    ratio = next(c for c in near["criteria"] if c["field"] == "high_tech_revenue_ratio")
    assert ratio == {
        "id": "high_tech_revenue_ratio",
        "name_zh": "高新技术产品收入占比",
        "field": "high_tech_revenue_ratio",
        "op": ">=",
        "threshold": 60,
        "actual": None,
        "met": False,
        "gap": None,
    }
    intensity = next(c for c in near["criteria"] if c["id"] == "rd_intensity")
    assert (
        intensity["threshold"] == 4 and intensity["actual"] == 8 and intensity["met"] is True
    )  # 12,500 万元
    assert near["unmet"] == 1 and near["name"] and near["region_code"] == "360111"
    status, strict = get_json(world.client, f"/cultivation/hnte?period={P}&max_unmet=0", world.keys["admin"])
    assert {i["credit_code"] for i in strict["items"]} == {world.codes["ready"], world.codes["expired"]}


def test_pages_follow_tokens_and_read_at_most_three_times(world: World, aws_calls: list[Call]) -> None:
    status, first = get_json(world.client, f"/cultivation/hnte?period={P}&limit=2", world.keys["admin"])
    assert status == 200 and len(first["items"]) == 2 and first["next_token"]
    reads = [c for c in aws_calls if c[0] == "dynamodb" and "api-keys" not in json.dumps(c[2])]
    assert len(reads) <= 3, [c[1] for c in reads]
    status, second = get_json(
        world.client,
        f"/cultivation/hnte?period={P}&limit=2&next_token={first['next_token']}",
        world.keys["admin"],
    )
    assert status == 200 and "next_token" not in second
    status, whole = get_json(world.client, f"/cultivation/hnte?period={P}", world.keys["admin"])
    assert first["items"] + second["items"] == whole["items"]


def test_a_city_sees_its_own_candidates_and_no_further(world: World) -> None:
    city = world.keys["city"]
    status, page = get_json(world.client, f"/cultivation/hnte?period={P}", city)
    assert status == 200
    assert {i["region_code"][:4] for i in page["items"]} == {"3601"}
    status, problem = get_json(world.client, f"/cultivation/hnte?period={P}&region=3602", city)
    assert status == 403 and problem["code"] == "OUTSIDE_AREA"
    status, problem = get_json(world.client, f"/cultivation/hnte?period={P}", world.keys["department:tax"])
    assert status == 403
    status, problem = get_json(world.client, f"/cultivation/nonsense?period={P}", world.keys["admin"])
    assert status == 404 and problem["code"] == "PROGRAM_NOT_FOUND"


def test_the_csv_has_chinese_headers_a_bom_and_two_columns_per_criterion(world: World) -> None:
    response = world.client.http.get(
        f"/cultivation/hnte.csv?period={P}&region=3602", headers={"X-API-Key": world.keys["admin"]}
    )
    assert response.status_code == 200
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff统一社会信用代码,企业名称")
    header = text.splitlines()[0].split(",")
    assert header[-10:] == [
        "成立年限实际值",
        "成立年限差距",
        "研发费用占比实际值",
        "研发费用占比差距",
        "研发人员占比实际值",
        "研发人员占比差距",
        "高新技术产品收入占比实际值",
        "高新技术产品收入占比差距",
        "知识产权数实际值",
        "知识产权数差距",
    ]
    assert len(text.splitlines()) == 3  # the header and 360202's two candidates


def test_an_enterprise_reads_its_own_standing_and_no_one_elses(world: World) -> None:
    me = world.keys["enterprise"]
    status, mine = get_json(world.client, f"/enterprises/{world.codes['near']}/cultivation?period={P}", me)
    assert status == 200, mine
    assert mine["period"] == P and mine["holds"] == []
    hnte = next(p for p in mine["programs"] if p["program"] == "hnte")
    assert hnte["held"] is False and hnte["unmet"] == 1
    status, _ = get_json(world.client, f"/enterprises/{world.codes['ready']}/cultivation?period={P}", me)
    assert status == 404
    status, holder = get_json(
        world.client,
        f"/enterprises/{world.codes['holder']}/cultivation?period={P}",
        world.keys["department:miit"],
    )
    assert status == 200 and holder["holds"] == ["hnte"]
    assert next(p for p in holder["programs"] if p["program"] == "hnte")["held"] is True


def test_lists_by_qualification_and_the_portrait(world: World) -> None:
    bank = world.keys["bank"]
    status, listed = get_json(world.client, f"/rankings?period={P}&qualification=hnte", bank)
    assert status == 200, listed
    assert [(i["credit_code"], i["rank"]) for i in listed["items"]] == [(world.codes["holder"], 1)]
    status, whitelist = get_json(world.client, f"/whitelist?period={P}&qualification=tech_sme", bank)
    assert status == 200
    assert {i["credit_code"] for i in whitelist["items"]} <= {world.codes["ready"]}
    status, _ = get_json(world.client, f"/whitelist?period={P}&qualification=unicorn", bank)
    assert status == 400
    status, portrait = get_json(world.client, f"/enterprises/{world.codes['expired']}?period={P}", bank)
    assert status == 200
    assert portrait["qualifications"] == [
        {
            "qualification": "hnte",
            "name_zh": "高新技术企业",
            "certificate_no": "GR202136000002",
            "valid_from": "2021-07-01",
            "valid_to": "2024-06-30",
            "held": False,
        }
    ]
    status, history = get_json(world.client, f"/enterprises/{world.codes['expired']}/qualifications", bank)
    assert status == 200 and [h["batch_id"] for h in history["history"]] == [world.report["batch_id"]]


def test_only_issuers_get_a_qualification_upload(world: World) -> None:
    status, ticket = post_json(
        world.client,
        "/uploads",
        world.keys["department:miit"],
        {"filename": "专精特新.xlsx", "kind": "qualifications"},
    )
    assert status == 200 and ticket["key"] == "qualifications/miit/专精特新.xlsx"
    status, _ = post_json(
        world.client,
        "/uploads",
        world.keys["department:tax"],
        {"filename": "x.csv", "kind": "qualifications"},
    )
    assert status == 403


def test_a_later_file_updates_a_certificate_and_the_candidates_follow(
    world: World, api_aws: Resources
) -> None:
    # the holder's certificate is cut short: no longer held for 2025, so it becomes a candidate again
    put(
        api_aws,
        KEY,
        (HEADER + f"{world.codes['holder']},hnte,GR202436000001,2024-01-01,2025-06-30\n").encode(),
    )
    routes = {QUALIFICATIONS_PREFIX: qualifications.handle}
    assert handle_sqs_event(receive_event(api_aws), None, routes) == {"batchItemFailures": []}
    _drain_rescores(api_aws)
    assert FactsRepository().read(world.codes["holder"]).facts[P]["high_tech_enterprise"].value.value == 0
    mark = ReportsRepository().mark(P)
    assert mark is not None and mark.dirty
    ReportBuilder(extra=(cultivation_items,)).rebuild(P, mark)
    status, page = get_json(world.client, f"/cultivation/hnte?period={P}&max_unmet=0", world.keys["admin"])
    assert status == 200
    assert world.codes["holder"] in {i["credit_code"] for i in page["items"]}


def test_a_period_first_seen_after_the_certificates_gets_its_flag_with_their_batch(
    world: World, api_aws: Resources
) -> None:
    # 2026's revenue arrives after the sci file: the expired certificate's flag 0 follows for 2026,
    # as the certificate file's fact (its department and batch), rescored with the tax file's changes
    code = world.codes["expired"]
    put(
        api_aws,
        "incoming/tax/2026年度税务数据.csv",
        f"credit_code,period,operating_revenue\n{code},2026,15000\n".encode(),
    )
    routes = {QUALIFICATIONS_PREFIX: qualifications.handle}
    followers = (qualifications.follow_new_periods,)
    assert handle_sqs_event(receive_event(api_aws), None, routes, followers) == {"batchItemFailures": []}
    flag = FactsRepository().read(code).facts[2026]["high_tech_enterprise"].value
    assert (flag.value, flag.department, flag.batch_id) == (Decimal(0), "sci", world.report["batch_id"])
    assert (code, 2026) in {
        (p["credit_code"], p.get("period")) for m in rescore_messages(api_aws) for p in m["pairs"]
    }
