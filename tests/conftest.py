"""Shared fixtures: an app on a temporary data folder, over SQLite and (where available) PostgreSQL.

Browser and PostgreSQL tests skip on a developer machine that lacks Chromium or a PostgreSQL URL,
but fail in CI (CI=true), where they must run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image as PILImage
from sqlalchemy import create_engine, text

from annotator import create_app
from annotator.store import library
from annotator.store.models import db

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("ANNOTATOR_TEST_POSTGRES_URL", "")
REPO_ROOT = Path(__file__).resolve().parents[1]


def require(condition: bool, reason: str) -> None:
    """Skip locally when a test's environment is missing; in CI the same gap is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason}: required in CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None means the default (SQLite in the data folder); for PostgreSQL, a fresh schema per test."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres_schema() as url:
        yield url


@contextlib.contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """The URL of a new, empty schema in the test PostgreSQL database, dropped afterwards."""
    require(bool(POSTGRES_URL), "ANNOTATOR_TEST_POSTGRES_URL is not set")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class BufferedClient(FlaskClient):
    """Reads each response whole and closes it, so served files leave no open handle behind."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


_apps_made: list[Flask] = []


def make_app(data_dir: Path, database_url: str | None, **overrides) -> Flask:
    """An app on `data_dir`; its database connections are closed when the test ends, pass or fail."""
    app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": database_url, "LOAD_SAMPLES": False,
                      "TESTING": True, **overrides})
    app.test_client_class = BufferedClient
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def _close_app_connections() -> Iterator[None]:
    yield
    while _apps_made:
        with _apps_made.pop().app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(data_dir: Path, database_url: str | None) -> Flask:
    return make_app(data_dir, database_url)


@pytest.fixture
def run(data_dir: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch):
    """Invoke the `annotator` command on the test's data folder, set through the environment as a user
    would; returns click's result (stdout in `.output`, stderr in `.stderr`)."""
    from click.testing import CliRunner

    from annotator.cli import main

    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ANNOTATOR_LOAD_SAMPLES", "false")
    if database_url:
        monkeypatch.setenv("ANNOTATOR_DATABASE_URL", database_url)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_headers(client: FlaskClient) -> dict[str, str]:
    """The header the gallery's scripts send, with the token a page gave this client's session."""
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return {"X-CSRFToken": token}


def csrf_of(client: FlaskClient) -> dict[str, str]:
    """The CSRF header for `client`'s session, read from a page as a browser's script would."""
    page = client.get("/join").get_data(as_text=True)
    return {"X-CSRFToken": re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)}


def join(client: FlaskClient, name: str) -> dict[str, str]:
    """Join a workshop as `name` through the API; returns the CSRF header for the participant's requests."""
    headers = csrf_of(client)
    response = client.post("/api/join", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return headers


INSTRUCTOR_TOKEN = "teacher-token-for-tests"


@pytest.fixture
def room(data_dir: Path, database_url: str | None) -> Flask:
    """An app in workshop mode: participants join with a name, admin actions need INSTRUCTOR_TOKEN."""
    return make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN)


@pytest.fixture
def instructor(room: Flask) -> tuple[FlaskClient, dict[str, str]]:
    """The instructor's client and the headers (CSRF and token) their requests carry."""
    client = room.test_client()
    return client, {**csrf_of(client), "X-Instructor-Token": INSTRUCTOR_TOKEN}


def image_bytes(width: int = 64, height: int = 48, fmt: str = "JPEG", colour=(200, 40, 40),
                exif_orientation: int | None = None) -> bytes:
    """A small real image, made in memory; distinct colours give distinct files."""
    image = PILImage.new("RGB", (width, height), colour)
    for x in range(min(width, height)):  # a diagonal so orientation can be checked
        image.putpixel((x, x), (255, 255, 255))
    buffer = io.BytesIO()
    kwargs = {}
    if exif_orientation is not None:
        exif = image.getexif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def upload(client: FlaskClient, headers: dict[str, str], *files: tuple[str, bytes]):
    """POST /api/images with `files` as (name, content) pairs, as the gallery's upload form sends them."""
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/images", data=data, headers=headers, content_type="multipart/form-data")


def add_image(app: Flask, width: int = 200, height: int = 100, name: str = "street.jpg", source: str = "upload",
              colour: tuple[int, int, int] = (200, 40, 40)) -> int:
    """Put a real image of that size in `app`'s library; its id."""
    with app.app_context():
        return library.add_image(image_bytes(width, height, colour=colour), name, source)[0].id


@pytest.fixture
def image_id(app: Flask) -> int:
    """One 200x100 street scene in the library."""
    return add_image(app)


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """A folder as a user might bring: good photos (one in a sub-folder, one duplicate) and bad files."""
    folder = tmp_path / "photos"
    (folder / "more").mkdir(parents=True)
    (folder / "street.jpg").write_bytes(image_bytes(640, 360, colour=(90, 90, 90)))
    (folder / "copy of street.jpg").write_bytes((folder / "street.jpg").read_bytes())
    (folder / "crossing.png").write_bytes(image_bytes(320, 240, "PNG", colour=(30, 120, 30)))
    (folder / "more" / "dusk.webp").write_bytes(image_bytes(200, 100, "WEBP", colour=(20, 20, 120)))
    good = image_bytes(400, 300, colour=(150, 100, 50))
    (folder / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (folder / "page.png").write_text("<html><script>alert(1)</script></html>")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.txt").write_text("not a photo")
    return folder
