"""Membership through ingest over moto (contracts 14, 15): the registry's zone column and a zone's unit list,
their reports and row codes, the membership records, and the rescore that puts the zone on the cards."""

from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib.services.ingest import handle_sqs_event
from chalicelib.services.rescore import Rescorer
from chalicelib.stores import zones as store
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.tables import ScoreItem
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.ingest_helpers import pairs, put, receive_event, rescore_messages

A, B, C, D = (credit_code(n, "360100") for n in (71, 72, 73, 74))
REGISTRY = (
    "统一社会信用代码,企业名称,成立日期,行政区划代码,行业代码,所属园区\n"
    f"{A},南昌示例科技有限公司,2015-03-05,360111,C39,南昌高新技术产业开发区\n"
    f"{B},赣州示例材料股份有限公司,2019-07-01,360702,C3911,GZ-HTZ\n"
    f"{C},赣州示例电子有限公司,2018-01-02,360703,C3911,不存在的园区\n"
    f"{D},南昌示例软件有限公司,2017-05-06,360102,I65,\n"
)


def report_at(aws: Resources, key: str) -> dict[str, Any]:
    obj = boto3.client("s3").get_object(Bucket=aws.upload_bucket, Key=key)
    report: dict[str, Any] = json.loads(obj["Body"].read())
    return report


def test_the_registry_zone_column_records_memberships_and_warns_of_unknown_zones(aws: Resources) -> None:
    put(aws, "incoming/registry/名录.csv", REGISTRY.encode("gb18030"))
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    report = report_at(aws, "reports/registry/名录.csv.report.json")
    assert report["rows"] == {"total": 4, "accepted": 4, "rejected": 0, "warnings": 1}
    [warning] = report["warnings"]
    assert (warning["row"], warning["column"], warning["code"], warning["value"]) == (
        4,
        "zone",
        "UNKNOWN_ZONE",
        "不存在的园区",
    )
    assert pairs(rescore_messages(aws)) == {(A, None), (B, None), (C, None), (D, None)}
    assert FactsRepository().load_master(C) is not None  # the rest of the row kept
    [membership] = store.memberships_of(A)
    assert (membership.zone_id, membership.basis, membership.valid_to) == (
        "NC-HTZ",
        "registration_authority",
        None,
    )
    assert membership.source == "incoming/registry/名录.csv"
    assert store.memberships_of(C) == [] and store.memberships_of(D) == []
    data = FactsRepository().load_many([A, B, C])
    assert (data[A].zone_id, data[B].zone_id, data[C].zone_id) == ("NC-HTZ", "GZ-HTZ", None)

    # the same file again: the zone today is already that zone, no new record
    put(aws, "incoming/registry/名录.csv", REGISTRY.encode("gb18030"))
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    assert len(store.memberships_of(A)) == 1


def test_a_unit_list_records_its_rows_with_row_codes_and_rescores_its_members(aws: Resources) -> None:
    put(aws, "incoming/registry/名录.csv", REGISTRY.encode("gb18030"))
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    rescore_messages(aws)
    unregistered = credit_code(75, "360700")
    bad_check = B[:-1] + ("0" if B[-1] != "0" else "1")
    roll = (
        "统一社会信用代码,起始日期,截止日期\n"
        f"{C},2025/1/1,\n"  # registered in 赣州: joins
        f"{A},2025-01-01,\n"  # registered in 南昌: not among 赣州高新区's cities
        f"{bad_check},,\n"
        "12345,,\n"
        f"{D},2025-06-01,2025-05-31\n"  # ends before it starts
        f"{B},2025-02-30,\n"  # no such day
        f"{unregistered},2024年3月1日,2099-12-31\n"  # not registered yet: kept
        ",,\n"
    )
    put(aws, "zones/GZ-HTZ/2025年 入统名录.csv", roll.encode("utf-8"))
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    report = report_at(aws, "reports/zones/GZ-HTZ/2025年 入统名录.csv.report.json")
    assert report["status"] == "completed" and report["department"] == "zone_members"
    assert report["rows"] == {"total": 7, "accepted": 2, "rejected": 5, "warnings": 0}
    codes = {(e["row"], e["column"], e["code"]) for e in report["row_errors"]}
    assert codes == {
        (3, "credit_code", "OUTSIDE_ZONE_CITY"),
        (4, "credit_code", "CREDIT_CODE_CHECKSUM"),
        (5, "credit_code", "INVALID_CREDIT_CODE"),
        (6, "valid_to", "INVALID_DATE"),
        (7, "valid_from", "INVALID_DATE"),
    }
    assert all(e["message_zh"] and e["message_en"] for e in report["row_errors"])
    assert pairs(rescore_messages(aws)) == {(C, None), (unregistered, None)}
    [joined] = store.memberships_of(C)
    assert (joined.zone_id, joined.basis, str(joined.valid_from)) == ("GZ-HTZ", "unit_list", "2025-01-01")
    assert store.memberships_of(A)[0].zone_id == "NC-HTZ" and len(store.memberships_of(A)) == 1
    assert str(store.memberships_of(unregistered)[0].valid_to) == "2099-12-31"

    # tax data for C, a rescore: its card carries its zone
    put(
        aws,
        "incoming/tax/2025.csv",
        f"统一社会信用代码,年度,研发费用总额,营业收入\n{C},2025,500,8000\n".encode(),
    )
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    rescore_messages(aws)
    Rescorer().rescore_all({C: None}, None)
    assert ScoreItem.get(f"E#{C}", "S#2025").zone_id == "GZ-HTZ"
    # a later roll moves it (newer start): the card follows on the next rescore
    put(aws, "zones/GZ-ETZ/名录.csv", f"credit_code,valid_from\n{C},2025-06-01\n".encode())
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    assert pairs(rescore_messages(aws)) == {(C, None)}
    Rescorer().rescore_all({C: None}, None)
    assert ScoreItem.get(f"E#{C}", "S#2025").zone_id == "GZ-ETZ"
    assert [m.zone_id for m in store.memberships_of(C)] == ["GZ-HTZ", "GZ-ETZ"]
