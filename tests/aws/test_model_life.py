"""Backtest and activation end to end (in process): who would enter and leave, then the switch itself."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.scoring.engine import score_period
from chalicelib.services import rescore_job
from chalicelib.settings import get_settings
from chalicelib.stores import model_registry
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.model_registry import ActivationConflictError
from chalicelib.stores.tables import OutboxItem, ScoreItem
from scripts.provision import Resources
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.model_life_helpers import ACTIVE, DRAFT, Api, seed_province
from tests.aws.rescore_helpers import P, received, subscribe


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("JOB_CHUNK_SIZE", "2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def engine_delta(code: str) -> Decimal:
    data = FactsRepository().load(code)
    before, after = score_period(load_model(ACTIVE), data, P), score_period(load_model(DRAFT), data, P)
    assert before is not None and after is not None
    return after.score - before.score


def cards(codes: list[str]) -> dict[str, ScoreItem]:
    return {code: ScoreItem.get(f"E#{code}", f"S#{P}") for code in codes}


def test_a_backtest_says_who_would_enter_and_leave_and_writes_nothing(
    api: Api, aws: Resources, small_chunks: None
) -> None:
    province = seed_province(inventors=2, traders=2, steady=1)
    before = {code: (item.score, item.version) for code, item in cards(province.codes).items()}

    status, accepted = api.post(f"/models/{DRAFT}/backtest", {"period": P})
    assert status == 202
    job_id = accepted["job_id"]
    assert api.get(f"/jobs/{job_id}")[1]["status"] == "running"
    drain_jobs(aws)

    status, job = api.get(f"/jobs/{job_id}")
    assert status == 200
    assert (job["status"], job["done"], job["total"]) == ("succeeded", 5, 5)
    result = job["result"]
    assert result["enterprises"] == 5
    assert result["entered"] == sorted(province.inventors)
    assert result["left"] == sorted(province.traders)
    assert result["changed"] == 4 and result["grade_changed"] == 4  # the steady one scores the same
    deltas = [engine_delta(code) for code in province.codes]  # the engine itself, scored here
    assert result["score_delta"] == {
        "mean": float((sum(deltas, Decimal(0)) / len(deltas)).quantize(Decimal("0.01"), ROUND_HALF_UP)),
        "min": float(min(deltas)),
        "max": float(max(deltas)),
    }
    assert result["by_region"] == {
        "3601": {"entered": 2, "left": 0, "changed": 2},
        "3607": {"entered": 0, "left": 2, "changed": 2},
    }
    assert (result["model_version"], result["against"], result["period"]) == (DRAFT, ACTIVE, P)
    after = {code: (item.score, item.version) for code, item in cards(province.codes).items()}
    assert after == before  # nothing written but the job
    assert api.get("/model")[1]["version"] == ACTIVE


def test_a_backtest_needs_a_known_version_and_a_scored_period(api: Api, aws: Resources) -> None:
    seed_province(inventors=1, traders=0, steady=0)
    status, problem = api.post(f"/models/{DRAFT}/backtest", {"period": 2010})
    assert (status, problem["code"]) == (404, "NO_SCORES_FOR_PERIOD")
    status, problem = api.post("/models/jx-none/backtest", {"period": P})
    assert (status, problem["code"]) == (404, "MODEL_NOT_FOUND")
    status, problem = api.post(f"/models/{DRAFT}/backtest", {"period": 1999})
    assert (status, problem["code"]) == (400, "INVALID_PERIOD")
    assert api.post(f"/models/{DRAFT}/backtest", {"period": P}, role="bank")[0] == 403


def test_activation_switches_retires_and_rescores_everyone_under_the_new_version(
    api: Api, aws: Resources, small_chunks: None
) -> None:
    province = seed_province(inventors=2, traders=1, steady=1)
    subscriber = subscribe(aws)
    received(subscriber)  # the events of the first scoring

    status, accepted = api.post(f"/models/{DRAFT}/activate", {})
    assert status == 202
    versions = {m["version"]: m["status"] for m in api.get("/models")[1]["items"]}
    assert (versions[DRAFT], versions[ACTIVE]) == ("active", "retired")
    assert api.get("/model")[1]["version"] == DRAFT
    import app

    assert app.health() == {"status": "ok", "model_version": DRAFT}
    drain_jobs(aws)

    status, job = api.get(f"/jobs/{accepted['job_id']}")
    assert (job["status"], job["kind"], job["done"], job["total"]) == ("succeeded", "activate", 4, 4)
    assert job["result"]["model_version"] == DRAFT and job["result"]["previous_version"] == ACTIVE
    assert {item.model_version for item in cards(province.codes).values()} == {DRAFT}
    portrait = api.get(f"/enterprises/{province.inventors[0]}?period={P}", role="bank")[1]
    assert portrait["model_version"] == DRAFT and portrait["whitelisted"] is True

    events = received(subscriber)
    by_type = Counter(e["type"] for e in events)
    assert by_type == {"whitelist.entered": 2, "whitelist.left": 1}
    assert {e["model_version"] for e in events} == {DRAFT}
    # history keeps the card under both versions
    history = [i for i in ScoreItem.query(f"E#{province.inventors[0]}", ScoreItem.sk.startswith(f"H#{P}#"))]
    assert {h.model_version for h in history} == {ACTIVE, DRAFT}

    status, problem = api.post(f"/models/{DRAFT}/activate", {})
    assert (status, problem["code"]) == (409, "MODEL_ALREADY_ACTIVE")
    status, problem = api.post("/models/jx-none/activate", {})
    assert (status, problem["code"]) == (404, "MODEL_NOT_FOUND")


def test_of_two_activations_at_once_one_wins_and_nothing_is_half_switched(api: Api, aws: Resources) -> None:
    seed_province(inventors=1, traders=0, steady=0)
    candidate = {"base": ACTIVE, "version": "jx-test-other"}
    assert api.post("/models", candidate)[0] == 201

    # both read the same active version; the draft's transaction commits first
    assert api.post(f"/models/{DRAFT}/activate", {})[0] == 202
    with pytest.raises(ActivationConflictError):
        model_registry.activate("jx-test-other", ACTIVE, "activate", {"model_version": "jx-test-other"})

    versions = {m["version"]: m["status"] for m in api.get("/models")[1]["items"]}
    assert versions == {ACTIVE: "retired", DRAFT: "active", "jx-test-other": "candidate"}
    pointer = model_registry.pointer()
    assert pointer is not None and pointer.active_version == DRAFT


def test_the_losing_activation_answers_409(api: Api, aws: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_province(inventors=1, traders=0, steady=0)
    assert api.post("/models", {"base": ACTIVE, "version": "jx-test-other"})[0] == 201
    stale = model_registry.pointer()
    assert api.post(f"/models/{DRAFT}/activate", {})[0] == 202
    monkeypatch.setattr(model_registry, "pointer", lambda: stale)  # it read the pointer before the switch

    status, problem = api.post("/models/jx-test-other/activate", {})

    assert (status, problem["code"]) == (409, "ACTIVATION_CONFLICT")
    monkeypatch.undo()
    versions = {m["version"]: m["status"] for m in api.get("/models")[1]["items"]}
    assert versions["jx-test-other"] == "candidate" and versions[DRAFT] == "active"


def test_a_crash_mid_activation_resumes_to_completion_without_double_events(
    api: Api, aws: Resources, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    province = seed_province(inventors=3, traders=2, steady=1)  # 6 enterprises, 3 chunks
    subscriber = subscribe(aws)
    received(subscriber)
    real = rescore_job.rescore_chunk
    crashed: list[list[str]] = []

    def crash_once_midway(model: Any, codes: Any, period: Any) -> dict[str, Any]:
        if len(crashed) == 0 and codes != sorted(province.codes)[:2]:
            # a later chunk: rescore one enterprise, then the Lambda dies before the chunk is counted
            real(model, list(codes)[:1], period)
            crashed.append(list(codes))
            raise RuntimeError("Lambda timed out")
        return real(model, codes, period)

    monkeypatch.setattr(rescore_job, "rescore_chunk", crash_once_midway)
    status, accepted = api.post(f"/models/{DRAFT}/activate", {})
    assert status == 202
    drain_jobs(aws)

    assert crashed, "the crash happened"
    status, job = api.get(f"/jobs/{accepted['job_id']}")
    assert (job["status"], job["done"], job["total"]) == ("succeeded", 6, 6)
    assert {item.model_version for item in cards(province.codes).values()} == {DRAFT}
    events = received(subscriber)
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)) == 5  # 3 entered, 2 left: once each
    outbox = {item.id for item in OutboxItem.scan()}
    assert set(ids) <= outbox
    per_enterprise = Counter(e["credit_code"] for e in events)
    assert set(per_enterprise.values()) == {1}


def test_an_activation_whose_plan_step_was_never_queued_is_resumed_by_asking_again(
    api: Api, aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    province = seed_province(inventors=1, traders=1, steady=0)
    from chalicelib.services import activation
    from chalicelib.services import jobs as jobs_service

    def unavailable(job: Any) -> None:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(jobs_service, "queue_plan", unavailable)
    status, problem = api.post(f"/models/{DRAFT}/activate", {})
    assert (status, problem["code"]) == (500, "INTERNAL_ERROR")
    monkeypatch.undo()
    pointer = model_registry.pointer()
    assert pointer is not None and pointer.active_version == DRAFT  # switched, job written, never planned

    status, problem = api.post(f"/models/{DRAFT}/activate", {})
    assert (status, problem["code"]) == (409, "MODEL_ALREADY_ACTIVE")  # it may still be on its way
    monkeypatch.setattr(activation, "PLAN_GRACE_S", 0.0)
    status, accepted = api.post(f"/models/{DRAFT}/activate", {})
    assert status == 202 and accepted["job_id"] == pointer.activation_job_id
    drain_jobs(aws)

    job = api.get(f"/jobs/{accepted['job_id']}")[1]
    assert (job["status"], job["done"]) == ("succeeded", 2)
    assert {item.model_version for item in cards(province.codes).values()} == {DRAFT}
