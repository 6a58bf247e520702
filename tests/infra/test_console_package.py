"""The web console ships in the Lambda package, and the upload bucket lets it post (CORS)."""

from __future__ import annotations

import zipfile

from chalicelib.api import static
from tests.infra.conftest import Packaged


def test_the_console_files_are_in_the_deployment_package(packaged: Packaged) -> None:
    (archive,) = packaged.path.parent.rglob("deployment.zip")
    with zipfile.ZipFile(archive) as zipped:
        shipped = {n.removeprefix("chalicelib/console/") for n in zipped.namelist() if "/console/" in n}
    assert set(static.catalogue()) <= shipped
    assert {"vendor/echarts.min.js", "vendor/echarts.LICENSE.txt", "vendor/echarts.NOTICE.txt"} <= shipped


def test_the_upload_bucket_takes_the_consoles_posts_only(packaged: Packaged) -> None:
    bucket = packaged.resources["UploadBucket"]["Properties"]
    (rule,) = bucket["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    (origin,) = rule["AllowedOrigins"]
    assert "execute-api" in str(origin) and "*" not in str(origin).replace("https://*.", "")
