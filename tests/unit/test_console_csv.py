"""The console's CSV export (chalicelib/console/dom.js `csv`) neutralises text cells that would be
formulas and keeps numbers numeric (issue 23, item 11). Run with node when it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

DOM = Path(__file__).resolve().parents[2] / "chalicelib" / "console" / "dom.js"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_console_csv_neutralises_text_cells_only(tmp_path: Path) -> None:
    assert NODE is not None
    shutil.copy(DOM, tmp_path / "dom.mjs")
    rows = [['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "江西某公司", -12.5, 600, None]]
    script = (
        'import { csv } from "./dom.mjs";\n'
        f"process.stdout.write(JSON.stringify(csv(['h'], {json.dumps(rows)})));\n"
    )
    (tmp_path / "run.mjs").write_text(script, encoding="utf-8")
    command = [NODE, "run.mjs"]
    out = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    text = json.loads(out.stdout)
    line = text.lstrip("\ufeff").split("\r\n")[1]
    assert line == '"\'=HYPERLINK(""http://x"")",\'+1,\'-2,\'@SUM(A1),\'\tx,江西某公司,-12.5,600,'
