"""The `annotator` command, run through click's runner as a user would type it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pycocotools.coco import COCO

from annotator.cli import main
from tests.conftest import image_bytes


def test_import_images_adds_good_files_and_reports_each_bad_one_by_name(run, image_folder):
    result = run("import-images", str(image_folder))
    assert result.exit_code == 1  # an image file failed
    assert "Imported 2 image(s); 1 already in the library; 3 skipped." in result.output
    for name, reason in [("truncated.jpg", "corrupt or truncated image"), ("page.png", "not an image"),
                         ("empty.jpg", "the file is empty")]:
        assert f"skipped {name}: {reason}" in result.output
    assert "Passed over 1 file(s) without an image extension: notes.txt." in result.output
    assert "Importing" in result.output  # the progress bar


def test_import_images_passes_over_text_files_and_succeeds_for_set_e_scripts(run, tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "street.JPG").write_bytes(image_bytes(64, 48))
    (folder / "LICENSE.txt").write_text("MIT licence")
    (folder / "README").write_text("photos of a street")
    result = run("import-images", str(folder))
    assert result.exit_code == 0, result.output
    assert "Imported 1 image(s); 0 already in the library; 0 skipped." in result.output
    assert "Passed over 2 file(s) without an image extension: LICENSE.txt, README." in result.output


@pytest.fixture
def no_data_settings(monkeypatch):
    """No data folder or database from the developer's environment, and no sample scenes: the options decide."""
    monkeypatch.delenv("ANNOTATOR_DATA_DIR", raising=False)
    monkeypatch.delenv("ANNOTATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("ANNOTATOR_LOAD_SAMPLES", "0")


def test_data_options_work_before_the_command_name_too(tmp_path, image_folder, no_data_settings):
    runner = CliRunner()
    folder = tmp_path / "before-the-command"
    result = runner.invoke(main, ["--data-dir", str(folder), "import-images", str(image_folder)])
    assert "Imported 2 image(s)" in result.output
    shown = runner.invoke(main, ["--data-dir", str(folder), "labels", "show", "--json"], catch_exceptions=False)
    assert shown.exit_code == 0 and json.loads(shown.output)[0]["name"] == "road"
    # After the command name still wins over before it.
    other = tmp_path / "after-the-command"
    runner.invoke(main, ["--data-dir", str(folder), "import-images", str(image_folder), "--data-dir", str(other)],
                  catch_exceptions=False)
    assert (other / "annotator.sqlite3").exists()


def test_import_recursive_reaches_sub_folders_and_a_second_run_adds_nothing(run, image_folder):
    first = run("import-images", str(image_folder), "--recursive")
    assert "Imported 3 image(s)" in first.output
    again = run("import-images", str(image_folder), "--recursive")
    assert "Imported 0 image(s); 4 already in the library" in again.output


def test_imported_names_keep_their_sub_folder(run, image_folder, app, client):
    run("import-images", str(image_folder), "-r")
    names = [item["file_name"] for item in client.get("/api/images").get_json()["items"]]
    # Files are taken in name order, so of two identical files the first name is the one kept.
    assert sorted(names) == ["copy of street.jpg", "crossing.png", "more/dusk.webp"]


def test_data_dir_option_and_environment_point_at_the_same_data(tmp_path, image_folder, no_data_settings,
                                                                    monkeypatch):
    runner = CliRunner()
    folder = tmp_path / "via-option"
    runner.invoke(main, ["import-images", str(image_folder), "--data-dir", str(folder)])
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(folder))
    out = tmp_path / "export.json"
    result = runner.invoke(main, ["export", str(out)], catch_exceptions=False)
    assert "2 image(s)" in result.output
    assert (folder / "annotator.sqlite3").exists()


def test_export_writes_coco_that_pycocotools_loads(run, image_folder, tmp_path):
    run("import-images", str(image_folder))
    out = tmp_path / "out" / "dataset.json"
    result = run("export", str(out))
    assert result.exit_code == 0 and "Exporting" in result.output
    dataset = COCO(str(out))
    assert len(dataset.getImgIds()) == 2
    assert dataset.loadCats(1)[0]["name"] == "road"


def test_export_zip_carries_the_images(run, image_folder, tmp_path):
    import zipfile

    run("import-images", str(image_folder))
    out = tmp_path / "dataset.zip"
    run("export", str(out), "--zip")
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        assert names == ["annotations.json", "images/copy of street.jpg", "images/crossing.png"]
        listed = json.loads(archive.read("annotations.json"))["images"]
        assert sorted(image["file_name"] for image in listed) == ["copy of street.jpg", "crossing.png"]


def test_export_gives_images_sharing_a_name_distinct_file_names(run, tmp_path, client, csrf_headers):
    from tests.conftest import image_bytes, upload

    upload(client, csrf_headers, ("photo.jpg", image_bytes(colour=(1, 2, 3))))
    upload(client, csrf_headers, ("photo.jpg", image_bytes(colour=(200, 2, 3))))
    out = tmp_path / "dataset.zip"
    run("export", str(out), "--zip")
    import zipfile

    with zipfile.ZipFile(out) as archive:
        listed = [image["file_name"] for image in json.loads(archive.read("annotations.json"))["images"]]
        assert listed == ["photo.jpg", "photo-2.jpg"]
        assert sorted(archive.namelist()) == ["annotations.json", "images/photo-2.jpg", "images/photo.jpg"]


def test_thumbnails_remakes_missing_ones_with_a_progress_bar(run, image_folder, data_dir):
    run("import-images", str(image_folder))
    for thumb in (data_dir / "thumbnails").rglob("*.jpg"):
        thumb.unlink()
    result = run("thumbnails")
    assert "Thumbnails ready for 2 image(s)." in result.output and "Thumbnails" in result.output
    assert len(list((data_dir / "thumbnails").rglob("*.jpg"))) == 2


def test_labels_load_replaces_the_set_keeping_ids_and_archiving_the_rest(run, tmp_path, client):
    before = {item["name"]: item["id"] for item in client.get("/api/categories").get_json()["items"]}
    label_file = tmp_path / "labels.yaml"
    label_file.write_text("- name: car\n  colour: '#112233'\n  definition: Any car.\n- name: puddle\n")
    result = run("labels", "load", str(label_file))
    assert "added 1, updated 1, archived 26" in result.output
    after = client.get("/api/categories").get_json()["items"]
    assert [item["name"] for item in after] == ["car", "puddle"]
    assert after[0]["id"] == before["car"] and after[0]["colour"] == "#112233"


def test_labels_load_refuses_a_bad_file_with_a_clear_message(run, tmp_path):
    bad = tmp_path / "labels.json"
    bad.write_text(json.dumps([{"name": "car", "colour": "red"}]))
    result = CliRunner().invoke(main, ["labels", "load", str(bad)])
    assert result.exit_code == 1
    assert "labels[0].colour: must look like #rrggbb" in result.output


def test_labels_show_prints_the_set_as_loadable_json(run, tmp_path):
    shown = run("labels", "show", "--json").output
    assert json.loads(shown)[0]["name"] == "road"
    path = tmp_path / "again.json"
    path.write_text(shown)
    assert "added 0, updated 0, archived 0" in run("labels", "load", str(path)).output


def test_db_upgrade_and_current_report_the_head_revision(run):
    versions = Path(__file__).parents[2] / "annotator" / "migrations" / "versions"
    head = max(path.name.split("_")[0] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert f"Database at revision {head}." in run("db", "upgrade").output
    assert f"current: {head}  head: {head}" in run("db", "current").output


def test_a_malformed_setting_is_a_usage_error_naming_it(run, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_MAX_UPLOAD_MB", "lots")
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 2 and "ANNOTATOR_MAX_UPLOAD_MB must be a whole number" in result.output


# --- serve: who gets a token ---------------------------------------------------------------------------------


class FakeWaitress:
    """Stands in for wsgi_server.make_server: records how serve configured it, and 'runs' until Ctrl+C."""

    effective_port = 5000

    def __init__(self, app, host=None, port=None, threads=None, **options) -> None:
        self.app, self.options = app, {"host": host, "port": port, "threads": threads, **options}
        FakeWaitress.made = self

    def run(self) -> None:
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


def serve(run, monkeypatch, *args: str):
    import gc

    from annotator.web import wsgi_server

    monkeypatch.setattr(wsgi_server, "make_server", FakeWaitress)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # the test process's heap is not serve's to freeze
    return run("serve", *args)


@pytest.mark.parametrize("database_url", [None])  # serve's start-up rules, not the database's
@pytest.mark.parametrize("token", ["t", "teacher", "fifteen-chars!!"])
def test_serve_refuses_a_short_instructor_token(run, monkeypatch, token):
    result = serve(run, monkeypatch, "--host", "0.0.0.0", "--instructor-token", token)
    assert result.exit_code == 2 and "at least 16 characters" in result.output
    monkeypatch.setenv("ANNOTATOR_INSTRUCTOR_TOKEN", token)
    result = serve(run, monkeypatch, "--host", "0.0.0.0")
    assert result.exit_code == 2 and "at least 16 characters" in result.output


@pytest.mark.parametrize("database_url", [None])
def test_serve_on_loopback_is_single_user_and_a_room_or_a_proxy_gets_a_token(run, monkeypatch):
    alone = serve(run, monkeypatch)
    assert alone.exit_code == 0 and "token" not in alone.output
    assert FakeWaitress.made.app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"] is None
    assert FakeWaitress.made.options["clear_untrusted_proxy_headers"] is True
    room = serve(run, monkeypatch, "--host", "0.0.0.0", "--instructor-token", "a-chosen-token-for-the-room")
    assert "workshop?token=a-chosen-token-for-the-room" in room.output
    monkeypatch.setenv("ANNOTATOR_BEHIND_PROXY", "true")
    proxied = serve(run, monkeypatch)
    token = FakeWaitress.made.app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"]
    assert token and len(token) >= 32 and f"workshop?token={token}" in proxied.output
    assert FakeWaitress.made.options["clear_untrusted_proxy_headers"] is False  # ProxyFix reads them
