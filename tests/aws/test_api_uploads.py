"""POST /uploads: a presigned POST into the caller's own department folder, size-capped."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.settings import get_settings
from tests.aws.api_helpers import get_json, post_json, put_card


def test_a_department_gets_a_capped_post_for_its_own_folder(
    client: Client, keys: dict[str, str], api_aws: Any
) -> None:
    status, ticket = post_json(client, "/uploads", keys["department:tax"], {"filename": "2025年 税务.csv"})
    assert status == 200, ticket
    assert ticket["key"] == "incoming/tax/2025年 税务.csv" == ticket["fields"]["key"]
    settings = get_settings()
    assert ticket["max_bytes"] == settings.max_upload_bytes
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    assert ["content-length-range", 1, settings.max_upload_bytes] in policy["conditions"]
    assert {"bucket": settings.upload_bucket} in policy["conditions"]
    # the form works: the object lands where the ticket says
    sent = requests.post(
        ticket["url"], data=ticket["fields"], files={"file": ("x.csv", b"credit_code,period\n")}, timeout=10
    )
    assert sent.status_code in (200, 204), sent.text
    import boto3

    s3 = boto3.client("s3", region_name=settings.region)
    assert s3.get_object(Bucket=settings.upload_bucket, Key=ticket["key"])["Body"].read() == (
        b"credit_code,period\n"
    )


@pytest.mark.parametrize(
    "filename",
    ["../tax.csv", "a/b.csv", "a\\b.csv", "report.txt", "report", ".csv", "", "x\n.csv", "x" * 300 + ".csv"],
)
def test_bad_filenames_are_400(client: Client, keys: dict[str, str], api_aws: Any, filename: str) -> None:
    status, body = post_json(client, "/uploads", keys["department:tax"], {"filename": filename})
    assert (status, body["code"]) == (400, "INVALID_FILENAME"), filename


@pytest.mark.parametrize(
    "body", [{}, {"filename": 5}, {"filename": "a.csv", "department": "amr"}, ["a.csv"], "a.csv"]
)
def test_bad_bodies_are_400(client: Client, keys: dict[str, str], api_aws: Any, body: Any) -> None:
    status, problem = post_json(client, "/uploads", keys["department:tax"], body)
    assert status == 400 and problem["code"] in ("INVALID_BODY", "INVALID_FILENAME")


def test_extensions_are_case_insensitive(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    for name in ("A.XLSX", "b.JsonL", "c.Csv"):
        assert post_json(client, "/uploads", keys["department:registry"], {"filename": name})[0] == 200


def test_rescore_is_accepted_as_a_job(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    status, body = post_json(client, "/rescore", keys["admin"], {"period": 2024})
    assert status == 202
    assert (body["status"], body["period"], body["queued"]) == ("accepted", 2024, 0)  # nothing scored yet
    status, job = get_json(client, f"/jobs/{body['job_id']}", keys["admin"])
    assert status == 200
    assert (job["kind"], job["period"], job["status"], job["planned"]) == ("rescore", 2024, "running", False)
    everything = post_json(client, "/rescore", keys["admin"], {})[1]
    assert everything["period"] is None and everything["job_id"] != body["job_id"]
    assert get_json(client, "/jobs/nope", keys["admin"])[1]["code"] == "JOB_NOT_FOUND"
    assert get_json(client, f"/jobs/{body['job_id']}", keys["bank"])[0] == 403
    status, problem = post_json(client, "/rescore", keys["admin"], {"period": 1990})
    assert (status, problem["code"]) == (400, "INVALID_PERIOD")


def test_rescore_answers_how_many_enterprises_it_queued(
    client: Client, keys: dict[str, str], api_aws: Any
) -> None:
    # two enterprises scored for 2024, one of them and a third for 2023: a retired card is not scored
    for code, period in (
        ("91360100MA35F0001F", 2024),
        ("91360100MA35F0002J", 2024),
        ("91360100MA35F0001F", 2023),
        ("91360100MA35F0003M", 2023),
    ):
        put_card(code, period, "500")
    put_card("91360100MA35F0004Q", 2024, "500", kind="retired")
    status, body = post_json(client, "/rescore", keys["admin"], {"period": 2024})
    assert (status, body["queued"]) == (202, 2)
    assert post_json(client, "/rescore", keys["admin"], {"period": 2022})[1]["queued"] == 0
    assert post_json(client, "/rescore", keys["admin"], {})[1]["queued"] == 3  # each enterprise once
