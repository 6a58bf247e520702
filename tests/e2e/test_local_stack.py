"""End to end: `make run`'s stack (moto server + chalice local + pollers) in a subprocess.

Uploads department files through S3 as a department would, reads the batch report, and follows the
data through rescoring to the API and the whitelist subscriber queue.
"""

from __future__ import annotations

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
    deadline = time.monotonic() + timeout
    report_key = "reports/" + key.removeprefix("incoming/") + ".report.json"
    while time.monotonic() < deadline:
        try:
            return dict(json.loads(s3.get_object(Bucket=bucket, Key=report_key)["Body"].read()))
        except s3.exceptions.NoSuchKey:
            time.sleep(0.5)
    pytest.fail(f"no report for {key} within {timeout} s")


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
