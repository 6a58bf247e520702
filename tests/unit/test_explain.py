"""Sentences told from a card's numbers with the texts of the card's own model version."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml

from chalicelib.domain.model.schema import (
    MODELS_DIR,
    ModelFileError,
    ScoringModel,
    Texts,
    load_model,
    parse_model,
)
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.domain.scoring.engine import score_period
from chalicelib.domain.scoring.explain import ExplainError, explanations, needs_model

VERSION = "jx-2025.1-provisional"
MODEL = load_model(VERSION)
TEXT = (MODELS_DIR / f"{VERSION}.yaml").read_text(encoding="utf-8")
P = 2025


def card(model: ScoringModel, rows: dict[int, dict[str, str]]) -> ScoreCard:
    facts = {
        p: {i: FactValue(Decimal(v), MODEL.indicator(i).source, f"b-{p}", "2026-01") for i, v in row.items()}
        for p, row in rows.items()
    }
    data = EnterpriseData("91360100EXPLAIN001", Master("X", "n", date(2012, 1, 1), "360100", "C"), facts)
    scored = score_period(model, data, P)
    assert scored is not None
    return scored


def told(model: ScoringModel, scored: ScoreCard) -> dict[str, str]:
    return dict(zip((i.id for i in scored.indicators), explanations(model, scored), strict=True))


ROWS = {
    P - 1: {"rd_expense": "80"},
    P: {"rd_expense": "1E+2", "operating_revenue": "2E+3", "employees": "0", "rd_staff": "5"},
}


def test_numbers_with_an_exponent_are_told_plainly() -> None:
    text = told(MODEL, card(MODEL, ROWS))
    assert text["rd_expense"] == "研发费用总额 100 万元，满分线 1000 万元，得 8.00/80 分"
    assert text["rd_intensity"] == (
        "研发费用占营业收入比例 5.00%（研发费用总额 100 万元 ÷ 营业收入 2000 万元），"
        "满分线 8%，得 50.00/80 分"
    )
    assert text["rd_expense_growth"] == (
        "研发费用增长率 25.00%（研发费用总额 100 万元，上年 80 万元），满分线 30%，得 33.33/40 分"
    )
    assert text["rd_staff_ratio"] == "研发人员占职工总数比例 无法计算（参保职工人数不大于 0），得 0.00/55 分"


def test_a_card_is_told_with_its_own_model() -> None:
    other_text = TEXT.replace("version: jx-2025.1-provisional", "version: jx-2025.2-test").replace(
        'core: "{name} {value}{unit}{inputs}，满分线', 'core: "{name}为 {value}{unit}{inputs}，满分线'
    )
    other = parse_model(other_text)
    mine, theirs = card(MODEL, ROWS), card(other, ROWS)
    assert [i.points for i in mine.indicators] == [i.points for i in theirs.indicators]
    assert told(other, theirs)["rd_expense"] == "研发费用总额为 100 万元，满分线 1000 万元，得 8.00/80 分"
    assert told(MODEL, mine)["rd_expense"].startswith("研发费用总额 100 万元")
    with pytest.raises(ExplainError) as caught:
        explanations(MODEL, theirs)
    assert caught.value.code == "MODEL_MISMATCH" and "jx-2025.2-test" in str(caught.value)


def test_a_card_stored_with_its_sentences_shows_them() -> None:
    fresh = card(MODEL, ROWS)
    assert needs_model(fresh)
    kept = tuple(i._replace(explanation=f"stored {i.id}") for i in fresh.indicators)
    stored = ScoreCard(**{**{f: getattr(fresh, f) for f in fresh.__dataclass_fields__}, "indicators": kept})
    assert not needs_model(stored)
    assert explanations(MODEL, stored) == [f"stored {i.id}" for i in fresh.indicators]


def test_a_model_file_without_texts_tells_the_sentences_of_before() -> None:
    data = yaml.safe_load(TEXT)
    del data["texts"]
    bare = parse_model(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert bare.texts == Texts() == MODEL.texts
    assert told(bare, card(bare, ROWS)) == told(MODEL, card(MODEL, ROWS))


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ('  core_missing: "{name} 未报送，得 {points}/{weigth} 分"', "weigth"),
        ('  bonus_limit: "，上限 {0} 分"', "plain name"),
        ('  veto: "，一票否决{points:.1f}"', "plain name"),
    ],
)
def test_a_text_with_an_unknown_placeholder_is_refused_with_its_line(line: str, fault: str) -> None:
    key = line.split(":")[0]
    lines = TEXT.splitlines()
    at = next(n for n, text in enumerate(lines) if text.startswith(f"{key}:"))
    lines[at] = line
    with pytest.raises(ModelFileError) as caught:
        parse_model("\n".join(lines), "model.yaml")
    assert str(caught.value).startswith(f"model.yaml:{at + 1}: texts.{key.strip()}")
    assert fault in str(caught.value)


def test_every_why_code_has_a_reason_in_the_shipped_models() -> None:
    for version in ("jx-2025.1-provisional", "jx-2026.1-draft"):
        texts = load_model(version).texts
        assert set(texts.ratio_unavailable) == {"no_numerator", "no_denominator", "base_not_positive"}
        assert set(texts.growth_unavailable) == {"no_current", "no_previous", "base_not_positive"}
