"""Page tokens are never signed with the public default outside the local stage (issue 23, item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.settings import (
    LOCAL_TOKEN_SECRET,
    MissingTokenSecretError,
    from_environ,
    require_token_secret,
)

ROOT = Path(__file__).parents[2]


def test_the_local_stage_signs_with_the_default() -> None:
    settings = from_environ({"APP_STAGE": "local"})
    assert require_token_secret(settings).token_secret == LOCAL_TOKEN_SECRET


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_any_other_stage_needs_token_secret(stage: str) -> None:
    with pytest.raises(MissingTokenSecretError, match="TOKEN_SECRET"):
        require_token_secret(from_environ({"APP_STAGE": stage}))
    settings = from_environ({"APP_STAGE": stage, "TOKEN_SECRET": "s3cret-of-the-stage"})
    assert require_token_secret(settings).token_secret == "s3cret-of-the-stage"


def _start_api(**env: str) -> subprocess.CompletedProcess[str]:
    """Import app.py as the API Lambda does (its handler is app.app)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("TOKEN_SECRET", "APP_STAGE")}
    environ.update({"_HANDLER": "app.app", **env})
    return subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_api_refuses_to_start_without_a_secret_outside_the_local_stage() -> None:
    refused = _start_api(APP_STAGE="prod")
    assert refused.returncode != 0 and "TOKEN_SECRET is not set" in refused.stderr
    assert _start_api(APP_STAGE="prod", TOKEN_SECRET="s3cret-of-the-stage").returncode == 0
    assert _start_api(APP_STAGE="local").returncode == 0
