"""config: settings from defaults, the environment and overrides; every setting documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.config import SETTINGS, load_settings, normalise_database_url
from tests.conftest import REPO_ROOT


def test_defaults_put_sqlite_in_the_data_folder(tmp_path: Path):
    settings = load_settings({"DATA_DIR": tmp_path}, environ={})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'annotator.sqlite3'}"
    assert settings["MAX_UPLOAD_MB"] == 50 and settings["LOAD_SAMPLES"] is True


def test_environment_variables_are_read_and_typed(tmp_path: Path):
    settings = load_settings(environ={"ANNOTATOR_DATA_DIR": str(tmp_path), "ANNOTATOR_MAX_UPLOAD_MB": "7",
                                      "ANNOTATOR_LOAD_SAMPLES": "no"})
    assert settings["DATA_DIR"] == tmp_path.resolve() and settings["MAX_UPLOAD_MB"] == 7
    assert settings["LOAD_SAMPLES"] is False


def test_explicit_overrides_beat_the_environment(tmp_path: Path):
    settings = load_settings({"DATA_DIR": tmp_path / "cli"}, environ={"ANNOTATOR_DATA_DIR": str(tmp_path / "env")})
    assert settings["DATA_DIR"] == (tmp_path / "cli").resolve()


@pytest.mark.parametrize(("name", "value"), [("MAX_UPLOAD_MB", "ten"), ("LOAD_SAMPLES", "maybe")])
def test_malformed_values_name_the_variable(name, value):
    with pytest.raises(ValueError, match=f"ANNOTATOR_{name}"):
        load_settings(environ={f"ANNOTATOR_{name}": value})


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [setting.env for setting in SETTINGS if f"`{setting.env}`" not in readme]
    assert missing == []
