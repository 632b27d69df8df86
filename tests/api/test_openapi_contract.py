"""The API's contract: every JSON endpoint is in the OpenAPI document, and schemathesis, fuzzing a live server
from that document, finds no server error and no answer that breaks it."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from tests.conftest import csrf_of, make_app

EXAMPLES_PER_OPERATION = 25  # bounded, and the same every run (derandomized): CI time stays predictable
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def seed_work(app) -> None:
    """Outlines with their labour events, a flagged one and a proposal, so the fuzzer reaches the paths that
    read stored work (ledger, agreement, exports, flags), not only empty answers."""
    client = app.test_client()
    headers = csrf_of(client)
    for number, (x, y) in enumerate([(100, 100), (300, 200), (600, 400)], start=1):
        events = [{"seq": seq, "kind": kind, "t": 1000 * seq + 500, "data": {"at": [x, y]}}
                  for seq, kind in enumerate(["draw-start", "vertex", "vertex", "vertex", "close"])]
        body = {"client_id": f"seeded-{number:04d}", "category_id": 7, "session_id": "seeded-session",
                "sent_t": 10_000, "events": [{**event, "seq": event["seq"] + 10 * number} for event in events],
                "parts": [{"points": [x, y, x + 120, y, x + 120, y + 80, x, y + 80]}]}
        if number == 3:
            body["flag"] = {"kind": "unsure", "reason": "a scooter?"}
        response = client.post("/api/images/1/annotations", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
    proposal = client.post("/api/proposals", json={"name": "e-scooter", "annotation_ids": [3]}, headers=headers)
    assert proposal.status_code == 201, proposal.get_json()


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real HTTP server on the embedded default (SQLite, the sample scenes) in single-user mode."""
    app = make_app(Path(tmp_path_factory.mktemp("contract")), None, LOAD_SAMPLES=True)
    seed_work(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser_session(live_api: str) -> requests.Session:
    """What the editor has: the session cookie and the page's CSRF token on every request."""
    session = requests.Session()
    page = session.get(f"{live_api}/")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    session.headers["X-CSRFToken"] = token
    return session


@pytest.fixture(scope="module")
def api_schema(live_api: str):
    return schemathesis.openapi.from_url(f"{live_api}/openapi.json")


def test_the_document_is_openapi_3_made_from_the_schemas(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "annotator API"
    create = document["paths"]["/api/images/{image_id}/annotations"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/AnnotationCreate")
    assert {"201", "409", "415", "422"} <= set(create["responses"])


def test_every_api_endpoint_is_in_the_document(app, client):
    documented = {(path, method.upper()) for path, item in client.get("/openapi.json").get_json()["paths"].items()
                  for method in item}
    routes = {(openapi_path(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.rule != "/api/docs"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set()


def test_the_docs_page_loads_the_vendored_swagger_ui(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"vendor/swagger-ui/swagger-ui-bundle.js" in page.data and b'data-spec-url="/openapi.json"' in page.data
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_contract(case, browser_session):
    case.call_and_validate(session=browser_session, checks=CHECKS)
