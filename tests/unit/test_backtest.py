"""A backtest's arithmetic: chunks merge into the same result however the province is cut."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.jobs import cut
from chalicelib.domain.scoring.backtest import Comparison, compare, merge


@dataclass(frozen=True)
class Card:
    score: Decimal
    grade: str
    whitelisted: bool


def _card(score: Decimal) -> Card:
    grade = "A" if score >= 750 else "B" if score >= 600 else "C" if score >= 450 else "D"
    return Card(score, grade, score >= 600)


scores = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
comparisons = st.lists(
    st.tuples(
        st.sampled_from(["360111", "360702", "361102"]),
        st.one_of(st.none(), scores.map(_card)),
        st.one_of(st.none(), scores.map(_card)),
    ),
    max_size=60,
).map(lambda rows: [Comparison(f"C{n:04d}", region, a, b) for n, (region, a, b) in enumerate(rows)])


@given(rows=comparisons, size=st.integers(min_value=1, max_value=25))
def test_any_chunking_merges_to_the_same_result(rows: list[Comparison], size: int) -> None:
    whole = merge([compare(rows)])
    chunked = merge(compare(rows[i : i + size]) for i in range(0, len(rows), size))
    assert chunked == whole


@given(rows=comparisons)
def test_the_result_counts_what_it_says(rows: list[Comparison]) -> None:
    result = merge([compare(rows)])
    scored = [r for r in rows if r.before is not None or r.after is not None]
    listed = {
        r.credit_code: (bool(r.before and r.before.whitelisted), bool(r.after and r.after.whitelisted))
        for r in scored
    }
    assert result["enterprises"] == len(scored)
    assert result["entered"] == sorted(c for c, (a, b) in listed.items() if b and not a)
    assert result["left"] == sorted(c for c, (a, b) in listed.items() if a and not b)
    deltas = [(r.after.score if r.after else 0) - (r.before.score if r.before else 0) for r in scored]
    assert result["changed"] == sum(1 for d in deltas if d != 0)
    if deltas:
        assert result["score_delta"]["min"] == float(min(deltas))
        assert result["score_delta"]["max"] == float(max(deltas))
    else:
        assert result["score_delta"] == {"mean": None, "min": None, "max": None}
    assert sum(v["entered"] for v in result["by_region"].values()) == len(result["entered"])


@given(codes=st.lists(st.text(alphabet="0123456789AB", min_size=3, max_size=5)), size=st.integers(1, 7))
def test_chunks_are_the_same_for_the_same_set(codes: list[str], size: int) -> None:
    chunks = list(cut(codes, size))
    assert chunks == list(cut(list(reversed(codes)) + codes, size))  # order and repeats do not matter
    assert sorted(c for chunk in chunks for c in chunk) == sorted(set(codes))
    assert all(1 <= len(chunk) <= size for chunk in chunks)
