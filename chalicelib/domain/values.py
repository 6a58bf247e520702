"""Pure parsers for the cells of department files (contract 2.1, 2.2, 6).

Each parser takes a cell as a reader gives it (text from CSV, a typed value from XLSX or JSON, or
None for "not sent") and returns the value or raises `ValueProblem` with a contract code. What an
indicator's cell may hold comes from the model (`IndicatorDef.type`, `allow_negative`, `unit`),
never from lists of indicator ids.

Decisions (contract 6 leaves them open):
- numbers: ASCII or full-width digits, sign and point; thousands separators `,` or `，` in groups of
  three; at most 10 decimal places; absolute value below 10^15 (else OUT_OF_RANGE: a unit slip).
  `%` only on percentages (share, growth). Exponents, `nan`, `inf` and other text are INVALID_NUMBER.
  A count written `3.0` is the whole number 3. Negative zero is zero.
- dates: real calendar dates from 1900-01-01 up to today in China (UTC+8); a future establishment
  date is INVALID_DATE.
- periods: 2000 to the current year in China; `2025`, `2025年`, `2025年度`, 2025 or 2025.0.
- industry codes: a section letter A–T with 0, 2, 3 or 4 digits, and the division (first two
  digits) must belong to the section (GB/T 4754-2017 table below). Digits alone (`3911`) are
  accepted and given their section letter (`C3911`): many statistical systems drop it.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from chalicelib.domain import creditcode
from chalicelib.domain.messages import Code
from chalicelib.domain.model.schema import IndicatorDef

FIRST_PERIOD: Final = 2000
EARLIEST_DATE: Final = date(1900, 1, 1)
MAX_PLACES: Final = 10
LIMIT: Final = Decimal(10) ** 15
MAX_NAME_CHARS: Final = 200
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

# Lower-case, folded forms of a flag (contract 2.2: 1/0, 是/否, Y/N, true/false, yes/no).
FLAG_WORDS: Final[dict[str, Decimal]] = {
    "1": ONE,
    "0": ZERO,
    "是": ONE,
    "否": ZERO,
    "y": ONE,
    "n": ZERO,
    "true": ONE,
    "false": ZERO,
    "yes": ONE,
    "no": ZERO,
}

# GB/T 4754-2017: the divisions (大类, first two digits) of each section (门类).
SECTIONS: Final[dict[str, range]] = {
    "A": range(1, 6),
    "B": range(6, 13),
    "C": range(13, 44),
    "D": range(44, 47),
    "E": range(47, 51),
    "F": range(51, 53),
    "G": range(53, 61),
    "H": range(61, 63),
    "I": range(63, 66),
    "J": range(66, 70),
    "K": range(70, 71),
    "L": range(71, 73),
    "M": range(73, 76),
    "N": range(76, 80),
    "O": range(80, 83),
    "P": range(83, 84),
    "Q": range(84, 86),
    "R": range(86, 91),
    "S": range(91, 98),
    "T": range(98, 99),
}
_SECTION_OF = {division: letter for letter, divisions in SECTIONS.items() for division in divisions}

_NUMBER = re.compile(r"([+-]?)(\d+|\d{1,3}(?:,\d{3})+)?(?:\.(\d+))?\s*(%?)", re.ASCII)
_PERIOD = re.compile(r"(\d{4})(?:年度?)?", re.ASCII)
_DATES = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})", re.ASCII),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日", re.ASCII),
)
_REGION = re.compile(r"36\d{4}", re.ASCII)
_INDUSTRY = re.compile(r"([A-T]?)(\d{2,4})?", re.ASCII)


class ValueProblem(ValueError):
    """A cell that cannot be accepted: the contract code, a message variant and template values."""

    def __init__(self, code: Code, variant: str | None = None, **params: object) -> None:
        super().__init__(code.value if variant is None else f"{code.value}:{variant}")
        self.code = code
        self.variant = variant
        self.params = params


def _text(raw: str) -> str:
    """Stripped, full-width forms folded (skipped for plain ASCII: folding costs a dict per char)."""
    return raw.strip() if raw.isascii() else creditcode.fold_width(raw).strip()


# --- numbers and flags ----------------------------------------------------------------------
def _number_from_text(text: str, ind: IndicatorDef) -> Decimal:
    match = _NUMBER.fullmatch(_text(text))
    if match is None:
        raise ValueProblem(Code.INVALID_NUMBER)
    sign, whole, fraction, percent = match.groups()
    if whole is None and fraction is None:
        raise ValueProblem(Code.INVALID_NUMBER)
    if percent and ind.type not in ("share", "growth"):
        raise ValueProblem(Code.INVALID_NUMBER, "percent_not_allowed")
    if fraction is not None and len(fraction) > MAX_PLACES:
        raise ValueProblem(Code.INVALID_NUMBER, "too_precise", max_places=MAX_PLACES)
    digits = (whole or "0").replace(",", "")
    return Decimal(f"{sign}{digits}.{fraction}" if fraction is not None else f"{sign}{digits}")


def _number_from_typed(raw: object) -> Decimal:
    if isinstance(raw, bool):  # before int: True is an int
        raise ValueProblem(Code.INVALID_NUMBER)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueProblem(Code.INVALID_NUMBER)
        # Excel keeps 15 significant digits: 0.1 + 0.2 is 0.3 there, not 0.30000000000000004.
        return Decimal(format(raw, ".15g"))
    if isinstance(raw, Decimal):  # JSON numbers (parsed exactly)
        exponent = raw.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or infinity
            raise ValueProblem(Code.INVALID_NUMBER)
        if -exponent > MAX_PLACES:
            raise ValueProblem(Code.INVALID_NUMBER, "too_precise", max_places=MAX_PLACES)
        return raw
    raise ValueProblem(Code.INVALID_NUMBER)


def parse_number(raw: object, ind: IndicatorDef) -> Decimal | None:
    """A number of an amount, count, share or growth indicator; None when not sent."""
    if raw is None:
        return None
    value = _number_from_text(raw, ind) if isinstance(raw, str) else _number_from_typed(raw)
    if abs(value) >= LIMIT:  # first: int() of 1E+999999 would be a huge number
        raise ValueProblem(Code.OUT_OF_RANGE, "too_large")
    if ind.type == "count":
        if value != value.to_integral_value():
            raise ValueProblem(Code.INVALID_NUMBER, "not_whole")
        value = Decimal(int(value))  # 3.0 is 3, -0 is 0
    elif value.is_zero():
        value = value.copy_abs()  # -0 is 0
    if ind.type == "share":
        if not ZERO <= value <= 100:
            raise ValueProblem(Code.OUT_OF_RANGE, "share")
    elif value < 0 and not ind.allow_negative and ind.type != "growth":
        raise ValueProblem(Code.OUT_OF_RANGE, "negative")
    return value


def parse_flag(raw: object) -> Decimal | None:
    """A flag as Decimal 1 or 0; None when not sent."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return ONE if raw else ZERO
    if isinstance(raw, str):
        found = FLAG_WORDS.get(_text(raw).lower())
        if found is not None:
            return found
    elif isinstance(raw, int | float | Decimal) and raw in (0, 1):
        return ONE if raw == 1 else ZERO
    raise ValueProblem(Code.INVALID_FLAG)


def parse_indicator(raw: object, ind: IndicatorDef) -> Decimal | None:
    return parse_flag(raw) if ind.type == "flag" else parse_number(raw, ind)


# --- keys -----------------------------------------------------------------------------------
def parse_credit_code(raw: object) -> str:
    """A unified social credit code, upper-cased and folded (contract 2.3)."""
    if raw is None:
        raise ValueProblem(Code.INVALID_CREDIT_CODE, "missing")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # an all-digit code sent as a JSON number
    if not isinstance(raw, str):
        raise ValueProblem(Code.INVALID_CREDIT_CODE, "not_text")
    code = creditcode.normalise(raw)
    if not code.isascii():  # creditcode's \d also matches e.g. Arabic-Indic digits, then fails
        raise ValueProblem(Code.INVALID_CREDIT_CODE)
    found = creditcode.problem(code)
    if found is creditcode.CodeProblem.FORMAT:
        raise ValueProblem(Code.INVALID_CREDIT_CODE)
    if found is creditcode.CodeProblem.CHECKSUM:
        raise ValueProblem(Code.CREDIT_CODE_CHECKSUM)
    return code


def _whole(raw: object) -> int | None:
    """An int from an int, or from an integral float or Decimal of sane size; None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer() and abs(raw) < LIMIT:
        return int(raw)
    # is_finite first: comparing a Decimal NaN raises; the bound keeps int() of 1E+999999 away
    if isinstance(raw, Decimal) and raw.is_finite() and abs(raw) < LIMIT and raw == raw.to_integral_value():
        return int(raw)
    return None


def parse_period(raw: object, *, this_year: int) -> int:
    """A year from 2000 to `this_year`."""
    if raw is None:
        raise ValueProblem(Code.INVALID_PERIOD, "missing")
    if isinstance(raw, str):
        match = _PERIOD.fullmatch(_text(raw))
        year = int(match.group(1)) if match else None
    else:
        year = _whole(raw)
    if year is None or not FIRST_PERIOD <= year <= this_year:
        raise ValueProblem(Code.INVALID_PERIOD)
    return year


# --- master data ----------------------------------------------------------------------------
def parse_date(raw: object, *, today: date) -> date:
    """A real calendar date from 1900-01-01 to `today`; XLSX date cells come as datetime."""
    if raw is None:
        raise ValueProblem(Code.INVALID_DATE, "missing")
    if isinstance(raw, datetime):
        found: date | None = raw.date()
    elif isinstance(raw, date):
        found = raw
    elif isinstance(raw, str):
        text = _text(raw)
        found = None
        for pattern in _DATES:
            match = pattern.fullmatch(text)
            if match:
                try:
                    found = date(*(int(part) for part in match.groups()))
                except ValueError:
                    raise ValueProblem(Code.INVALID_DATE) from None
                break
    else:
        found = None
    if found is None:
        raise ValueProblem(Code.INVALID_DATE)
    if found > today:
        raise ValueProblem(Code.INVALID_DATE, "future")
    if found < EARLIEST_DATE:
        raise ValueProblem(Code.INVALID_DATE, "too_old")
    return found


def _code_text(raw: object) -> str | None:
    """Text of a code cell: XLSX and JSON may give 360100 as a number."""
    if isinstance(raw, str):
        return _text(raw)
    whole = _whole(raw)
    return None if whole is None else str(whole)


def parse_region(raw: object) -> str:
    """A Jiangxi administrative division code: `36` and four digits."""
    if raw is None:
        raise ValueProblem(Code.INVALID_REGION, "missing")
    text = _code_text(raw)
    if text is None or not _REGION.fullmatch(text):
        raise ValueProblem(Code.INVALID_REGION)
    return text


def parse_industry(raw: object) -> str:
    """A GB/T 4754-2017 code: section letter, optionally 2-4 digits whose division fits the section."""
    if raw is None:
        raise ValueProblem(Code.INVALID_INDUSTRY, "missing")
    text = _code_text(raw)
    match = _INDUSTRY.fullmatch(text.upper()) if text is not None else None
    if match is None or match.group(0) == "":
        raise ValueProblem(Code.INVALID_INDUSTRY)
    section, digits = match.groups()
    if digits is None:
        return str(section)
    division = int(digits[:2])
    if not section:
        if division not in _SECTION_OF:
            raise ValueProblem(Code.INVALID_INDUSTRY)
        section = _SECTION_OF[division]
    if division not in SECTIONS[section]:
        divisions = SECTIONS[section]
        span = f"{divisions.start:02d}–{divisions.stop - 1:02d}"
        raise ValueProblem(
            Code.INVALID_INDUSTRY,
            "section_mismatch",
            section=section,
            division=f"{division:02d}",
            divisions=span,
        )
    return f"{section}{digits}"


def parse_name(raw: object) -> str:
    """An enterprise name, stripped; full-width brackets are kept (they belong to Chinese names)."""
    if raw is None:
        raise ValueProblem(Code.INVALID_ROW, "missing_name")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueProblem(Code.INVALID_ROW, "not_text")
    name = str(raw).strip()
    if not name:
        raise ValueProblem(Code.INVALID_ROW, "missing_name")
    if len(name) > MAX_NAME_CHARS:
        raise ValueProblem(Code.INVALID_ROW, "name_too_long", max_chars=MAX_NAME_CHARS)
    return name


def canonical_text(value: Decimal) -> str:
    """One text per number: `1234.50`, `1234.5` and `1.2345E+3` all give `1234.5` (for comparisons)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
