"""The web console in headless Chromium against `make run`'s stack, seeded with a small province.

One stack for the whole session (moto server + chalice local + pollers, in a subprocess on free ports,
`ENTERPRISES` sample enterprises uploaded through S3 as departments would), one browser; each test gets
a fresh page (its own sessionStorage, so its own sign-in). Screenshots go to test-output/console/.

Chromium is Debian's (`apt-get install chromium fonts-wqy-microhei`; `.ci/run` installs it), driven by
the `playwright` package with `executable_path`: no browser is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "console"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium tries outside hosts (component updates, sync) and stalls.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # the browser's own controls (the file chooser's button) in Chinese too
]
ENTERPRISES = 60  # the generator's first eleven cover the eleven cities; ~17 % are whitelisted
DESKTOP = {"width": 1440, "height": 900}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def stack() -> Iterator[dict[str, Any]]:
    # a folder of our own, not pytest's basetemp: pytest prunes old basetemps, and another pytest run
    # on the machine could remove the stack's folder under it
    local = Path(tempfile.mkdtemp(prefix="console-stack-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "SEED": "1",
            "ENTERPRISES": str(ENTERPRISES),
            "MOTO_PORT": str(_free_port()),
            "API_PORT": str(_free_port()),
            "LOCAL_DIR": str(local),
        }
    )
    log_path = local / "stack.log"
    log = log_path.open("wb")
    # its own process group: if it must be killed, chalice local and the rest go with it
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.local_stack"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    # stack.json appears once the API answers; "ready." once the sample province is ingested and scored
    while "ready." not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.fail("the local stack did not come up:\n" + log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.5)
    info = json.loads((local / "stack.json").read_text(encoding="utf-8"))
    info["local_dir"] = str(local)
    yield info
    try:
        _stop(proc)
    finally:
        log.close()
        shutil.rmtree(local, ignore_errors=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person would; the whole group killed if it does not stop within a minute."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # whatever of the group outlived it (chalice local)
        os.killpg(proc.pid, signal.SIGTERM)


@pytest.fixture
def files(stack: dict[str, Any]) -> Path:
    """A folder for the files a test uploads (inside the stack's own folder)."""
    return Path(tempfile.mkdtemp(dir=stack["local_dir"], prefix="upload-"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: apt-get install -y chromium fonts-wqy-microhei (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


class Console:
    """A browser tab on the console, with the helpers the tests share."""

    def __init__(self, page: Any, stack: dict[str, Any], shots: Path) -> None:
        self.page, self.stack, self.shots = page, stack, shots
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))

    @property
    def url(self) -> str:
        return str(self.stack["api_url"]) + "/console/"

    def key(self, role: str) -> str:
        return str(self.stack["api_keys"][role])

    def open(self) -> None:
        """The console's first page, signed out (a key kept in this tab is forgotten first)."""
        if self.page.url.startswith(self.url):
            self.page.evaluate("() => sessionStorage.clear()")
        self.page.goto(self.url)
        self.page.get_by_label("API 密钥").wait_for()

    def sign_in(self, role: str) -> None:
        self.open()
        self.page.get_by_label("API 密钥").fill(self.key(role))
        self.after(lambda: self.page.get_by_role("button", name="登录").click())

    def visit(self, route: str) -> None:
        if self.page.evaluate("() => location.hash") == route:
            return  # already there: setting the same hash changes nothing
        self.after(lambda: self.page.evaluate("route => { location.hash = route; }", route))

    def after(self, action: Callable[[], object]) -> None:
        """Do `action` and wait until the page it leads to has rendered (or shown its error)."""
        seen = self.page.evaluate("() => Number(document.querySelector('main .view')?.dataset.seq || 0)")
        action()
        self.page.wait_for_function(
            "seen => { const v = document.querySelector('main .view');"
            " return v && Number(v.dataset.seq) > seen && v.dataset.ready; }",
            arg=seen,
            timeout=30000,
        )

    def chart(self, selector: str) -> dict[str, Any]:
        """The ECharts option drawn in `selector`, once drawn (what the chart shows, as data)."""
        self.page.wait_for_function(
            "sel => document.querySelector(sel)?.dataset.ready === 'true'", arg=selector, timeout=20000
        )
        option = self.page.evaluate(
            "sel => JSON.parse(JSON.stringify("
            "echarts.getInstanceByDom(document.querySelector(sel)).getOption()))",
            selector,
        )
        return dict(option)

    def accessibility_faults(self) -> list[str]:
        """What the page breaks of the basics: unlabelled fields, tables without column headers, charts
        without a text alternative, menu entries a keyboard cannot reach."""
        faults: list[str] = self.page.evaluate(
            """() => {
              const faults = [];
              for (const el of document.querySelectorAll("main input, main select, main textarea")) {
                const named = el.labels?.length || el.getAttribute("aria-label");
                if (!named) faults.push(`unlabelled ${el.name}`);
              }
              for (const t of document.querySelectorAll("main table")) {
                if (!t.querySelector("thead th[scope=col]")) faults.push("a table without column headers");
                if (!t.querySelector("caption")?.textContent.trim()) faults.push("a table without a caption");
              }
              for (const c of document.querySelectorAll("main .chart")) {
                const described = c.getAttribute("role") === "img" && c.getAttribute("aria-label");
                if (!described) faults.push(`chart ${c.id}`);
              }
              for (const a of document.querySelectorAll("nav#menu a")) {
                if (!a.getAttribute("href") || a.tabIndex < 0) faults.push(`menu entry ${a.textContent}`);
              }
              return faults;
            }"""
        )
        return faults

    def menu(self) -> list[str]:
        return [t.strip() for t in self.page.locator("nav#menu a").all_inner_texts()]

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def api(
        self, path: str, role: str = "admin", body: Any = None, method: str | None = None
    ) -> tuple[int, Any]:
        """Call the API directly (to set up or check what the page shows)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.stack["api_url"] + path,
            data=data,
            method=method or ("GET" if body is None else "POST"),
            headers={"X-API-Key": self.key(role), "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def has_routes(self, *operations: str) -> bool:
        """True when GET /openapi.json lists every "METHOD /path" (path parameters by position)."""
        import re

        document = self.api("/openapi.json")[1]
        served = {
            re.sub(r"{[^}]+}", "{}", f"{method.upper()} {path}")
            for path, item in document["paths"].items()
            for method in item
        }
        return all(re.sub(r"{[^}]+}", "{}", op) in served for op in operations)


@pytest.fixture
def console(browser: Any, stack: dict[str, Any], shots: Path) -> Iterator[Console]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield Console(page, stack, shots)
    context.close()


def needs(console: Console, *operations: str) -> None:
    """Skip a page's test while the API does not serve the routes it needs (the feature is not merged)."""
    if not console.has_routes(*operations):
        pytest.skip(f"the API does not serve {', '.join(operations)} yet: the page is hidden from the menu")
