"""scripts/migrate_facts.py: the first layout's per-value items folded into one current item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.records import FactValue
from chalicelib.stores.facts import FactKey, FactsRepository
from chalicelib.stores.tables import FactItem
from scripts import migrate_facts
from scripts.provision import Resources
from scripts.synthetic import credit_code

CODES = [credit_code(n, "360111") for n in range(3)]


def _old(code: str, sk: str, **attributes: Any) -> FactItem:
    base: dict[str, Any] = {
        "department": "tax",
        "batch_id": "b-old",
        "received_at": "2025-06-01T00:00:00Z",
        "order": "2025-06-01T00:00:00Z#1",
    }
    return FactItem(f"E#{code}", sk, **{**base, **attributes})


def _first_layout() -> None:
    """What the table held before: per-value current items and history beside them."""
    for code in CODES:
        master = {"name": f"企业{code[-4:]}", "established_on": "2016-04-01", "region_code": "360111"}
        _old(code, "C#M", kind="master", department="registry", industry_code="C39", **master).save()
        _old(code, "H#M#2025-06-01T00:00:00Z#1", kind="master", department="registry", **master).save()
        for indicator, value in (("rd_expense", "800"), ("operating_revenue", "9000")):
            fact = {"period": 2025, "indicator": indicator, "value": value}
            _old(code, f"C#F#2025#{indicator}", kind="fact", **fact).save()
            _old(code, f"H#F#2025#{indicator}#2025-06-01T00:00:00Z#1", kind="fact", **fact).save()
        _old(
            code,
            "C#X#2025#rd_expense",
            kind="cross_check",
            department="stats",
            period=2025,
            indicator="rd_expense",
            value="780",
        ).save()


def test_migration_folds_every_value_and_keeps_newer_ones(aws: Resources) -> None:
    _first_layout()
    # the new code ran already for CODES[0]: a newer rd_expense, an older operating_revenue
    facts = FactsRepository()
    current = facts.read(CODES[0])
    newer = FactValue(Decimal(950), "tax", "b-new", "2026-01-01T00:00:00Z")
    current.set_fact(FactKey(CODES[0], 2025, "rd_expense"), newer, "2026-01-01T00:00:00Z#9")
    older = FactValue(Decimal(1), "tax", "b-older", "2025-01-01T00:00:00Z")
    current.set_fact(FactKey(CODES[0], 2025, "operating_revenue"), older, "2025-01-01T00:00:00Z#0")
    assert facts.commit([current]) == set()
    said: list[str] = []

    progress = migrate_facts.migrate(every=1, registry_department="registry", say=said.append)

    assert (progress.enterprises, progress.items_deleted) == (3, 12)
    assert said[-1].startswith("done: 3 enterprises")
    for code in CODES:
        data = facts.load(code)
        assert data.master is not None and data.master.name == f"企业{code[-4:]}"
        assert str(data.master.established_on) == "2016-04-01" and data.master.industry_code == "C39"
        assert data.cross_checks[2025]["rd_expense"].value == 780
        assert data.cross_checks[2025]["rd_expense"].department == "stats"
        expected_rd = 950 if code == CODES[0] else 800
        assert data.facts[2025]["rd_expense"].value == expected_rd
        assert data.facts[2025]["operating_revenue"].value == 9000  # the older new-code value lost
        keys = {i.sk for i in FactItem.query(f"E#{code}")}
        assert keys == {
            "C",
            "H#M#2025-06-01T00:00:00Z#1",
            "H#F#2025#rd_expense#2025-06-01T00:00:00Z#1",
            "H#F#2025#operating_revenue#2025-06-01T00:00:00Z#1",
        }
    versions = {code: FactItem.get(f"E#{code}", "C").version for code in CODES}

    again = migrate_facts.migrate(every=1, registry_department="registry", say=said.append)

    assert again.enterprises == 0
    assert {code: FactItem.get(f"E#{code}", "C").version for code in CODES} == versions


def test_an_interrupted_migration_resumes(aws: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    _first_layout()
    monkeypatch.setattr(migrate_facts, "CHUNK", 1)
    original = migrate_facts.migrate_chunk
    done: list[str] = []

    def crash_on_second(codes: Any, department: str, progress: Any) -> None:
        if done:
            raise KeyboardInterrupt
        original(codes, department, progress)
        done.extend(codes)

    monkeypatch.setattr(migrate_facts, "migrate_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        migrate_facts.migrate(registry_department="registry", say=lambda _: None)
    monkeypatch.setattr(migrate_facts, "migrate_chunk", original)

    resumed = migrate_facts.migrate(registry_department="registry", say=lambda _: None)

    assert resumed.enterprises == 2  # the first one is not redone: it has no old items left
    assert all(FactsRepository().load(code).facts[2025]["rd_expense"].value == 800 for code in CODES)
    assert not [i for i in FactItem.scan() if i.sk.startswith("C#")]
