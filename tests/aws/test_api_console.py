"""The web console's files (GET /console/…): public, typed, cached, never outside their folder; GET /me."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.api import static
from tests.aws.api_helpers import _WORKER, get_json


def _get(client: Client, path: str, headers: dict[str, str] | None = None) -> Any:
    return _WORKER.submit(client.http.get, path, headers=headers or {}).result()


def test_the_page_loads_without_a_key_as_utf8_html_with_its_base(client: Client) -> None:
    answer = _get(client, "/console/")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    # data calls to this API; uploads to the bucket's origin only, not any host (issue 23, item 12)
    connect = next(
        d.split()[1:] for d in answer.headers["Content-Security-Policy"].split(";") if "connect-src" in d
    )
    assert connect[0] == "'self'" and len(connect) == 2
    assert connect[1] == static.upload_origin() and connect[1] not in ("https:", "http:", "*")
    page = answer.body.decode("utf-8")
    assert '<base href="/console/">' in page
    assert "江西省企业创新积分制" in page and '<html lang="zh-CN">' in page


def test_the_base_follows_the_path_the_browser_used(client: Client) -> None:
    # API Gateway puts the stage in the path (/api/console/); the page's relative URLs must follow it
    assert '<base href="/api/console/">' in static.index_for("/api/console/").body
    assert '<base href="/api/console/">' in static.index_for("/api/console").body
    hostile = static.index_for('/console/"><script>alert(1)</script>').body
    assert "<script>alert" not in hostile and 'href="/console/scriptalert1/script/"' in hostile


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/styles.css", "text/css; charset=utf-8"),
        ("/console/pages/enterprise.js", "text/javascript; charset=utf-8"),
        ("/console/vendor/echarts.LICENSE.txt", "text/plain; charset=utf-8"),
    ],
)
def test_files_leave_with_their_content_type(client: Client, path: str, content_type: str) -> None:
    answer = _get(client, path)
    assert answer.status_code == 200, path
    assert answer.headers["Content-Type"] == content_type
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.body == (static.CONSOLE_DIR / path.removeprefix("/console/")).read_bytes()


def test_the_vendored_chart_library_is_cached_for_a_year_the_rest_revalidated(client: Client) -> None:
    library = _get(client, "/console/vendor/echarts.min.js?v=6.1.0")
    assert library.status_code == 200 and len(library.body) > 500_000
    assert library.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _get(client, "/console/app.js").headers["Cache-Control"] == "no-cache"
    # the page asks for the library with the version it was vendored at, so a new version is a new URL
    charts = (static.CONSOLE_DIR / "charts.js").read_text(encoding="utf-8")
    vendored = re.search(r'const VERSION = "([\d.]+)"', charts)
    assert vendored is not None
    assert f'version="{vendored[1]}"' in library.body.decode()


def test_an_unchanged_file_answers_304_to_its_etag(client: Client) -> None:
    first = _get(client, "/console/app.js")
    again = _get(client, "/console/app.js", {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.body in (b"", None)
    stale = _get(client, "/console/app.js", {"If-None-Match": '"something else"'})
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/console/nothing.js",
        "/console/..%2F..%2Fapp.py",
        "/console/..%2Fsettings.py",
        "/console/%2Fetc%2Fpasswd",
        "/console/vendor/..%2F..%2F..%2Fapp.py",
        "/console/api/console.py",
        "/console/index.html",
    ],
)
def test_only_catalogued_files_are_served(client: Client, path: str) -> None:
    answer = _get(client, path)
    assert answer.status_code == 404, path
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert b"CONSOLE_FILE_NOT_FOUND" in answer.body


def test_the_catalogue_holds_the_console_and_nothing_else() -> None:
    names = set(static.catalogue())
    assert {"index.html", "app.js", "vendor/echarts.min.js", "vendor/echarts.LICENSE.txt"} <= names
    assert all(not n.endswith(".py") for n in names)
    # every module the page imports is served: a missing file would break the page silently
    for name in [n for n in names if n.endswith(".js") and not n.startswith("vendor/")]:
        text = static.catalogue()[name].body
        folder = name.rpartition("/")[0]
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', text):
            resolved = (static.CONSOLE_DIR / folder / target).resolve().relative_to(static.CONSOLE_DIR)
            assert resolved.as_posix() in names, (name, target)
    # and preloaded by the page, so that the browser fetches them at once, not import level by level
    page = static.catalogue()["index.html"].body
    modules = {n for n in names if n.endswith(".js") and not n.startswith("vendor/") and n != "app.js"}
    assert set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)) == modules


@pytest.mark.parametrize(
    ("role", "kind", "department"),
    [("admin", "admin", None), ("bank", "bank", None), ("department:tax", "department", "tax")],
)
def test_me_says_who_the_key_belongs_to(
    client: Client, keys: dict[str, str], role: str, kind: str, department: str | None
) -> None:
    status, body = get_json(client, "/me", keys[role])
    assert status == 200
    assert body["role"] == role and body["kind"] == kind and body["department"] == department
    assert body["label"] == f"test {role}" and body["via"] == "api_key"


def test_me_without_or_with_a_wrong_key_is_401(client: Client) -> None:
    assert get_json(client, "/me", None)[0] == 401
    status, body = get_json(client, "/me", "ipk_not-a-key")
    assert status == 401 and body["code"] == "INVALID_API_KEY"


def test_the_upload_bucket_lets_the_console_post(api_aws: Any) -> None:
    from chalicelib.settings import get_settings

    settings = get_settings()
    rules = boto3.client("s3", region_name=settings.region).get_bucket_cors(Bucket=settings.upload_bucket)
    (rule,) = rules["CORSRules"]
    assert rule["AllowedMethods"] == ["POST"] and "http://127.0.0.1:8000" in rule["AllowedOrigins"]
