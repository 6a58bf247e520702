"""The 赣企通 POST (issue 23, item 9): a 3xx answer is a failure, and no redirect is followed (a 302
turned the POST into a GET that could be recorded as delivered)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from chalicelib.stores.ganqitong import post_event


class _Receiver(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _answer(self, status: int, location: str | None = None) -> None:
        self.send_response(status)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append(("POST", self.path))
        if self.path.startswith("/moved/"):
            self._answer(int(self.path.rsplit("/", 1)[1]), "/elsewhere")
        else:
            self._answer(200)

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path))
        self._answer(200)


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failure_and_is_not_followed(receiver: str, status: int) -> None:
    outcome = post_event(f"{receiver}/moved/{status}", {"id": "e1"}, "e1", token="t", timeout_s=5)
    assert not outcome.ok
    assert outcome.status == status
    assert _Receiver.seen == [("POST", f"/moved/{status}")]  # nothing went to /elsewhere


def test_a_2xx_is_delivered(receiver: str) -> None:
    outcome = post_event(f"{receiver}/events", {"id": "e1"}, "e1", token="t", timeout_s=5)
    assert outcome.ok and outcome.status == 200
