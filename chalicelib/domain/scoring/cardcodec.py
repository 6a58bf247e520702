"""A score card as JSON-safe data and back: the stores keep it in a JSON attribute.

The stored form holds numbers only (no sentences: `explain.py` tells them when a card is read).
Decimals travel as strings in their exact form ("64.00" stays "64.00", never a float), so the round
trip is exact. Each indicator is a row, its columns in `INDICATOR_COLUMNS` order with trailing empty
columns left off: a card of ~30 indicators is a third of the size of one with a mapping per indicator,
and the rescore encodes (and compares) every card it computes. The codec is written out by hand for the
same reason (three times faster than a pydantic TypeAdapter), and decoding checks every field: a stored
card of the wrong shape is refused with `CardDecodeError`, never half-read.

Cards stored before (form 1: a mapping per indicator, with its `explanation` sentence) still decode,
keeping their sentences; `same_card` tells whether such a card holds the numbers of a fresh one, so a
rescore does not rewrite a card just because its stored form changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from chalicelib.domain.model.schema import STAGES, Stage
from chalicelib.domain.records import CategoryScore, Discrepancy, IndicatorScore, ScoreCard
from chalicelib.domain.scoring.assembly import build_card
from chalicelib.domain.scoring.compiled import WHY_CODES

FORM: Final = 2  # the stored form's number: 2 = numbers only, indicators as rows
INDICATOR_COLUMNS: Final = (
    "id",
    "name_zh",
    "category",
    "value",
    "points",
    "max_points",
    "source_department",
    "batch_id",
    "why",
    "numerator",
    "base",
)
_NUMBERS_ONLY: Final = 8  # the columns a form-1 card also has: id .. batch_id
_new = tuple.__new__


class CardDecodeError(ValueError):
    """A stored card that does not have the shape of a score card."""

    code = "INVALID_CARD"

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"not a score card / 评分卡数据格式错误: {where}: {problem}")


# --- encoding ----------------------------------------------------------------------------------------


def _row(i: IndicatorScore) -> list[Any]:
    value, numerator = i.value, i.numerator
    row: list[Any] = [
        i.id,
        i.name_zh,
        i.category,
        None if value is None else str(value),
        str(i.points),
        str(i.max_points),
        i.source_department,
        i.batch_id,
    ]
    if numerator is not None:  # a derived value: why is empty, both inputs are there
        row += (i.why, str(numerator), None if i.base is None else str(i.base))
    elif i.why is not None:
        row.append(i.why)
    return row


def _discrepancy(d: Discrepancy) -> dict[str, Any]:
    return {
        "indicator": d.indicator,
        "period": d.period,
        "scored_value": str(d.scored_value),
        "scored_department": d.scored_department,
        "stats_value": str(d.stats_value),
        "gap_pct": str(d.gap_pct),
        "stats_batch_id": d.stats_batch_id,
    }


def card_to_dict(card: ScoreCard) -> dict[str, Any]:
    """The card as plain JSON types, in the stored form: Decimals as strings, indicators as rows."""
    return {
        "form": FORM,
        "credit_code": card.credit_code,
        "period": card.period,
        "model_version": card.model_version,
        "stage": card.stage,
        "indicators": [_row(i) for i in card.indicators],
        "categories": [{"id": c.id, "points": str(c.points), "max": str(c.max)} for c in card.categories],
        "core": str(card.core),
        "bonus": str(card.bonus),
        "deductions": str(card.deductions),
        "veto": card.veto,
        "score": str(card.score),
        "grade": card.grade,
        "whitelisted": card.whitelisted,
        "completeness": str(card.completeness),
        "discrepancies": [_discrepancy(d) for d in card.discrepancies],
    }


# --- decoding, checked -------------------------------------------------------------------------------


def _text(x: object, where: str) -> str:
    if not isinstance(x, str):
        raise CardDecodeError(where, "not a text")
    return x


def _text_or_none(x: object, where: str) -> str | None:
    return None if x is None else _text(x, where)


def _number(x: object, where: str) -> Decimal:
    if isinstance(x, str | int) and not isinstance(x, bool):
        try:
            d = Decimal(x)
        except (InvalidOperation, ValueError):
            pass
        else:
            if d.is_finite():
                return d
    raise CardDecodeError(where, f"not a decimal number: {x!r}")


def _number_or_none(x: object, where: str) -> Decimal | None:
    return None if x is None else _number(x, where)


def _integer(x: object, where: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise CardDecodeError(where, "not a whole number")
    return x


def _flag(x: object, where: str) -> bool:
    if not isinstance(x, bool):
        raise CardDecodeError(where, "not true or false")
    return x


def _list(x: object, where: str) -> Sequence[Any]:
    if not isinstance(x, list | tuple):
        raise CardDecodeError(where, "not a list")
    return x


def _field(data: Mapping[str, Any], name: str, where: str) -> Any:
    try:
        return data[name]
    except KeyError:
        raise CardDecodeError(f"{where}.{name}", "missing") from None
    except TypeError:
        raise CardDecodeError(where, "not a mapping") from None


def _why(x: object, where: str) -> str | None:
    if x is not None and x not in WHY_CODES:
        raise CardDecodeError(where, f"unknown reason {x!r}")
    return None if x is None else str(x)


# Decimal texts seen in stored cards: points, maxima and small counts repeat from card to card, and a
# Decimal is immutable, so one object per text serves them all (decoding a period's cards parses each
# distinct text once). Bounded: it starts afresh when full.
_DECIMALS: dict[str, Decimal] = {}
_MAX_DECIMALS: Final = 100_000


def _decimal(x: str) -> Decimal:
    """A stored decimal text (fast path: TypeError or ValueError when it is not one)."""
    d = _DECIMALS.get(x)
    if d is None:
        if type(x) is not str:
            raise TypeError(x)
        d = Decimal(x)
        if not d.is_finite():
            raise ValueError(x)
        if len(_DECIMALS) >= _MAX_DECIMALS:
            _DECIMALS.clear()
        _DECIMALS[x] = d
    return d


def _text_ok(x: object) -> bool:
    return x is None or type(x) is str


def _indicator_row(row: object, where: str) -> IndicatorScore:
    # the fast path: a well-formed row; any fault falls through to the checked path, which names it
    if type(row) is list and _NUMBERS_ONLY <= len(row) <= len(INDICATOR_COLUMNS):
        cells = row + [None] * (len(INDICATOR_COLUMNS) - len(row)) if len(row) < 11 else row
        id_, name, category, value, points, max_points, source, batch, why, numerator, base = cells
        try:
            if (
                type(id_) is str
                and type(name) is str
                and _text_ok(category)
                and _text_ok(source)
                and _text_ok(batch)
                and (why is None or why in WHY_CODES)
            ):
                entry: IndicatorScore = _new(
                    IndicatorScore,
                    (
                        id_,
                        name,
                        category,
                        None if value is None else _decimal(value),
                        _decimal(points),
                        _decimal(max_points),
                        source,
                        batch,
                        why,
                        None if numerator is None else _decimal(numerator),
                        None if base is None else _decimal(base),
                        None,
                    ),
                )
                return entry
        except (TypeError, ValueError, ArithmeticError):
            pass
    return _checked_row(row, where)


def _checked_row(row: object, where: str) -> IndicatorScore:
    cells = _list(row, where)
    if not _NUMBERS_ONLY <= len(cells) <= len(INDICATOR_COLUMNS):
        raise CardDecodeError(where, f"{len(cells)} columns, not {_NUMBERS_ONLY} to {len(INDICATOR_COLUMNS)}")
    cells = [*cells, *([None] * (len(INDICATOR_COLUMNS) - len(cells)))]
    return IndicatorScore(
        _text(cells[0], f"{where}.id"),
        _text(cells[1], f"{where}.name_zh"),
        _text_or_none(cells[2], f"{where}.category"),
        _number_or_none(cells[3], f"{where}.value"),
        _number(cells[4], f"{where}.points"),
        _number(cells[5], f"{where}.max_points"),
        _text_or_none(cells[6], f"{where}.source_department"),
        _text_or_none(cells[7], f"{where}.batch_id"),
        _why(cells[8], f"{where}.why"),
        _number_or_none(cells[9], f"{where}.numerator"),
        _number_or_none(cells[10], f"{where}.base"),
    )


def _indicator_mapping(data: object, where: str) -> IndicatorScore:
    """An indicator of a form-1 card: a mapping, with its sentence."""
    if not isinstance(data, Mapping):
        raise CardDecodeError(where, "not a mapping")
    return IndicatorScore(
        id=_text(_field(data, "id", where), f"{where}.id"),
        name_zh=_text(_field(data, "name_zh", where), f"{where}.name_zh"),
        category=_text_or_none(data.get("category"), f"{where}.category"),
        value=_number_or_none(data.get("value"), f"{where}.value"),
        points=_number(_field(data, "points", where), f"{where}.points"),
        max_points=_number(_field(data, "max_points", where), f"{where}.max_points"),
        source_department=_text_or_none(data.get("source_department"), f"{where}.source_department"),
        batch_id=_text_or_none(data.get("batch_id"), f"{where}.batch_id"),
        explanation=_text(_field(data, "explanation", where), f"{where}.explanation"),
    )


def _category(data: object, where: str) -> CategoryScore:
    if not isinstance(data, Mapping):
        raise CardDecodeError(where, "not a mapping")
    return CategoryScore(
        _text(_field(data, "id", where), f"{where}.id"),
        _number(_field(data, "points", where), f"{where}.points"),
        _number(_field(data, "max", where), f"{where}.max"),
    )


def _discrepancy_of(data: object, where: str) -> Discrepancy:
    if not isinstance(data, Mapping):
        raise CardDecodeError(where, "not a mapping")
    return Discrepancy(
        indicator=_text(_field(data, "indicator", where), f"{where}.indicator"),
        period=_integer(_field(data, "period", where), f"{where}.period"),
        scored_value=_number(_field(data, "scored_value", where), f"{where}.scored_value"),
        scored_department=_text(_field(data, "scored_department", where), f"{where}.scored_department"),
        stats_value=_number(_field(data, "stats_value", where), f"{where}.stats_value"),
        gap_pct=_number(_field(data, "gap_pct", where), f"{where}.gap_pct"),
        stats_batch_id=_text(_field(data, "stats_batch_id", where), f"{where}.stats_batch_id"),
    )


def _stage(x: object) -> Stage:
    for stage in STAGES:
        if x == stage:
            return stage
    raise CardDecodeError("stage", f"not a stage: {x!r}")


def card_from_dict(data: Mapping[str, Any]) -> ScoreCard:
    """The card `card_to_dict` produced (or its JSON, parsed), or one stored in form 1; raises
    CardDecodeError for anything else."""
    if not isinstance(data, Mapping):
        raise CardDecodeError("card", "not a mapping")
    form = data.get("form", 1)
    indicator: Callable[[object, str], IndicatorScore]
    if form == FORM:
        indicator = _indicator_row
    elif form == 1:
        indicator = _indicator_mapping
    else:
        raise CardDecodeError("form", f"unknown stored form {form!r}")

    def get(name: str) -> Any:
        return _field(data, name, "card")

    return build_card(
        _text(get("credit_code"), "credit_code"),
        _integer(get("period"), "period"),
        _text(get("model_version"), "model_version"),
        _stage(get("stage")),
        tuple(indicator(x, f"indicators[{n}]") for n, x in enumerate(_list(get("indicators"), "indicators"))),
        tuple(_category(x, f"categories[{n}]") for n, x in enumerate(_list(get("categories"), "categories"))),
        _number(get("core"), "core"),
        _number(get("bonus"), "bonus"),
        _number(get("deductions"), "deductions"),
        _flag(get("veto"), "veto"),
        _number(get("score"), "score"),
        _text(get("grade"), "grade"),
        _flag(get("whitelisted"), "whitelisted"),
        _number(get("completeness"), "completeness"),
        tuple(
            _discrepancy_of(x, f"discrepancies[{n}]")
            for n, x in enumerate(_list(data.get("discrepancies", []), "discrepancies"))
        ),
    )


# --- comparing a stored card with a fresh one ------------------------------------------------------


def _numbers_only(card_dict: dict[str, Any]) -> dict[str, Any]:
    rows = [row[:_NUMBERS_ONLY] for row in card_dict["indicators"]]
    return {**card_dict, "indicators": rows}


def same_card(stored: Mapping[str, Any], fresh: dict[str, Any]) -> bool:
    """Whether a stored card (either form) holds what `fresh` (from `card_to_dict`) holds.

    Both in the current form: equal data, every column. A form-1 card has no why codes nor a derived
    value's inputs (its sentences told them): equal when every other number, text and flag is equal,
    so the next rescore leaves it alone unless its score moved. Undecodable: never the same.
    """
    if stored.get("form") == FORM:
        return stored == fresh
    try:
        earlier = card_to_dict(card_from_dict(stored))
    except CardDecodeError:
        return False
    return _numbers_only(earlier) == _numbers_only(fresh)
