"""The criteria tree (contract 9, 13): parsing, limits, paths, exact evaluation, reasons; properties."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.policies.criteria import CriteriaError, parse_criteria, to_json
from chalicelib.domain.policies.evaluation import Criteria, Subject
from chalicelib.domain.policies.vocabulary import vocabulary_of
from chalicelib.settings import get_settings

VOCAB = vocabulary_of(load_model(get_settings().model_version))

CONTRACT_EXAMPLE: dict[str, Any] = {
    "all": [
        {"field": "whitelisted", "op": "==", "value": True},
        {"field": "stage", "op": "in", "value": ["startup", "growth"]},
        {"field": "region_code", "op": "prefix", "value": ["3601", "3607"]},
        {
            "any": [
                {"field": "indicator.invention_patents", "op": ">=", "value": 1},
                {"field": "category.tech_innovation", "op": ">=", "value": 200},
            ]
        },
    ]
}


def compiled(raw: Any) -> Criteria:
    return Criteria(parse_criteria(raw, VOCAB))


def fault(raw: Any) -> CriteriaError:
    with pytest.raises(CriteriaError) as caught:
        parse_criteria(raw, VOCAB)
    return caught.value


def leaf(field: str = "score", op: str = ">=", value: Any = 600) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def nest_not(node: dict[str, Any], times: int) -> dict[str, Any]:
    for _ in range(times):
        node = {"not": node}
    return node


# --- parsing and faults ---------------------------------------------------------------------------


def test_the_contract_example_parses_and_round_trips() -> None:
    tree = parse_criteria(CONTRACT_EXAMPLE, VOCAB)
    assert to_json(tree) == CONTRACT_EXAMPLE


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (
            {"all": [leaf(), leaf(), leaf(), {"not": {"any": [leaf(op="~")]}}]},
            "criteria.all[3].not.any[0].op",
        ),
        ({"all": [leaf(field="nope")]}, "criteria.all[0].field"),
        ({"all": [leaf(field="indicator.unknown_thing")]}, "criteria.all[0].field"),
        # an input-only indicator is not on the card (13.1): an unknown field
        ({"all": [leaf(field="indicator.rd_staff")]}, "criteria.all[0].field"),
        ({"all": [leaf(value="600")]}, "criteria.all[0].value"),  # a string is not a number
        ({"all": [leaf(value=True)]}, "criteria.all[0].value"),  # nor is a boolean
        ({"any": [leaf(field="whitelisted", op="==", value=1)]}, "criteria.any[0].value"),
        ({"all": [leaf(op="prefix", value=["6"])]}, "criteria.all[0].op"),  # prefix is for text
        ({"all": [leaf(field="stage", op="in", value=[])]}, "criteria.all[0].value"),
        ({"all": [leaf(field="stage", op="==", value="teenager")]}, "criteria.all[0].value"),
        ({"all": [leaf(field="grade", op="==", value="Z")]}, "criteria.all[0].value"),
        ({"all": [leaf(op="exists", value=1)]}, "criteria.all[0].value"),
        ({"all": [{"field": "score", "op": ">="}]}, "criteria.all[0].value"),
        ({"all": [{**leaf(), "note": "x"}]}, "criteria.all[0].note"),
        ({"all": []}, "criteria.all"),
        ({"all": "score"}, "criteria.all"),
        ({"all": [3]}, "criteria.all[0]"),
        ("score >= 600", "criteria"),
    ],
)
def test_a_fault_names_its_path(raw: Any, path: str) -> None:
    error = fault(raw)
    assert error.path == path
    assert error.message_en and error.message_zh


def test_depth_counts_every_node_the_leaf_included() -> None:
    parse_criteria(nest_not(leaf(), 5), VOCAB)  # five nots around a leaf: depth 6, allowed
    error = fault(nest_not(leaf(), 6))
    assert error.path == "criteria" + ".not" * 6
    assert "6" in error.message_en


def test_at_most_fifty_leaves() -> None:
    parse_criteria({"all": [leaf()] * 50}, VOCAB)
    error = fault({"all": [leaf()] * 25 + [{"any": [leaf()] * 26}]})
    assert error.path == "criteria.all[25].any[25]"  # the 51st leaf in document order


def test_a_huge_tree_is_refused_before_it_is_walked() -> None:
    error = fault({"all": [leaf()] * 1_000_000})
    assert error.path == "criteria.all[50]"
    deep: dict[str, Any] = leaf()
    for _ in range(5000):  # far beyond any recursion limit
        deep = {"not": deep}
    assert fault(deep).path.count(".not") == 6


# --- evaluation ------------------------------------------------------------------------------------


def subject(**values: Any) -> Subject:
    return {k.replace("__", "."): v for k, v in values.items()}


def test_the_contract_example_matches_and_explains() -> None:
    criteria = compiled(CONTRACT_EXAMPLE)
    enterprise = subject(
        whitelisted=True,
        stage="growth",
        region_code="360111",
        indicator__invention_patents=None,
        category__tech_innovation=Decimal("212.50"),
    )
    assert criteria.matches(enterprise)
    ok, reasons = criteria.explain(enterprise)
    assert ok
    assert [r.path for r in reasons] == [
        "criteria.all[0]",
        "criteria.all[1]",
        "criteria.all[2]",
        "criteria.all[3].any[0]",
        "criteria.all[3].any[1]",
    ]
    assert [r.ok for r in reasons] == [True, True, True, False, True]
    assert reasons[3].actual is None  # missing value
    assert reasons[4].as_json() == {
        "path": "criteria.all[3].any[1]",
        "field": "category.tech_innovation",
        "op": ">=",
        "value": 200,
        "actual": 212.5,
        "ok": True,
    }


def test_numbers_compare_exactly() -> None:
    criteria = compiled(leaf(op="==", value=0.1))
    assert criteria.matches(subject(score=Decimal("0.10")))
    assert not criteria.matches(subject(score=Decimal("0.1000000001")))
    assert compiled(leaf(op=">", value=599.99)).matches(subject(score=Decimal("600.00")))
    assert not compiled(leaf(op=">", value=600)).matches(subject(score=Decimal("600.00")))


def test_a_leafs_ok_is_its_own_result_before_the_not() -> None:
    criteria = compiled({"not": leaf(op=">=", value=600)})
    ok, reasons = criteria.explain(subject(score=Decimal(700)))
    assert not ok
    assert reasons[0].ok is True


def test_flags_text_and_prefixes() -> None:
    enterprise = subject(
        whitelisted=False, industry_code="C3911", indicator__high_tech_enterprise=True, grade="B"
    )
    assert compiled(leaf("whitelisted", "==", False)).matches(enterprise)
    assert compiled(leaf("indicator.high_tech_enterprise", "==", True)).matches(enterprise)
    assert compiled(leaf("industry_code", "prefix", ["C39", "M"])).matches(enterprise)
    assert not compiled(leaf("industry_code", "prefix", ["C4", "M"])).matches(enterprise)
    assert compiled(leaf("grade", "not_in", ["C", "D"])).matches(enterprise)
    assert compiled(leaf("grade", "!=", "A")).matches(enterprise)


# --- properties ------------------------------------------------------------------------------------

NUMBER_FIELDS = ("score", "completeness", "age", "indicator.rd_expense", "category.auxiliary")
numbers = st.decimals(min_value=-1000, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
maybe_number = st.none() | numbers


@st.composite
def number_leaves(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(NUMBER_FIELDS))
    op = draw(st.sampled_from(["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "exists"]))
    if op == "exists":
        return leaf(field, op, draw(st.booleans()))
    if op in ("in", "not_in"):
        return leaf(field, op, [float(v) for v in draw(st.lists(numbers, min_size=1, max_size=4))])
    return leaf(field, op, float(draw(numbers)))


@st.composite
def subjects(draw: st.DrawFn) -> dict[str, Any]:
    return {f: draw(maybe_number) for f in NUMBER_FIELDS}


@given(number_leaves(), subjects())
def test_not_inverts(node: dict[str, Any], enterprise: dict[str, Any]) -> None:
    assert compiled({"not": node}).matches(enterprise) is not compiled(node).matches(enterprise)


@given(number_leaves(), subjects())
def test_all_or_any_of_one_leaf_is_the_leaf(node: dict[str, Any], enterprise: dict[str, Any]) -> None:
    alone = compiled(node).matches(enterprise)
    assert compiled({"all": [node]}).matches(enterprise) is alone
    assert compiled({"any": [node]}).matches(enterprise) is alone
    assert compiled({"all": [node]}).explain(enterprise)[0] is alone


@given(number_leaves(), subjects())
def test_explain_agrees_with_matches(node: dict[str, Any], enterprise: dict[str, Any]) -> None:
    tree = {"any": [{"not": node}, {"all": [node, leaf("score", ">=", 0)]}]}
    criteria = compiled(tree)
    ok, reasons = criteria.explain(enterprise)
    assert ok is criteria.matches(enterprise)
    assert len(reasons) == criteria.leaf_count == 3


codes = st.text(alphabet="0123456789", min_size=2, max_size=6)


@given(codes, st.none() | codes)
def test_prefix_with_one_full_code_is_equality(code: str, actual: str | None) -> None:
    enterprise = {"region_code": actual}
    assert compiled(leaf("region_code", "prefix", [code])).matches(enterprise) is (
        actual is not None and actual.startswith(code)
    )
    if actual is not None and len(actual) == len(code):
        assert compiled(leaf("region_code", "prefix", [code])).matches(enterprise) is compiled(
            leaf("region_code", "==", code)
        ).matches(enterprise)


@given(number_leaves())
def test_a_missing_value_never_matches_except_exists_false(node: dict[str, Any]) -> None:
    enterprise = {f: None for f in NUMBER_FIELDS}
    expected = node["op"] == "exists" and node["value"] is False
    assert compiled(node).matches(enterprise) is expected
    reasons = compiled(node).explain(enterprise)[1]
    assert reasons[0].actual is None
