"""A job is readable by admin and by the key that started it, nobody else (contract 13.1)."""

from __future__ import annotations

from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from tests.aws.api_helpers import get_json, post_json
from tests.aws.policy_helpers import WHITELISTED, fields
from tests.aws.rescore_helpers import P


def test_only_admin_and_the_starter_read_a_job(client: Client, keys: dict[str, str]) -> None:
    departments = department_ids(get_settings().model_version)
    sci = issue_key("department:sci", "科技厅 A", departments=departments)
    other_sci = issue_key("department:sci", "科技厅 B", departments=departments)
    _, draft = post_json(client, "/policies", sci, fields(WHITELISTED).model_dump(mode="json"))
    status, published = post_json(client, f"/policies/{draft['policy_id']}/publish", sci, {})
    assert status == 202, published
    job = f"/jobs/{published['job_id']}"

    assert get_json(client, job, sci)[0] == 200  # the starter
    assert get_json(client, job, keys["admin"])[0] == 200
    status, problem = get_json(client, job, other_sci)  # same department, another key
    assert (status, problem["code"]) == (404, "JOB_NOT_FOUND")
    assert get_json(client, job, keys["department:tax"])[0] == 404

    _, rescore = post_json(client, "/rescore", keys["admin"], {"period": P})
    assert get_json(client, f"/jobs/{rescore['job_id']}", keys["department:tax"])[0] == 404
    assert get_json(client, f"/jobs/{rescore['job_id']}", keys["admin"])[0] == 200
