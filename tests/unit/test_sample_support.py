"""The local stack's sample support records: valid, walking the chain, and shaped like the real thing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from statistics import mean

from chalicelib.domain.creditcode import check_character
from chalicelib.domain.support.fields import parse_input
from chalicelib.domain.support.record import CardSnapshot, SupportRecord, decide
from chalicelib.domain.support.summary import is_overdue
from scripts.sample_support import DEMO_BANKS, Enterprise, plan

TODAY = date(2026, 6, 30)
GRADES = ("A", "B", "C", "D")


def enterprises(n: int) -> list[Enterprise]:
    out = []
    for i in range(n):
        first17 = f"9136010{i:010d}"
        grade = GRADES[i % 4]
        out.append(
            Enterprise(
                first17 + check_character(first17),
                grade,
                grade in "AB",
                ("startup", "growth", "mature")[i % 3],
            )
        )
    return out


def replay() -> tuple[dict[str, list[dict[str, object]]], dict[tuple[str, str], SupportRecord]]:
    """Every planned write decided in order, as the service would: the final record of each identity."""
    ents = {e.credit_code: e for e in enterprises(400)}
    writes = plan(list(ents.values()), TODAY)
    final: dict[tuple[str, str], SupportRecord] = {}
    for org, items in writes.items():
        for item in items:
            written = parse_input(item)  # raises on any invalid field
            e = ents[written.credit_code]
            card = CardSnapshot(e.credit_code, 2025, Decimal(700), e.grade, e.whitelisted, "m", "360111", "")
            key = (org, written.external_ref)
            kind = "department" if org == "sci" else "bank"
            final[key] = decide(written, org, kind, final.get(key), card, "t").record  # raises on a bad move
    return writes, final


def test_every_write_is_valid_and_follows_the_chain() -> None:
    writes, final = replay()
    assert set(writes) == {*DEMO_BANKS, "sci"}
    assert 250 <= len(final) <= 800  # "a few hundred records"
    assert all(date.fromisoformat(str(i["occurred_on"])) <= TODAY for items in writes.values() for i in items)
    assert any(r.version >= 3 for r in final.values())  # loans walked the chain


def test_the_mix_looks_real() -> None:
    _, final = replay()
    records = list(final.values())
    loans = [r for r in records if r.kind in ("loan", "credit_line") and r.rate_pct is not None]
    rate = {g: mean(float(r.rate_pct or 0) for r in loans if r.grade_at_time == g) for g in GRADES}
    assert rate["A"] < rate["B"] < rate["C"] < rate["D"]
    rejected = [r for r in records if r.status == "rejected"]
    assert rejected and all(r.reject_reason for r in rejected)
    assert {r.status for r in records} >= {"applied", "approved", "rejected", "disbursed", "withdrawn"}
    assert sum(is_overdue(r, TODAY, 10) for r in records) >= 5
    assert {r.org for r in records} == {*DEMO_BANKS, "sci"}
    credit_a = mean(r.collateral == "credit" for r in loans if r.grade_at_time == "A")
    credit_d = mean(r.collateral == "credit" for r in loans if r.grade_at_time == "D")
    assert credit_a > credit_d


def test_the_plan_is_deterministic() -> None:
    ents = enterprises(50)
    assert plan(ents, TODAY) == plan(ents, TODAY)
    assert plan(ents, TODAY) != plan(ents, TODAY + timedelta(days=1))
