"""Build the wheel, install it into a fresh virtualenv and serve from it: what a user's `pip install` gets.

Slow (a wheel build and a dependency install, about a minute with a warm pip cache), so marked `slow`.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
from PIL import Image as PILImage

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import annotator_command, server_environment, start_annotator_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REQUIRED_IN_WHEEL = (
    "annotator/__init__.py",
    "annotator/cli/__init__.py",
    "annotator/store/backup/__init__.py",  # a package of its own: listed in setup.cfg, or the wheel lacks it
    "annotator/web/api/__init__.py",
    "annotator/migrations/env.py",
    "annotator/migrations/script.py.mako",
    "annotator/migrations/versions/0001_initial_schema.py",
    "annotator/static/js/upload.js",
    "annotator/static/js/common/api.js",  # the pages' shared modules, one folder down
    "annotator/static/css/app.css",
    "annotator/templates/base.html",
    "annotator/templates/gallery.html",
    "annotator/templates/editor.html",
    "annotator/sample_images/ground_truth.json",
)
# Left out of the copy the wheel is built from: earlier builds, caches and local data.
NOT_SOURCE_TOP = {".git", "build", "dist", ".venv", "instance"}
NOT_SOURCE_ANYWHERE = shutil.ignore_patterns("*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
                                             ".hypothesis", "*.sqlite3")


def not_source(folder: str, names: list[str]) -> set[str]:
    ignored = set(NOT_SOURCE_ANYWHERE(folder, names))
    if Path(folder) == REPO_ROOT:
        ignored |= NOT_SOURCE_TOP & set(names)
    return ignored


def run(args: list, timeout: float, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, timeout=timeout,
                            check=False, **kwargs)
    assert result.returncode == 0, (f"`{' '.join(map(str, args))}` failed ({result.returncode})\n"
                                    f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return result


def isolated_env(load_samples: bool) -> dict[str, str]:
    """No ANNOTATOR_* settings and no PYTHONPATH: only the virtualenv decides what gets imported."""
    env = server_environment(load_samples)
    env.pop("PYTHONPATH", None)
    return env


def fetch(url: str) -> tuple[int, str, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy
    with opener.open(url, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built (with build isolation, as pip does for users) from a copy of the working tree.

    The copy keeps setuptools' build/ and egg-info folders out of the repository, and keeps a stale
    build/lib from leaking old files into the wheel."""
    base = tmp_path_factory.mktemp("wheel")
    source, out = base / "source", base / "dist"
    shutil.copytree(REPO_ROOT, source, ignore=not_source)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", out, source], timeout=300)
    wheels = list(out.glob("annotator-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv (no system site-packages) with the wheel and its dependencies installed."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", venv], timeout=120)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], timeout=600,
        env=isolated_env(load_samples=False))
    return python


def wheel_scene_names(wheel: Path) -> list[str]:
    """The sample scenes' file names, as listed by the ground_truth.json inside the wheel."""
    truth = "annotator/sample_images/ground_truth.json"
    with zipfile.ZipFile(wheel) as archive:
        assert truth in archive.namelist(), f"{truth} is missing from {wheel.name}"
        return [entry["file_name"] for entry in json.loads(archive.read(truth))["images"]]


def test_wheel_contains_the_shipped_folders(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in REQUIRED_IN_WHEEL if name not in names]
    assert not missing, f"missing from {wheel.name}: {missing}"
    scenes = [f"annotator/sample_images/{name}" for name in wheel_scene_names(wheel)]
    assert len(scenes) == 8
    assert not [name for name in scenes if name not in names], "sample scenes missing from the wheel"
    assert not [name for name in names if name.startswith(("tests/", "bench/", "annotator/tests/"))]


def test_installed_wheel_serves_the_gallery_from_anywhere(wheel: Path, venv_python: Path,
                                                          tmp_path: Path) -> None:
    venv = venv_python.parent.parent
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run([venv_python, "-c", "import annotator, sys; print(annotator.__file__)"], timeout=60,
                cwd=elsewhere, env=isolated_env(load_samples=True)).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), f"annotator imported from {where}"

    scene_names = wheel_scene_names(wheel)
    server = start_annotator_server(tmp_path / "data", tmp_path / "logs", load_samples=True,
                                    command=annotator_command(venv_python), cwd=elsewhere,
                                    extra_env={"PYTHONPATH": ""})  # empty: ignored by Python
    try:
        status, kind, body = fetch(server.url)
        assert status == 200 and kind.startswith("text/html")
        html = body.decode("utf-8")
        assert any(name in html for name in scene_names), "no sample scene named in the gallery"

        status, kind, body = fetch(server.url + "static/js/upload.js")
        assert status == 200 and "javascript" in kind, kind
        assert b"upload-list" in body

        status, kind, body = fetch(server.url + "images/1")
        assert status == 200 and kind == "image/jpeg", kind
        with PILImage.open(io.BytesIO(body)) as picture:
            assert (picture.format, picture.size) == ("JPEG", (1280, 720))

        status, kind, body = fetch(server.url + "api/images")
        assert status == 200 and kind.startswith("application/json")
        assert json.loads(body)["total"] == 8
    except BaseException:
        print(server.output())
        raise
    finally:
        server.stop()
