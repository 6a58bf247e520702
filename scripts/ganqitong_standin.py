"""A stand-in 赣企通 receiver for the local stack and tests: a small `http.server` in the stack process.

    POST /<anything>          a push: appended to the log as {"received_at", "headers": {"Idempotency-Key"},
                              "body"} and answered 200 — unless told to fail or stall
    POST /_fail?n=3&status=500   the next n pushes answer `status` (default 500) and are not logged
    POST /_stall?n=1&seconds=15  the next n pushes wait `seconds` before answering (a timeout for the caller)
    GET  /_health             200

Run alone: `python -m scripts.ganqitong_standin --port 8070 --log .local/ganqitong.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.domain.timestamps import now, stamp


class StandIn:
    def __init__(self, log_path: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.log_path = log_path
        self._lock = threading.Lock()
        self._fail: list[int] = []  # statuses of the next failing pushes
        self._stall: list[float] = []  # seconds of the next stalled pushes
        self.received = 0
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="ganqitong")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/v1/policy-pushes"

    def start(self) -> StandIn:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, n: int, status: int = 500) -> None:
        with self._lock:
            self._fail.extend([status] * n)

    def stall_next(self, n: int, seconds: float) -> None:
        with self._lock:
            self._stall.extend([seconds] * n)

    def lines(self) -> list[dict[str, Any]]:
        text = self.log_path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def _push(self, headers: dict[str, str], raw: bytes) -> int:
        with self._lock:
            status = self._fail.pop(0) if self._fail else None
            stall = self._stall.pop(0) if self._stall else 0.0
        if stall:
            time.sleep(stall)
        if status is not None:
            return status
        try:
            body: Any = json.loads(raw)
        except ValueError:
            return 400
        line = {
            "received_at": stamp(now()),
            "headers": {"Idempotency-Key": headers.get("Idempotency-Key")},
            "body": body,
        }
        with self._lock, self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.received += 1
        return 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet: the log file is the record
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer(200 if urlsplit(self.path).path == "/_health" else 404, {"ok": True})

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if parts.path == "/_fail":
                    standin.fail_next(int(query.get("n", "1")), int(query.get("status", "500")))
                    self._answer(200, {"failing": int(query.get("n", "1"))})
                elif parts.path == "/_stall":
                    standin.stall_next(int(query.get("n", "1")), float(query.get("seconds", "15")))
                    self._answer(200, {"stalling": int(query.get("n", "1"))})
                else:
                    status = standin._push(dict(self.headers.items()), raw)
                    self._answer(status, {"ok": status == 200})

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--log", type=Path, default=Path(".local/ganqitong.jsonl"))
    args = parser.parse_args()
    standin = StandIn(args.log, args.port).start()
    print(f"stand-in 赣企通 on {standin.url}, logging to {args.log}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
