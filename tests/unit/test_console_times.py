"""The console shows every time in China time (`2026-12-05 09:10`) whatever the browser's time zone,
with one function (dom.js `chinaTime`); the API keeps ISO UTC (issue 23, item 17)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CONSOLE = Path(__file__).resolve().parents[2] / "chalicelib" / "console"
NODE = shutil.which("node")
CASES = {
    "2026-12-05T01:10:28.754Z": "2026-12-05 09:10",
    "2026-12-31T16:30:00+00:00": "2027-01-01 00:30",
    "2026-03-20T17:05:59": "2026-03-21 01:05",  # a stamp without a zone is UTC, as the API writes it
    "": "—",
}


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Asia/Shanghai"])
def test_china_time_whatever_the_browsers_zone(tmp_path: Path, zone: str) -> None:
    assert NODE is not None
    shutil.copy(CONSOLE / "dom.js", tmp_path / "dom.mjs")
    script = (
        'import { chinaTime } from "./dom.mjs";\n'
        f"const cases = {json.dumps(list(CASES))};\n"
        "process.stdout.write(JSON.stringify([...cases.map(chinaTime), chinaTime(null),"
        " chinaTime(Date.UTC(2026, 11, 5, 1, 10))]));\n"
    )
    (tmp_path / "run.mjs").write_text(script, encoding="utf-8")
    env = {**os.environ, "TZ": zone}
    out = subprocess.run(
        [NODE, "run.mjs"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(out.stdout) == [*CASES.values(), "—", "2026-12-05 09:10"]


def test_every_time_a_page_shows_goes_through_china_time() -> None:
    """A field named *_at or *as_of shown on a page goes through chinaTime (or utcMillis, for a chart whose
    axis labels chinaTime formats); sorting is not showing."""
    raw: list[str] = []
    for path in sorted(CONSOLE.rglob("*.js")):
        if "vendor" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            shown = re.search(r"\.\w*(_at|as_of)\b", line) and "localeCompare" not in line
            if shown and not re.search(r"(chinaTime|utcMillis)\([^)]*\.\w*(_at|as_of)\b", line):
                raw.append(f"{path.relative_to(CONSOLE)}:{number}: {line.strip()}")
    assert raw == []
