"""A portrait tells each sentence with the card's own model version, not the active one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalice.test import Client

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.domain.scoring.engine import score_period
from chalicelib.settings import get_settings
from chalicelib.stores.scores import card_item
from scripts.synthetic import card_write, credit_code
from tests.aws.api_helpers import get_json

DRAFT = load_model("jx-2026.1-draft")
CODE = credit_code(4242, "360111")


def test_a_card_of_another_model_version_reads_with_that_version(
    client: Client, keys: dict[str, str], api_aws: Any
) -> None:
    assert get_settings().model_version != DRAFT.version  # precondition: the draft is not active
    master = Master(CODE, "江西版本测试有限公司", date(2015, 3, 5), "360111", "C3911", "reg-1")
    facts = {2023: {"invention_patents": FactValue(Decimal(4), "amr", "batch-amr", "2024-01-02")}}
    card = score_period(DRAFT, EnterpriseData(CODE, master, facts), 2023)  # as if scored while active
    assert card is not None and card.model_version == DRAFT.version
    card_item(card_write(card, name=master.name, region_code="360111", industry_code="C3911")).save()

    status, body = get_json(client, f"/enterprises/{CODE}?period=2023", keys["bank"])

    assert status == 200 and (body["model_version"], body["stage"]) == (DRAFT.version, "startup")
    told = {i["id"]: i["explanation"] for i in body["indicators"]}
    # the draft's weight for invention patents in the startup stage: 100 (the active model's is 80)
    assert told["invention_patents"] == "有效发明专利数 4 件，满分线 3 件，得 100.00/100 分"
    active = load_model(get_settings().model_version).indicator("invention_patents")
    assert active.weight is not None and active.weight["startup"] != 100
