"""Support files over moto: S3 put under support/<org>/ → notification → ingest handler → records, report."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
from openpyxl import Workbook

from chalicelib.services.ingest import handle_sqs_event
from chalicelib.stores import support as store
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import put_card
from tests.aws.ingest_helpers import put, receive_event

HEADER = (
    "credit_code,external_ref,kind,product,status,amount_wan,rate_pct,term_months,collateral,"
    "reject_reason,occurred_on\n"
)


def report_for(aws: Resources, key: str) -> dict[str, Any]:
    obj = boto3.client("s3").get_object(Bucket=aws.upload_bucket, Key=f"reports/{key}.report.json")
    report: dict[str, Any] = json.loads(obj["Body"].read())
    return report


def ingest(aws: Resources) -> None:
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}


def test_a_csv_of_records_keeps_the_good_rows_and_reports_the_bad(aws: Resources) -> None:
    good = put_card(credit_code(1), 2025, "800").code
    other = put_card(credit_code(2), 2025, "500").code
    unscored = credit_code(3)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        f"{good},F-1,loan,积分贷,disbursed,500,3.45,12,credit,,2026-03-02",
        f"{other},F-2,loan,积分贷,rejected,200,,,,经营现金流不足,2026-03-05",
        f"{other},F-3,loan,积分贷,applied,-5,,,,,2026-03-05",  # negative amount
        f"{unscored},F-4,loan,,applied,100,,,,,2026-03-05",  # no card
        f"{bad_check},F-5,loan,,applied,100,,,,,2026-03-05",  # check character
        f"{good},F-6,subsidy,研发补助,disbursed,50,40,,,,2026-03-05",  # rate 40 %
        ",,,,,,,,,,",  # a blank line is no record
        f"{other},F-7,loan,积分贷,rejected,200,,,,,2026-03-05",  # rejected without a reason
    ]
    key = "support/jx-demo-bank-a/2026年3月 放款.csv"
    put(aws, key, (HEADER + "\n".join(rows) + "\n").encode("gb18030"))
    ingest(aws)
    report = report_for(aws, key)
    assert report["status"] == "completed" and report["department"] == "jx-demo-bank-a"
    assert report["rows"] == {"total": 7, "accepted": 2, "rejected": 5, "warnings": 0}
    errors = {(e["row"], e["column"], e["code"]) for e in report["row_errors"]}
    assert errors == {
        (4, "amount_wan", "INVALID_FIELD"),
        (5, "credit_code", "ENTERPRISE_NOT_SCORED"),
        (6, "credit_code", "CREDIT_CODE_CHECKSUM"),
        (7, "rate_pct", "INVALID_FIELD"),
        (9, "reject_reason", "INVALID_FIELD"),
    }
    assert all(e["message_zh"] and e["message_en"] for e in report["row_errors"])
    kept = {s.record.external_ref: s.record for s in store.of_enterprise(good) + store.of_enterprise(other)}
    assert set(kept) == {"F-1", "F-2"}
    assert kept["F-1"].org == "jx-demo-bank-a" and kept["F-1"].org_type == "bank"
    assert kept["F-2"].reject_reason == "经营现金流不足"

    # a later file that repeats a row unchanged makes no new version of that record
    versions_before = len(store.SupportRepository().versions(kept["F-1"].record_id))
    put(aws, key, (HEADER + rows[0] + "\n").encode("gb18030"))  # a new version of the file
    ingest(aws)
    assert len(store.SupportRepository().versions(kept["F-1"].record_id)) == versions_before


def test_xlsx_with_chinese_headers_and_jsonl_from_a_department(aws: Resources) -> None:
    code = put_card(credit_code(11), 2025, "650").code
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "业务编号", "支持类型", "状态", "金额（万元）", "发生日期"])
    sheet.append([code, "XM-1", "project", "approved", 80, "2026-02-01"])
    sheet.append([code, "XM-2", "bonus", "approved", 80, "2026-02-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    put(aws, "support/sci/项目.xlsx", buffer.getvalue())
    lines = [
        json.dumps(
            {
                "credit_code": code,
                "external_ref": "XM-3",
                "kind": "subsidy",
                "status": "disbursed",
                "amount_wan": 30,
                "occurred_on": "2026-02-03",
                "org": "sci",
            }
        ),
        "not json",
        json.dumps(
            {
                "credit_code": code,
                "external_ref": "XM-4",
                "kind": "subsidy",
                "status": "disbursed",
                "amount_wan": 30,
                "occurred_on": "2026-02-03",
                "org": "tax",
            }
        ),
    ]
    put(aws, "support/sci/补助.jsonl", "\n".join(lines).encode())
    ingest(aws)
    xlsx = report_for(aws, "support/sci/项目.xlsx")
    assert xlsx["rows"]["accepted"] == 1
    assert [(e["row"], e["column"], e["code"]) for e in xlsx["row_errors"]] == [(3, "kind", "INVALID_FIELD")]
    jsonl = report_for(aws, "support/sci/补助.jsonl")
    assert jsonl["rows"] == {"total": 3, "accepted": 1, "rejected": 2, "warnings": 0}
    assert [(e["row"], e["column"]) for e in jsonl["row_errors"]] == [(2, None), (3, "org")]
    records = {s.record.external_ref: s.record for s in store.of_enterprise(code)}
    assert set(records) == {"XM-1", "XM-3"}
    assert {r.org_type for r in records.values()} == {"department"}


def test_a_file_without_a_required_column_is_rejected_whole(aws: Resources) -> None:
    code = put_card(credit_code(21), 2025, "650").code
    key = "support/jx-demo-bank-b/缺列.csv"
    put(
        aws,
        key,
        f"credit_code,external_ref,kind,occurred_on,colour\n{code},Z-1,loan,2026-01-01,red\n".encode(),
    )
    ingest(aws)
    report = report_for(aws, key)
    assert report["status"] == "rejected"
    assert {e["code"] for e in report["file_errors"]} == {"UNKNOWN_COLUMN", "MISSING_COLUMN"}
    assert store.of_enterprise(code) == []


def test_a_duplicate_delivery_of_one_upload_is_processed_once(aws: Resources) -> None:
    code = put_card(credit_code(31), 2025, "700").code
    key = "support/jx-demo-bank-a/重复.csv"
    put(aws, key, f"{HEADER}{code},D-1,loan,,applied,100,,,,,2026-03-02\n".encode())
    event = receive_event(aws)
    assert handle_sqs_event(event) == {"batchItemFailures": []}
    first = report_for(aws, key)
    assert first["rows"]["accepted"] == 1
    assert handle_sqs_event(event) == {"batchItemFailures": []}  # SQS delivers it again
    assert report_for(aws, key) == first  # not processed again: the same report, the same finish time


def test_the_uploader_reads_its_file_report_through_the_api(aws: Resources) -> None:
    from chalice.test import Client

    from chalicelib.api.auth import issue_key
    from tests.aws.api_helpers import api_app, get_json

    code = put_card(credit_code(41), 2025, "700").code
    key = "support/jx-demo-bank-a/报告.csv"
    put(
        aws,
        key,
        f"{HEADER}{code},R-1,loan,,applied,100,,,,,2026-03-02\n{code},R-2,loan,,applied,-1,,,,,x\n".encode(),
    )
    bank_a = issue_key("bank", "A", departments=(), org="jx-demo-bank-a")
    bank_b = issue_key("bank", "B", departments=(), org="jx-demo-bank-b")
    admin = issue_key("admin", "admin", departments=())
    with Client(api_app()) as client:
        status, body = get_json(client, f"/support/files?key={key}", bank_a)
        assert status == 404 and body["code"] == "SUPPORT_NOT_FOUND"  # not processed yet
        ingest(aws)
        status, report = get_json(client, f"/support/files?key={key}", bank_a)
        assert status == 200 and report["status"] == "completed", report
        assert report["rows"]["accepted"] == 1 and report["row_errors"][0]["row"] == 3
        assert get_json(client, f"/support/files?key={key}", admin)[0] == 200
        assert get_json(client, f"/support/files?key={key}", bank_b)[0] == 404  # another bank's file
        assert get_json(client, "/support/files?key=incoming/tax/a.csv", admin)[0] == 404
