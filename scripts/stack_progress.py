"""The local stack's seeding, watched: uploads a sample province, prints progress, then where the time went.

Progress comes from cheap sources only: the workers' shared counters (scripts/pollers.py: rows,
enterprises rescored, cards written, events published), one `ListObjectsV2` of the reports, the queues'
approximate depths, and the file moto's server writes its request counts into (scripts/moto_server.py).

The figures are written to `<LOCAL_DIR>/seed.json` at the end (bench/bench_e2e.py reads them):
seconds from the first upload to the last batch report, the last card, the last whitelist event
published and the first region report built after that card; request counts; CPU seconds per process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# Per-request latency of real DynamoDB from a Lambda in the same region, for the estimate printed at the
# end (single-digit milliseconds for GetItem/PutItem; batches and transactions at the upper end).
DYNAMODB_MS = (5.0, 10.0)
UPLOAD_THREADS = 8


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, from /proc (0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Watch:
    def __init__(
        self,
        session: Any,
        stack: dict[str, Any],
        files: Sequence[Any],
        workers: Any,
        schedule: Any,
        moto_pid: int,
        local: Path,
        enterprises: int,
    ) -> None:
        self.s3 = session.client("s3")
        self.sqs = session.client("sqs")
        self.dynamodb = session.client("dynamodb")
        self.stack, self.files, self.workers, self.schedule = stack, list(files), workers, schedule
        self.moto_pid, self.local, self.enterprises = moto_pid, local, enterprises
        self.every = float(os.environ.get("PROGRESS_EVERY_S", "3"))
        self.started = 0.0  # time.time() of the first upload
        self.uploaded = 0.0  # … and of the last
        self.settled = 0.0  # when every queue was drained and every worker idle
        self.cpu_before: dict[str, float] = {}
        self.moto_before: dict[str, Any] = {}

    # --- upload -------------------------------------------------------------------------------------

    def upload(self, bucket: str) -> None:
        """Every department's files at once (master data first, then all the others, in parallel)."""
        rows = sum(f.rows for f in self.files)
        print(f"uploading {len(self.files)} sample files ({rows:,} rows) to s3://{bucket}/incoming/…")
        self.cpu_before = self._cpu()
        self.moto_before = self._moto()
        self.started = time.time()
        masters = [f for f in self.files if f.department == "registry"]
        others = [f for f in self.files if f.department != "registry"]
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for group in (masters, others):  # the order does not matter for correctness, but a
                # province starts with its register: facts before it would warn "not registered"
                list(pool.map(lambda f: self.s3.upload_file(str(f.path), bucket, f.key), group))
        self.uploaded = time.time()

    # --- follow -------------------------------------------------------------------------------------

    def _depth(self, url: str) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",  # upload rescores wait RESCORE_DELAY_S (coalescing)
            ],
        )["Attributes"]
        return sum(int(attrs.get(name, 0)) for name in attrs)

    def _reports(self) -> tuple[int, float]:
        """Batch reports written so far, and the time of the last one."""
        listed = self.s3.list_objects_v2(Bucket=self.stack["upload_bucket"], Prefix="reports/")
        items = listed.get("Contents", [])
        last = max((o["LastModified"].timestamp() for o in items), default=0.0)
        return len(items), last

    def _moto(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.local / "moto-stats.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _cpu(self) -> dict[str, float]:
        cpu = {w.name: _cpu_seconds(w.process.pid) for w in self.workers.workers if w.process.pid}
        cpu["moto"] = _cpu_seconds(self.moto_pid)
        cpu["stack"] = _cpu_seconds(os.getpid())
        if self.stack.get("api_pid"):
            cpu["api"] = _cpu_seconds(int(self.stack["api_pid"]))
        return cpu

    def follow(self, timeout: float = 3600) -> None:
        """Print one line every few seconds until everything uploaded is ingested, scored and published."""
        total = len(self.files)
        uploads, rescore = self.stack["uploads_queue_url"], self.stack["rescore_queue_url"]
        last_cpu, last_t = self._cpu()["moto"], time.time()
        while True:
            time.sleep(self.every)
            now = time.time()
            reports, _ = self._reports()
            queued_uploads, queued_rescores = self._depth(uploads), self._depth(rescore)
            w = self.workers
            moto_cpu = self._cpu()["moto"]
            busy = (moto_cpu - last_cpu) / max(now - last_t, 1e-6)
            last_cpu, last_t = moto_cpu, now
            print(
                f"  [{now - self.started:5.0f} s] files {reports}/{total}"
                f" · rows {w.total('RowsAccepted') + w.total('RowsRejected'):,.0f}"
                f" · enterprises rescored {w.total('EnterprisesRescored'):,.0f}"
                f" · cards written {w.total('ScoreCardsWritten'):,.0f}"
                f" · events published {w.total('published') + self.schedule.published():,.0f}"
                f" · queued: {queued_uploads} uploads, {queued_rescores} rescore messages"
                f" · moto CPU {busy:.0%}{self._builds()}",
                flush=True,
            )
            settled = (
                reports >= total
                and queued_uploads == 0
                and queued_rescores == 0
                and w.idle(["ingest", "rescore"])
            )
            last_card = w.latest("ScoreCardsWritten_at")
            if settled and self.schedule.relayed_after(last_card) and self.schedule.built_after(last_card):
                self.settled = now
                return
            if now - self.started > timeout:
                print(f"  still not settled after {timeout:.0f} s: giving up waiting")
                return

    def _builds(self) -> str:
        built = [
            done - started for started, done in list(self.schedule.reports_built) if started >= self.started
        ]
        return f" · {len(built)} report builds (last {built[-1]:.1f} s)" if built else ""

    # --- summary ------------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Print the figures and where the time went; write them to seed.json."""
        w = self.workers
        _, last_report = self._reports()
        last_card = w.latest("ScoreCardsWritten_at")
        last_event = max(w.latest("published_at"), self.schedule.last_published())
        report_built = self.schedule.built_after(last_card) or 0.0
        t0 = self.started
        timings = {
            "upload_s": self.uploaded - t0,
            "last_batch_report_s": last_report - t0 if last_report else None,
            "last_card_s": last_card - t0 if last_card else None,
            "last_whitelist_event_s": last_event - t0 if last_event else None,
            "last_region_report_s": report_built - t0 if report_built else None,
            "settled_s": self.settled - t0 if self.settled else None,
            "elapsed_s": time.time() - t0,
        }
        cpu_after = self._cpu()
        cpu = {k: round(cpu_after.get(k, 0.0) - self.cpu_before.get(k, 0.0), 1) for k in cpu_after}
        moto_after = self._moto()
        ops_before = self.moto_before.get("operations", {})
        operations = {
            op: {
                "requests": v["requests"] - ops_before.get(op, {}).get("requests", 0),
                "seconds": round(v["seconds"] - ops_before.get(op, {}).get("seconds", 0.0), 1),
            }
            for op, v in moto_after.get("operations", {}).items()
        }
        operations = {op: v for op, v in operations.items() if v["requests"]}
        roles: dict[str, dict[str, float]] = {}
        for worker in w.workers:
            role = roles.setdefault(worker.name.split("-")[0], {})
            for field in ("invocations", "handler_s", "aws_requests", "aws_s", "dynamodb_requests"):
                role[field] = role.get(field, 0.0) + worker.counters.get(field)
        dynamodb = sum(v["requests"] for op, v in operations.items() if op.startswith("dynamodb."))
        cards_needed = self._cards()  # after the snapshot: these counting queries are not the season's
        figures = {
            "enterprises": self.enterprises,
            "files": len(self.files),
            "rows": int(w.total("RowsAccepted") + w.total("RowsRejected")),
            "rows_accepted": int(w.total("RowsAccepted")),
            "enterprises_rescored": int(w.total("EnterprisesRescored")),
            "cards_written": int(w.total("ScoreCardsWritten")),
            "cards_needed": cards_needed,
            "rescores_coalesced": int(w.total("RescoresCoalesced")),
            "events_written": int(w.total("WhitelistEvents")),
            "events_published": int(w.total("published") + self.schedule.published()),
            "timings_s": {k: round(v, 1) if v is not None else None for k, v in timings.items()},
            "cpu_s": cpu,
            "moto_operations": operations,
            "workers": {k: {f: round(x, 1) for f, x in v.items()} for k, v in roles.items()},
            "dynamodb_requests": dynamodb,
            "dynamodb_requests_per_enterprise": round(dynamodb / max(self.enterprises, 1), 2),
            "cards_written_per_card": round(w.total("ScoreCardsWritten") / max(cards_needed, 1), 2),
            "rescore_workers": len([x for x in w.workers if x.name.startswith("rescore")]),
            "report_builds": [
                round(done - started, 1) for started, done in self.schedule.reports_built if started >= t0
            ],
        }
        self._print(figures)
        (self.local / "seed.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
        return figures

    def _cards(self) -> int:
        """Current cards of the sample's periods (COUNT queries on by_period, per city shard): each had to
        be written at least once, on a fresh stack the cards a season needs."""
        from chalicelib.domain.regions import all_shards, period_partition
        from chalicelib.settings import get_settings

        total = 0
        for period in sorted({f.period for f in self.files if getattr(f, "period", None)}):
            for shard in all_shards():
                pages = self.dynamodb.get_paginator("query").paginate(
                    TableName=get_settings().scores_table,
                    IndexName="by_period",
                    KeyConditionExpression="gsi_period = :p",
                    ExpressionAttributeValues={":p": {"S": period_partition(period, shard)}},
                    Select="COUNT",
                )
                total += sum(int(page["Count"]) for page in pages)
        return total

    def _print(self, f: dict[str, Any]) -> None:
        t = f["timings_s"]
        wall = max(v for k, v in t.items() if v is not None and k not in ("settled_s", "elapsed_s"))

        def at(key: str) -> str:
            return f"{t[key]:.0f} s" if t[key] is not None else "—"

        print(
            f"sample province ingested, scored and published in {wall:.0f} s "
            f"(from the first upload: uploads done {at('upload_s')}, "
            f"last batch report {at('last_batch_report_s')}, "
            f"last card {at('last_card_s')}, last whitelist event {at('last_whitelist_event_s')}, "
            f"region report after it {at('last_region_report_s')}; every queue drained "
            f"{at('settled_s')})"
        )
        print(
            f"  {f['rows']:,} rows ({f['rows_accepted']:,} accepted), "
            f"{f['enterprises_rescored']:,} enterprise rescores ({f['rescores_coalesced']:,} left to a later "
            f"upload's message), {f['cards_written']:,} cards written for {f['cards_needed']:,} cards "
            f"({f['cards_written_per_card']:.2f} per card; target ≤ 1.2), "
            f"{f['events_published']:,} whitelist events published"
        )
        print(
            f"  DynamoDB requests: {f['dynamodb_requests']:,}, "
            f"{f['dynamodb_requests_per_enterprise']:.2f} per enterprise for the season (target ≤ 4)"
        )
        cpu = f["cpu_s"]
        print(
            f"  where the time went (CPU seconds; {os.cpu_count()} cores × {t['elapsed_s']:.0f} s = "
            f"{(os.cpu_count() or 1) * t['elapsed_s']:.0f} core-seconds): "
            + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 1)
        )
        for role, v in f["workers"].items():
            if not v["invocations"]:
                continue
            ours = v["handler_s"] - v["aws_s"]
            print(
                f"  {role}: {v['invocations']:.0f} invocations, {v['handler_s']:.0f} s in handlers, of which "
                f"{v['aws_s']:.0f} s waiting for {v['aws_requests']:,.0f} AWS requests "
                f"({v['dynamodb_requests']:,.0f} DynamoDB) and {ours:.0f} s in our code"
            )
        ops = sorted(f["moto_operations"].items(), key=lambda kv: -kv[1]["seconds"])
        total_s = sum(v["seconds"] for _, v in ops)
        total_n = sum(v["requests"] for _, v in ops)
        print(
            f"  moto answered {total_n:,} requests in {total_s:.0f} s of request time "
            f"(CPU {cpu.get('moto', 0):.0f} s); the costliest: "
            + ", ".join(
                f"{op} {v['requests']:,} ({1000 * v['seconds'] / max(v['requests'], 1):.1f} ms each)"
                for op, v in ops[:6]
            )
        )
        builds = f["report_builds"]
        if builds:
            print(
                f"  report builder: {len(builds)} builds, {sum(builds):.0f} s in all, the longest "
                f"{max(builds):.1f} s (every REPORTS_EVERY_S and when a rescore burst settles)"
            )
        n = f["dynamodb_requests"]
        workers = max(1, f["rescore_workers"])
        low, high = (n * ms / 1000 for ms in DYNAMODB_MS)
        print(
            f"  real DynamoDB: {n:,} requests at {DYNAMODB_MS[0]:.0f}–{DYNAMODB_MS[1]:.0f} ms each is "
            f"{low:.0f}–{high:.0f} s of round trips in all; spread over {workers} rescore worker(s) and "
            f"one ingest at a time, about {low / (workers + 1):.0f}–{high / (workers + 1):.0f} s"
        )
