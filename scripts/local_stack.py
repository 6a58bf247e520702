"""`make run`: the whole service on one machine, against moto's server.

moto on 127.0.0.1:$MOTO_PORT (S3, SQS, SNS, DynamoDB), `chalice local` on 127.0.0.1:$API_PORT, and
pollers that hand each queue's messages to the same Lambda handlers AWS would call (through
chalice.test's Lambda client), honouring `batchItemFailures`; the outbox relay is drained on a
short timer, and the report builder runs on a timer and whenever a rescore burst settles. Sample
data is uploaded through S3 as departments would (SEED=0 skips it).
Writes `.local/stack.json` once ready; Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("LOCAL_DIR", ROOT / ".local"))
ACCOUNT = "123456789012"


def _environment() -> dict[str, str]:
    from scripts.offline_aws import use_fake_aws

    use_fake_aws(
        "local",
        region=os.environ.get("AWS_DEFAULT_REGION", "cn-northwest-1"),
        log_level=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    )
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}"
    return dict(os.environ)


class Poller(threading.Thread):
    """Long-polls one queue and invokes one handler with the messages, one invocation at a time."""

    def __init__(self, sqs: Any, queue_url: str, invoke: Callable[[dict[str, Any]], Any], batch: int) -> None:
        super().__init__(daemon=True, name=f"poll-{queue_url.rsplit('/', 1)[-1]}")
        self.sqs, self.queue_url, self.invoke, self.batch = sqs, queue_url, invoke, batch
        self.arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.stopping = threading.Event()
        self.idle = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                got = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                ).get("Messages", [])
            except Exception as exc:  # the server is stopping
                if not self.stopping.is_set():
                    print(f"[{self.name}] receive failed: {exc}", file=sys.stderr)
                    time.sleep(1)
                continue
            if not got:
                self.idle.set()
                continue
            self.idle.clear()
            self._handle(got)

    def _handle(self, messages: list[dict[str, Any]]) -> None:
        from scripts.sqs_events import event_of

        event = event_of(messages, self.arn, os.environ["AWS_REGION"])
        try:
            result = self.invoke(event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception as exc:  # a whole-batch failure: leave every message for redelivery
            print(f"[{self.name}] handler failed: {exc}", file=sys.stderr)
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:  # delete only what the handler did not report as failed (ReportBatchItemFailures)
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )


def main() -> int:
    # A process started in the background by a non-interactive shell (CI) inherits SIGINT ignored,
    # and Python then never raises KeyboardInterrupt: restore it so Ctrl-C / SIGINT always stops us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    env = _environment()
    moto_port = int(os.environ.get("MOTO_PORT", "5000"))
    api_port = int(os.environ.get("API_PORT", "8000"))
    seed = os.environ.get("SEED", "1") != "0"
    enterprises = int(os.environ.get("ENTERPRISES", "500"))  # moto over HTTP is slow: see README

    import logging

    from moto.server import ThreadedMotoServer

    from scripts.moto_speedups import apply_all

    apply_all()  # moto's DynamoDB is O(table) per Query otherwise: make run would take many minutes

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    print(f"moto server on {env['AWS_ENDPOINT_URL']}")

    import boto3

    from chalicelib.settings import get_settings
    from scripts.provision import provision

    resources = provision(get_settings())
    os.environ["RESCORE_QUEUE_URL"] = resources.rescore_queue_url
    os.environ["WHITELIST_TOPIC_ARN"] = resources.whitelist_topic_arn
    standin = _start_ganqitong(resources)
    os.environ["JOBS_QUEUE_URL"] = resources.jobs_queue_url
    get_settings.cache_clear()
    settings = get_settings()

    session = boto3.session.Session(region_name=settings.region)
    sqs = session.client("sqs")
    sns = session.client("sns")
    demo_url = sqs.create_queue(QueueName="innovation-points-dev-whitelist-subscriber")["QueueUrl"]
    demo_arn = sqs.get_queue_attributes(QueueUrl=demo_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=resources.whitelist_topic_arn,
        Protocol="sqs",
        Endpoint=demo_arn,
        Attributes={"RawMessageDelivery": "true"},
    )

    api_keys = _create_api_keys()
    bank_keys = _create_bank_keys()
    api_keys["bank"] = bank_keys[next(iter(bank_keys))]  # contract 7: api_keys.bank is one of them

    from chalice.test import Client

    import app as application

    client = Client(application.app, stage_name="dev")
    lambdas = client.lambda_
    lock = threading.Lock()  # one handler invocation at a time in this process, like one Lambda each

    def invoker(name: str) -> Callable[[dict[str, Any]], Any]:
        def run(event: dict[str, Any]) -> Any:
            with lock:
                return lambdas.invoke(name, event).payload

        return run

    pollers = [
        Poller(sqs, resources.uploads_queue_url, invoker("ingest"), 1),
        Poller(sqs, resources.rescore_queue_url, invoker("rescore"), 10),
        Poller(sqs, resources.policy_delivery_queue_url, invoker("deliver_policies"), 10),
        Poller(sqs, resources.jobs_queue_url, invoker("jobs"), 1),
    ]
    for p in pollers:
        p.start()
    stopping = threading.Event()

    def relay() -> None:
        while not stopping.wait(2):
            try:
                with lock:
                    lambdas.invoke("relay_outbox", _scheduled_event(os.environ["AWS_REGION"]))
            except Exception as exc:
                print(f"[relay] {exc}", file=sys.stderr)

    threading.Thread(target=relay, daemon=True, name="relay").start()

    def build_reports() -> None:
        # The schedule (rate(1 minute) in AWS; every REPORTS_EVERY_S here), and at once when a rescore
        # burst settles, so that reports reflect a rescore well within 2 minutes.
        every = float(os.environ.get("REPORTS_EVERY_S", "10"))
        rescoring = next(p for p in pollers if p.queue_url == resources.rescore_queue_url)
        last, busy = 0.0, False
        while not stopping.wait(1):
            busy = busy or not rescoring.idle.is_set()
            if (busy and rescoring.idle.is_set()) or time.monotonic() - last >= every:
                busy, last = False, time.monotonic()
                try:  # its own Lambda (concurrency 1): a long rebuild must not hold up ingest and rescore
                    lambdas.invoke("build_reports", _scheduled_event(os.environ["AWS_REGION"]))
                except Exception as exc:
                    print(f"[build_reports] {exc}", file=sys.stderr)

    threading.Thread(target=build_reports, daemon=True, name="build-reports").start()

    LOCAL.mkdir(parents=True, exist_ok=True)
    api_log_path = LOCAL / "api.log"
    api_log = api_log_path.open("wb")
    api = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chalice"),
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(api_port),
            "--stage",
            "dev",
            # the reloader runs the server in a child that outlives terminate(), and restarts it on
            # every file written in the tree, a log or .local/ included (STACK-NOTES)
            "--no-autoreload",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=api_log,  # a file, not a pipe: chalice local logs every request and would block on a full pipe
    )
    _wait_for_api(api_port, api, api_log_path)
    stack = {
        "region": settings.region,
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "api_url": f"http://127.0.0.1:{api_port}",
        "api_pid": api.pid,
        "upload_bucket": settings.upload_bucket,
        "whitelist_topic_arn": resources.whitelist_topic_arn,
        "api_keys": api_keys,
        "bank_keys": bank_keys,
        "uploads_queue_url": resources.uploads_queue_url,
        "rescore_queue_url": resources.rescore_queue_url,
        "whitelist_subscriber_queue_url": demo_url,
        "policy_topic_arn": resources.policy_topic_arn,
        "ganqitong_url": standin.url,
        # relative to the checkout when it lies inside it (contract 13), absolute otherwise
        "ganqitong_log": str(
            standin.log_path.relative_to(ROOT) if standin.log_path.is_relative_to(ROOT) else standin.log_path
        ),
        "policy_delivery_queue_url": resources.policy_delivery_queue_url,
        "jobs_queue_url": resources.jobs_queue_url,
    }
    (LOCAL / "stack.json").write_text(json.dumps(stack, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"API on {stack['api_url']} (try: curl {stack['api_url']}/health)")
    print(f"stack description with API keys: {LOCAL / 'stack.json'}")
    print(f"web console: {stack['api_url']}/console/ (paste a key from {LOCAL / 'stack.json'})")

    if seed:
        _seed(session, settings.upload_bucket, enterprises, pollers)
        _publish_sample_policies(stack["api_url"], api_keys, pollers, standin)
        _seed_support(stack)

    print("ready. Ctrl-C stops the stack.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            if api.poll() is not None:
                print("chalice local exited:", api_log_path.read_text(errors="replace")[-2000:])
                break
    except KeyboardInterrupt:
        pass
    print("stopping…")
    stopping.set()
    for p in pollers:
        p.stopping.set()
    standin.stop()
    api.terminate()
    try:
        api.wait(timeout=10)
    except subprocess.TimeoutExpired:
        api.kill()
    server.stop()
    return 0


def _start_ganqitong(resources: Any) -> Any:
    """The stand-in 赣企通 receiver (scripts/ganqitong_standin.py), in this process; env for the handlers."""
    from scripts.ganqitong_standin import StandIn

    log = LOCAL / "ganqitong.jsonl"
    standin = StandIn(log, int(os.environ.get("GANQITONG_PORT", "0"))).start()
    os.environ["POLICY_TOPIC_ARN"] = resources.policy_topic_arn
    os.environ["POLICY_DELIVERY_QUEUE_URL"] = resources.policy_delivery_queue_url
    os.environ["GANQITONG_URL"] = standin.url
    os.environ.setdefault("GANQITONG_TOKEN", "local-stand-in-token")
    os.environ.setdefault("GANQITONG_RETRY_BASE_S", "2")  # seconds locally, not minutes
    print(f"stand-in 赣企通 on {standin.url}, logging to {log} (POST /_fail?n=3 makes it fail)")
    return standin


def _publish_sample_policies(
    api_url: str, api_keys: dict[str, str], pollers: list[Poller], standin: Any
) -> None:
    from scripts.sample_policies import publish_samples

    started = time.monotonic()
    period = int(os.environ.get("POLICY_PERIOD", "2025"))
    published = publish_samples(api_url, api_keys, period)
    print(
        f"published {len(published)} sample policies for {period}: "
        + "、".join(p["title"] for p in published)
    )
    time.sleep(2)
    while not all(p.idle.is_set() for p in pollers):
        time.sleep(1)
    print(f"  赣企通 stand-in received {standin.received} pushes ({time.monotonic() - started:.0f} s)")


def _scheduled_event(region: str) -> dict[str, Any]:
    """The EventBridge event a `rate(1 minute)` schedule delivers."""
    from chalicelib.domain.timestamps import now, stamp_s

    return {
        "version": "0",
        "id": "local",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": stamp_s(now()),
        "region": region,
        "resources": [],
        "detail": {},
    }


def _create_api_keys() -> dict[str, str]:
    from chalicelib.api.auth import department_ids, issue_key
    from chalicelib.settings import get_settings

    departments = department_ids(get_settings().model_version)
    roles = ["admin"] + [f"department:{d}" for d in sorted(departments)]
    return {role: issue_key(role, "local stack", departments=departments) for role in roles}


def _create_bank_keys() -> dict[str, str]:
    """One key per demo bank (contract 7: every bank key belongs to an institution)."""
    from chalicelib.api.auth import department_ids, issue_key
    from chalicelib.settings import get_settings
    from scripts.sample_support import DEMO_BANKS

    departments = department_ids(get_settings().model_version)
    return {
        org: issue_key("bank", name, departments=departments, org=org) for org, name in DEMO_BANKS.items()
    }


def _seed_support(stack: dict[str, Any]) -> None:
    """Support records from both demo banks and the science department, through the API as they would."""
    from datetime import UTC, datetime

    from scripts.sample_support import SUBSIDY_DEPARTMENT, seed

    keys = {**stack["bank_keys"], SUBSIDY_DEPARTMENT: stack["api_keys"][f"department:{SUBSIDY_DEPARTMENT}"]}
    started = time.monotonic()
    try:
        counts = seed(stack["api_url"], keys, datetime.now(UTC).date())
    except Exception as exc:  # the stack stays up: sample support data is a nicety, not the service
        print(f"sample support records failed: {exc}", file=sys.stderr)
        return
    written = ", ".join(f"{org} {n}" for org, n in counts.items())
    print(
        f"sample support records written through POST /support ({written}) "
        f"in {time.monotonic() - started:.0f} s"
    )


def _wait_for_api(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("chalice local failed: " + log.read_text(errors="replace")[-4000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("chalice local did not answer within 60 s")


def _seed(session: Any, bucket: str, enterprises: int, pollers: list[Poller]) -> None:
    from scripts.sample_data import generate

    out = LOCAL / "sample"
    files = generate(out, enterprises=enterprises)
    s3 = session.client("s3")
    # master data first, as a province would start; the order does not matter for correctness
    files.sort(key=lambda f: (f.department != "registry", f.key))
    print(f"uploading {len(files)} sample files for {enterprises} enterprises to s3://{bucket}/incoming/…")
    for f in files:
        s3.upload_file(str(f.path), bucket, f.key)
    started = time.monotonic()
    reports = 0
    while reports < len(files) and time.monotonic() - started < 1800:
        time.sleep(3)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="reports/").get("KeyCount", 0)
        if listed != reports:
            reports = listed
            print(f"  {reports}/{len(files)} batch reports written ({time.monotonic() - started:.0f} s)")
    while not all(p.idle.is_set() for p in pollers):
        time.sleep(1)
    print(f"sample data ingested and rescored in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
