"""Property-based: schemathesis generates requests from GET /openapi.json; no answer is a 500, and every
answer conforms to the document (status code, content type, body schema).

Runs in process through Chalice's test client (the same gateway `chalice local` uses), over moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.settings import get_settings
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import _WORKER, get_json, put_batch, put_card

schemathesis = pytest.importorskip("schemathesis")
EXCLUDED = [
    # replays the request over its own HTTP transport, which cannot reach this in-process gateway;
    # authentication is covered by the role matrix (test_api_access)
    schemathesis.checks.ignored_auth,
    # a schema cannot say which strings are signed page tokens, valid credit codes (check
    # character) or file names with an accepted extension: those 400s are the contract
    schemathesis.checks.positive_data_acceptance,
]


# the role that may use each operation, so that generated requests get past the 403
CALLER = {"/uploads": "department:tax", "/batches": "department:tax", "/batches/{batch_id}": "department:tax"}


@pytest.fixture(scope="module")
def document(client: Client, keys: dict[str, str], api_aws: Resources) -> Iterator[dict[str, Any]]:
    for n in range(20):
        put_card(credit_code(n), 2025, f"{500 + n * 20}.00", ("startup", "growth", "mature")[n % 3])
    put_batch("tax-1", "incoming/tax/a.csv", "tax", "2026-01-01T00:00:00Z")
    status, doc = get_json(client, "/openapi.json", keys["admin"])
    assert status == 200
    with pytest.MonkeyPatch.context() as env:  # POST /rescore runs for real, into the moto queue
        env.setenv("RESCORE_QUEUE_URL", api_aws.rescore_queue_url)
        get_settings.cache_clear()
        yield dict(doc)
    get_settings.cache_clear()


def _send(client: Client, case: Any, key: str) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers={"X-API-Key": key})
    url = urlsplit(kwargs["url"])
    params = kwargs.get("params") or {}
    path = url.path + ("?" + urlencode(params, doseq=True) if params else "")
    body = json.dumps(kwargs["json"]).encode() if "json" in kwargs else kwargs.get("data") or b""
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    if "json" in kwargs:
        headers["Content-Type"] = "application/json"
    answer = _WORKER.submit(client.http.request, kwargs["method"], path, headers=headers, body=body).result()
    request = requests.Request(kwargs["method"], "http://testserver" + path, headers=headers).prepare()
    return schemathesis.Response(
        status_code=answer.status_code,
        headers={k: [v] for k, v in answer.headers.items()},
        content=answer.body,
        request=request,
        elapsed=0.0,
        verify=False,
    )


def test_generated_requests_get_documented_answers(
    client: Client, keys: dict[str, str], document: dict[str, Any]
) -> None:
    schema = schemathesis.openapi.from_dict(document)
    # /health belongs to app.py, not to the Blueprint under test
    operations = [op.ok() for op in schema.get_all_operations() if op.ok().path != "/health"]
    assert len(operations) == sum(len(item) for item in document["paths"].values()) - 1

    @settings(
        max_examples=len(operations) * 6,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        response = _send(client, case, keys[CALLER.get(operation.path, "admin")])
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, response.text)
        case.validate_response(response, excluded_checks=EXCLUDED)

    check()
