"""End to end on the local stack: a province uploaded, scored and published; then the API under load.

    python -m bench.bench_e2e                                  # 10,000 enterprises; 20 clients for 30 s
    python -m bench.bench_e2e --enterprises 500 --seconds 10   # a quick run
    BENCH_E2E_ENTERPRISES=500 BENCH_E2E_SECONDS=10 python -m bench.bench_e2e   # the same from the env

Starts `scripts.local_stack` in a subprocess on free ports (its own `LOCAL_DIR`, `ENTERPRISES=N`), which
generates the sample province, uploads every department's files through S3 at once and follows them
(scripts/stack_progress.py); its figures (`seed.json`) give upload → last batch report, → last card,
→ last whitelist event published and → the region report built after it. Once the stack says
`ready.` (sample policies and support records written too), `--clients` threads call the API over
HTTP (`http.client`, one connection each) for `--seconds`: portraits of random scored enterprises,
whitelist pages (a random city) and rankings pages, in turn; it prints p50/p95 per kind and requests/s.
The stack is stopped with SIGINT (as Ctrl-C) and killed if it does not stop within a minute;
`--timeout` bounds the wait for the seeding.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CITIES = ("3601", "3602", "3603", "3604", "3605", "3606", "3607", "3608", "3609", "3610", "3611")
PERIOD = 2025


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_stack(
    enterprises: int, local: Path, timeout: float, **extra: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """`scripts.local_stack` seeding `enterprises` (0: nothing) on free ports, until it says `ready.`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SEED="1" if enterprises else "0",
        ENTERPRISES=str(enterprises or 1),
        MOTO_PORT=str(_free_port()),
        API_PORT=str(_free_port()),
        LOCAL_DIR=str(local),
        **extra,
    )
    local.mkdir(parents=True, exist_ok=True)
    log_path = local / "stack.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.local_stack"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # our Ctrl-C is not its: stop() signals it
    )
    print(f"local stack pid {proc.pid}, log {log_path}", flush=True)
    deadline = time.monotonic() + timeout
    shown = 0
    try:
        while "ready." not in (text := log_path.read_text(errors="replace")):
            lines = text.splitlines()
            for line in lines[shown:]:  # its progress, as it goes
                if line.startswith("  [") or line.startswith("uploading"):
                    print(f"  | {line.strip()}", flush=True)
            shown = len(lines)
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_stack(proc)
                raise SystemExit(f"the local stack did not get ready within {timeout:.0f} s:\n{text[-3000:]}")
            time.sleep(1)
    except KeyboardInterrupt:  # the stack runs in its own session: stop it, and show its figures so far
        stop_stack(proc)
        print(log_path.read_text(errors="replace")[-3000:], flush=True)
        raise
    return proc, log_path


def stop_stack(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person would; its whole process group killed if it does not stop within a minute."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # whatever of its group outlived it
        os.killpg(proc.pid, signal.SIGTERM)


class Client:
    """One keep-alive connection to the API."""

    def __init__(self, api_url: str, key: str) -> None:
        parts = urlsplit(api_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.key = key
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers={"X-API-Key": self.key})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()  # chalice local may close a kept-alive connection: reconnect once
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, path: str) -> Any:
        status, body = self.get(path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)


def _codes(client: Client) -> list[str]:
    """Credit codes of scored enterprises, from a few rankings pages."""
    codes: list[str] = []
    for city in CITIES:
        page = client.json(f"/rankings?period={PERIOD}&region={city}&limit=50")
        codes.extend(item["credit_code"] for item in page["items"])
    return codes


def load(api_url: str, key: str, clients: int, seconds: float) -> dict[str, list[float]]:
    """`clients` threads for `seconds`; each request's latency in ms per kind (errors under "errors")."""
    codes = _codes(Client(api_url, key))
    if not codes:
        raise SystemExit("no scored enterprise to ask for: the seeding scored nothing")
    kinds = {
        "portrait": lambda rng: f"/enterprises/{rng.choice(codes)}?period={PERIOD}",
        "whitelist": lambda rng: f"/whitelist?period={PERIOD}&region={rng.choice(CITIES)}&limit=20",
        "rankings": lambda rng: f"/rankings?period={PERIOD}&region={rng.choice(CITIES)}&limit=20",
    }
    results: dict[str, list[float]] = {kind: [] for kind in kinds}
    results["errors"] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        api = Client(api_url, key)
        names = list(kinds)
        i = n
        while time.monotonic() < deadline:
            kind = names[i % len(names)]
            i += 1
            started = time.perf_counter()
            try:
                status, _ = api.get(kinds[kind](rng))
            except OSError:
                status = 0
            ms = 1000 * (time.perf_counter() - started)
            with lock:
                results[kind if status == 200 else "errors"].append(ms)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return results


def _percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    env = os.environ.get
    parser.add_argument("--enterprises", type=int, default=int(env("BENCH_E2E_ENTERPRISES", "10000")))
    parser.add_argument("--clients", type=int, default=int(env("BENCH_E2E_CLIENTS", "20")))
    parser.add_argument("--seconds", type=float, default=float(env("BENCH_E2E_SECONDS", "30")))
    parser.add_argument(
        "--timeout", type=float, default=float(env("BENCH_E2E_TIMEOUT_S", "3600")), help="for the seeding"
    )
    args = parser.parse_args()
    print(
        f"end to end on the local stack: {args.enterprises:,} enterprises ({os.cpu_count()} cpus)", flush=True
    )
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        local = Path(tmp)
        started = time.monotonic()
        proc, _ = start_stack(args.enterprises, local, args.timeout)
        try:
            print(
                f"  stack ready in {time.monotonic() - started:.0f} s "
                "(start, seeding, sample policies and support)"
            )
            seed = json.loads((local / "seed.json").read_text(encoding="utf-8"))
            report_seed(seed)
            stack = json.loads((local / "stack.json").read_text(encoding="utf-8"))
            results = load(stack["api_url"], stack["api_keys"]["bank"], args.clients, args.seconds)
            report_load(results, args.clients, args.seconds)
        finally:
            stop_stack(proc)
            print(f"  stack stopped (exit code {proc.returncode})")


def report_seed(seed: dict[str, Any]) -> None:
    t = seed["timings_s"]

    def at(key: str) -> str:
        return f"{t[key]:7.1f} s" if t.get(key) is not None else "      —"

    print(
        f"  {seed['files']} files, {seed['rows']:,} rows; "
        f"{seed['enterprises_rescored']:,} enterprise rescores, "
        f"{seed['cards_written']:,} cards written, {seed['events_published']:,} whitelist events published"
    )
    needed = seed.get("cards_needed") or 0
    print(
        f"  cards written per card needed: {seed['cards_written'] / max(needed, 1):.2f} "
        f"({seed['cards_written']:,} for {needed:,}; target ≤ 1.2); DynamoDB requests per enterprise for the "
        f"season: {seed['dynamodb_requests'] / max(seed['enterprises'], 1):.2f} (target ≤ 4)"
    )
    print(f"  upload (all files, at once)      → all uploaded          {at('upload_s')}")
    print(f"                                   → last batch report     {at('last_batch_report_s')}")
    print(f"                                   → last card             {at('last_card_s')}")
    print(f"                                   → last whitelist event  {at('last_whitelist_event_s')}")
    print(f"                                   → region report after   {at('last_region_report_s')}")
    print(f"                                   → every queue drained   {at('settled_s')}")
    dynamodb = seed["dynamodb_requests"]
    ops = sorted(
        (
            (op.removeprefix("dynamodb."), v["requests"])
            for op, v in seed["moto_operations"].items()
            if op.startswith("dynamodb.")
        ),
        key=lambda kv: -kv[1],
    )
    print("  DynamoDB requests by operation: " + ", ".join(f"{op} {n:,}" for op, n in ops))
    workers = seed.get("workers", {})
    print(
        "  … by worker: "
        + ", ".join(f"{role} {v.get('dynamodb_requests', 0):,.0f}" for role, v in workers.items())
        + f"; the rest ({dynamodb - sum(v.get('dynamodb_requests', 0) for v in workers.values()):,.0f}): "
        "the stack's relay and report builder"
    )
    print(
        f"  DynamoDB requests: {dynamodb:,} ({dynamodb / max(seed['rows'], 1):.2f} per row); "
        f"CPU seconds: "
        + ", ".join(f"{k} {v:.0f}" for k, v in sorted(seed["cpu_s"].items(), key=lambda kv: -kv[1]))
    )


def report_load(results: dict[str, list[float]], clients: int, seconds: float) -> None:
    total = sum(len(v) for v in results.values())
    print(f"  API under {clients} concurrent clients for {seconds:.0f} s: {total / seconds:,.1f} requests/s")
    for kind, values in results.items():
        if kind == "errors":
            continue
        if values:
            print(
                f"    {kind:<10} {len(values):>6,} requests  p50 {_percentile(values, 50):7.0f} ms"
                f"  p95 {_percentile(values, 95):7.0f} ms  (target p95 < 200 ms)"
            )
    if results["errors"]:
        print(f"    errors: {len(results['errors'])} (non-200 answers or failed connections)")


if __name__ == "__main__":
    main()
