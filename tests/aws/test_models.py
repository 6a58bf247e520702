"""The model registry through the API: versions, candidates (file or change) and every fault of a bad one."""

from __future__ import annotations

import yaml

from chalicelib.domain.model.schema import MODELS_DIR
from tests.aws.model_life_helpers import ACTIVE, DRAFT, Api

SHIPPED = (MODELS_DIR / f"{ACTIVE}.yaml").read_text(encoding="utf-8")


def candidate_text(version: str, **weights: dict[str, int]) -> str:
    data = yaml.safe_load(SHIPPED)
    data["version"] = version
    for ind in data["indicators"]:
        if ind["id"] in weights:
            ind["weight"] = weights[ind["id"]]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_the_shipped_files_seed_the_registry(api: Api) -> None:
    status, listed = api.get("/models", role="bank")
    assert status == 200
    by_version = {m["version"]: m for m in listed["items"]}
    assert by_version[ACTIVE]["status"] == "active"
    assert by_version[DRAFT]["status"] == "candidate"
    assert by_version[DRAFT]["name_zh"].startswith("江西省企业创新积分评价模型")

    status, draft = api.get(f"/models/{DRAFT}", role="department:tax")
    assert status == 200
    assert (draft["version"], draft["status"]) == (DRAFT, "candidate")
    assert draft["source"] == (MODELS_DIR / f"{DRAFT}.yaml").read_text(encoding="utf-8")
    patents = next(i for i in draft["indicators"] if i["id"] == "invention_patents")
    assert patents["weight"]["growth"] == 95
    assert api.get("/model")[1]["version"] == ACTIVE
    assert api.get("/models/jx-none")[1]["code"] == "MODEL_NOT_FOUND"


def test_a_model_file_becomes_a_candidate_once(api: Api) -> None:
    text = candidate_text(
        "jx-test-1",
        invention_patents={"startup": 85, "growth": 80, "mature": 75},
        other_ip={"startup": 40, "growth": 35, "mature": 30},
    )
    status, created = api.post_yaml("/models", text)
    assert status == 201, created
    assert (created["version"], created["status"], created["source"]) == ("jx-test-1", "candidate", text)
    assert api.get("/models/jx-test-1")[1]["status"] == "candidate"

    status, problem = api.post_yaml("/models", text)
    assert (status, problem["code"]) == (409, "MODEL_VERSION_EXISTS")
    status, problem = api.post_yaml("/models", candidate_text(DRAFT))  # a shipped file's name
    assert (status, problem["code"]) == (409, "MODEL_VERSION_EXISTS")
    assert api.post_yaml("/models", candidate_text("jx-test-2"), role="bank")[0] == 403


def test_a_faulty_file_gets_every_fault_with_its_line(api: Api) -> None:
    data = yaml.safe_load(SHIPPED)
    data["version"] = "jx-bad"
    data["indicators"][0]["weight"]["growth"] = 81  # growth weights now sum to 901
    data["indicators"][4]["source"] = "nobody"  # an unknown department
    data["departments"][-1]["sends"] = ["operating_revenue", "no_such_indicator"]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()

    status, problem = api.post_yaml("/models", text)

    assert (status, problem["code"]) == (400, "INVALID_MODEL")
    messages = [e["message"] for e in problem["errors"]]
    assert any("sum to 901" in m for m in messages)
    assert any("unknown department 'nobody'" in m for m in messages)
    assert any("unknown indicator 'no_such_indicator'" in m for m in messages)
    department = next(e for e in problem["errors"] if "nobody" in e["message"])
    assert "source: nobody" in lines[department["line"] - 1]
    assert department["path"] == f"indicators.{data['indicators'][4]['id']}.source"
    assert api.get("/models/jx-bad")[0] == 404  # nothing registered


def test_a_field_fault_and_broken_yaml_name_their_lines(api: Api) -> None:
    text = candidate_text("jx-bad-2").replace("core_total: 900", "core_total: lots", 1)
    status, problem = api.post_yaml("/models", text)
    assert (status, problem["code"]) == (400, "INVALID_MODEL")
    (fault,) = problem["errors"]
    assert fault["path"] == "core_total" and text.splitlines()[fault["line"] - 1].startswith("core_total:")

    status, problem = api.post_yaml("/models", "version: jx-x\nstages: [unclosed\n")
    assert (status, problem["code"]) == (400, "INVALID_MODEL")
    assert problem["errors"][0]["line"] >= 2 and "YAML" in problem["errors"][0]["message"]


def test_a_change_of_a_version_becomes_a_candidate(api: Api) -> None:
    change = {
        "base": ACTIVE,
        "version": "jx-test-change",
        "indicators": {
            "invention_patents": {"weight": {"growth": 85}},
            "other_ip": {"weight": {"growth": 30}},
            "industry_university_projects": {"points": 15},
        },
        "grades": {"A": 760},
        "whitelist": {"min_score": 610},
    }
    status, created = api.post("/models", change)
    assert status == 201, created
    patents = next(i for i in created["indicators"] if i["id"] == "invention_patents")
    assert patents["weight"] == {"startup": 80, "growth": 85, "mature": 70}
    projects = next(i for i in created["indicators"] if i["id"] == "industry_university_projects")
    assert projects["points"] == 15
    assert created["grades"][0] == {"grade": "A", "min": 760}
    assert created["whitelist"]["min_score"] == 610
    assert created["source"].startswith("# jx-test-change: jx-2025.1-provisional changed")

    # and a change of that change
    status, again = api.post("/models", {"base": "jx-test-change", "version": "jx-test-change-2"})
    assert status == 201 and again["whitelist"]["min_score"] == 610


def test_a_faulty_change_gets_every_fault_with_its_path(api: Api) -> None:
    change = {
        "base": ACTIVE,
        "version": "jx-test-bad-change",
        "indicators": {"no_such_thing": {"weight": {"growth": 1}}, "rd_expense": {"weight": {"growth": 95}}},
        "grades": {"S": 900},
    }
    status, problem = api.post("/models", change)
    assert (status, problem["code"]) == (400, "INVALID_MODEL")
    paths = {e.get("path") for e in problem["errors"]}
    assert {"indicators.no_such_thing", "grades.S", "indicators"} <= paths
    assert any("sum to 915" in e["message"] for e in problem["errors"])

    status, problem = api.post("/models", {"base": "jx-nope", "version": "jx-new"})
    assert (status, problem["code"]) == (404, "MODEL_NOT_FOUND")
    status, problem = api.post("/models", {"base": ACTIVE, "version": "Bad Version!"})
    assert (status, problem["code"]) == (400, "INVALID_BODY")


def test_a_change_that_does_not_fit_gets_every_path_never_a_500(api: Api) -> None:
    change = {
        "base": ACTIVE,
        "version": "jx-test-misfit",
        "indicators": {
            "no_such_thing": {"points": 5},
            "rd_expense": {"weight": {"growth": -5}},
            "industry_university_projects": {"weight": {"growth": 5}},  # partial weight, not core
            "invention_patents": {"points": 5},  # points on a core indicator
        },
    }
    status, problem = api.post("/models", change)
    assert (status, problem["code"]) == (400, "INVALID_MODEL"), problem
    paths = {e.get("path") for e in problem["errors"]}
    assert {
        "indicators.no_such_thing",
        "indicators.industry_university_projects.weight",
        "indicators.invention_patents.points",
    } <= paths
    assert any(p is not None and p.startswith("indicators.rd_expense") for p in paths)

    status, problem = api.post(
        "/models", {"base": ACTIVE, "version": "jx-test-keys", "colour": "red", "grades": {"A": "high"}}
    )
    assert (status, problem["code"]) == (400, "INVALID_BODY")
    assert {"colour", "grades.A"} <= {e["path"] for e in problem["errors"]}
    assert api.get("/models/jx-test-misfit")[0] == 404
