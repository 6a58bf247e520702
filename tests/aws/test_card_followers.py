"""What follows committed card changes over moto: move counts written once per invocation, retirements
counted and marked, retired cards unmatched from policies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from botocore.client import BaseClient

from chalicelib.services.reports import ReportsListener
from chalicelib.services.rescore import Rescorer
from chalicelib.stores import policies as store
from chalicelib.stores.reports import ReportsRepository
from chalicelib.stores.tables import OutboxItem
from chalicelib.wiring import handle_rescore_event as handle_sqs_event
from chalicelib.wiring import rescore_chunk
from scripts.provision import Resources
from tests.aws.ingest_helpers import sqs_record
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.policy_helpers import WHITELISTED, drain, policy_queue
from tests.aws.policy_helpers import fields as policy_fields
from tests.aws.rescore_helpers import (
    MODEL,
    STRONG,
    P,
    enterprise,
    master,
    request_body,
    rescore,
    write_master,
)


@pytest.fixture
def updates(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The parameters of every UpdateItem call."""
    seen: list[dict[str, Any]] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "UpdateItem":
            seen.append(params)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    yield seen


def _move_updates(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in seen if p["Key"]["pk"]["S"].startswith("M#")]


def _moves() -> dict[str, tuple[int, int]]:
    return {m.region_code: (m.entered, m.left) for m in ReportsRepository().moves(P)}


def test_an_invocation_writes_each_day_and_district_counter_once(
    aws: Resources, updates: list[dict[str, Any]]
) -> None:
    first = [enterprise(700 + i, STRONG, region="360111") for i in range(4)]
    second = [enterprise(710 + i, STRONG, region="360111") for i in range(3)]
    other = enterprise(720, STRONG, region="360702")
    event = {
        "Records": [
            sqs_record(request_body([(c, P) for c in first]), "m-1"),
            sqs_record(request_body([(c, P) for c in [*second, other]]), "m-2"),
        ]
    }
    updates.clear()
    assert handle_sqs_event(event) == {"batchItemFailures": []}

    assert len(_move_updates(updates)) == 1  # one item a day for both districts, not one per enterprise
    assert _moves() == {"360111": (7, 0), "360702": (1, 0)}


def test_counters_written_per_district_before_are_still_read(aws: Resources) -> None:
    from chalicelib.domain.reports.inputs import MoveCount
    from chalicelib.stores.tables import ReportItem

    ReportItem(f"M#{P}", "2026-03-01#360111", entered=2, left=1).save()  # the first form: one per district
    ReportsRepository().count_moves(P, [MoveCount(date(2026, 3, 1), "360111", 1, 0)])
    ReportsRepository().count_moves(P, [MoveCount(date(2026, 3, 2), "", 0, 4)])
    assert ReportsRepository().moves(P) == [
        MoveCount(date(2026, 3, 1), "360111", 3, 1),
        MoveCount(date(2026, 3, 2), "", 0, 4),
    ]


def test_moves_wait_for_the_flush_and_a_flush_marks_their_period(aws: Resources) -> None:
    marks: list[int] = []

    class Recording(ReportsRepository):
        def mark_dirty(self, period: int, at: str) -> None:
            marks.append(period)
            super().mark_dirty(period, at)

    listener = ReportsListener(Recording(), monotonic=lambda: 0.0)  # one moment: no second in-run mark
    rescorer = Rescorer(MODEL, listeners=[listener])
    codes = [enterprise(730 + i, STRONG) for i in range(2)]
    rescorer.rescore_all(dict.fromkeys(codes, frozenset({P})), "b-1")
    assert _moves() == {} and marks == [P]

    rescorer.flush_listeners()
    assert _moves() == {"360111": (2, 0)}
    assert marks == [P, P]  # counters written after the period's mark: marked again for the builder
    rescorer.flush_listeners()  # nothing held: nothing written twice
    assert _moves() == {"360111": (2, 0)}


def test_a_job_chunk_flushes_its_moves(aws: Resources) -> None:
    codes = [enterprise(740 + i, STRONG) for i in range(3)]
    assert rescore_chunk(MODEL, codes, P)["events"] == 3
    assert _moves() == {"360111": (3, 0)}


def _retire(code: str) -> None:
    """A registry correction moves the enterprise's start after P: P is no longer scorable."""
    write_master(replace(master(code), established_on=date(P + 1, 1, 1)))
    rescore([(code, None)], batch_id="b-registry-fix")


def test_a_retirement_is_counted_as_a_move_and_marks_its_period(aws: Resources) -> None:
    code = enterprise(750, STRONG)
    rescore([(code, P)])
    repository = ReportsRepository()
    repository.mark_dirty(P, "2000-01-01T00:00:00.000000Z")  # as if the report were built since

    _retire(code)

    assert _moves() == {"360111": (1, 1)}
    mark = repository.mark(P)
    assert mark is not None and mark.marked_at is not None and mark.marked_at > "2000-01-02"


def test_a_retired_card_loses_its_policy_matches_and_regains_them_when_scorable_again(
    aws: Resources,
) -> None:
    from chalicelib.services import policies

    queue = policy_queue(aws)
    code = enterprise(760, STRONG)
    bystander = enterprise(761, STRONG)
    rescore([(code, P), (bystander, P)])
    fields = policy_fields(WHITELISTED, valid_from="2020-01-01", valid_to="2099-12-31")
    policy = policies.create(fields, "sci")
    policies.publish(policy.policy_id)
    drain_jobs(aws)
    matched = {e["credit_code"]: e for e in drain(queue)}
    assert {e["type"] for e in matched.values()} == {"policy.matched"} and set(matched) == {code, bystander}

    _retire(code)

    state = store.match_of(policy.policy_id, code, "360111")
    assert state is not None and (state.matched, state.sequence, state.reasons) == (False, 2, [])
    events = drain(queue)
    assert [(e["type"], e["credit_code"], e["sequence"], e["reasons"]) for e in events] == [
        ("policy.unmatched", code, 2, [])
    ]
    last = matched[code]  # the card did not change before it was retired: the same last figures
    assert (events[0]["score"], events[0]["stage"], events[0]["grade"]) == (
        last["score"],
        last["stage"],
        last["grade"],
    )
    other = store.match_of(policy.policy_id, bystander, "360111")
    assert other is not None and other.matched and other.sequence == 1  # untouched
    assert {o.status for o in OutboxItem.scan()} == {"sent"}

    rescore([(code, None)], batch_id="b-again")  # still retired: nothing more
    assert drain(queue) == []

    write_master(master(code))  # the correction is undone: P is scorable again
    rescore([(code, None)], batch_id="b-undo")
    again = store.match_of(policy.policy_id, code, "360111")
    assert again is not None and (again.matched, again.sequence) == (True, 3)
    assert [(e["type"], e["sequence"]) for e in drain(queue)] == [("policy.matched", 3)]


def test_an_unlisted_retirement_marks_its_period_without_a_move(aws: Resources) -> None:
    from tests.aws.rescore_helpers import MID

    code = enterprise(770, MID)
    rescore([(code, P)])
    before = _moves()
    repository = ReportsRepository()
    repository.mark_dirty(P, "2000-01-01T00:00:00.000000Z")
    _retire(code)
    assert _moves() == before
    mark = repository.mark(P)
    assert mark is not None and mark.marked_at is not None and mark.marked_at > "2000-01-02"
