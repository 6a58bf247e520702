"""moto's server in a process of its own, for the local stack and the end-to-end benchmark.

    python -m scripts.moto_server --port 5000 [--stats .local/moto-stats.json]

In the pollers' process, moto and the handlers shared one interpreter lock: on a 2-core machine one
core idled while moto and our code took turns. Alone, moto has a core to itself. The speedups of
`scripts/moto_speedups.py` are applied here, where moto runs (same answers, same request counts).

With `--stats`, every request is counted and timed per service and operation (from the SigV4
credential scope and `X-Amz-Target`: nothing is read from the body), and the totals are written to that
file every second, with this process's CPU time: the stack prints where its time went from them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Stats = dict[str, list[float]]  # "dynamodb.Query" -> [requests, seconds]


def operation_of(environ: dict[str, Any]) -> str:
    """ "dynamodb.BatchWriteItem", "sqs.ReceiveMessage", "s3.PUT", "sns.POST": cheap, from headers only."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    service = scope[3] if len(scope) > 3 else "other"
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    return f"{service}.{environ.get('REQUEST_METHOD', '?')}"


class CountingApp:
    """Wraps moto's WSGI app: requests and seconds (wall, from the call to the last byte) per operation."""

    def __init__(self, app: Callable[..., Iterable[bytes]], profile: bool = False) -> None:
        import cProfile

        self.app = app
        self.stats: Stats = defaultdict(lambda: [0.0, 0.0])
        self.lock = threading.Lock()
        # profiling serialises the requests (one profiler, one request at a time; SQS's long polls are
        # left out): for finding costs only
        self.profiler = cProfile.Profile() if profile else None
        self.profiling = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        op = operation_of(environ)
        if self.profiler is not None and not op.startswith("sqs."):  # a long poll would hold the lock
            with self.profiling:
                self.profiler.enable()
                try:
                    body = list(self.app(environ, start_response))
                finally:
                    self.profiler.disable()
        else:
            body = list(self.app(environ, start_response))  # moto answers whole bodies: nothing streams
        spent = time.perf_counter() - started
        with self.lock:
            entry = self.stats[op]
            entry[0] += 1
            entry[1] += spent
        return body

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            ops = {op: {"requests": int(n), "seconds": round(s, 3)} for op, (n, s) in self.stats.items()}
        cpu = os.times()
        return {"pid": os.getpid(), "cpu_s": round(cpu.user + cpu.system, 2), "operations": ops}


def serve(port: int, stats_path: Path | None, profile: Path | None = None, host: str = "127.0.0.1") -> None:
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from scripts.moto_speedups import apply_all

    apply_all()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    app = CountingApp(DomainDispatcherApplication(create_backend_app), profile=profile is not None)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    stopping = threading.Event()

    parent = os.getppid()

    def watch() -> None:
        """Write the counts every second; stop when the stack that started us is gone (killed outright)."""
        while True:
            if stats_path is not None:
                tmp = stats_path.with_suffix(".tmp")
                tmp.write_text(json.dumps(app.snapshot()), encoding="utf-8")
                tmp.replace(stats_path)  # readers never see half a file
            if stopping.wait(1):
                return
            if os.getppid() != parent:
                stop()

    def stop(*_: Any) -> None:
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    print(f"moto server on http://{host}:{port} (pid {os.getpid()})", flush=True)
    server.serve_forever()
    stopping.set()
    watcher.join(timeout=2)
    if profile is not None and app.profiler is not None:
        app.profiler.dump_stats(str(profile))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    parser.add_argument("--stats", type=Path, help="write request counts and times here every second")
    parser.add_argument(
        "--profile",
        type=Path,
        default=Path(os.environ["MOTO_PROFILE"]) if os.environ.get("MOTO_PROFILE") else None,
        help="cProfile every request (serialised) and dump the stats here on exit (env MOTO_PROFILE)",
    )
    args = parser.parse_args(argv)
    serve(args.port, args.stats, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
