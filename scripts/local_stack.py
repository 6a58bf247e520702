"""`make run`: the whole service on one machine, against moto's server.

moto on 127.0.0.1:$MOTO_PORT (S3, SQS, SNS, DynamoDB), `chalice local` on 127.0.0.1:$API_PORT, and
pollers that hand each queue's messages to the same Lambda handlers AWS would call (through
chalice.test's Lambda client), honouring `batchItemFailures`, and restarted by a supervisor when one
dies (SIGKILL included: its messages come back after the visibility timeout); the outbox relay is
drained on a short timer, and the report builder runs on a timer and whenever a rescore burst settles. Sample
data is uploaded through S3 as departments would (SEED=0 skips it; SAMPLE_SERVICES=0 keeps that season
and skips the sample policies, products, support records, qualifications and objections after it).
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
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("LOCAL_DIR", ROOT / ".local"))
ACCOUNT = "123456789012"
TWO_INGEST_WORKERS_ABOVE = 10_000  # enterprises (README "Running a province locally")


def ingest_workers_for(enterprises: int, configured: str | None) -> int:
    """Ingest workers: `INGEST_WORKERS` when set, else 1, and 2 for a province over 10,000 enterprises.

    Over 10,000 a department file is over ~6,500 rows: ~14 s at one worker on a quiet machine (~480
    rows/s), far more on a loaded one, so the season's ingest alone passes 5 minutes and consecutive
    files drift towards the rescore delay (30 s) apart, where a burst stops coalescing. Two files at a
    time (AWS runs up to five) halve ingest's share of the wall time and keep the files closer. Below it
    a second worker mostly takes CPU from moto, the stack's wall on 2 cores."""
    if configured:
        return max(1, int(configured))
    return 2 if enterprises > TWO_INGEST_WORKERS_ABOVE else 1


def _environment() -> dict[str, str]:
    from scripts.offline_aws import use_fake_aws

    use_fake_aws(
        "local",
        region=os.environ.get("AWS_DEFAULT_REGION", "cn-northwest-1"),
        log_level=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    )
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}"
    return dict(os.environ)


def _start_moto(port: int) -> subprocess.Popen[bytes]:
    """moto's server in its own process (scripts/moto_server.py): a core of its own, and its own counts."""
    import socket

    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken (another local stack?): set MOTO_PORT")
    log = (LOCAL / "moto.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.moto_server",
            "--port",
            str(port),
            "--stats",
            str(LOCAL / "moto-stats.json"),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                "moto's server failed: " + (LOCAL / "moto.log").read_text(errors="replace")[-4000:]
            )
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto's server did not answer within 60 s")


def _stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def main() -> int:
    # A process started in the background by a non-interactive shell (CI) inherits SIGINT ignored,
    # and Python then never raises KeyboardInterrupt: restore it so Ctrl-C / SIGINT always stops us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    env = _environment()
    moto_port = int(os.environ.get("MOTO_PORT", "5000"))
    api_port = int(os.environ.get("API_PORT", "8000"))
    seed = os.environ.get("SEED", "1") != "0"
    enterprises = int(os.environ.get("ENTERPRISES", "500"))  # ENTERPRISES=20000: a province (README)
    # Lambda stand-ins (scripts/pollers.py): AWS runs up to 10 rescores and 5 ingests at once
    rescore_workers = int(os.environ.get("RESCORE_WORKERS", "2"))
    ingest_workers = ingest_workers_for(enterprises, os.environ.get("INGEST_WORKERS"))

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")

    LOCAL.mkdir(parents=True, exist_ok=True)
    for stale in ("seed.json", "moto-stats.json", "counters.json"):
        (LOCAL / stale).unlink(missing_ok=True)
    moto = _start_moto(moto_port)
    print(f"moto server on {env['AWS_ENDPOINT_URL']} (pid {moto.pid})")
    print(f"workers: {ingest_workers} ingest, {rescore_workers} rescore")
    workers: Any = None
    standin: Any = None
    api: subprocess.Popen[bytes] | None = None
    stopping = threading.Event()
    try:
        import boto3

        from chalicelib.settings import get_settings
        from scripts.pollers import QueueSpec, Workers
        from scripts.provision import local_origins, provision

        resources = provision(get_settings(), console_origins=local_origins(api_port))
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
        enterprise_keys = _create_enterprise_keys()  # contract 16, 19.1: fixed codes, with or without SEED
        city_keys, zone_keys = _create_area_keys()  # contract 15, 19.1: with SEED=0 too
        _merge_sample_zone()  # issue 19: one merged zone (before any ingest reads the catalogue)
        investor_keys = _create_investor_keys()  # contract 18

        # every environment variable the handlers need is set by now: the workers inherit them
        workers = Workers()
        for i in range(ingest_workers):
            workers.add(f"ingest-{i + 1}", [QueueSpec(resources.uploads_queue_url, "ingest", 1)])
        for i in range(rescore_workers):
            workers.add(f"rescore-{i + 1}", [QueueSpec(resources.rescore_queue_url, "rescore", 10)])
        workers.add(
            "jobs-1",
            [
                QueueSpec(resources.jobs_queue_url, "jobs", 1),
                QueueSpec(resources.policy_delivery_queue_url, "deliver_policies", 10),
            ],
        )
        workers.start()

        from chalice.test import Client

        import app as application

        lambdas = Client(application.app, stage_name="dev").lambda_
        schedule = Schedules(lambdas, workers, os.environ["AWS_REGION"], stopping)
        schedule.start()

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
            # a file, not a pipe: chalice local logs every request and would block on a full pipe
            stderr=api_log,
        )
        _wait_for_api(api_port, api, api_log_path)
        workers.wait_started()
        stack = {
            "region": settings.region,
            "endpoint_url": env["AWS_ENDPOINT_URL"],
            "api_url": f"http://127.0.0.1:{api_port}",
            "api_pid": api.pid,
            "upload_bucket": settings.upload_bucket,
            "whitelist_topic_arn": resources.whitelist_topic_arn,
            "api_keys": api_keys,
            "bank_keys": bank_keys,
            "enterprise_keys": enterprise_keys,
            "city_keys": city_keys,
            "zone_keys": zone_keys,
            "investor_keys": investor_keys,
            "uploads_queue_url": resources.uploads_queue_url,
            "rescore_queue_url": resources.rescore_queue_url,
            "whitelist_subscriber_queue_url": demo_url,
            "policy_topic_arn": resources.policy_topic_arn,
            "ganqitong_url": standin.url,
            # relative to the checkout when it lies inside it (contract 13), absolute otherwise
            "ganqitong_log": str(
                standin.log_path.relative_to(ROOT)
                if standin.log_path.is_relative_to(ROOT)
                else standin.log_path
            ),
            "policy_delivery_queue_url": resources.policy_delivery_queue_url,
            "jobs_queue_url": resources.jobs_queue_url,
        }
        (LOCAL / "stack.json").write_text(json.dumps(stack, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"API on {stack['api_url']} (try: curl {stack['api_url']}/health)")
        print(f"stack description with API keys: {LOCAL / 'stack.json'}")
        print(f"web console: {stack['api_url']}/console/ (paste a key from {LOCAL / 'stack.json'})")

        if seed:
            _seed(session, settings.upload_bucket, enterprises, stack, workers, schedule, moto.pid)
        if seed and os.environ.get("SAMPLE_SERVICES", "1") != "0":
            # the service side's samples: ~4.4 pushes to 赣企通 per enterprise at 2,000 (8,800 in ~4 min);
            # at 30,000 about an hour of moto's time, extrapolated. SAMPLE_SERVICES=0 leaves them out
            _publish_sample_policies(stack["api_url"], api_keys, workers, standin)
            products = _publish_sample_products(stack["api_url"], bank_keys, workers)
            _seed_support(stack, products)
            _seed_qualifications(session, settings.upload_bucket, stack, workers)
            _seed_objections(stack)

        restarted = ", ".join(f"{name} {n}x" for name, n in workers.restarts().items())
        print("ready. Ctrl-C stops the stack." + (f" (workers restarted: {restarted})" if restarted else ""))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(1):
                if api.poll() is not None:
                    print("chalice local exited:", api_log_path.read_text(errors="replace")[-2000:])
                    break
                if moto.poll() is not None:
                    print("moto's server exited:", (LOCAL / "moto.log").read_text(errors="replace")[-2000:])
                    break
        except KeyboardInterrupt:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping…")
        stopping.set()
        if workers is not None:
            workers.stop()
        if standin is not None:
            standin.stop()
        if api is not None:
            _stop_process(api)
        _stop_process(moto)
    return 0


BUILD_GAP_PER_BUILD_S: Final = 3.0  # from a report build's start to the next, per second it took


def build_due(since_s: float, last_build_s: float, every_s: float, burst_settled: bool) -> bool:
    """Is a report build due, `since_s` after the last one started (which took `last_build_s`)? On the
    schedule (`every_s`) or when a rescore burst settled, but never sooner than 3x the last build's
    duration after its start, so builds take at most a third of the time. moto answers the builder's
    index Queries by walking the whole table (DynamoDB reads only what they return): at 30,000
    enterprises a build took minutes of moto's one core, and 21 of them left the ingests and rescores
    little of it. On AWS a build takes seconds and the schedule's minute binds first."""
    if since_s < BUILD_GAP_PER_BUILD_S * last_build_s:
        return False
    return burst_settled or since_s >= every_s


class Schedules:
    """The scheduled Lambdas, in this process: the outbox relay (every RELAY_EVERY_S, 10 s here; it only
    takes records older than 30 s that the rescores' own relay left) and the report builder
    (its schedule, REPORTS_EVERY_S here, and at once when a rescore burst settles, so that reports
    reflect a rescore well within 2 minutes). One invocation at a time, each its own Lambda."""

    def __init__(self, lambdas: Any, workers: Any, region: str, stopping: threading.Event) -> None:
        self.lambdas, self.workers, self.region, self.stopping = lambdas, workers, region, stopping
        self.lock = threading.Lock()
        self.reports_built: list[tuple[float, float]] = []  # (started, finished), time.time()
        self.relays: list[tuple[float, float]] = []
        from scripts.pollers import FIELDS, Counters, instrument

        self.counters = Counters([0.0] * len(FIELDS))  # this process's requests and events published
        instrument(self.counters)

    def published(self) -> float:
        """Whitelist events the scheduled drain published (the rescores publish theirs themselves)."""
        return self.counters.get("published")

    def last_published(self) -> float:
        return self.counters.get("published_at")

    def relayed_after(self, t: float) -> bool:
        """Has a drain of the outbox started after `t` and finished?"""
        return any(started > t for started, _ in list(self.relays))

    def built_after(self, t: float) -> float | None:
        """When the first report build that started after `t` finished (None: none yet)."""
        return next((done for started, done in list(self.reports_built) if started > t), None)

    def start(self) -> None:
        threading.Thread(target=self._relay, daemon=True, name="relay").start()
        threading.Thread(target=self._build_reports, daemon=True, name="build-reports").start()

    def _invoke(self, name: str, log: list[tuple[float, float]]) -> None:
        started = time.time()
        try:
            with self.lock:
                self.lambdas.invoke(name, _scheduled_event(self.region))
        except Exception as exc:
            print(f"[{name}] {exc}", file=sys.stderr)
            return
        log.append((started, time.time()))

    def _relay(self) -> None:
        every = float(os.environ.get("RELAY_EVERY_S", "10"))  # AWS: rate(1 minute)
        while not self.stopping.wait(every):
            self._invoke("relay_outbox", self.relays)

    def _build_reports(self) -> None:
        # AWS's rate(1 minute): at 20,000 enterprises a build takes tens of seconds of moto's time, and
        # every 10 s the builder ran back to back through a province's seeding
        every = float(os.environ.get("REPORTS_EVERY_S", "60"))
        last, busy, seen = 0.0, False, 0.0
        while not self.stopping.wait(1):
            rescored = self.workers.total("invocations", ["rescore"])
            busy = busy or rescored != seen or not self.workers.idle(["rescore"])
            seen = rescored
            settled = self.workers.idle(["rescore"])
            since = time.monotonic() - last
            if build_due(since, self._last_build_s(), every, busy and settled):
                busy, last = False, time.monotonic()
                self._invoke("build_reports", self.reports_built)

    def _last_build_s(self) -> float:
        if not self.reports_built:
            return 0.0
        started, finished = self.reports_built[-1]
        return finished - started


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


def _publish_sample_policies(api_url: str, api_keys: dict[str, str], workers: Any, standin: Any) -> None:
    from scripts.sample_policies import publish_samples

    started = time.monotonic()
    period = int(os.environ.get("POLICY_PERIOD", "2025"))
    published = publish_samples(api_url, api_keys, period)
    print(
        f"published {len(published)} sample policies for {period}: "
        + "、".join(p["title"] for p in published)
    )
    time.sleep(2)
    while not workers.idle():
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


def _create_enterprise_keys() -> dict[str, str]:
    """One key per signed-in sample enterprise (contract 16): their codes are fixed, data or not."""
    from chalicelib.api.auth import department_ids, issue_key
    from chalicelib.settings import get_settings
    from scripts.sample_enterprises import CODES

    departments = department_ids(get_settings().model_version)
    return {
        code: issue_key("enterprise", f"企业 {code}", departments=departments, org=code) for code in CODES
    }


def _seed_objections(stack: dict[str, Any]) -> None:
    """Sample objections (contract 16): one in every status, one overdue, through the API."""
    from scripts.sample_objections import seed

    try:
        counts = seed(stack["api_url"], stack["api_keys"], stack["enterprise_keys"])
    except Exception as exc:  # the stack stays up: sample objections are a nicety, not the service
        print(f"sample objections failed: {exc}", file=sys.stderr)
        return
    if counts:
        print("sample objections: " + ", ".join(f"{status} {n}" for status, n in counts.items()))


def _create_area_keys() -> tuple[dict[str, str], dict[str, str]]:
    """Keys of two cities' science bureaus and two zones' committees (contract 15)."""
    from chalicelib.api.auth import department_ids, issue_key
    from chalicelib.domain.regions import CITIES
    from chalicelib.services.zones import catalogue
    from chalicelib.settings import get_settings
    from scripts.sample_zones import CITY_KEYS, ZONE_KEYS

    departments = department_ids(get_settings().model_version)
    cities = {c: issue_key("city", f"{CITIES[c]}科技局", departments=departments, org=c) for c in CITY_KEYS}
    names = catalogue().zones
    zones = {
        z: issue_key("zone", f"{names[z].name_zh}管委会", departments=departments, org=z) for z in ZONE_KEYS
    }
    return cities, zones


def _merge_sample_zone() -> None:
    """The sample province's merged zone: 吉安河东经开区 into 井冈山经开区 (as PUT /zones/{id} would)."""
    from chalicelib.services.zones import catalogue, put_zone
    from scripts.sample_zones import MERGED

    merged, into = MERGED
    zone = catalogue().zones[merged]
    body = {
        "name_zh": zone.name_zh,
        "level": zone.level,
        "type": zone.type,
        "city_codes": list(zone.city_codes),
    }
    put_zone(merged, body | {"status": "merged", "merged_into": into})


def _create_investor_keys() -> dict[str, str]:
    """One key per demo investor (contract 18: an institution of its own, never a department id)."""
    from chalicelib.api.auth import department_ids, issue_key
    from chalicelib.settings import get_settings
    from scripts.sample_products import DEMO_INVESTORS

    departments = department_ids(get_settings().model_version)
    return {
        org: issue_key("investor", name, departments=departments, org=org)
        for org, name in DEMO_INVESTORS.items()
    }


def _publish_sample_products(
    api_url: str, bank_keys: dict[str, str], workers: Any
) -> dict[str, list[dict[str, Any]]]:
    """Two products per demo bank (contract 18), published through the API and matched."""
    from datetime import UTC, datetime

    from scripts.sample_products import publish_products

    period = int(os.environ.get("POLICY_PERIOD", "2025"))
    try:
        products = publish_products(api_url, bank_keys, period, datetime.now(UTC).year)
    except Exception as exc:  # the stack stays up: sample products are a nicety, not the service
        print(f"sample products failed: {exc}", file=sys.stderr)
        return {}
    time.sleep(2)
    while not workers.idle():
        time.sleep(1)
    titles = [p["title"] for found in products.values() for p in found]
    print(f"published {len(titles)} sample bank products for {period}: " + "、".join(titles))
    return products


def _seed_support(stack: dict[str, Any], products: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """Support records from both demo banks (naming their products), the science department and the
    demo investor (equity), through the API as they would."""
    from datetime import UTC, datetime

    from scripts.sample_support import SUBSIDY_DEPARTMENT, seed

    keys = {
        **stack["bank_keys"],
        **stack.get("investor_keys", {}),
        SUBSIDY_DEPARTMENT: stack["api_keys"][f"department:{SUBSIDY_DEPARTMENT}"],
    }
    started = time.monotonic()
    try:
        counts = seed(stack["api_url"], keys, datetime.now(UTC).date(), products=products)
    except Exception as exc:  # the stack stays up: sample support data is a nicety, not the service
        print(f"sample support records failed: {exc}", file=sys.stderr)
        return
    written = ", ".join(f"{org} {n}" for org, n in counts.items())
    print(
        f"sample support records written through POST /support ({written}) "
        f"in {time.monotonic() - started:.0f} s"
    )


def _seed_qualifications(session: Any, bucket: str, stack: dict[str, Any], workers: Any) -> None:
    """Near-miss enterprises and sci's and miit's qualification files (contract 17), through S3."""
    from datetime import UTC, datetime

    from scripts.sample_qualifications import seed

    started = time.monotonic()
    try:
        found = seed(
            session,
            bucket,
            stack["api_url"],
            stack["api_keys"]["admin"],
            workers,
            LOCAL / "sample" / "qualifications",
            datetime.now(UTC).date(),
        )
    except Exception as exc:  # the stack stays up: sample qualifications are a nicety, not the service
        print(f"sample qualifications failed: {exc}", file=sys.stderr)
        return
    print(f"sample qualifications uploaded ({time.monotonic() - started:.0f} s): {found}")


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


def _seed(
    session: Any,
    bucket: str,
    enterprises: int,
    stack: dict[str, Any],
    workers: Any,
    schedule: Schedules,
    moto_pid: int,
) -> None:
    """Upload the sample province as departments would, and print progress until it is scored."""
    from scripts.sample_data import generate
    from scripts.stack_progress import Watch

    out = LOCAL / "sample"
    files = generate(out, enterprises=enterprises, zone_rolls=True)
    watch = Watch(session, stack, files, workers, schedule, moto_pid, LOCAL, enterprises)
    watch.upload(bucket)
    try:
        watch.follow()
    except KeyboardInterrupt:  # stopped before the end: say where the time went so far
        print("interrupted: the figures so far")
        watch.summary()
        raise
    watch.summary()


if __name__ == "__main__":
    sys.exit(main())
