"""Support records without AWS: fields, the status chain, identity and versions, the summary, files."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.creditcode import check_character
from chalicelib.domain.support.chain import NEXT, allowed, check_transition
from chalicelib.domain.support.fields import STATUSES, SupportProblem, parse_input
from chalicelib.domain.support.file_rows import read_support_file
from chalicelib.domain.support.record import (
    CardSnapshot,
    Outcome,
    SupportRecord,
    decide,
    record_id_for,
)
from chalicelib.domain.support.summary import is_overdue, summarise

FIRST17 = "91360100MA35ABCD1"
CODE = FIRST17 + check_character(FIRST17)
CARD = CardSnapshot(CODE, 2025, Decimal("812.50"), "A", True, "jx-2025.1-provisional", "360111", "某公司")
NOW = "2026-03-02T08:00:00.000000Z"


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "credit_code": CODE,
        "external_ref": "LN-1",
        "kind": "loan",
        "status": "applied",
        "occurred_on": "2026-03-01",
        "amount_wan": "500",
        "rate_pct": "3.45",
        "term_months": "12",
        "collateral": "credit",
    }
    base.update(fields)
    return base


def first(**fields: Any) -> SupportRecord:
    return decide(parse_input(body(**fields)), "bank-a", "bank", None, CARD, NOW).record


# --- fields ------------------------------------------------------------------------------------


def test_text_cells_are_read_like_json() -> None:
    record = parse_input(body(credit_code=" " + CODE.lower() + " ", product="  ", reject_reason=""))
    assert record.credit_code == CODE and record.product is None and record.reject_reason is None
    assert record.amount_wan == Decimal("500") and record.term_months == 12


def test_full_width_credit_codes_are_folded() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in CODE)
    assert parse_input(body(credit_code=wide)).credit_code == CODE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_wan": "1e3000"}, "amount_wan"),
        ({"rate_pct": "36.00001"}, "rate_pct"),
        ({"term_months": "12.5"}, "term_months"),
        ({"occurred_on": "昨天"}, "occurred_on"),
        ({"product": "x" * 101}, "product"),
        ({"external_ref": "a\nb"}, "external_ref"),
    ],
)
def test_each_fault_names_its_field_in_both_languages(change: dict[str, Any], field: str) -> None:
    with pytest.raises(SupportProblem) as caught:
        parse_input(body(**change))
    assert caught.value.code == "INVALID_FIELD" and caught.value.field == field
    assert caught.value.detail_en.startswith(field) and field in caught.value.detail_zh


def test_rate_ceiling_is_inclusive() -> None:
    assert parse_input(body(rate_pct="36")).rate_pct == Decimal(36)
    assert parse_input(body(amount_wan="0")).amount_wan == 0


# --- the chain ---------------------------------------------------------------------------------


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("new", STATUSES)
def test_the_chain_is_the_contracts(current: str, new: str) -> None:
    contract = {
        ("applied", "approved"),
        ("applied", "rejected"),
        ("applied", "withdrawn"),
        ("approved", "disbursed"),
        ("approved", "withdrawn"),
        ("disbursed", "repaid"),
    }
    expected = current == new or (current, new) in contract
    assert allowed(current, new) is expected
    if expected:
        check_transition(current, new)
    else:
        with pytest.raises(SupportProblem) as caught:
            check_transition(current, new)
        assert caught.value.code == "INVALID_TRANSITION" and caught.value.field == "status"


@given(st.lists(st.sampled_from(STATUSES), max_size=12))
def test_any_walk_along_the_chain_ends_within_three_moves(moves: list[str]) -> None:
    status, changes = "applied", 0
    for move in moves:
        if allowed(status, move) and move != status:
            status, changes = move, changes + 1
    assert changes <= 3
    assert NEXT[status] or status in {"rejected", "withdrawn", "repaid"}


# --- identity and versions ---------------------------------------------------------------------


def test_identity_is_org_and_ref() -> None:
    assert record_id_for("bank-a", "LN-1") == record_id_for("bank-a", "LN-1")
    assert record_id_for("bank-a", "LN-1") != record_id_for("bank-b", "LN-1")
    assert record_id_for("bank-a", "LN-1") != record_id_for("bank-a", "LN-2")
    assert first().record_id == record_id_for("bank-a", "LN-1")


def test_the_first_version_copies_the_card() -> None:
    record = first()
    assert (record.period, record.score_at_time, record.grade_at_time) == (2025, Decimal("812.50"), "A")
    assert record.whitelisted_at_time and record.version == 1 and record.recorded_at == NOW


def test_same_body_is_unchanged_and_a_change_is_a_new_version() -> None:
    current = first()
    same = decide(parse_input(body()), "bank-a", "bank", current, None, "later")
    assert same.outcome is Outcome.UNCHANGED and same.record is current
    moved = decide(
        parse_input(body(status="approved", rate_pct="3.3")), "bank-a", "bank", current, None, "later"
    )
    assert (
        moved.outcome is Outcome.UPDATED and moved.record.version == 2 and moved.record.recorded_at == "later"
    )
    assert moved.record.score_at_time == current.score_at_time and moved.record.period == current.period
    assert moved.record.rate_pct == Decimal("3.3")


def test_an_update_cannot_move_the_enterprise_or_the_period() -> None:
    current = first()
    other = "91360100MA35ABCD2"
    with pytest.raises(SupportProblem) as caught:
        decide(
            parse_input(body(credit_code=other + check_character(other))),
            "bank-a",
            "bank",
            current,
            None,
            "t",
        )
    assert caught.value.field == "credit_code"
    with pytest.raises(SupportProblem) as caught:
        decide(parse_input(body(period=2024)), "bank-a", "bank", current, None, "t")
    assert caught.value.field == "period"


def test_no_card_is_enterprise_not_scored() -> None:
    with pytest.raises(SupportProblem) as caught:
        decide(parse_input(body()), "bank-a", "bank", None, None, NOW)
    assert caught.value.code == "ENTERPRISE_NOT_SCORED"


# --- the summary -------------------------------------------------------------------------------

records = st.builds(
    lambda org, status, amount, day, kind: first(
        external_ref=f"{org}-{status}-{amount}-{day}",
        kind=kind,
        collateral="credit" if kind in ("loan", "credit_line") else None,
        status=status,
        amount_wan=str(amount),
        reject_reason="不符合条件" if status == "rejected" else None,
        occurred_on=(date(2025, 1, 1) + timedelta(days=day)).isoformat(),
    ).model_copy(update={"org": org}),
    st.sampled_from(["bank-a", "bank-b", "sci"]),
    st.sampled_from(STATUSES),
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["loan", "credit_line", "guarantee", "equity", "subsidy", "project"]),
)


@given(st.lists(records, max_size=20))
def test_summary_totals(items: list[SupportRecord]) -> None:
    summary = summarise(items)
    assert summary.records == len(items)
    assert summary.institutions == len({r.org for r in items})
    paid = [  # loans and credit lines only, as in reports (13.1)
        r.amount_wan
        for r in items
        if r.kind in ("loan", "credit_line")
        and r.status in ("disbursed", "repaid")
        and r.amount_wan is not None
    ]
    assert summary.disbursed_wan == sum(paid, Decimal(0))
    assert summary.latest_on == (max(r.occurred_on for r in items) if items else None)


def test_overdue_is_applied_whitelisted_and_older_than_the_window() -> None:
    today = date(2026, 3, 20)
    record = first(occurred_on="2026-03-09")
    assert is_overdue(record, today, 10)  # 11 days
    assert not is_overdue(first(occurred_on="2026-03-10"), today, 10)  # exactly 10 days
    assert not is_overdue(record.model_copy(update={"status": "approved"}), today, 10)
    assert not is_overdue(record.model_copy(update={"whitelisted_at_time": False}), today, 10)


# --- files -------------------------------------------------------------------------------------


def _read(tmp_path: Path, name: str, text: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    path = tmp_path / "f"
    path.write_bytes(text.encode("utf-8-sig"))
    with read_support_file(path, name, "bank-a", max_inflated_bytes=10**6) as found:
        rows = [(r.number, r.cells) for r in found.rows]
        return [str(e.code) for e in found.file_errors], rows


def test_headers_by_id_or_chinese_name_and_blank_rows(tmp_path: Path) -> None:
    header = "统一社会信用代码,external_ref,支持类型,状态,发生日期,金额（万元）"
    text = f"{header}\n{CODE},A-1,loan,applied,2026-01-01,\n,,,,,\n"
    errors, rows = _read(tmp_path, "x.csv", text)
    assert errors == []
    assert rows == [
        (
            2,
            {
                "credit_code": CODE,
                "external_ref": "A-1",
                "kind": "loan",
                "status": "applied",
                "occurred_on": "2026-01-01",
            },
        )
    ]


@pytest.mark.parametrize(
    ("header", "codes"),
    [
        ("credit_code,external_ref,kind,status", ["MISSING_COLUMN"]),
        ("credit_code,external_ref,kind,status,occurred_on,colour", ["UNKNOWN_COLUMN"]),
        ("credit_code,external_ref,kind,status,occurred_on,发生日期", ["DUPLICATE_COLUMN"]),
    ],
)
def test_header_faults_reject_the_file(tmp_path: Path, header: str, codes: list[str]) -> None:
    errors, rows = _read(tmp_path, "x.csv", header + "\n")
    assert errors == codes and rows == []


def test_unsupported_format(tmp_path: Path) -> None:
    errors, _ = _read(tmp_path, "x.txt", "a")
    assert errors == ["UNSUPPORTED_FORMAT"]


def test_a_field_left_out_keeps_its_stored_value() -> None:
    current = first(product="积分贷")
    moved = decide(
        parse_input(body(status="approved", product=None, rate_pct="")), "bank-a", "bank", current, None, "t"
    )
    assert moved.record.product == "积分贷" and moved.record.rate_pct == Decimal("3.45")
    assert moved.record.status == "approved" and moved.record.version == 2
    sparse = {
        k: v
        for k, v in body().items()
        if k in ("credit_code", "external_ref", "kind", "status", "occurred_on")
    }
    assert decide(parse_input(sparse), "bank-a", "bank", current, None, "t").outcome is Outcome.UNCHANGED


def test_a_merged_record_is_checked_across_fields() -> None:
    current = first()  # a loan with collateral "credit"
    with pytest.raises(SupportProblem) as caught:
        decide(parse_input(body(kind="subsidy", collateral=None)), "bank-a", "bank", current, None, "t")
    assert caught.value.field == "collateral"
