"""The backfill of coverage's `registered` counters (`make recount-registered`, contract 14): enterprises
registered before the counters existed are counted, in their city and their zone today; the recount
agrees with what ingest counts as it goes; running it twice gives the same counts."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.china import today_in_china
from chalicelib.domain.zones.membership import REGISTRATION, Membership
from chalicelib.services.ingest import handle_sqs_event
from chalicelib.stores.facts import Current, FactsRepository, seed_current
from chalicelib.stores.tables import ReportItem
from chalicelib.stores.zones import count_registered, registered
from scripts.provision import Resources
from scripts.recount_registered import main, recount
from scripts.synthetic import credit_code
from tests.aws.ingest_helpers import put, receive_event
from tests.aws.zone_helpers import place

A, B, C, D, E, F = (credit_code(n, "360100") for n in (71, 72, 73, 74, 75, 76))


def _membership(code: str, zone: str, start: date, end: date | None) -> Membership:
    return Membership(
        code, zone, start, end, REGISTRATION, "incoming/registry/a.csv", "b-1", "2024-01-01T00:00:00Z"
    )


def _seed_before_the_counters() -> dict[str, int]:
    """Enterprises written as the service wrote them before it counted (no counter moved), and the counts
    the contract wants for them today."""
    place(A, "360111", "NC-HTZ")
    place(B, "360111", "NC-HTZ")
    place(C, "360121", "XL-ETZ")
    place(D, "360702", None)
    place(E, "360102", None)  # in 南昌经开区 until yesterday: 南昌 only
    current = FactsRepository().read_many([E])[E]
    yesterday = today_in_china() - timedelta(days=1)
    current.zones = [_membership(E, "NC-ETZ", date(2024, 1, 1), yesterday).encoded()]
    # a unit list named F before its registry row: a membership, no master record, not registered
    unregistered = Current(F, None, zones=[_membership(F, "NC-HTZ", date(2024, 1, 1), None).encoded()])
    seed_current([current, unregistered])
    return {"3601": 4, "3607": 1, "NC-HTZ": 2, "XL-ETZ": 1}


def test_the_recount_counts_enterprises_registered_before_the_counters_and_twice_is_the_same(
    aws: Resources,
) -> None:
    wanted = _seed_before_the_counters()
    count_registered([((None, None), ("3605", "GJXQ"))])  # a stale counter: nobody is there
    assert registered() == {"3605": 1, "GJXQ": 1}
    first = recount()
    assert registered() == {**wanted, "3605": 0, "GJXQ": 0}
    assert first.changes["3601"] == (0, 4) and first.changes["3605"] == (1, 0)
    second = recount()
    assert second.changes == {} and second.counts == first.counts
    assert registered() == {**wanted, "3605": 0, "GJXQ": 0}


def test_a_dry_run_writes_nothing(aws: Resources) -> None:
    _seed_before_the_counters()
    said: list[str] = []
    result = recount(dry_run=True, say=said.append)
    assert registered() == {} and result.changes["NC-HTZ"] == (0, 2) and not result.written
    assert "3601: 0 -> 4" in said and said[-1].startswith("would change 4 of 4 counters")
    assert main([]) == 0 and registered()["NC-HTZ"] == 2


REGISTRY = (
    "credit_code,name,established_on,region_code,industry_code,zone\n"
    f"{A},南昌甲科技有限公司,2015-03-05,360111,C39,NC-HTZ\n"
    f"{B},南昌乙科技有限公司,2016-03-05,360111,C39,南昌高新技术产业开发区\n"
    f"{C},南昌丙科技有限公司,2017-03-05,360121,C39,XL-ETZ\n"
    f"{D},赣州丁科技有限公司,2018-03-05,360702,C39,\n"
)


def test_the_recount_agrees_with_the_counters_ingest_keeps(aws: Resources) -> None:
    put(aws, "incoming/registry/名录.csv", REGISTRY.encode())
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    kept = registered()
    assert kept == {"3601": 3, "3607": 1, "NC-HTZ": 2, "XL-ETZ": 1}
    for key in kept:  # as if the counters had never been kept
        ReportItem("REG", key).delete()
    assert registered() == {}
    recount()
    assert registered() == kept
