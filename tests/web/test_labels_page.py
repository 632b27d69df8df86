"""The label-set editor's server side: the page (the instructor's), the archived classes it lists apart, and the
rename by id that `PUT /api/categories` takes so a renamed class keeps its id. In workshop mode."""

from __future__ import annotations

from flask import Flask

from tests.web.test_flags import CAR, TRUCK, Person, Teacher, class_names


def current_set(client) -> list[dict]:
    return [{key: item[key] for key in ("id", "name", "supercategory", "colour", "definition")}
            for item in client.get("/api/categories").get_json()["items"]]


def test_the_page_is_the_instructors_and_a_participant_gets_403(room: Flask):
    teacher, amara = Teacher(room), Person(room, "Amara")
    page = teacher.client.get("/labels")
    assert page.status_code == 200 and b'data-testid="labels-editor"' in page.data
    assert b'data-testid="nav-labels"' in page.data
    refused = amara.client.get("/labels")
    assert refused.status_code == 403 and b'data-testid="labels-editor"' not in refused.data
    assert b'data-testid="nav-labels"' not in amara.client.get("/").data


def test_in_single_user_mode_the_local_user_has_the_page_and_its_link(client):
    page = client.get("/labels")
    assert page.status_code == 200 and b'data-testid="labels-editor"' in page.data
    assert b'data-testid="nav-labels"' in client.get("/").data
    assert client.get("/api/categories/archived").status_code == 200


def test_archived_classes_are_listed_for_the_instructor_only(room: Flask):
    teacher, amara = Teacher(room), Person(room, "Amara")
    kept = [entry for entry in current_set(teacher.client) if entry["id"] != TRUCK]
    assert teacher.client.put("/api/categories", headers=teacher.headers, json={"labels": kept}).status_code == 200
    archived = teacher.client.get("/api/categories/archived").get_json()["items"]
    assert [(item["id"], item["name"]) for item in archived] == [(TRUCK, "truck")]
    assert amara.client.get("/api/categories/archived").status_code == 403


def test_a_rename_by_id_keeps_the_class_and_a_restore_by_id_brings_it_back(room: Flask):
    teacher = Teacher(room)
    labels = current_set(teacher.client)
    for entry in labels:
        if entry["id"] == CAR:
            entry["name"] = "automobile"
    labels = [entry for entry in labels if entry["id"] != TRUCK]
    answer = teacher.client.put("/api/categories", headers=teacher.headers, json={"labels": labels})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["archived"] == ["truck"] and "automobile" in answer.get_json()["updated"]
    names = class_names(teacher.client)
    assert names["automobile"] == CAR and "car" not in names and "truck" not in names
    restored = teacher.client.put("/api/categories", headers=teacher.headers,
                                  json={"labels": [*labels, {"id": TRUCK, "name": "truck"}]})
    assert restored.status_code == 200 and class_names(teacher.client)["truck"] == TRUCK


def test_renaming_onto_an_archived_class_is_refused_naming_the_field(room: Flask):
    teacher = Teacher(room)
    labels = [entry for entry in current_set(teacher.client) if entry["id"] != TRUCK]
    teacher.client.put("/api/categories", headers=teacher.headers, json={"labels": labels})
    index = next(i for i, entry in enumerate(labels) if entry["id"] == CAR)
    labels[index]["name"] = "Truck"
    refused = teacher.client.put("/api/categories", headers=teacher.headers, json={"labels": labels})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "invalid label set" and body["field"] == f"labels[{index}].name"
    assert "archived class (#8)" in body["detail"]
    assert class_names(teacher.client)["car"] == CAR  # nothing changed


def test_a_label_file_without_ids_still_matches_by_name(room: Flask):
    teacher = Teacher(room)
    labels = [{key: value for key, value in entry.items() if key != "id"} for entry in current_set(teacher.client)]
    again = teacher.client.put("/api/categories", headers=teacher.headers, json={"labels": labels})
    assert again.status_code == 200 and again.get_json()["added"] == again.get_json()["archived"] == []
    assert again.get_json()["updated"] == []


def test_a_label_file_is_read_as_labels_load_reads_it_without_saving(room: Flask):
    teacher, amara = Teacher(room), Person(room, "Amara")
    before = current_set(teacher.client)
    text = 'labels:\n  - car\n  - {name: "yes", color: "#ABCDEF", definition: "a class called yes"}\n'
    answer = teacher.client.post("/api/categories/file", headers=teacher.headers,
                                 json={"text": text, "format": "yaml", "name": "set.yaml"})
    assert answer.status_code == 200, answer.get_json()
    labels = answer.get_json()["labels"]
    assert [entry["name"] for entry in labels] == ["car", "yes"]  # "yes" stays text, as in the file
    assert labels[1] == {"name": "yes", "supercategory": "none", "colour": "#abcdef",
                         "definition": "a class called yes"}
    assert labels[0]["supercategory"] == "none" and labels[0]["colour"].startswith("#")  # defaults, as labels load
    assert current_set(teacher.client) == before  # nothing saved
    broken = teacher.client.post("/api/categories/file", headers=teacher.headers,
                                 json={"text": "labels: [", "format": "yaml", "name": "set.yaml"})
    assert broken.status_code == 422 and broken.get_json()["field"] == "file"
    assert "set.yaml is not valid YAML" in broken.get_json()["detail"]
    duplicate = teacher.client.post("/api/categories/file", headers=teacher.headers,
                                    json={"text": '["car", "Car"]', "format": "json"})
    assert duplicate.status_code == 422 and "duplicate name 'Car'" in duplicate.get_json()["detail"]
    assert amara.client.post("/api/categories/file", headers=amara.headers,
                             json={"text": "[]", "format": "json"}).status_code == 403
