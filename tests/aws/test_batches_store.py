"""The batches table keeps a bounded copy of each report: a file with many long errors still reports."""

from __future__ import annotations

from chalicelib.domain.validation.report import BatchReport
from chalicelib.stores.batches import MAX_ERRORS_IN_TABLE, BatchesRepository
from scripts.provision import Resources

# A realistic row error: several faults, each with a long Chinese message (≈ 6 bytes a character stored).
_MESSAGE_ZH = "字段取值超出允许范围，请核对该企业本年度的申报数据后重新上传文件" * 3


def _error(row: int) -> dict[str, object]:
    return {
        "row": row,
        "credit_code": f"91360100MA{row:08d}",
        "errors": [
            {
                "code": "OUT_OF_RANGE",
                "column": f"col{i}",
                "message_zh": _MESSAGE_ZH,
                "message_en": "out of range",
            }
            for i in range(4)
        ],
    }


def _report(rejected: int, warned: int) -> BatchReport:
    return BatchReport(
        batch_id="b-1",
        key="incoming/tax/2025.csv",
        version_id="v-1",
        department="tax",
        status="completed",
        received_at="2026-11-30T00:00:00.000Z",
        row_errors=[_error(r) for r in range(rejected)],
        warnings=[_error(r) for r in range(warned)],
    )


def test_a_report_with_hundreds_of_long_errors_is_stored_truncated(aws: Resources) -> None:
    report = _report(MAX_ERRORS_IN_TABLE, MAX_ERRORS_IN_TABLE)
    assert len(report.model_dump_json()) > 400_000  # stored whole, it would not fit an item
    BatchesRepository().save(report)  # raised "Item size has exceeded the maximum allowed size" before
    stored = BatchesRepository().get("b-1")
    assert stored is not None
    extra = stored.model_extra or {}
    assert 0 < len(stored.row_errors) < MAX_ERRORS_IN_TABLE and extra.get("row_errors_truncated") is True
    assert stored.row_errors == report.row_errors[: len(stored.row_errors)]  # the first ones, in order
    assert (
        extra.get("warnings_truncated") is True and stored.warnings == report.warnings[: len(stored.warnings)]
    )


def test_a_small_report_is_stored_whole(aws: Resources) -> None:
    report = _report(20, 5)
    BatchesRepository().save(report)
    stored = BatchesRepository().get("b-1")
    assert (
        stored is not None and stored.row_errors == report.row_errors and stored.warnings == report.warnings
    )
    assert not (stored.model_extra or {})
