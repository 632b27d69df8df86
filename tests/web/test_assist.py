"""POST /api/images/<id>/assist through HTTP: each method on a sample scene, the answer saved as it is, every
bad input refused in the envelope, who may ask, and the limits on how much one person and the whole room may
make the server compute. Each test runs on SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from annotator.core.assists import model, scissors
from annotator.store import library
from annotator.store.models import Image, db
from annotator.web.api import assist as assist_view
from tests import tiny_sam
from tests.conftest import INSTRUCTOR_TOKEN, REPO_ROOT, csrf_of, join, make_app

SCENE = REPO_ROOT / "sample_images" / "scene_01.jpg"  # 1280 x 720
CAR_BOX = [559, 324, 135, 108]  # a car of the scene (ground truth 70), its box padded by 5 px
ALONG_THE_CAR = [[580, 330], [564, 380], [576, 426], [618, 412], [670, 416], [688, 400], [678, 346], [636, 330]]


def add_scene(app: Flask) -> int:
    with app.app_context():
        return library.add_image(SCENE.read_bytes(), "scene_01.jpg", "upload")[0].id


@pytest.fixture
def scene_id(app: Flask) -> int:
    return add_scene(app)


@pytest.fixture
def headers(client: FlaskClient) -> dict[str, str]:
    return csrf_of(client)


def ask(client: FlaskClient, image_id: int, body: object, headers: dict[str, str]):
    return client.post(f"/api/images/{image_id}/assist", json=body, headers=headers)


def saved(client: FlaskClient, image_id: int, parts: list, headers: dict[str, str]) -> dict:
    response = client.post(f"/api/images/{image_id}/annotations", headers=headers,
                           json={"client_id": "assisted-0001", "category_id": 26, "parts": parts})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_grabcut_from_a_box_answers_an_outline_that_saves_unchanged(client, scene_id, headers):
    response = ask(client, scene_id, {"method": "grabcut", "box": CAR_BOX}, headers)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["method"] == "grabcut" and isinstance(answer["ms"], int) and 0 <= answer["ms"] < 2000
    assert answer["parts"] and not answer["parts"][0]["hole"]
    stored = saved(client, scene_id, answer["parts"], headers)
    assert stored["annotation"]["parts"] == answer["parts"] and stored["repairs"] == []
    x, _, w, h = stored["annotation"]["bbox"]
    assert CAR_BOX[0] <= x and x + w <= CAR_BOX[0] + CAR_BOX[2] and w > 100 and h > 60  # most of the box


def test_scissors_follow_the_edges_through_the_points_and_close_the_outline(client, scene_id, headers):
    response = ask(client, scene_id, {"method": "scissors", "points": ALONG_THE_CAR}, headers)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["method"] == "scissors" and len(answer["parts"]) >= 1 and answer.get("path") is None
    vertices = sum(len(part["points"]) // 2 for part in answer["parts"])
    assert len(ALONG_THE_CAR) < vertices <= 400  # more than the clicks: it bends along the edges
    saved(client, scene_id, answer["parts"], headers)


def test_an_open_scissors_path_is_a_preview_line_from_the_first_point_to_the_last(client, scene_id, headers):
    body = {"method": "scissors", "closed": False, "points": ALONG_THE_CAR[:2]}
    answer = ask(client, scene_id, body, headers).get_json()
    assert answer["parts"] == [] and answer["path"][:2] == [580.5, 330.5] and answer["path"][-2:] == [564.5, 380.5]


def test_the_scissors_features_are_made_once_per_image(client, app, scene_id, headers, monkeypatch):
    made = []
    real = scissors.edge_features
    monkeypatch.setattr(scissors, "edge_features", lambda picture: made.append(1) or real(picture))
    for _ in range(3):
        assert ask(client, scene_id, {"method": "scissors", "points": ALONG_THE_CAR}, headers).status_code == 200
    assert made == [1]
    assert len(assist_view.state(app).pictures) == 1


def test_without_a_model_the_model_method_is_refused_saying_how_to_load_one(client, scene_id, headers):
    response = ask(client, scene_id, {"method": "model", "points": [[200, 380]]}, headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "no assist model" and body["field"] == "method" and "--assist-model" in body["detail"]
    assert client.get("/api/assist").get_json()["methods"] == ["grabcut", "scissors"]


@pytest.fixture
def with_model(data_dir: Path, database_url: str | None, tmp_path: Path) -> Flask:
    return make_app(data_dir, database_url, ASSIST_MODEL=str(tiny_sam.write_model(tmp_path / "tiny-sam")))


def test_a_loaded_model_segments_from_a_click_and_embeds_each_image_once(with_model, monkeypatch):
    client = with_model.test_client()
    headers = csrf_of(client)
    image_id = add_scene(with_model)
    embedded = []
    real = model.SamModel.embed
    monkeypatch.setattr(model.SamModel, "embed", lambda self, picture: embedded.append(1) or real(self, picture))
    answers = [ask(client, image_id, {"method": "model", "points": [click], "labels": [1]}, headers)
               for click in ([400.5, 300.5], [700.5, 200.5])]
    assert [answer.status_code for answer in answers] == [200, 200], answers[0].get_json()
    assert embedded == [1]
    first = answers[0].get_json()
    assert first["method"] == "model" and len(first["parts"]) == 1
    # the tiny model's object: a disc of 100 px round the click
    x, y, w, h = saved(client, image_id, first["parts"], headers)["annotation"]["bbox"]
    assert abs(x + w / 2 - 400.5) <= 1 and abs(y + h / 2 - 300.5) <= 1 and abs(w - 200) <= 2
    offer = client.get("/api/assist").get_json()
    assert offer["methods"] == ["grabcut", "scissors", "model"] and offer["model"] == "tiny-sam"


def test_a_model_folder_that_does_not_fit_is_a_503_naming_the_problem(data_dir, database_url, tmp_path):
    (tmp_path / "empty").mkdir()
    app = make_app(data_dir, database_url, ASSIST_MODEL=str(tmp_path / "empty"))
    client = app.test_client()
    response = ask(client, add_scene(app), {"method": "model", "points": [[10, 10]]}, csrf_of(client))
    assert response.status_code == 503
    assert response.get_json()["error"] == "assist model unusable"
    assert "holds no file named *encoder*.onnx" in response.get_json()["detail"]


@pytest.mark.parametrize(("body", "field", "detail"), [
    ({"method": "grabcut", "box": [1200, 600, 100, 100]}, "box",
     "the box [1200, 600, 100, 100] reaches outside the image (1280 x 720)"),
    ({"method": "grabcut", "box": [100, 100, 0, 50]}, "grabcut.box", "width and height must be at least 2 px"),
    ({"method": "grabcut", "box": [100, 100, 50]}, "grabcut.box", "at least 4 items"),
    ({"method": "grabcut", "box": [100, 100, 50, -5]}, "grabcut.box[3]", "greater than or equal to 0"),
    ({"method": "grabcut", "box": ["1", 2, 3, 4]}, "grabcut.box[0]", "valid number"),
    ({"method": "scissors", "points": [[1, 1]] * 201}, "scissors.points", "at most 200 items"),
    ({"method": "scissors", "points": [[1, 1], [2, 2]]}, "scissors.points", "a closed outline needs at least 3"),
    ({"method": "scissors", "points": [[1, 1], [2, 2], [1300, 5]]}, "points[2]",
     "point 3 (1300, 5) lies outside the image (1280 x 720)"),
    ({"method": "scissors", "points": [[1, 1], [700, 1], [700, 300]]}, "points",
     "points 1 and 2 are 699 px apart"),
    ({"method": "scissors", "points": [[1, 1, 1], [2, 2], [3, 3]]}, "scissors.points[0]", "at most 2 items"),
    ({"method": "model", "points": [[1, 1]] * 33}, "model.points", "at most 32 items"),
    ({"method": "model", "points": [[1, 1]], "labels": [1, 0]}, "model.labels", "2 labels for 1 points"),
    ({"method": "model", "points": [[1, 1]], "labels": [0]}, "model.labels", "at least one point must be on"),
    ({"method": "lasso", "points": [[1, 1]]}, "body", "does not match any of the expected tags"),
    ({"box": [1, 1, 5, 5]}, "body", "Unable to extract tag using discriminator 'method'"),
])
def test_every_bad_input_is_refused_in_the_envelope_naming_the_field(client, scene_id, headers, body, field, detail):
    response = ask(client, scene_id, body, headers)
    assert response.status_code == 422, response.get_json()
    answer = response.get_json()
    fields = [answer.get("field")] + [item["field"] for item in answer.get("fields", [])]
    assert field in fields and detail in answer["detail"], answer


def test_a_body_that_is_not_json_is_refused(client, scene_id, headers):
    response = client.post(f"/api/images/{scene_id}/assist", data="box", headers=headers)
    assert response.status_code == 415 and response.get_json()["error"] == "JSON body expected"


def test_an_unknown_or_deleted_image_is_404(client, app, scene_id, headers):
    assert ask(client, 999, {"method": "grabcut", "box": CAR_BOX}, headers).status_code == 404
    with app.app_context():
        db.session.get(Image, scene_id).deleted = True
        db.session.commit()
    response = ask(client, scene_id, {"method": "grabcut", "box": CAR_BOX}, headers)
    assert response.status_code == 404 and response.get_json()["error"] == "image not found"


@pytest.fixture
def room_scene(room: Flask) -> int:
    return add_scene(room)


def test_in_a_workshop_a_participant_must_join_first_then_may_ask_as_for_a_save(room, room_scene):
    body = {"method": "scissors", "points": ALONG_THE_CAR}
    stranger = room.test_client()
    response = ask(stranger, room_scene, body, csrf_of(stranger))
    assert response.status_code == 401 and response.get_json()["error"] == "join first"
    participant = room.test_client()
    assert ask(participant, room_scene, body, join(participant, "Amara")).status_code == 200
    instructor = room.test_client()
    headers = {**csrf_of(instructor), "X-Instructor-Token": INSTRUCTOR_TOKEN}
    assert ask(instructor, room_scene, body, headers).status_code == 200


def test_without_the_csrf_token_the_request_is_refused(client, scene_id):
    assert ask(client, scene_id, {"method": "grabcut", "box": CAR_BOX}, {}).status_code == 400


def test_assists_per_person_are_rate_limited(data_dir, database_url):
    app = make_app(data_dir, database_url, RATE_ASSISTS="2/minute")
    client = app.test_client()
    headers, image_id = csrf_of(client), add_scene(app)
    body = {"method": "scissors", "closed": False, "points": ALONG_THE_CAR[:2]}
    assert [ask(client, image_id, body, headers).status_code for _ in range(2)] == [200, 200]
    response = ask(client, image_id, body, headers)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "assisted outlines faster than the server allows" in response.get_json()["detail"]


def test_when_every_slot_is_busy_the_answer_is_503_at_once_not_a_stalled_thread(client, app, scene_id, headers,
                                                                                 monkeypatch):
    monkeypatch.setattr(assist_view, "WAIT_S", 0.2)
    slots = assist_view.state(app)
    for _ in range(assist_view.RUNNING):  # everyone else's assists, computing
        slots.slots.acquire()
    try:
        response = ask(client, scene_id, {"method": "grabcut", "box": CAR_BOX}, headers)
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
        slots.queued = assist_view.RUNNING + assist_view.WAITING  # and the queue full: refused without waiting
        response = ask(client, scene_id, {"method": "grabcut", "box": CAR_BOX}, headers)
        assert response.status_code == 503 and response.get_json()["error"] == "busy"
    finally:
        slots.queued = 0
        for _ in range(assist_view.RUNNING):
            slots.slots.release()
    assert ask(client, scene_id, {"method": "grabcut", "box": CAR_BOX}, headers).status_code == 200


def test_concurrent_assists_on_one_image_all_answer(app, scene_id):
    clients = [app.test_client() for _ in range(4)]
    answers: list[int] = []

    def one(client: FlaskClient) -> None:
        answers.append(ask(client, scene_id, {"method": "scissors", "points": ALONG_THE_CAR},
                           csrf_of(client)).status_code)

    threads = [threading.Thread(target=one, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 200, 200, 200]


def test_the_operation_is_in_the_openapi_document_with_its_methods_and_limits(client):
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/api/images/{image_id}/assist"]["post"]
    assert {"200", "404", "422", "429", "503"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    text = str(schemas)
    assert "GrabCutAssist" in text and "ScissorsAssist" in text and "ModelAssist" in text
    assert "'maxItems': 200" in text and "'maxItems': 32" in text


@pytest.mark.parametrize("database_url", [None])  # serve's start-up, not the database's
def test_serve_loads_the_assist_model_at_start_and_refuses_a_folder_that_does_not_fit(run, monkeypatch, tmp_path):
    from tests.cli.test_cli import FakeWaitress, serve

    (tmp_path / "empty").mkdir()
    refused = serve(run, monkeypatch, "--assist-model", str(tmp_path / "empty"))
    assert refused.exit_code == 2 and "Invalid value for --assist-model" in refused.output
    assert "holds no file named *encoder*.onnx" in refused.output
    started = serve(run, monkeypatch, "--assist-model", str(tiny_sam.write_model(tmp_path / "tiny-sam")))
    assert started.exit_code == 0, started.output
    assert assist_view.state(FakeWaitress.made.app).model is not None
    monkeypatch.setenv("ANNOTATOR_ASSIST_MODEL", str(tmp_path / "tiny-sam"))  # the setting does the same
    assert serve(run, monkeypatch).exit_code == 0 and assist_view.state(FakeWaitress.made.app).model is not None
