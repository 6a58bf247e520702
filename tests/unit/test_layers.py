"""The layers of the house (shared/DESIGN.md), kept by a test.

- Nothing outside `chalicelib/stores/` imports the AWS SDKs, pynamodb or the table classes.
- Nothing in `chalicelib/domain/` imports anything but the standard library, pydantic, yaml and other
  domain modules. One named exception: the spreadsheet reader parses XLSX with openpyxl, a pure-Python
  file parser (no AWS, no network), where a hand-written XLSX parser would be the worse choice.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"

AWS_ONLY_IN_STORES = ("pynamodb", "boto3", "botocore", "mypy_boto3", "chalicelib.stores.tables")
DOMAIN_MAY_IMPORT = ("pydantic", "pydantic_core", "typing_extensions", "yaml", "chalicelib.domain")
DOMAIN_EXCEPTIONS = {"chalicelib/domain/validation/readers.py": ("openpyxl",)}


def imported(source: str) -> list[str]:
    """Every module a source imports (absolute names; `from x import y` counts x and x.y)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") or name.startswith(root + "_") for root in roots)


def violations(relative: str, source: str) -> list[str]:
    """What a module at `relative` (path under the repository) imports against the layering rules."""
    found: list[str] = []
    names = imported(source)
    if not relative.startswith("chalicelib/stores/"):
        found += [
            f"{relative}: imports {n} (only stores/ may)" for n in names if _within(n, AWS_ONLY_IN_STORES)
        ]
    if relative.startswith("chalicelib/domain/"):
        allowed = DOMAIN_MAY_IMPORT + DOMAIN_EXCEPTIONS.get(relative, ())
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__" or _within(name, allowed):
                continue
            if name.startswith("chalicelib.domain."):
                continue
            found.append(f"{relative}: imports {name} (the domain is pure)")
    return sorted(set(found))


def test_every_module_keeps_to_its_layer() -> None:
    problems = [
        problem
        for path in sorted(CHALICELIB.rglob("*.py"))
        for problem in violations(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_the_layers_are_there() -> None:
    for layer in ("domain", "services", "stores", "api"):
        assert (CHALICELIB / layer / "__init__.py").is_file(), layer
    assert not [
        p.name
        for p in CHALICELIB.glob("*.py")
        if p.name not in {"__init__.py", "settings.py", "observability.py", "wiring.py"}
    ]


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("chalicelib/services/ingest.py", "import boto3\n"),
        ("chalicelib/services/ingest.py", "from pynamodb.models import Model\n"),
        ("chalicelib/api/queries.py", "from botocore.config import Config\n"),
        ("chalicelib/api/queries.py", "from chalicelib.stores.tables import ScoreItem\n"),
        ("chalicelib/api/queries.py", "from chalicelib.stores import tables\n"),
        ("chalicelib/domain/scoring/engine.py", "from chalicelib.stores.scores import stamp\n"),
        ("chalicelib/domain/scoring/engine.py", "from chalicelib.settings import get_settings\n"),
        ("chalicelib/domain/scoring/engine.py", "from aws_lambda_powertools import Logger\n"),
        ("chalicelib/domain/scoring/engine.py", "import chalice\n"),
        ("chalicelib/domain/scoring/engine.py", "import openpyxl\n"),
        ("chalicelib/domain/model/schema.py", "def f():\n    import boto3\n"),
    ],
)
def test_a_stray_import_is_caught(relative: str, source: str) -> None:
    assert violations(relative, source)


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("chalicelib/stores/scores.py", "import boto3\nfrom chalicelib.stores.tables import ScoreItem\n"),
        ("chalicelib/services/rescore.py", "from chalicelib.stores.scores import scored_enterprises\n"),
        (
            "chalicelib/domain/scoring/engine.py",
            "from decimal import Decimal\nfrom pydantic import BaseModel\n",
        ),
        ("chalicelib/domain/model/schema.py", "import yaml\nfrom chalicelib.domain.records import Master\n"),
        ("chalicelib/domain/validation/readers.py", "import openpyxl\n"),
    ],
)
def test_what_each_layer_may_import_passes(relative: str, source: str) -> None:
    assert violations(relative, source) == []


READS_THROUGH_SERVICES = ("chalicelib/api/queries.py", "chalicelib/api/support.py")


@pytest.mark.parametrize("relative", READS_THROUGH_SERVICES)
def test_the_api_read_modules_read_through_services(relative: str) -> None:
    """They parse, authorise and shape: what they read comes from `services/` (ARCHITECTURE.md)."""
    names = imported((ROOT / relative).read_text(encoding="utf-8"))
    assert [n for n in names if _within(n, ("chalicelib.stores",))] == []
