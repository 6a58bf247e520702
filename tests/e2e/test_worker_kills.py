"""The local stack survives killed workers as Lambda does: a small sample province seeded twice, once
clean and once with the ingest worker SIGKILLed mid-file and a rescore worker mid-batch (`KILL_AT`,
scripts/pollers.py); the supervisor restarts them, their messages come back after the visibility
timeout, and every card, whitelist and policy event, 赣企通 push and report figure ends the same.

Which intermediate states a run passes through depends on how rescores interleave with ingest (in any
run, killed or not), so events are compared as what must hold whatever the interleaving: per
(enterprise, period) and per (policy, enterprise) the sequences run 1..n without a gap or a double,
alternate, and end in the state both runs agree on; `entered - left` per region is compared exactly.
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
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = {"SEED": "1", "ENTERPRISES": "30", "REPORTS_EVERY_S": "3", "QUEUE_VISIBILITY_S": "8"}
KILLS = "ingest-1:BatchWriteItem:4,rescore-1:TransactWriteItems:5"
PERIOD = 2025


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(stack: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack["endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _scan(stack: dict[str, Any], table: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    ddb, plain = _client(stack, "dynamodb"), TypeDeserializer()
    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=f"innovation-points-dev-{table}"):
        items.extend({k: plain.deserialize(v) for k, v in item.items()} for item in page["Items"])
    return items


def _get(stack: dict[str, Any], path: str) -> Any:
    req = urllib.request.Request(stack["api_url"] + path, headers={"X-API-Key": stack["api_keys"]["admin"]})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attrs[n]) for n in names)


def _settle(stack: dict[str, Any], timeout: float = 240) -> None:
    """Until no queue holds a message, the outbox has nothing pending, and a report was built after."""
    sqs = _client(stack, "sqs")
    queues = ["uploads_queue_url", "rescore_queue_url", "jobs_queue_url", "policy_delivery_queue_url"]
    deadline = time.monotonic() + timeout
    quiet_since: str | None = None
    while time.monotonic() < deadline:
        busy = any(_depth(sqs, stack[q]) for q in queues) or any(
            o["status"] != "sent" for o in _scan(stack, "outbox")
        )
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        elif _get(stack, f"/reports/regions?period={PERIOD}")["as_of"] > quiet_since:
            return
        time.sleep(2)
    pytest.fail("the stack did not settle")


def _figures(stack: dict[str, Any], local: Path) -> dict[str, Any]:
    heads = [p for p in _scan(stack, "policies") if p["sk"] == "HEAD"]
    titles = {p["policy_id"]: json.loads(p["doc"])["title"] for p in heads}
    cards = sorted(
        (c["credit_code"], int(c["period"]), c.get("kind"), str(c.get("score")), c.get("grade"), bool(c.get("wl_listed")))  # noqa: E501
        for c in _scan(stack, "scores")
        if str(c["sk"]).startswith("S#")
    )  # fmt: skip
    # events carry a type; an objection correction's rescore request (contract 16) does not
    outbox = [json.loads(o["body"]) for o in _scan(stack, "outbox")]
    whitelist = [b for b in outbox if str(b.get("type", "")).startswith("whitelist.")]
    policy = [b for b in outbox if str(b.get("type", "")).startswith("policy.")]
    wl_final = _chains(whitelist, lambda b: (b["credit_code"], b["period"]), "whitelist.entered")
    policy_final = _chains(policy, lambda b: (titles[b["policy_id"]], b["credit_code"]), "policy.matched")
    received = set()
    sqs = _client(stack, "sqs")
    while got := sqs.receive_message(
        QueueUrl=stack["whitelist_subscriber_queue_url"], MaxNumberOfMessages=10
    ).get("Messages", []):
        for m in got:
            received.add(json.loads(m["Body"])["id"])
            sqs.delete_message(
                QueueUrl=stack["whitelist_subscriber_queue_url"], ReceiptHandle=m["ReceiptHandle"]
            )
    assert received == {b["id"] for b in whitelist}, "the whitelist topic lost events"
    pushes = [
        json.loads(line)["body"] for line in (local / "ganqitong.jsonl").read_text().splitlines() if line
    ]
    matches = sorted(
        (titles[m["policy_id"]], m["credit_code"], bool(m["matched"]), int(m["sequence"]), m.get("delivery_state"))  # noqa: E501
        for m in _scan(stack, "policy-matches")
    )  # fmt: skip
    for title, code, matched, sequence, delivery in matches:  # each current match pushed, as its event
        assert policy_final[(title, code)] == (sequence, matched)  # the item agrees with its events
        pushed = {
            (p["sequence"])
            for p in pushes  # policy pushes (赣企通 also hears objection.resolved, contract 16)
            if "policy_id" in p and titles[p["policy_id"]] == title and p["credit_code"] == code
        }
        assert (sequence in pushed and delivery == "delivered") if matched else delivery is None
    report = _get(stack, f"/reports/regions?period={PERIOD}&level=district")
    return {  # how many moves each made depends on the interleaving: where each ended does not
        "cards": cards,
        # where each ended: listed (matched) at the end, or not; an enterprise that entered and left
        # inside one run's interleaving ends where one that never moved does (outside)
        "whitelist": sorted(k for k, (_, listed) in wl_final.items() if listed),
        "policy": sorted(k for k, (_, matched) in policy_final.items() if matched),
        "matches": [(t, c, m, d) for t, c, m, _, d in matches],
        "report": _net(report),
    }


def _chains(events: list[dict[str, Any]], key: Any, on: str) -> dict[Any, tuple[int, bool]]:
    """Per key: the events' sequences run 1..n, each once, the in/out ones alternating; (n, in at the end)."""
    by_key: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for body in events:
        by_key[key(body)].append(body)
    final: dict[Any, tuple[int, bool]] = {}
    for k, chain in by_key.items():
        chain.sort(key=lambda b: b["sequence"])
        assert [b["sequence"] for b in chain] == list(range(1, len(chain) + 1)), (k, chain)
        # a product's enterprise moved onto other terms is offered again (contract 18): no move
        kept = [b for b in chain if not str(b["type"]).endswith("grade_changed")]
        moves = [
            b["type"] == on
            for n, b in enumerate(kept)
            if not (
                n and b["type"] == kept[n - 1]["type"] == on and b.get("terms") != kept[n - 1].get("terms")
            )
        ]
        assert all(a != b for a, b in pairwise(moves)), (k, chain)
        final[k] = (len(chain), moves[-1] if moves else False)
    return {k: v for k, v in sorted(final.items(), key=lambda kv: str(kv[0]))}


def _net(report: Any) -> Any:
    """The report without its build time; `entered`/`left` as their difference (the interleaving decides
    how many intermediate moves a run makes, not where it ends)."""
    if isinstance(report, dict):
        out = {k: _net(v) for k, v in report.items() if k not in ("as_of", "entered", "left")}
        if "entered" in report:
            out["net_entered"] = report["entered"] - report["left"]
        return out
    if isinstance(report, list):
        return [_net(v) for v in report]
    return report


def _run(local: Path, kill_at: str | None) -> tuple[dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "KILL_AT"}
    env.update(SAMPLE)
    env.update({"MOTO_PORT": str(_free_port()), "API_PORT": str(_free_port()), "LOCAL_DIR": str(local)})
    if kill_at:
        env["KILL_AT"] = kill_at
    log_path = local / "stack.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.local_stack"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 400
            while b"ready." not in log_path.read_bytes():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "the stack did not get ready:\n" + log_path.read_text(errors="replace")[-4000:]
                    )
                time.sleep(1)
            stack = json.loads((local / "stack.json").read_text(encoding="utf-8"))
            _settle(stack)
            return _figures(stack, local), log_path.read_text(errors="replace")
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                pytest.fail(
                    "the stack did not stop on Ctrl-C:\n" + log_path.read_text(errors="replace")[-4000:]
                )


def test_killed_workers_lose_and_double_nothing(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "killed").mkdir()
    clean, _ = _run(tmp_path / "clean", None)
    killed, log = _run(tmp_path / "killed", KILLS)
    assert "[supervisor] worker ingest-1 died (exit code -9): restarted" in log
    assert "[supervisor] worker rescore-1 died (exit code -9): restarted" in log
    assert clean["cards"] and clean["policy"] and clean["whitelist"]
    for part in ("cards", "whitelist", "policy", "matches", "report"):
        assert killed[part] == clean[part], part
