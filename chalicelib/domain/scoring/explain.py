"""Each indicator's sentence (contract 6 `explanation`), told from a card's numbers when it is read.

A card stores numbers only (value, points, source, batch, why a value is missing, a derived value's
inputs); the words come from the `texts` of the card's own model version (a version never changes, so
an older card reads as it did when it was scored). Scoring builds no text: a national rescore makes
~520,000 cards and a portrait shows one.

Numbers print as the engine has them: an uploaded value as it was uploaded but without an exponent
(1E+3 -> 1000), points with their 2 decimals, the model's constants (full marks, weights, caps) as
written in the model file. A card stored before cards held numbers only carries its sentences, and
shows them as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chalicelib.domain.model.schema import STAGES, IndicatorDef, ScoringModel, Texts
from chalicelib.domain.records import IndicatorScore, ScoreCard
from chalicelib.domain.scoring.arithmetic import HUNDRED, ZERO2, plain_text, suffix
from chalicelib.domain.scoring.compiled import NO_VALUE


class ExplainError(ValueError):
    """A card that its model cannot tell: another version, or an indicator the model does not have."""

    code = "MODEL_MISMATCH"


def _capped(numerator: Decimal, base: Decimal, at_most: Decimal | None) -> bool:
    """Whether a ratio was held at its `at_most`: computed exactly as the engine computes it."""
    return at_most is not None and numerator * HUNDRED / base > at_most


def _shown(x: Decimal) -> str:
    """A value as uploaded, without an exponent (str() keeps "800.50"; format() turns 1E+3 into 1000)."""
    s = str(x)
    return format(x, "f") if "E" in s else s


@dataclass(frozen=True, slots=True)
class _Inputs:
    """A derived indicator's inputs and the texts that tell them."""

    growth: bool
    template: str  # ratio_inputs or growth_inputs
    names: Mapping[str, str]  # a_name, a_unit, b_name, b_unit
    at_most: Decimal | None
    limit: str  # the ratio's cap clause, shown when the cap applied
    reasons: Mapping[str, str]  # why code -> the reason, filled in


@dataclass(frozen=True, slots=True)
class _Core:
    name: str
    unit: str
    full: Mapping[str, str]  # stage -> the full mark as written
    weight: Mapping[str, str]
    inputs: _Inputs | None


@dataclass(frozen=True, slots=True)
class _Extra:
    bonus: bool
    name: str
    unit: str
    per_unit: bool
    fixed: Mapping[str, str]  # per, each, limit, max, veto: the same for every card


def _inputs(model: ScoringModel, ind: IndicatorDef, texts: Texts) -> _Inputs | None:
    d = ind.derived
    if d is None:
        return None
    reasons: dict[str, str]
    if d.formula == "growth":
        assert d.of is not None
        a = b = model.indicator(d.of)
        template, reasons, limit = (
            texts.growth_inputs,
            {str(k): v for k, v in texts.growth_unavailable.items()},
            "",
        )
    else:
        assert d.numerator is not None and d.denominator is not None
        a, b = model.indicator(d.numerator), model.indicator(d.denominator)
        template, reasons = texts.ratio_inputs, {str(k): v for k, v in texts.ratio_unavailable.items()}
        limit = ""
        if d.at_most is not None:
            limit = texts.ratio_limit.format(at_most=plain_text(d.at_most), unit=suffix(ind.unit))
    names = {"a_name": a.name_zh, "a_unit": suffix(a.unit), "b_name": b.name_zh, "b_unit": suffix(b.unit)}
    return _Inputs(
        growth=d.formula == "growth",
        template=template,
        names=names,
        at_most=d.at_most,
        limit=limit,
        reasons={why: text.format(**names) for why, text in reasons.items()},
    )


def _extra(ind: IndicatorDef, texts: Texts) -> _Extra:
    assert ind.points is not None
    bonus = ind.kind == "characteristic"
    per_unit = ind.method == "per_unit"
    cap = abs(ind.cap) if ind.cap is not None else None
    per = texts.per_unit.format(measure=ind.unit) if ind.unit else texts.per_item
    fixed = {"per": per, "veto": texts.veto if ind.veto else "", "limit": "", "max": ""}
    if bonus:
        fixed["each"] = plain_text(ind.points)
        fixed["max"] = plain_text(cap if per_unit and cap is not None else ind.points)
        if cap is not None:
            fixed["limit"] = texts.bonus_limit.format(cap=plain_text(cap))
    else:
        fixed["each"] = plain_text(-ind.points)
        if cap is not None:
            fixed["limit"] = texts.deduction_limit.format(cap=plain_text(cap))
    return _Extra(bonus, ind.name_zh, suffix(ind.unit), per_unit, fixed)


@dataclass(frozen=True, slots=True)
class _Told:
    model: ScoringModel
    texts: Texts
    indicators: Mapping[str, _Core | _Extra]


def _tell(model: ScoringModel) -> _Told:
    texts = model.texts
    told: dict[str, _Core | _Extra] = {}
    for ind in model.indicators:
        if ind.kind == "core":
            assert ind.full is not None and ind.weight is not None
            told[ind.id] = _Core(
                name=ind.name_zh,
                unit=suffix(ind.unit),
                full={s: plain_text(ind.full[s]) for s in STAGES},
                weight={s: plain_text(ind.weight[s]) for s in STAGES},
                inputs=_inputs(model, ind, texts),
            )
        elif ind.kind != "input":
            told[ind.id] = _extra(ind, texts)
    return _Told(model, texts, told)


_TOLD: dict[int, _Told] = {}
_MAX_MODELS: Final = 32


def _told_for(model: ScoringModel) -> _Told:
    hit = _TOLD.get(id(model))
    if hit is not None and hit.model is model:  # the entry holds the model, so its id is not reused
        return hit
    if len(_TOLD) >= _MAX_MODELS:
        _TOLD.clear()
    told = _TOLD[id(model)] = _tell(model)
    return told


def _core_sentence(texts: Texts, spec: _Core, stage: str, item: IndicatorScore) -> str:
    weight, points = spec.weight[stage], str(item.points)
    if item.value is None:
        if item.why in (None, NO_VALUE) or spec.inputs is None:
            return texts.core_missing.format(name=spec.name, points=points, weight=weight, reason="")
        reason = spec.inputs.reasons.get(item.why, "")
        return texts.core_unavailable.format(name=spec.name, points=points, weight=weight, reason=reason)
    inputs = ""
    d = spec.inputs
    if d is not None and item.numerator is not None and item.base is not None:
        limit = d.limit if not d.growth and _capped(item.numerator, item.base, d.at_most) else ""
        inputs = d.template.format(**d.names, a=_shown(item.numerator), b=_shown(item.base), limit=limit)
    return texts.core.format(
        name=spec.name,
        value=_shown(item.value),
        unit=spec.unit,
        inputs=inputs,
        full=spec.full[stage],
        points=points,
        weight=weight,
    )


def _extra_sentence(texts: Texts, spec: _Extra, item: IndicatorScore) -> str:
    value = item.value
    fields = {
        **spec.fixed,
        "name": spec.name,
        "unit": spec.unit,
        "points": str(item.points),
        "deducted": str(ZERO2 - item.points),
        "value": _shown(value) if value is not None else "",
    }
    if spec.bonus:
        if value is None:
            template = texts.bonus_missing
        elif spec.per_unit:
            template = texts.bonus_per_unit
        else:
            template = texts.bonus_yes if value != 0 else texts.bonus_no
    elif value is None:
        template = texts.deduction_missing
    elif spec.per_unit:
        template = texts.deduction_per_unit if item.points else texts.deduction_per_unit_none
    else:
        template = texts.deduction_yes if value != 0 else texts.deduction_no
    return template.format(**fields)


def explanations(model: ScoringModel, card: ScoreCard) -> list[str]:
    """One sentence per entry of `card`, in its order, told with `model` (the card's own version)."""
    if card.model_version != model.version:
        raise ExplainError(
            f"card of model {card.model_version} cannot be told with model {model.version} / "
            f"评分卡的模型版本 {card.model_version} 与 {model.version} 不一致"
        )
    told = _told_for(model)
    texts, stage = told.texts, card.stage
    sentences: list[str] = []
    for item in card.indicators:
        if item.explanation is not None:  # stored with its sentence, before cards held numbers only
            sentences.append(item.explanation)
            continue
        spec = told.indicators.get(item.id)
        if spec is None:
            raise ExplainError(
                f"model {model.version} has no indicator {item.id} / "
                f"评分模型 {model.version} 没有指标 {item.id}"
            )
        if isinstance(spec, _Core):
            sentences.append(_core_sentence(texts, spec, stage, item))
        else:
            sentences.append(_extra_sentence(texts, spec, item))
    return sentences


def needs_model(card: ScoreCard) -> bool:
    """Whether telling the card needs its model (not when it was stored with all its sentences)."""
    return any(item.explanation is None for item in card.indicators)
