"""The local stack's Lambda stand-ins: worker processes that poll queues and invoke the same handlers.

Each worker is a process of its own (AWS runs each Lambda invocation in its own sandbox; here a second
core works while another worker waits on moto). In a worker, each poller long-polls one queue and
hands its messages to the handler through chalice.test's Lambda client, one invocation at a time per
worker, honouring `batchItemFailures` (only the messages not reported are deleted). Several rescore
workers are what AWS does too: the rescore event source runs up to 10 concurrent invocations
(`MaximumConcurrency` in infra/resources.yaml), ingest and jobs up to 5.

A worker that dies (an exception out of its loop, the OOM killer, SIGKILL) is restarted by the stack's
supervisor (`Workers.supervise`), as Lambda starts a new sandbox: the messages it held come back after
the queue's visibility timeout (QUEUE_VISIBILITY_S locally, scripts/provision.py) and are handled again,
idempotently. `KILL_AT` makes chosen workers die at chosen points, for the stack test of exactly that
(tests/e2e/test_worker_kills.py): "ingest-1:BatchWriteItem:4,rescore-1:TransactWriteItems:5" SIGKILLs
ingest-1 right after its 4th BatchWriteItem returns and rescore-1 after its 5th transaction, once each
(a restarted worker carries no fault).

Every worker counts into an array shared with the stack's process (`Counters`): invocations, seconds
in handlers, AWS requests and the seconds spent waiting for them (botocore's `_make_api_call`, which
pynamodb uses too), the CloudWatch metrics the handlers emit (rows accepted, enterprises rescored,
cards written, whitelist events), its CPU time, and whether it is busy or found its queues empty.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# What a worker counts; the index of each name is its slot in the shared array.
FIELDS = (
    "invocations",
    "failures",
    "handler_s",
    "aws_requests",
    "aws_s",
    "cpu_s",
    "busy",  # 1 while a handler runs
    "idle",  # 1 once a receive found every queue of the worker empty, 0 when one had messages
    "RowsAccepted",
    "RowsRejected",
    "BatchesFailed",
    "EnterprisesRescored",
    "RescoresCoalesced",  # enterprises of an upload's message left to a later write's message
    "ScoreCardsWritten",
    "WhitelistEvents",
    "ReportsRebuilt",
    "dynamodb_requests",
    "published",  # whitelist events published to SNS (entries of Publish/PublishBatch to that topic)
    # wall-clock times (time.time(), comparable across processes) of the last non-zero addition
    "RowsAccepted_at",
    "ScoreCardsWritten_at",
    "published_at",
)
SLOT = {name: i for i, name in enumerate(FIELDS)}
# Set on a poller's thread around its own receive and delete calls: those are the event source's
# requests, not the handler's (and a long poll's wait is no request time).
_POLLING = threading.local()


@dataclass(frozen=True)
class QueueSpec:
    """One queue a worker polls: its URL, the handler's name in app.py, and the batch size."""

    url: str
    handler: str
    batch: int


class Counters:
    """A view of one worker's shared array (written by the worker, read by the stack)."""

    def __init__(self, array: Any) -> None:
        self.array = array

    def add(self, name: str, value: float = 1.0) -> None:
        self.array[SLOT[name]] += value
        if value and (stamp := SLOT.get(f"{name}_at")) is not None:
            self.array[stamp] = time.time()

    def set(self, name: str, value: float) -> None:
        self.array[SLOT[name]] = value

    def get(self, name: str) -> float:
        return float(self.array[SLOT[name]])


def instrument(counters: Counters) -> None:
    """Count AWS requests (and the wall time they take) and the handlers' metrics in this process."""
    import botocore.client
    from aws_lambda_powertools import Metrics

    client_class: Any = botocore.client.BaseClient  # _make_api_call is private: untyped
    make_api_call = client_class._make_api_call
    topic = os.environ.get("WHITELIST_TOPIC_ARN")

    def counted_call(self: Any, operation: str, params: Any) -> Any:
        if getattr(_POLLING, "on", False):
            return make_api_call(self, operation, params)
        started = time.perf_counter()
        try:
            return make_api_call(self, operation, params)
        finally:
            counters.add("aws_s", time.perf_counter() - started)
            counters.add("aws_requests")
            service = self.meta.service_model.service_name
            if service == "dynamodb":
                counters.add("dynamodb_requests")
            elif service == "sns" and topic and params.get("TopicArn") == topic:
                counters.add("published", len(params.get("PublishBatchRequestEntries", [None])))

    client_class._make_api_call = counted_call

    add_metric = Metrics.add_metric

    def counted_metric(self: Metrics, name: str, unit: Any, value: float, *args: Any, **kwargs: Any) -> None:
        if name in SLOT:
            counters.add(name, value)
        add_metric(self, name, unit, value, *args, **kwargs)

    Metrics.add_metric = counted_metric  # type: ignore[method-assign]


class Poller(threading.Thread):
    """Long-polls one queue and invokes one handler with the messages, one invocation at a time."""

    def __init__(self, sqs: Any, spec: QueueSpec, invoke: Callable[[dict[str, Any]], Any]) -> None:
        super().__init__(daemon=True, name=f"poll-{spec.url.rsplit('/', 1)[-1]}")
        self.sqs, self.spec, self.invoke = sqs, spec, invoke
        self.arn = sqs.get_queue_attributes(QueueUrl=spec.url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.stopping = threading.Event()
        self.idle = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                _POLLING.on = True
                got = self.sqs.receive_message(
                    QueueUrl=self.spec.url,
                    MaxNumberOfMessages=self.spec.batch,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                ).get("Messages", [])
                _POLLING.on = False
            except Exception as exc:  # the server is stopping
                _POLLING.on = False
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
            _POLLING.on = True
            try:
                self.sqs.delete_message_batch(
                    QueueUrl=self.spec.url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            finally:
                _POLLING.on = False


def invoker(
    lambdas: Any, name: str, lock: threading.Lock, counters: Counters | None = None
) -> Callable[[dict[str, Any]], Any]:
    """Invoke handler `name` with an event, one invocation at a time per `lock` (one Lambda instance)."""

    def run(event: dict[str, Any]) -> Any:
        with lock:
            if counters is None:
                return lambdas.invoke(name, event).payload
            counters.set("busy", 1)
            started = time.perf_counter()
            try:
                payload = lambdas.invoke(name, event).payload
            except Exception:
                counters.add("failures")
                raise
            finally:
                counters.add("handler_s", time.perf_counter() - started)
                counters.add("invocations")
                counters.set("busy", 0)
                cpu = os.times()
                counters.set("cpu_s", cpu.user + cpu.system)
            if isinstance(payload, dict) and payload.get("batchItemFailures"):
                counters.add("failures", len(payload["batchItemFailures"]))
            return payload

    return run


def faults(spec: str | None) -> dict[str, tuple[str, int]]:
    """`KILL_AT` parsed: worker name -> (AWS operation, the call after which the worker kills itself)."""
    out: dict[str, tuple[str, int]] = {}
    for part in (spec or "").split(","):
        if part.strip():
            worker, operation, nth = part.strip().split(":")
            out[worker] = (operation, int(nth))
    return out


def arm_fault(operation: str, nth: int) -> None:
    """SIGKILL this process right after the handler's `nth` call of `operation` returns (a sandbox dying
    mid-invocation: what it wrote stays written, nothing after it runs, its messages are not deleted)."""
    import botocore.client

    client_class: Any = botocore.client.BaseClient
    make_api_call = client_class._make_api_call
    calls = 0

    def fatal_call(self: Any, op: str, params: Any) -> Any:
        nonlocal calls
        result = make_api_call(self, op, params)
        if op == operation and not getattr(_POLLING, "on", False):
            calls += 1
            if calls == nth:
                print(f"[fault] SIGKILL after {op} #{nth}", file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        return result

    client_class._make_api_call = fatal_call


def work(
    name: str, specs: Sequence[QueueSpec], array: Any, stopping: Any, fault: tuple[str, int] | None = None
) -> None:
    """A worker process: poll `specs` until `stopping.value` is set (the stack's process sets it).

    A shared flag, not a multiprocessing Event: a process SIGKILLed inside `Event.wait` leaves the
    Event's condition counting a sleeper that never wakes, and the stack's `set()` would wait forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the stack stops us
    # the handlers' log lines, as they happen: block-buffered into the stack's log, a failure stayed unseen
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)
    counters = Counters(array)
    instrument(counters)
    if fault is not None:
        arm_fault(*fault)
    import warnings

    import boto3
    from chalice.test import Client

    import app as application

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")
    lambdas = Client(application.app, stage_name="dev").lambda_
    sqs = boto3.session.Session(region_name=os.environ["AWS_REGION"]).client("sqs")
    lock = threading.Lock()
    pollers = [Poller(sqs, spec, invoker(lambdas, spec.handler, lock, counters)) for spec in specs]
    for p in pollers:
        p.start()
    parent = os.getppid()
    while not stopping.value:
        time.sleep(0.5)
        if os.getppid() != parent:  # the stack was killed outright: do not poll on as an orphan
            break
        counters.set("idle", 1 if all(p.idle.is_set() for p in pollers) else 0)
        cpu = os.times()
        counters.set("cpu_s", cpu.user + cpu.system)
    for p in pollers:
        p.stopping.set()
    for p in pollers:
        p.join(timeout=5)


class Worker:
    """A worker process as the stack sees it: its name, its counters, and how to stop it."""

    def __init__(
        self,
        name: str,
        specs: Sequence[QueueSpec],
        context: Any,
        stopping: Any,
        fault: tuple[str, int] | None = None,
    ) -> None:
        self.name = name
        self.specs = list(specs)
        self.context, self.stopping = context, stopping
        self.counters = Counters(context.Array("d", len(FIELDS), lock=False))
        self.restarts = 0
        self.process = self._process(fault)

    def _process(self, fault: tuple[str, int] | None) -> Any:
        return self.context.Process(
            target=work,
            args=(self.name, self.specs, self.counters.array, self.stopping, fault),
            name=self.name,
            daemon=True,
        )

    def restart(self) -> None:
        """A new process in place of a dead one (no fault: it died once), counters carried on."""
        self.restarts += 1
        self.counters.set("busy", 0)
        self.counters.set("idle", 0)
        self.process = self._process(None)
        self.process.start()

    @property
    def idle(self) -> bool:
        return self.counters.get("idle") == 1 and self.counters.get("busy") == 0


class Workers:
    """Every worker process of the stack, started with `spawn` (no fork of a process holding threads),
    and a supervisor that restarts any that dies."""

    MAX_RESTARTS = 20  # a worker that keeps dying (it cannot even import) is left dead, and said so

    def __init__(self, kill_at: str | None = None) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.stopping = self.context.RawValue("b", 0)  # see `work`: a flag a killed process cannot wedge
        self._stop = threading.Event()
        self.workers: list[Worker] = []
        self._faults = faults(kill_at if kill_at is not None else os.environ.get("KILL_AT"))

    def add(self, name: str, specs: Sequence[QueueSpec]) -> Worker:
        worker = Worker(name, specs, self.context, self.stopping, self._faults.get(name))
        self.workers.append(worker)
        return worker

    def start(self) -> None:
        for w in self.workers:
            w.process.start()
        threading.Thread(target=self.supervise, daemon=True, name="supervisor").start()

    def supervise(self, every: float = 0.5) -> None:
        """Restart every worker process that died, until the stack stops (Lambda's new sandbox)."""
        while not self._stop.wait(every):
            for w in self.workers:
                if w.process.is_alive() or self._stop.is_set():
                    continue
                if w.restarts >= self.MAX_RESTARTS:
                    continue
                print(
                    f"[supervisor] worker {w.name} died (exit code {w.process.exitcode}): restarted",
                    file=sys.stderr,
                    flush=True,
                )
                w.restart()

    def restarts(self) -> dict[str, int]:
        return {w.name: w.restarts for w in self.workers if w.restarts}

    def wait_started(self, timeout: float = 120) -> None:
        """Until every worker has polled its queues once (imports take a second or two each)."""
        deadline = time.monotonic() + timeout
        while not all(w.counters.get("idle") or w.counters.get("invocations") for w in self.workers):
            if time.monotonic() > deadline or any(w.restarts >= self.MAX_RESTARTS for w in self.workers):
                raise SystemExit("a poller process did not start: see the messages above")
            time.sleep(0.2)

    def idle(self, names: Sequence[str] | None = None) -> bool:
        return all(w.idle for w in self.workers if names is None or w.name.split("-")[0] in names)

    def total(self, field: str, names: Sequence[str] | None = None) -> float:
        return sum(
            w.counters.get(field) for w in self.workers if names is None or w.name.split("-")[0] in names
        )

    def latest(self, field: str) -> float:
        """The latest of a `…_at` time over every worker (0 if none)."""
        return max((w.counters.get(field) for w in self.workers), default=0.0)

    def stop(self) -> None:
        self._stop.set()
        self.stopping.value = 1
        for w in self.workers:
            w.process.join(timeout=10)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=5)
