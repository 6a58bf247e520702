"""The report builder over moto: rescore -> listener marks and counts -> builder -> stored report items."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.regions import all_shards
from chalicelib.domain.reports.inputs import MatchFact, SupportFact
from chalicelib.services.reports import REFRESH_S, SETTLE_S, ReportBuilder, ReportReader, ReportsListener
from chalicelib.stores.reports import ReportsRepository
from chalicelib.stores.tables import ReportItem, ScoreItem
from scripts.provision import Resources
from scripts.synthetic import credit_code as api_code
from tests.aws.api_helpers import put_card
from tests.aws.policy_helpers import WHITELISTED
from tests.aws.policy_helpers import fields as policy_fields
from tests.aws.rescore_helpers import GROWTH_BASE, MID, STRONG, P, enterprise, rescore


class Clock:
    """The services' clock, moved by hand: marks, builds and windows all read it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = SETTLE_S + 5) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("chalicelib.services.reports._now", fake)
    return fake


def later() -> datetime:
    """A builder clock past the settle time of every mark just written (real clock)."""
    return datetime.now(UTC) + timedelta(seconds=SETTLE_S + 5)


def generations(period: int) -> set[str]:
    """Generations with items left in the table (tests only: a Scan of a handful of items)."""
    return {i.pk.split("#")[2] for i in ReportItem.scan() if i.pk.startswith(f"R#{period}#")}


def test_a_rescore_marks_the_period_and_the_builder_reports_it(
    aws: Resources, calls: Counter[str], clock: Clock
) -> None:
    listed = enterprise(1, STRONG, region="360111")
    grey = enterprise(2, MID, region="360702")
    assert rescore([(listed, P), (grey, P)]) == {"batchItemFailures": []}
    repo = ReportsRepository()
    (mark,) = repo.marks()
    assert mark.period == P and mark.dirty and mark.generation is None

    calls.clear()
    clock.advance()
    (built,) = ReportBuilder().build_dirty()
    assert calls["Scan"] == 0  # the period's cards come from the narrow index, by Query
    assert built.enterprises == 2 and built.full_cards == 0  # the rescore wrote digests
    assert not repo.mark(P).dirty  # type: ignore[union-attr]
    clock.advance()
    assert ReportBuilder().build_dirty() == []  # nothing changed since
    clock.advance(REFRESH_S)
    assert len(ReportBuilder().build_dirty()) == 1  # but support and matches may have: refreshed

    calls.clear()
    report = ReportReader().region_report(P)
    assert report is not None
    assert calls["Scan"] == 0 and calls["GetItem"] + calls["Query"] <= 3
    cities = {b.region_code: b for b in report.items}
    assert len(cities) == 11
    assert report.province.enterprises == 2 and report.province.whitelist == 1
    assert (cities["3601"].enterprises, cities["3601"].whitelist, cities["3601"].entered) == (1, 1, 1)
    assert (cities["3607"].enterprises, cities["3607"].whitelist, cities["3607"].entered) == (1, 0, 0)
    assert cities["3601"].by_grade["A"] == 1 and cities["3601"].whitelist_share == Decimal("1.0000")
    assert report.since == date(datetime.now(UTC).year, 1, 1) or report.since.month == 1

    # the P-1 data lifts the grey one over the line: the report follows on the next run
    enterprise(2, MID, region="360702", previous=GROWTH_BASE)
    assert rescore([(grey, P)], message_id="m-2") == {"batchItemFailures": []}
    assert repo.mark(P).dirty  # type: ignore[union-attr]
    clock.advance()
    ReportBuilder().build_dirty()
    again = ReportReader().region_report(P)
    assert again is not None and again.province.whitelist == 2
    assert {b.region_code: b for b in again.items}["3607"].entered == 1
    assert again.province.entered == 2 and again.province.left == 0
    # a window that starts after today counts no moves
    future = ReportReader().region_report(P, since=date.today() + timedelta(days=2))
    assert future is not None and future.province.entered == 0


def test_a_change_within_the_settle_time_keeps_the_period_dirty(aws: Resources, clock: Clock) -> None:
    code = enterprise(3, STRONG)
    rescore([(code, P)])
    clock.advance(SETTLE_S / 2)
    ReportBuilder().build_dirty()  # the mark is younger than the settle time: the index might lag
    mark = ReportsRepository().mark(P)
    assert mark is not None and mark.generation is not None and mark.dirty
    clock.advance()
    ReportBuilder().build_dirty()
    assert not ReportsRepository().mark(P).dirty  # type: ignore[union-attr]


def test_cards_without_a_digest_are_read_whole(aws: Resources) -> None:
    for n, region in enumerate(("360111", "360111", "361102")):
        code = api_code(500 + n)
        put_card(code, P, "700" if n else "300", region_code=region)
        # as a card written before digests existed (and unchanged since) is stored
        ScoreItem.get(f"E#{code}", f"S#{P}").update(actions=[ScoreItem.report_digest.remove()])
    ReportsRepository().mark_dirty(P, "2000-01-01T00:00:00.000000Z")
    (built,) = ReportBuilder(clock=later).build_dirty()
    assert built.enterprises == 3 and built.full_cards == 3
    report = ReportReader().region_report(P)
    assert report is not None and report.province.whitelist == 2
    assert report.province.score.median == Decimal("700.00")


def test_support_and_matches_come_from_their_sources(aws: Resources) -> None:
    a, b = api_code(600), api_code(601)
    put_card(a, P, "700", region_code="360111")
    put_card(b, P, "650", region_code="360702")
    ReportsRepository().mark_dirty(P, "2000-01-01T00:00:00.000000Z")
    support = [
        SupportFact(a, "loan", "disbursed", Decimal("500"), Decimal("3.45")),
        SupportFact(a, "loan", "rejected", None, None),
        SupportFact(b, "credit_line", "repaid", Decimal("100"), Decimal("4")),
    ]
    seen: list[int] = []

    def matches(period: int) -> list[MatchFact]:
        seen.append(period)
        return [MatchFact(a, "p-1"), MatchFact(b, "p-1"), MatchFact(b, "p-2")]

    ReportBuilder(clock=later, support=lambda p: support if p == P else [], matches=matches).build_dirty()
    assert seen == [P]
    report = ReportReader().region_report(P)
    assert report is not None
    assert report.province.support.records == 2 and report.province.support.disbursed_wan == Decimal("600.00")
    assert report.province.support.mean_rate_pct == Decimal("3.54")
    assert report.province.policy_matches == 3
    assert {b.region_code: b.policy_matches for b in report.items}["3607"] == 2


def test_a_rebuild_switches_generations_and_drops_old_ones(aws: Resources) -> None:
    put_card(api_code(700), P, "700")
    repo = ReportsRepository()
    kept: list[str] = []
    for n in range(3):
        repo.mark_dirty(P, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        ReportBuilder(clock=later).build_dirty()
        mark = repo.mark(P)
        assert mark is not None and mark.generation is not None
        kept.append(mark.generation)
        assert generations(P) == set(kept[-2:]), n  # the current and the one before it


def test_statistics_are_stored_per_region_and_stage(aws: Resources) -> None:
    strong = enterprise(4, STRONG, region="360111")
    mid = enterprise(5, MID, region="360111")
    rescore([(strong, P), (mid, P)])
    ReportBuilder(clock=later).build_dirty()
    reader = ReportReader()
    province = reader.indicator_statistics(P, "36", None)
    assert province is not None and len(province.indicators) == 18
    patents = province.indicators["invention_patents"]
    assert (patents.present, patents.missing, patents.min, patents.max) == (2, 0, 10, 10)
    assert patents.at_full == 2  # 10 patents is full at the growth stage
    turnover = province.indicators["tech_contract_turnover"]
    assert (turnover.present, turnover.missing) == (1, 1)  # MID does not send it
    startup = reader.indicator_statistics(P, "3601", "startup")
    assert startup is not None and startup.indicators["rd_expense"].present == 0
    assert startup.indicators["rd_expense"].median is None


def test_the_listener_marks_a_period_once_a_second(aws: Resources) -> None:
    marked: list[tuple[int, str]] = []

    class Recording(ReportsRepository):
        def mark_dirty(self, period: int, at: str) -> None:
            marked.append((period, at))

    ticks = iter([0.0, 0.5, 1.6])
    listener = ReportsListener(Recording(), monotonic=lambda: next(ticks))
    code = enterprise(6, STRONG)
    rescorer_writes = _writes_for(code)
    for _ in range(3):
        listener(rescorer_writes)
    assert [p for p, _ in marked] == [P, P]  # the second call came 0.5 s after the first


def _writes_for(code: str) -> Any:
    from chalicelib.services.rescore import writes_for as plan
    from chalicelib.stores.facts import FactsRepository
    from tests.aws.rescore_helpers import MODEL

    return [
        w
        for w in plan(
            MODEL, FactsRepository().load(code), {}, frozenset({P}), batch_id="b", now=datetime.now(UTC)
        )
        if hasattr(w, "card")
    ]


def test_the_deployed_builder_counts_current_policy_matches(aws: Resources, clock: Clock) -> None:
    from chalicelib.services import policies
    from chalicelib.services.reports import report_sources

    listed = enterprise(7, STRONG, region="360111")
    grey = enterprise(8, MID, region="360702")
    rescore([(listed, P), (grey, P)])
    fields = policy_fields(WHITELISTED, valid_from="2020-01-01", valid_to="2099-12-31")
    policy = policies.create(fields, "sci")
    policies.publish_in_process(policy.policy_id)
    support, matches = report_sources()
    clock.advance()
    ReportBuilder(support=support, matches=matches).build_dirty()
    report = ReportReader().region_report(P)
    assert report is not None
    assert report.province.policy_matches == 1
    cities = {b.region_code: b for b in report.items}
    assert (cities["3601"].policy_matches, cities["3607"].policy_matches) == (1, 0)


def test_a_failing_listener_does_not_fail_the_committed_rescore(aws: Resources) -> None:
    class Broken(ReportsRepository):
        def mark_dirty(self, period: int, at: str) -> None:
            raise RuntimeError("throttled")

    code = enterprise(9, STRONG)
    writes = _writes_for(code)
    ReportsListener(Broken())(writes)  # logged, not raised
    assert ReportsRepository().mark(P) is None


def test_the_deployed_builder_sums_disbursed_loans_of_the_period(aws: Resources, clock: Clock) -> None:
    from chalicelib.services import support
    from chalicelib.services.reports import report_sources

    listed = enterprise(10, STRONG, region="360111")
    grey = enterprise(11, MID, region="360702")
    rescore([(listed, P), (grey, P)])
    bank = support.Writer("jx-demo-bank-a", "bank")

    def loan(code: str, ref: str, status: str, amount: int, rate: float, kind: str = "loan") -> None:
        body: dict[str, object] = {"credit_code": code, "external_ref": ref, "kind": kind, "status": status}
        body |= {"amount_wan": amount, "rate_pct": rate, "term_months": 12, "occurred_on": "2026-03-02"}
        body["period"] = P
        if kind in ("loan", "credit_line"):
            body["collateral"] = "credit"
        result = support.write_one(body, bank)
        assert result.record is not None, result.problem

    loan(listed, "LN-1", "disbursed", 500, 3.45)
    loan(listed, "LN-2", "repaid", 100, 4.0, kind="credit_line")
    loan(grey, "LN-3", "applied", 900, 3.0)  # not reached yet
    loan(grey, "GT-1", "disbursed", 50, 1.0, kind="guarantee")  # not a loan or credit line
    support_source, matches = report_sources()
    clock.advance()
    ReportBuilder(support=support_source, matches=matches).build_dirty()
    report = ReportReader().region_report(P)
    assert report is not None
    figures = report.province.support
    assert (figures.records, figures.enterprises_disbursed) == (2, 1)
    assert figures.disbursed_wan == Decimal("600.00") and figures.mean_rate_pct == Decimal("3.54")
    cities = {b.region_code: b for b in report.items}
    assert cities["3607"].support.records == 0 and cities["3601"].support.records == 2


def test_a_portrait_reads_its_rank_from_the_build_not_by_counting_the_cohort(
    aws: Resources, calls: Counter[str]
) -> None:
    from chalicelib.api.queries import portrait

    codes = [put_card(api_code(800 + n), P, str(500 + 10 * n), "growth").code for n in range(5)]
    for n, code in enumerate(codes):  # no build yet: counted (COUNT queries), exact, no `rank_as_of`
        calls.clear()
        found = portrait(code, P)
        assert (found.rank, found.cohort_size, found.rank_as_of) == (5 - n, 5, None)
        assert calls["BatchGetItem"] == 1 and calls["Query"] == 2 * len(all_shards()), calls
    ReportsRepository().mark_dirty(P, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    ReportBuilder(clock=later).build_dirty()
    as_of = ReportsRepository().mark(P).as_of  # type: ignore[union-attr]
    for n, code in enumerate(codes):
        calls.clear()
        found = portrait(code, P)
        assert (found.rank, found.cohort_size, found.rank_as_of) == (5 - n, 5, as_of)  # score descending
        # one BatchGetItem (card, master data, mark), one Query of a rank chunk: no COUNT over the cohort
        assert calls == Counter({"BatchGetItem": 1, "Query": 1}), calls
    newcomer = put_card(api_code(899), P, "999", "growth").code  # scored since the build
    calls.clear()
    late = portrait(newcomer, P)  # placed among the build's keys: first of 5 + itself (a first card)
    assert (late.rank, late.cohort_size, late.rank_as_of) == (1, 6, as_of)
    assert calls == Counter({"BatchGetItem": 1, "Query": 1}), calls
    ReportBuilder(clock=later).rebuild(P, ReportsRepository().mark(P))  # the next build
    assert (portrait(newcomer, P).rank, portrait(newcomer, P).cohort_size) == (1, 6)
