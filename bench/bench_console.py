"""The web console in headless Chromium against the local stack: how long each page takes. Nothing asserted.

    python -m bench.bench_console [ENTERPRISES]   (default 60; the sample province seeded through S3)

Starts `scripts.local_stack` on free ports, then measures in a fresh browser profile: the first load
of /console/ until the sign-in form is usable (cold cache), the same after a reload (warm cache), the
sign-in until the first page has rendered, and a portrait with its two charts (the chart library's
first download included, then from the cache). Also the bytes the browser fetched for each. The
target in the issue: the first page in under 1 s on the local stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = "() => { const v = document.querySelector('main .view'); return v && v.dataset.ready; }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_stack(enterprises: int, local: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SEED="1" if enterprises else "0",
        ENTERPRISES=str(enterprises),
        MOTO_PORT=str(_free_port()),
        API_PORT=str(_free_port()),
        LOCAL_DIR=str(local),
    )
    log_path = local / "stack.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.local_stack"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 900
    while "ready." not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log = log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"the local stack did not come up:\n{log}")
        time.sleep(0.5)
    return proc, json.loads((local / "stack.json").read_text(encoding="utf-8"))


class Meter:
    """Bytes received by one page, from the responses' bodies."""

    def __init__(self, page: Any) -> None:
        self.bytes = 0
        page.on("response", self._count)

    def _count(self, response: Any) -> None:
        with contextlib.suppress(ValueError):  # the size the server declared for the body
            self.bytes += int(response.headers.get("content-length", 0))


SLOWEST = """() => {
  const slow = performance.getEntriesByType("resource").sort((a, b) => b.duration - a.duration).slice(0, 3)
    .map((e) => `${new URL(e.name).pathname} ${Math.round(e.duration)} ms`);
  performance.clearResourceTimings();
  return slow;
}"""


def _timed(label: str, meter: Meter, action: Callable[[], object], page: Any) -> None:
    before = meter.bytes
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"{label:<52} {elapsed * 1000:8.0f} ms {(meter.bytes - before) / 1024:10.1f} KiB")
    print(f"{'':<4}slowest requests: {', '.join(page.evaluate(SLOWEST))}")


def _top_code(stack: dict[str, Any]) -> str | None:
    request = urllib.request.Request(
        f"{stack['api_url']}/whitelist?limit=1", headers={"X-API-Key": stack["api_keys"]["bank"]}
    )
    with urllib.request.urlopen(request, timeout=20) as answer:
        items = json.loads(answer.read())["items"]
    return str(items[0]["credit_code"]) if items else None


def _measure(page: Any, stack: dict[str, Any]) -> None:
    meter = Meter(page)
    form = page.get_by_label("API 密钥")
    url = stack["api_url"] + "/console/"
    _timed(
        "first load, cold cache: sign-in form usable", meter, lambda: (page.goto(url), form.wait_for()), page
    )
    _timed("reload, warm cache: sign-in form usable", meter, lambda: (page.reload(), form.wait_for()), page)

    def sign_in() -> None:
        form.fill(stack["api_keys"]["admin"])
        page.get_by_role("button", name="登录").click()
        page.wait_for_function(READY)

    _timed("sign-in (admin) to the first page rendered", meter, sign_in, page)
    code = _top_code(stack)
    if code is None:
        return

    def visit(target: str, wait: str) -> Callable[[], None]:
        def run() -> None:
            page.evaluate("h => { location.hash = h; }", target)
            page.wait_for_function(wait)

        return run

    charts = "() => document.querySelector('#history-chart')?.dataset.ready"
    _timed("portrait and charts, first (library fetched)", meter, visit(f"#/enterprise/{code}", charts), page)
    visit("#/whitelist", "() => document.querySelector('main .view')?.dataset.page === 'whitelist'")()
    _timed(
        "portrait with charts, again (library cached)",
        meter,
        visit(f"#/enterprise/{code}?again", charts),
        page,
    )


def main(enterprises: int) -> None:
    if not Path(CHROMIUM).exists():
        print(f"skipped: no Chromium at {CHROMIUM} (apt-get install -y chromium fonts-wqy-microhei)")
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        started = time.perf_counter()
        proc, stack = _start_stack(enterprises, Path(tmp))
        print(f"local stack with {enterprises} enterprises up in {time.perf_counter() - started:.1f} s")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                _measure(browser.new_context(viewport={"width": 1440, "height": 900}).new_page(), stack)
                browser.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
