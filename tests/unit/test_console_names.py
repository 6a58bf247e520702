"""The console's names (chalicelib/console/names.js) say what the domain says: cities, departments, stages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from chalicelib.domain.model.schema import STAGES, load_model
from chalicelib.domain.regions import CITIES
from chalicelib.settings import get_settings

CONSOLE = Path(__file__).resolve().parents[2] / "chalicelib" / "console"
NAMES = (CONSOLE / "names.js").read_text(encoding="utf-8")
MODEL = load_model(get_settings().model_version)


def _object(name: str) -> dict[str, str]:
    """A flat `export const NAME = { "k": "v", k: "v" };` of names.js as a dict."""
    match = re.search(rf"export const {name} = \{{(.*?)\}};", NAMES, re.S)
    assert match is not None, name
    pairs = re.findall(r'"?([\w]+)"?\s*:\s*"([^"]*)"', match[1])
    return dict(pairs)


def _list(name: str) -> list[str]:
    match = re.search(rf"export const {name} = (\[.*?\]);", NAMES, re.S)
    assert match is not None, name
    return list(json.loads(match[1]))


def test_cities_are_the_domain_cities() -> None:
    assert _object("CITIES") == dict(CITIES)


def test_departments_are_the_model_departments() -> None:
    assert _object("DEPARTMENTS") == {d.id: d.name_zh for d in MODEL.departments}


def test_stages_categories_and_grades_are_the_model_ones() -> None:
    assert list(_object("STAGES")) == list(STAGES)
    assert _object("CATEGORY_NAMES") == {c.id: c.name_zh for c in MODEL.categories}
    assert _list("GRADES") == [g.grade for g in MODEL.grades]


def test_what_the_statistics_bureau_sends_is_the_model_list() -> None:
    stats = next(d for d in MODEL.departments if d.id == "stats")
    assert _list("STATS_SENDS") == list(stats.sends)
