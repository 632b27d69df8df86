"""The API's contract: every JSON endpoint is in the OpenAPI document, and schemathesis, fuzzing a live server
from that document, finds no server error and no answer that breaks it: as the single user (everyone is the
instructor) on SQLite and on PostgreSQL, and in workshop mode as a participant who has joined and as the
instructor holding the token."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

from annotator.core.schemas.annotations import MAX_ATTRIBUTE_KEY_LENGTH
from annotator.core.schemas.common import LARGEST_ID
from annotator.core.schemas.events import MAX_EVENT_SPAN_MS
from annotator.core.schemas.workshop import RESET_CONFIRMATION
from annotator.store.models import db
from tests.conftest import INSTRUCTOR_TOKEN, fresh_postgres_schema, make_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass(frozen=True)
class Fuzzer:
    """Who the fuzzer is, on which database, and how hard it tries: `examples` random cases per operation
    (derandomized: the same every run, so CI time stays predictable) and, with `boundary_sweep`, schemathesis's
    coverage phase, which sends every operation each schema boundary (lengths and numbers at and past their
    limits, missing and wrong-typed fields): most of the requests, and the time."""

    role: str  # "single-user": no token, everyone is the instructor; "participant" or "instructor" of a workshop
    database: str  # "sqlite" (the embedded default) or "postgresql"
    examples: int
    boundary_sweep: bool = True

    @property
    def workshop(self) -> bool:
        return self.role != "single-user"


# Single-user on SQLite is the full run. The others send the same operations through other doors for fewer
# cases: a participant meets the refusals and own-work checks (the boundaries too: the refusal must come
# first, whatever the body), the workshop's instructor the token (the handlers behind it are single-user's),
# PostgreSQL its stricter types (NUL characters, integer widths, lengths) at every boundary.
FUZZERS = [
    pytest.param(Fuzzer("single-user", "sqlite", examples=25), id="single-user"),
    pytest.param(Fuzzer("participant", "sqlite", examples=15), id="workshop-participant"),
    pytest.param(Fuzzer("instructor", "sqlite", examples=10, boundary_sweep=False), id="workshop-instructor"),
    pytest.param(Fuzzer("single-user", "postgresql", examples=5), id="single-user-postgresql",
                 marks=pytest.mark.postgres),
]


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


class Visitor(requests.Session):
    """One browser on the live server: its cookies and the page's CSRF token on every request, and for the
    workshop's instructor the token header."""

    def __init__(self, url: str, instructor_token: str | None = None) -> None:
        super().__init__()
        self.url = url
        page = self.get(f"{url}/join")  # the page a newcomer is sent to: it carries the token in any mode
        page.raise_for_status()
        self.headers["X-CSRFToken"] = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        if instructor_token is not None:
            self.headers["X-Instructor-Token"] = instructor_token
        self.remember_who_i_am()

    def remember_who_i_am(self) -> None:
        self._identity = self.cookies.copy()

    def be_myself_again(self) -> None:
        """Back to the cookies remembered, whatever the last answer set (a join under another name, say): each
        fuzzed request comes from the same person, whatever came before it."""
        self.cookies = self._identity.copy()

    def send_json(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.request(method, f"{self.url}{path}", json=body, timeout=30)
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json()

    def join(self, name: str) -> None:
        self.send_json("POST", "/api/join", {"name": name})
        self.remember_who_i_am()


def save_outlines(visitor: Visitor, name: str, corners: list[tuple[int, int]], flag_last: bool = False) -> list[int]:
    """Outlines on image 1 with their labour events, as the editor saves them; their ids."""
    ids = []
    for number, (x, y) in enumerate(corners, start=1):
        events = [{"seq": 10 * number + seq, "kind": kind, "t": 1000 * seq + 500, "data": {"at": [x, y]}}
                  for seq, kind in enumerate(["draw-start", "vertex", "vertex", "vertex", "close"])]
        body = {"client_id": f"{name}-{number:04d}", "category_id": 7, "session_id": f"{name}-session",
                "sent_t": 10_000, "events": events,
                "parts": [{"points": [x, y, x + 120, y, x + 120, y + 80, x, y + 80]}]}
        if flag_last and number == len(corners):
            body["flag"] = {"kind": "unsure", "reason": "a scooter?"}
        ids.append(visitor.send_json("POST", "/api/images/1/annotations", body)["annotation"]["id"])
    return ids


def seed_work(url: str, fuzzer: Fuzzer) -> Visitor:
    """Outlines with their labour events, a flagged one and a proposal, so the fuzzer reaches the paths that
    read stored work (ledger, agreement, exports, flags), not only empty answers. In a workshop a participant
    has outlines of their own too, so own-work checks meet both their own and someone else's. Returns the
    browser the fuzzer is: the participant, or the one who made the first outlines (the instructor, or the
    person at the laptop)."""
    owner = Visitor(url, INSTRUCTOR_TOKEN if fuzzer.workshop else None)
    flagged = save_outlines(owner, "seeded", [(100, 100), (300, 200), (600, 400)], flag_last=True)[-1]
    owner.send_json("POST", "/api/proposals", {"name": "e-scooter", "annotation_ids": [flagged]})
    owner.remember_who_i_am()  # the person made on the first save
    if not fuzzer.workshop:
        return owner
    participant = Visitor(url)
    participant.join("Amara")
    save_outlines(participant, "amara", [(150, 300), (400, 50)])
    return participant if fuzzer.role == "participant" else owner


@pytest.fixture(scope="module", params=FUZZERS)
def fuzzer(request: pytest.FixtureRequest) -> Fuzzer:
    return request.param


@pytest.fixture(scope="module")
def live_api(fuzzer: Fuzzer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Visitor]]:
    """A real HTTP server (the sample scenes, seeded work) in the fuzzer's mode on its database, and the
    browser the fuzzer is."""
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(fresh_postgres_schema()) if fuzzer.database == "postgresql" else None
        token = {"INSTRUCTOR_TOKEN": INSTRUCTOR_TOKEN} if fuzzer.workshop else {}
        app = make_app(Path(tmp_path_factory.mktemp("contract")), database_url, LOAD_SAMPLES=True, **token)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_port}"
            yield url, seed_work(url, fuzzer)
        finally:
            server.shutdown()
            thread.join()
            with app.app_context():  # before the schema is dropped
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="module")
def fuzzing_visitor(live_api: tuple[str, Visitor]) -> Visitor:
    return live_api[1]


@pytest.fixture(scope="module")
def api_schema(live_api: tuple[str, Visitor], fuzzer: Fuzzer):
    schema = schemathesis.openapi.from_url(f"{live_api[0]}/openapi.json")
    schema.config.generation.update(max_examples=fuzzer.examples)
    schema.config.phases.coverage.enabled = fuzzer.boundary_sweep
    return schema


def test_the_document_is_openapi_3_made_from_the_schemas(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "annotator API"
    create = document["paths"]["/api/images/{image_id}/annotations"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/AnnotationCreate")
    assert {"201", "409", "415", "422"} <= set(create["responses"])


def test_the_limits_the_models_enforce_are_the_ones_documented(client):
    """Rules the store used to check by hand are the models' now, so the document states them: the clock's
    bound, attribute keys' length, the reset's one word; a field that may be left out but not nulled is not
    documented as nullable."""
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    create, update = schemas["AnnotationCreate"]["properties"], schemas["AnnotationUpdate"]["properties"]
    assert create["sent_t"]["anyOf"][0]["maximum"] == MAX_EVENT_SPAN_MS
    assert schemas["EventBatch"]["properties"]["sent_t"]["maximum"] == MAX_EVENT_SPAN_MS
    assert create["attributes"]["anyOf"][0]["propertyNames"] == {"maxLength": MAX_ATTRIBUTE_KEY_LENGTH}
    assert schemas["WorkshopResetBody"]["properties"]["confirm"]["enum"] == [RESET_CONFIRMATION]
    for name in ("category_id", "parts", "deleted"):
        assert "anyOf" not in update[name] and "default" not in update[name], name


def test_ids_in_paths_are_documented_as_the_ids_a_row_can_have(client):
    """Not any int32: a fuzzer's boundary ids must reach the views, not the router's 404."""
    document = client.get("/openapi.json").get_json()
    ids = {(path, parameter["name"]): parameter["schema"] for path, item in document["paths"].items()
           for operation in item.values() for parameter in operation.get("parameters", [])
           if parameter["in"] == "path" and parameter["schema"]["type"] == "integer"}
    assert ("/api/images/{image_id}/annotations", "image_id") in ids
    assert {(schema.get("minimum"), schema.get("maximum")) for schema in ids.values()} == {(1, LARGEST_ID)}


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


def test_each_fuzzer_is_who_it_says_it_is(fuzzer: Fuzzer, live_api: tuple[str, Visitor]):
    """A lost join or token would make the fuzzing pass trivially: 401 or 403 everywhere, all documented."""
    url, visitor = live_api
    visitor.be_myself_again()
    me = visitor.get(f"{url}/api/me").json()
    assert visitor.get(f"{url}/api/workshop").json()["workshop_mode"] is fuzzer.workshop
    assert me["instructor"] is (fuzzer.role != "participant")
    assert visitor.get(f"{url}/api/workshop/backups").status_code == (403 if fuzzer.role == "participant" else 200)
    layers = visitor.get(f"{url}/api/images/1/annotations").json()["items"]
    if fuzzer.role == "participant":
        assert me["display_name"] == "Amara"
        assert [item["client_id"] for item in layers if item["mine"]] == ["amara-0001", "amara-0002"]
    else:
        assert {item["client_id"] for item in layers if item["mine"]} >= {f"seeded-{n:04d}" for n in (1, 2, 3)}


# max_examples comes from each fuzzer's schema config (api_schema): a @settings value would override it.
@schema.parametrize()
@settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_contract(case, fuzzing_visitor):
    fuzzing_visitor.be_myself_again()
    case.call_and_validate(session=fuzzing_visitor, checks=CHECKS)
