"""Enterprises whose whitelist state the draft model changes, and an API client per test (activation
moves the active model, so each test gets its own moto world)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.scoring.engine import score_period
from chalicelib.settings import get_settings
from chalicelib.stores.facts import FactsRepository
from scripts.provision import Resources
from tests.aws.api_helpers import ROLES, api_app, get_json, post_json
from tests.aws.rescore_helpers import GROWTH_BASE, MID, P, enterprise, rescore

ACTIVE = "jx-2025.1-provisional"
DRAFT = "jx-2026.1-draft"

# Growth stage, strong in patents and R&D intensity, light in revenue and profit: the draft lists it.
INVENTOR: Mapping[str, int] = {
    "operating_revenue": 6000,
    "rd_expense": 600,
    "rd_staff": 20,
    "employees": 60,
    "invention_patents": 10,
    "net_profit": 50,
    "tax_paid": 200,
    "other_ip": 20,
    "tech_contract_turnover": 500,
    "standards_led": 3,
    "rd_platforms": 1,
    "high_tech_revenue_ratio": 40,
}
# Growth stage, big in revenue and headcount, few patents and little R&D: the draft delists it.
TRADER: Mapping[str, int] = {
    "operating_revenue": 12500,
    "rd_expense": 100,
    "rd_staff": 5,
    "employees": 100,
    "invention_patents": 1,
    "net_profit": 500,
    "tax_paid": 200,
    "other_ip": 20,
    "tech_contract_turnover": 500,
    "standards_led": 3,
    "rd_platforms": 1,
    "high_tech_revenue_ratio": 60,
    "equity_financing": 2000,
    "awards_projects": 2,
    "high_level_talent": 3,
}


@dataclass(frozen=True)
class Province:
    inventors: list[str]
    traders: list[str]
    steady: list[str]  # listed under both models

    @property
    def codes(self) -> list[str]:
        return self.inventors + self.traders + self.steady


def seed_province(inventors: int = 2, traders: int = 2, steady: int = 1) -> Province:
    """Enterprises written as facts and scored under the active model (period P, P-1 as growth base)."""
    n = iter(range(1, 1000))

    def some(count: int, values: Mapping[str, int], region: str) -> list[str]:
        return [enterprise(next(n), values, previous=GROWTH_BASE, region=region) for _ in range(count)]

    made = Province(
        inventors=some(inventors, INVENTOR, "360111"),
        traders=some(traders, TRADER, "360702"),
        steady=some(steady, MID, "360111"),
    )
    rescore([(c, P) for c in made.codes])
    # preconditions: the engine, not this file, decides who moves
    active, draft = load_model(ACTIVE), load_model(DRAFT)
    for code in made.codes:
        data = FactsRepository().load(code)
        before, after = score_period(active, data, P), score_period(draft, data, P)
        assert before is not None and after is not None
        expected = (code not in made.inventors, code not in made.traders)
        assert (before.whitelisted, after.whitelisted) == expected, code
    return made


@dataclass
class Api:
    client: Client
    keys: dict[str, str]

    def get(self, path: str, role: str = "admin") -> tuple[int, Any]:
        return get_json(self.client, path, self.keys[role])

    def post(self, path: str, body: Any, role: str = "admin") -> tuple[int, Any]:
        return post_json(self.client, path, self.keys[role], body)

    def post_yaml(self, path: str, text: str, role: str = "admin") -> tuple[int, Any]:
        response = self.client.http.post(
            path,
            headers={"X-API-Key": self.keys[role], "Content-Type": "application/yaml"},
            body=text.encode("utf-8"),
        )
        return response.status_code, json.loads(response.body) if response.body else None


@pytest.fixture
def api(aws: Resources) -> Iterator[Api]:
    departments = department_ids(get_settings().model_version)
    keys = {role: issue_key(role, f"test {role}", departments=departments) for role in ROLES}
    with Client(api_app()) as client:
        yield Api(client, keys)
