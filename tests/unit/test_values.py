"""The cell parsers of chalicelib.domain.values: what each accepts, what it refuses, with which code."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import creditcode, values
from chalicelib.domain.messages import Code
from chalicelib.domain.model.schema import IndicatorDef, load_model

MODEL = load_model("jx-2025.1-provisional")
AMOUNT = MODEL.indicator("rd_expense")
SIGNED = MODEL.indicator("net_profit")
COUNT = MODEL.indicator("invention_patents")
SHARE = MODEL.indicator("high_tech_revenue_ratio")
FLAG = MODEL.indicator("tax_credit_d")
TODAY = date(2025, 6, 30)
FULL_WIDTH = str.maketrans("0123456789.,-+%", "０１２３４５６７８９．，－＋％")


def problem(call: object, *args: object, **kwargs: object) -> tuple[Code, str | None]:
    assert callable(call)
    with pytest.raises(values.ValueProblem) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.variant


# --- numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.5", Decimal("1234.5")),
        ("1,234.50", Decimal("1234.50")),
        ("1，234，567", Decimal("1234567")),
        ("１２３４．５", Decimal("1234.5")),
        ("  42 ", Decimal("42")),
        ("\u300042\u3000", Decimal("42")),
        ("+7", Decimal("7")),
        (".5", Decimal("0.5")),
        ("0", Decimal("0")),
        ("-0", Decimal("0")),
        (12, Decimal("12")),
        (12.25, Decimal("12.25")),
        (0.1 + 0.2, Decimal("0.3")),  # Excel's 15 significant digits
        (Decimal("3.14"), Decimal("3.14")),
    ],
)
def test_amounts_in_every_written_form(raw: object, expected: Decimal) -> None:
    parsed = values.parse_number(raw, AMOUNT)
    assert parsed == expected
    assert parsed is not None and not parsed.is_signed()


@pytest.mark.parametrize(
    "raw",
    ["abc", "1e5", "1E-3", "nan", "NaN", "inf", "-Infinity", "1.2.3", "12,34", "1,2345", "--1", "1-", ".",
     "-", "0x1A", "1_000", "１e５", "1 234", float("nan"), float("inf"), True, datetime(2024, 1, 1), [1]],
)  # fmt: skip
def test_garbage_is_not_a_number(raw: object) -> None:
    assert problem(values.parse_number, raw, AMOUNT)[0] is Code.INVALID_NUMBER


def test_not_sent_is_none() -> None:
    assert values.parse_number(None, AMOUNT) is None
    assert values.parse_flag(None) is None


def test_percent_only_on_shares() -> None:
    assert values.parse_number("45.5%", SHARE) == Decimal("45.5")
    assert values.parse_number("45.5 ％", SHARE) == Decimal("45.5")
    assert problem(values.parse_number, "45%", AMOUNT) == (Code.INVALID_NUMBER, "percent_not_allowed")
    assert problem(values.parse_number, "3%", COUNT) == (Code.INVALID_NUMBER, "percent_not_allowed")


def test_shares_lie_between_0_and_100() -> None:
    assert values.parse_number("100", SHARE) == Decimal("100")
    assert values.parse_number("0", SHARE) == Decimal("0")
    assert problem(values.parse_number, "100.01", SHARE) == (Code.OUT_OF_RANGE, "share")
    assert problem(values.parse_number, "150%", SHARE) == (Code.OUT_OF_RANGE, "share")
    assert problem(values.parse_number, "-1", SHARE) == (Code.OUT_OF_RANGE, "share")


def test_counts_are_whole_and_not_negative() -> None:
    assert values.parse_number("3", COUNT) == Decimal(3)
    parsed = values.parse_number("3.0", COUNT)
    assert parsed == 3 and str(parsed) == "3"
    assert values.parse_number(4.0, COUNT) == Decimal(4)
    assert problem(values.parse_number, "3.5", COUNT) == (Code.INVALID_NUMBER, "not_whole")
    assert problem(values.parse_number, "-2", COUNT) == (Code.OUT_OF_RANGE, "negative")


def test_amounts_are_not_negative_unless_the_model_allows_it() -> None:
    assert problem(values.parse_number, "-5", AMOUNT) == (Code.OUT_OF_RANGE, "negative")
    assert values.parse_number("-1,234.5", SIGNED) == Decimal("-1234.5")
    assert SIGNED.allow_negative and not AMOUNT.allow_negative  # the rule comes from the model file


def test_absurd_sizes_and_precision() -> None:
    assert values.parse_number("999999999999999", AMOUNT) == Decimal("999999999999999")
    assert problem(values.parse_number, "1000000000000000", AMOUNT) == (Code.OUT_OF_RANGE, "too_large")
    assert problem(values.parse_number, Decimal("1E+999999"), COUNT) == (Code.OUT_OF_RANGE, "too_large")
    assert values.parse_number("0.1234567891", AMOUNT) == Decimal("0.1234567891")
    assert problem(values.parse_number, "0.12345678912", AMOUNT) == (Code.INVALID_NUMBER, "too_precise")
    assert problem(values.parse_number, Decimal("1E-11"), AMOUNT) == (Code.INVALID_NUMBER, "too_precise")


@given(st.decimals(min_value=0, max_value=Decimal("1e14"), places=2, allow_nan=False, allow_infinity=False))
def test_amount_round_trips_through_every_written_form(amount: Decimal) -> None:
    plain = f"{amount:f}"
    grouped = f"{amount:,f}"
    for text in (plain, grouped, grouped.translate(FULL_WIDTH), f" {grouped} "):
        assert values.parse_number(text, AMOUNT) == amount


@given(st.integers(min_value=0, max_value=10**14))
def test_count_round_trips(count: int) -> None:
    for text in (str(count), f"{count:,}", f"{count:,}".translate(FULL_WIDTH), f"{count}.0"):
        assert values.parse_number(text, COUNT) == Decimal(count)


@given(st.decimals(min_value=0, max_value=100, places=1))
def test_share_round_trips_with_and_without_percent(share: Decimal) -> None:
    assert values.parse_number(f"{share}", SHARE) == share
    assert values.parse_number(f"{share}%", SHARE) == share


@given(st.text(max_size=12))
def test_any_text_parses_or_fails_with_a_contract_code(text: str) -> None:
    for ind in (AMOUNT, SIGNED, COUNT, SHARE):
        try:
            parsed = values.parse_number(text, ind)
        except values.ValueProblem as exc:
            assert exc.code in (Code.INVALID_NUMBER, Code.OUT_OF_RANGE)
        else:
            assert parsed is None or parsed.is_finite()


# --- flags ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), ("0", 0), ("是", 1), ("否", 0), ("Y", 1), ("n", 0), ("TRUE", 1), ("False", 0), ("Yes", 1),
     ("NO", 0), ("ｙｅｓ", 1), (" 是 ", 1), (True, 1), (False, 0), (1, 1), (0, 0), (1.0, 1),
     (Decimal("0"), 0)],
)  # fmt: skip
def test_flags_in_chinese_and_english(raw: object, expected: int) -> None:
    assert values.parse_flag(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["2", "有", "无", "maybe", "真", 2, 0.5, "1.0"])
def test_other_flags_are_refused(raw: object) -> None:
    assert problem(values.parse_flag, raw)[0] is Code.INVALID_FLAG


def test_parse_indicator_follows_the_model_type() -> None:
    assert values.parse_indicator("是", FLAG) == 1
    assert problem(values.parse_indicator, "是", AMOUNT)[0] is Code.INVALID_NUMBER


# --- credit codes ---------------------------------------------------------------------------
def test_the_credit_code_vectors() -> None:
    assert values.parse_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    assert values.parse_credit_code("91110108551385082Q") == "91110108551385082Q"
    assert problem(values.parse_credit_code, "91310115MA1H8R7C6D") == (Code.CREDIT_CODE_CHECKSUM, None)


def test_credit_codes_are_folded_and_upper_cased() -> None:
    assert values.parse_credit_code(" ９１１１０１０８５５１３８５０８２ｑ ") == "91110108551385082Q"
    assert values.parse_credit_code("91350100m000100y43") == "91350100M000100Y43"


def test_bad_credit_codes() -> None:
    assert problem(values.parse_credit_code, "9135010") == (Code.INVALID_CREDIT_CODE, None)
    assert problem(values.parse_credit_code, "91350100M000100I43") == (Code.INVALID_CREDIT_CODE, None)
    assert problem(values.parse_credit_code, "91٣50100M000100Y43") == (Code.INVALID_CREDIT_CODE, None)
    assert problem(values.parse_credit_code, None) == (Code.INVALID_CREDIT_CODE, "missing")
    assert problem(values.parse_credit_code, 9.13e17) == (Code.INVALID_CREDIT_CODE, "not_text")


credit_bodies = st.text(alphabet=creditcode.ALPHABET, min_size=17, max_size=17)


GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # the standard's table


@given(credit_bodies, st.sampled_from(creditcode.ALPHABET))
def test_the_checksum_agrees_with_the_standards_weighted_sum(body: str, last: str) -> None:
    total = sum(creditcode.ALPHABET.index(c) * w for c, w in zip(body, GB32100_WEIGHTS, strict=True))
    expected = creditcode.ALPHABET[(31 - total % 31) % 31]
    assert creditcode.check_character(body) == expected
    assert creditcode.checksum_ok(body + last) is (last == expected)
    assert creditcode.complete(body) == body + expected


# --- periods, dates, codes ------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["2025", "2025年", "２０２５年度", " 2025 ", 2025, 2025.0, Decimal("2025")])
def test_periods(raw: object) -> None:
    assert values.parse_period(raw, this_year=2025) == 2025


@pytest.mark.parametrize("raw", ["1999", "2026", "25", "2025.0", "二〇二五", 2025.5, True, "20255"])
def test_bad_periods(raw: object) -> None:
    assert problem(values.parse_period, raw, this_year=2025) == (Code.INVALID_PERIOD, None)


def test_missing_period() -> None:
    assert problem(values.parse_period, None, this_year=2025) == (Code.INVALID_PERIOD, "missing")


@pytest.mark.parametrize(
    "raw",
    ["2019-03-05", "2019-3-5", "2019/03/05", "2019/3/5", "2019年3月5日", "2019年03月05日", "２０１９-３-５",
     date(2019, 3, 5), datetime(2019, 3, 5, 0, 0)],
)  # fmt: skip
def test_dates_in_every_contract_form(raw: object) -> None:
    assert values.parse_date(raw, today=TODAY) == date(2019, 3, 5)


@pytest.mark.parametrize(
    "raw", ["2019-02-30", "2019-13-01", "2019-3/5", "2019.3.5", "20190305", "5/3/2019", 43529]
)
def test_bad_dates(raw: object) -> None:
    assert problem(values.parse_date, raw, today=TODAY) == (Code.INVALID_DATE, None)


def test_dates_in_the_future_or_before_1900() -> None:
    assert values.parse_date("2025-06-30", today=TODAY) == TODAY
    assert problem(values.parse_date, "2025-07-01", today=TODAY) == (Code.INVALID_DATE, "future")
    assert problem(values.parse_date, "1899-12-31", today=TODAY) == (Code.INVALID_DATE, "too_old")
    assert problem(values.parse_date, None, today=TODAY) == (Code.INVALID_DATE, "missing")


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_date_round_trips(day: date) -> None:
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
    ):
        assert values.parse_date(text, today=TODAY) == day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("360100", "360100"), (" 361102 ", "361102"), (360100, "360100"), (360100.0, "360100"),
     ("３６０１００", "360100")],
)  # fmt: skip
def test_regions(raw: object, expected: str) -> None:
    assert values.parse_region(raw) == expected


@pytest.mark.parametrize("raw", ["350100", "36010", "3601000", "36a100", 3601.5, "江西"])
def test_bad_regions(raw: object) -> None:
    assert problem(values.parse_region, raw) == (Code.INVALID_REGION, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("C", "C"), ("C39", "C39"), ("c391", "C391"), ("C3911", "C3911"), ("ｃ３９", "C39"), ("3911", "C3911"),
     ("A01", "A01"), ("T98", "T98"), ("I6510", "I6510")],
)  # fmt: skip
def test_industries(raw: object, expected: str) -> None:
    assert values.parse_industry(raw) == expected


@pytest.mark.parametrize("raw", ["U", "C3", "C39111", "CC39", "39C", "", "99"])
def test_bad_industries(raw: str) -> None:
    assert problem(values.parse_industry, raw) == (Code.INVALID_INDUSTRY, None)


def test_industry_division_must_belong_to_its_section() -> None:
    code, variant = problem(values.parse_industry, "A39")
    assert (code, variant) == (Code.INVALID_INDUSTRY, "section_mismatch")


def test_sections_cover_every_division_once() -> None:
    divisions = [d for span in values.SECTIONS.values() for d in span]
    assert divisions == list(range(1, 99))


def test_names() -> None:
    assert values.parse_name(" 江西某某科技有限公司（有限合伙） ") == "江西某某科技有限公司（有限合伙）"
    assert problem(values.parse_name, "  ") == (Code.INVALID_ROW, "missing_name")
    assert problem(values.parse_name, "字" * 201) == (Code.INVALID_ROW, "name_too_long")


@pytest.mark.parametrize("text", ["1234.50", "1234.5", "1.2345E+3", "0.00", "-0", "100", "1E+2"])
def test_canonical_text_is_one_text_per_number(text: str) -> None:
    canonical = values.canonical_text(Decimal(text))
    assert Decimal(canonical) == Decimal(text)
    assert "E" not in canonical and not (canonical.endswith("0") and "." in canonical)


def test_indicator_types_come_from_the_model() -> None:
    types = {i.type for i in MODEL.indicators if isinstance(i, IndicatorDef) and i.uploadable}
    assert types == {"amount", "count", "share", "flag"}  # every type a parser handles
