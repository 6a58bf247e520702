"""End to end: `make run`'s stack (moto server + chalice local + pollers) in a subprocess.

Uploads department files through S3 as a department would, reads the batch report, and follows the
data through rescoring to the API and the whitelist subscriber queue.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

A = "91350100M000100Y43"
B = "91110108551385082Q"
BAD = "91310115MA1H8R7C6D"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    local = tmp_path_factory.mktemp("local")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {"SEED": "0", "MOTO_PORT": str(_free_port()), "API_PORT": str(_free_port()), "LOCAL_DIR": str(local)}
    )
    log_path = local / "stack.log"
    log = log_path.open("wb")  # a file, not a pipe that nobody drains
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.local_stack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    stack_file = local / "stack.json"
    deadline = time.monotonic() + 180
    while not stack_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = log_path.read_text(errors="replace")
            pytest.fail(f"the local stack did not come up:\n{out[-4000:]}")
        time.sleep(0.5)
    time.sleep(0.5)  # the file is written whole, but give the printer a moment
    info = json.loads(stack_file.read_text(encoding="utf-8"))
    yield info
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the local stack did not stop on Ctrl-C within 60 s:\n" + log_path.read_text()[-4000:])
    finally:
        log.close()
    assert proc.returncode == 0


def _client(stack: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack["endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _wait_report(s3: Any, bucket: str, key: str, timeout: float = 90) -> dict[str, Any]:
    """The finished report: a support file's is first written as "processing" (the uploader sees at once
    that it is being read), and the stack's workers may be caught between the two writes."""
    deadline = time.monotonic() + timeout
    report_key = "reports/" + key.removeprefix("incoming/") + ".report.json"
    while time.monotonic() < deadline:
        try:
            report = dict(json.loads(s3.get_object(Bucket=bucket, Key=report_key)["Body"].read()))
            if report.get("status") != "processing":
                return report
        except s3.exceptions.NoSuchKey:
            pass
        time.sleep(0.5)
    pytest.fail(f"no finished report for {key} within {timeout} s")


def _get(stack: dict[str, Any], path: str, role: str) -> tuple[int, Any]:
    req = urllib.request.Request(stack["api_url"] + path, headers={"X-API-Key": stack["api_keys"][role]})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def test_stack_json_describes_the_stack(stack: dict[str, Any]) -> None:
    assert stack["whitelist_topic_arn"].startswith("arn:aws-cn:sns:")
    roles = set(stack["api_keys"])
    assert {"admin", "bank", "department:tax", "department:registry", "department:stats"} <= roles
    with urllib.request.urlopen(stack["api_url"] + "/health", timeout=10) as resp:
        assert json.loads(resp.read())["status"] == "ok"


def test_upload_through_s3_yields_report_scores_and_events(stack: dict[str, Any]) -> None:
    s3 = _client(stack, "s3")
    bucket = stack["upload_bucket"]
    registry = (
        "统一社会信用代码,企业名称,成立日期,行政区划代码,行业代码\n"
        f"{A},南昌示例科技有限公司,2015年3月5日,360102,C39\n"
        f"{B},赣州示例材料股份有限公司,2012-07-01,360702,C3911\n"
    )
    s3.put_object(Bucket=bucket, Key="incoming/registry/企业名录.csv", Body=registry.encode("gb18030"))
    _wait_report(s3, bucket, "incoming/registry/企业名录.csv")
    tax = (
        "统一社会信用代码,年度,研发费用总额,营业收入,净利润,实缴税费总额\n"
        f'{A},2024,"1,000","10,000",800,300\n'
        f'{A},2025,"2,000","16,000",1500,600\n'
        f"{BAD},2025,1,1,1,1\n"
        f"{B},2025,10,100,1,1\n"
    )
    key = "incoming/tax/2025年 税务 数据.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=tax.encode("gb18030"))
    report = _wait_report(s3, bucket, key)
    assert report["status"] == "completed"
    assert report["department"] == "tax"
    assert report["rows"] == {"total": 4, "accepted": 3, "rejected": 1, "warnings": 0}
    assert [(e["row"], e["code"]) for e in report["row_errors"]] == [(4, "CREDIT_CODE_CHECKSUM")]
    other = {
        "credit_code": A,
        "period": 2025,
        "invention_patents": 12,
        "other_ip": 30,
        "standards_led": 3,
    }
    s3.put_object(Bucket=bucket, Key="incoming/amr/知识产权.jsonl", Body=json.dumps(other).encode())
    sci = "credit_code,period,rd_staff,rd_platforms,high_tech_revenue_ratio,tech_contract_turnover,"
    sci += "awards_projects\n"
    sci += f"{A},2025,60,2,75%,900,2\n"
    s3.put_object(Bucket=bucket, Key="incoming/sci/科技.csv", Body=sci.encode())
    hrss = f"credit_code,period,employees,high_level_talent\n{A},2025,200,4\n"
    s3.put_object(Bucket=bucket, Key="incoming/hrss/社保.csv", Body=hrss.encode())
    for k in ("incoming/amr/知识产权.jsonl", "incoming/sci/科技.csv", "incoming/hrss/社保.csv"):
        assert _wait_report(s3, bucket, k)["status"] == "completed"

    deadline = time.monotonic() + 90
    status, portrait = _get(stack, f"/enterprises/{A}?period=2025", "bank")
    while (status != 200 or portrait.get("score", 0) < 600) and time.monotonic() < deadline:
        time.sleep(1)
        status, portrait = _get(stack, f"/enterprises/{A}?period=2025", "bank")
    assert status == 200, portrait
    assert portrait["whitelisted"] is True
    assert portrait["stage"] == "growth"

    sqs = _client(stack, "sqs")
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not events and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=stack["whitelist_subscriber_queue_url"], WaitTimeSeconds=1)
        events += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    entered = [e for e in events if e["credit_code"] == A and e["period"] == 2025]
    assert entered and entered[0]["type"] == "whitelist.entered"
    assert entered[0]["sequence"] == 1


def _report_when(stack: dict[str, Any], ready: Any, timeout: float = 120) -> dict[str, Any]:
    """The period's city report once `ready(report)` holds (the builder runs on a timer)."""
    deadline = time.monotonic() + timeout
    status, body = _get(stack, "/reports/regions?period=2025", "admin")
    while not (status == 200 and ready(body)) and time.monotonic() < deadline:
        time.sleep(1)
        status, body = _get(stack, "/reports/regions?period=2025", "admin")
    assert status == 200 and ready(body), body
    return dict(body)


def _whitelist_moves(stack: dict[str, Any], code: str, period: int) -> list[str]:
    """The whitelist events (entered/left, not grade changes) published for one enterprise and period,
    in sequence order, read from the outbox table on the stack's moto server."""
    dynamodb = _client(stack, "dynamodb")
    events: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName="innovation-points-dev-outbox"):
        for item in page["Items"]:
            if "topic" in item:  # policy, objection and rescore records; whitelist events have none
                continue
            body = json.loads(item["body"]["S"])
            if body.get("credit_code") == code and body.get("period") == period:
                events.append(body)
    ordered = sorted(events, key=lambda e: int(e["sequence"]))
    assert [int(e["sequence"]) for e in ordered] == list(range(1, len(ordered) + 1)), ordered
    return [e["type"] for e in ordered if e["type"] in ("whitelist.entered", "whitelist.left")]


def _mean_score(stack: dict[str, Any]) -> float:
    scores = [_get(stack, f"/enterprises/{code}?period=2025", "bank")[1]["score"] for code in (A, B)]
    return round(sum(scores) / len(scores) + 1e-9, 2)


def test_region_report_follows_rescores_within_two_minutes(stack: dict[str, Any]) -> None:
    # after the upload test: A (360102, listed) and B (360702, not listed) are scored for 2025
    mean = _mean_score(stack)
    report = _report_when(stack, lambda r: r["province"]["score"]["mean"] == mean)
    cities = {i["region_code"]: i for i in report["items"]}
    assert report["province"]["enterprises"] == 2 and report["province"]["whitelist"] == 1
    # the report counts exactly the whitelist events published for A (contract 10: each event once, in
    # the region it happened in). How many A made on the way depends on the order in which the files'
    # rescores ran (an intermediate left and re-entry are events too, contract 4), so the published
    # events are the reference, and they must alternate, entered first, with no sequence number skipped
    moves = _whitelist_moves(stack, A, 2025)
    assert moves and moves[0] == "whitelist.entered" and moves[-1] == "whitelist.entered", moves
    assert all(a != b for a, b in itertools.pairwise(moves)), moves
    assert cities["3601"]["whitelist"] == 1
    assert cities["3601"]["entered"] == moves.count("whitelist.entered"), (cities["3601"], moves)
    assert cities["3601"]["left"] == moves.count("whitelist.left"), (cities["3601"], moves)
    assert cities["3607"]["enterprises"] == 1 and cities["3607"]["whitelist"] == 0
    req = urllib.request.Request(
        stack["api_url"] + "/reports/regions.csv?period=2025",
        headers={"X-API-Key": stack["api_keys"]["admin"]},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read()
    assert text.startswith("\ufeff地区代码".encode())

    # an update upload changes B's score (B stays off the whitelist: later tests rely on A and B as they
    # are): the report follows within 2 minutes of the rescore
    s3 = _client(stack, "s3")
    key = "incoming/hrss/社保 更正.csv"
    update = f"credit_code,period,employees,high_level_talent\n{B},2025,45,0\n"
    s3.put_object(Bucket=stack["upload_bucket"], Key=key, Body=update.encode())
    assert _wait_report(s3, stack["upload_bucket"], key)["status"] == "completed"
    deadline = time.monotonic() + 60
    while _mean_score(stack) == mean and time.monotonic() < deadline:
        time.sleep(0.5)
    changed = _mean_score(stack)
    assert changed != mean  # precondition: the correction moved A's score
    rescored = time.monotonic()
    _report_when(stack, lambda r: r["province"]["score"]["mean"] == changed, timeout=120)
    assert time.monotonic() - rescored < 120
    status, stats = _get(stack, "/statistics/indicators?period=2025&region=3607", "department:hrss")
    assert status == 200 and stats["indicators"]["employees"]["max"] == 45


def _post(stack: dict[str, Any], path: str, key: str, body: Any) -> tuple[int, Any]:
    req = urllib.request.Request(
        stack["api_url"] + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _ganqitong_lines(stack: dict[str, Any]) -> list[dict[str, Any]]:
    path = Path(stack["ganqitong_log"])
    path = path if path.is_absolute() else ROOT / path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_policy_publish_pushes_to_ganqitong_once_and_an_upload_moves_a_match(stack: dict[str, Any]) -> None:
    """Contract 9 end to end; runs after the upload test above, which made A whitelisted for 2025."""
    assert stack["policy_topic_arn"].startswith("arn:aws-cn:sns:")
    assert stack["ganqitong_url"].startswith("http://127.0.0.1:")
    sqs, sns = _client(stack, "sqs"), _client(stack, "sns")
    queue = sqs.create_queue(QueueName="e2e-policy-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=stack["policy_topic_arn"],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    year = time.gmtime().tm_year
    status, draft = _post(
        stack,
        "/policies",
        stack["api_keys"]["admin"],
        {
            "title": "南昌市科技型企业积分贷贴息",
            "kind": "finance",
            "period": 2025,
            "valid_from": f"{year}-01-01",
            "valid_to": f"{year}-12-31",
            "criteria": {
                "all": [
                    {"field": "whitelisted", "op": "==", "value": True},
                    {"field": "region_code", "op": "prefix", "value": ["3601"]},
                ]
            },
        },
    )
    assert status == 201, draft
    admin = stack["api_keys"]["admin"]
    status, published = _post(stack, f"/policies/{draft['policy_id']}/publish", admin, {})
    assert status == 202 and published["job_id"], published

    def pushed() -> list[dict[str, Any]]:
        return [line for line in _ganqitong_lines(stack) if line["body"]["policy_id"] == draft["policy_id"]]

    deadline = time.monotonic() + 90
    while not pushed() and time.monotonic() < deadline:
        time.sleep(1)
    (line,) = pushed()
    assert line["body"]["credit_code"] == A and line["body"]["type"] == "policy.matched"
    assert line["headers"]["Idempotency-Key"] == line["body"]["id"]

    deadline = time.monotonic() + 60
    state = None
    while state != "delivered" and time.monotonic() < deadline:
        time.sleep(1)
        status, matches = _get(stack, f"/policies/{draft['policy_id']}/matches", "admin")
        assert status == 200, matches
        state = matches["items"][0]["delivery"]["state"] if matches["items"] else None
    assert state == "delivered"
    status, mine = _get(stack, f"/enterprises/{A}/policies?period=2025", "bank")
    assert draft["policy_id"] in [p["policy_id"] for p in mine["items"]]

    # a credit upload makes A a dishonest debtor (a veto): it leaves the whitelist and the policy
    s3 = _client(stack, "s3")
    credit = f"credit_code,period,dishonest_debtor\n{A},2025,是\n"
    s3.put_object(Bucket=stack["upload_bucket"], Key="incoming/credit/失信名单.csv", Body=credit.encode())
    assert _wait_report(s3, stack["upload_bucket"], "incoming/credit/失信名单.csv")["status"] == "completed"
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 90
    while not any(e["type"] == "policy.unmatched" for e in events) and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10)
        events += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    time.sleep(3)  # anything doubled would arrive now
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10)
    events += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    mine_events = [(e["type"], e["sequence"]) for e in events if e["policy_id"] == draft["policy_id"]]
    assert sorted(mine_events) == [("policy.matched", 1), ("policy.unmatched", 2)]
    assert len(pushed()) == 1  # unmatched is not pushed
    status, mine = _get(stack, f"/enterprises/{A}/policies?period=2025", "bank")
    assert draft["policy_id"] not in [p["policy_id"] for p in mine["items"]]


def _process_tree(pid: int) -> set[int]:
    """`pid` and every process below it, from /proc (a restarted server shows up as a new pid)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo += children.get(current, [])
    return tree


def test_the_api_process_stays_the_same_across_200_requests_while_files_change(stack: dict[str, Any]) -> None:
    """The local API must not restart under load, even while files inside the project change (a log,
    `.local/`): a reloading server answers `Connection refused` in bursts."""
    before = _process_tree(stack["api_pid"])
    probe = ROOT / ".local" / "reload-probe.txt"
    probe.parent.mkdir(exist_ok=True)
    failures = []
    try:
        for n in range(200):
            probe.write_text(f"write {n}\n")  # what made the reloader restart the server
            try:
                with urllib.request.urlopen(stack["api_url"] + "/health", timeout=10) as resp:
                    assert resp.status == 200
            except OSError as exc:
                failures.append(f"request {n}: {exc}")
    finally:
        probe.unlink(missing_ok=True)
    assert failures == []
    assert _process_tree(stack["api_pid"]) == before


def test_banks_write_support_through_the_api_and_files(stack: dict[str, Any]) -> None:
    """Runs after the upload test: enterprise A is scored for 2025 (later tests may have moved its score)."""
    banks = stack["bank_keys"]
    card = _get(stack, f"/enterprises/{A}?period=2025", "admin")[1]
    assert len(banks) >= 2 and stack["api_keys"]["bank"] in banks.values()
    org, key = next(iter(banks.items()))
    loan = {
        "credit_code": A,
        "external_ref": "E2E-1",
        "kind": "loan",
        "status": "applied",
        "amount_wan": 300,
        "rate_pct": 3.5,
        "term_months": 12,
        "collateral": "credit",
        "occurred_on": "2026-01-05",
        "period": 2025,
    }
    status, record = _post(stack, "/support", key, loan)
    assert status == 201 and record["org"] == org, record
    copied = (record["score_at_time"], record["grade_at_time"], record["whitelisted_at_time"])
    assert copied == (card["score"], card["grade"], card["whitelisted"])  # from the card relied on
    status, record = _post(stack, "/support", key, {**loan, "status": "approved"})
    assert status == 200 and record["version"] == 2
    other = next(k for o, k in banks.items() if o != org)
    assert _get_key(stack, f"/support/{record['record_id']}", other)[0] == 404

    s3 = _client(stack, "s3")
    text = "credit_code,external_ref,kind,status,amount_wan,occurred_on,period\n"
    text += f"{A},E2E-F1,credit_line,disbursed,100,2026-01-06,2025\n"
    text += f"{A},E2E-F2,loan,disbursed,-1,2026-01-06,2025\n"
    s3.put_object(Bucket=stack["upload_bucket"], Key=f"support/{org}/e2e.csv", Body=text.encode())
    report = _wait_report(s3, stack["upload_bucket"], f"support/{org}/e2e.csv")
    assert report["rows"]["accepted"] == 1 and report["row_errors"][0]["column"] == "amount_wan"
    status, mine = _get_key(stack, f"/enterprises/{A}/support", key)
    assert status == 200 and {r["external_ref"] for r in mine["items"]} == {"E2E-1", "E2E-F1"}


def _get_key(stack: dict[str, Any], path: str, key: str) -> tuple[int, Any]:
    req = urllib.request.Request(stack["api_url"] + path, headers={"X-API-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
