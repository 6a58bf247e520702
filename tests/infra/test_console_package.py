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
    # one rule, and only when the stage names the console's origin (issue 23: no other host)
    condition, with_origin, without = bucket["CorsConfiguration"]["Fn::If"]
    assert (condition, without) == ("HasConsoleOrigin", {"Ref": "AWS::NoValue"})
    (rule,) = with_origin["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [{"Ref": "ConsoleOrigin"}]
