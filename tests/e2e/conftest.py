"""End-to-end fixtures: the real `annotator serve` command in a subprocess, and headless Chromium.

`live_server` starts `annotator serve --port 0 --data-dir <tmp>` (waitress picks a free port; the URL is
read from the line the command prints) with the bundled sample scenes; `empty_live_server` starts one
without them; `start_server` starts any number with chosen settings. Every server is stopped at teardown.

`browser` is one Chromium for the session (/usr/bin/chromium: Playwright's own browser downloads are not
used); `page` is a fresh browser context per test. Both skip on a machine without Chromium, and fail in CI.

Every test in this folder is marked `e2e`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require
from tests.e2e.scripted_editor import ScriptedEditor

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SERVER_START_TIMEOUT = 90.0  # seconds: migrations plus importing (and thumbnailing) the sample scenes
URL_LINE = re.compile(r"Open (http://\S+/) in a browser\.")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- the annotator command -------------------------------------------------------------------------


def annotator_command(python: str | Path = sys.executable) -> list[str]:
    """How to run the `annotator` command of the environment `python` belongs to."""
    return [str(python), "-m", "annotator"]


def server_environment(load_samples: bool, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any ANNOTATOR_* setting a developer may have exported."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANNOTATOR_")}
    env["ANNOTATOR_LOAD_SAMPLES"] = "true" if load_samples else "false"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def run_annotator(args: list[str], data_dir: Path, load_samples: bool = False, timeout: float = 180,
                  command: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run one non-serving subcommand (e.g. import-images) on `data_dir` and wait for it."""
    return subprocess.run([*(command or annotator_command()), *args, "--data-dir", str(data_dir)],
                          env=server_environment(load_samples), capture_output=True, text=True,
                          timeout=timeout, check=False)


@dataclass
class LiveServer:
    """A running `annotator serve`: its base URL (ending in "/") and data folder."""

    url: str
    data_dir: Path
    process: subprocess.Popen = field(repr=False)
    stdout_path: Path = field(repr=False)
    stderr_path: Path = field(repr=False)

    def output(self) -> str:
        return (f"--- stdout ---\n{self.stdout_path.read_text(errors='replace')}"
                f"--- stderr ---\n{self.stderr_path.read_text(errors='replace')[-8000:]}")

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # waitress stops cleanly on Ctrl+C
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_annotator_server(data_dir: Path, log_dir: Path, *, load_samples: bool = True,
                           command: list[str] | None = None, cwd: Path | None = None,
                           extra_env: dict[str, str] | None = None, host: str = "127.0.0.1", port: int = 0,
                           timeout: float = SERVER_START_TIMEOUT) -> LiveServer:
    """Start `annotator serve --port 0` and wait for the line with its URL. The caller must stop() it.

    Output goes to files rather than pipes: nothing has to drain them, and nothing is left unclosed.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = log_dir / "server.stdout", log_dir / "server.stderr"
    args = [*(command or annotator_command()), "serve", "--host", host, "--port", str(port),
            "--data-dir", str(data_dir)]
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   env=server_environment(load_samples, extra_env), cwd=cwd)
    server = LiveServer("", data_dir, process, stdout_path, stderr_path)
    deadline = time.monotonic() + timeout
    try:
        while True:
            match = URL_LINE.search(stdout_path.read_text(errors="replace"))
            if match:
                server.url = match.group(1)
                return server
            if process.poll() is not None:
                raise RuntimeError(f"`{' '.join(args)}` exited with status {process.returncode} before "
                                   f"printing its URL\n{server.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"`{' '.join(args)}` printed no URL within {timeout:.0f} s\n"
                                   f"{server.output()}")
            time.sleep(0.05)
    except BaseException:
        _stop(process)
        raise


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    """A factory: start_server(load_samples=True, data_dir=None, **options) -> a started LiveServer."""
    servers: list[LiveServer] = []

    def start(load_samples: bool = True, data_dir: Path | None = None, **options: Any) -> LiveServer:
        base = tmp_path_factory.mktemp("server")
        server = start_annotator_server(data_dir or base / "data", base / "logs", load_samples=load_samples,
                                        **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        print(f"{server.url} on {server.data_dir}\n{server.output()}")  # pytest shows it when a test fails


@pytest.fixture
def live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A server on a fresh data folder, with the bundled sample scenes imported on first start."""
    return start_server(load_samples=True)


@pytest.fixture
def empty_live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A server on a fresh data folder with no images (ANNOTATOR_LOAD_SAMPLES=false)."""
    return start_server(load_samples=False)


# --- Chromium ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (Debian package `chromium`)")
    require(importlib.util.find_spec("playwright") is not None, "Playwright for Python is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def js_errors() -> list[str]:
    """Uncaught JavaScript errors of the test's `page`, in order."""
    return []


@pytest.fixture
def page(browser: Any, js_errors: list[str]) -> Iterator[Any]:
    """A page in a fresh browser context (own cookies, storage and cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    new_page.on("pageerror", lambda error: js_errors.append(str(error)))
    yield new_page
    context.close()


# --- a workshop: a server with a token, and one browser context per person ------------------------------

WORKSHOP_TOKEN = "workshop-token-for-e2e-tests"


@pytest.fixture
def room(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A server in workshop mode with the sample scenes: participants join, the instructor holds WORKSHOP_TOKEN."""
    return start_server(load_samples=True, extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": WORKSHOP_TOKEN})


@pytest.fixture
def contexts(browser: Any) -> Iterator[Callable[..., Any]]:
    """A factory of pages, each in its own browser context (one person per browser): new_page(errors,
    viewport=(w, h)) collects the page's uncaught JavaScript errors into `errors`."""
    made: list[Any] = []

    def new_page(errors: list[str], viewport: tuple[int, int] = (1280, 900)) -> Any:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        context.set_default_timeout(15_000)
        made.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield new_page
    for context in made:
        context.close()


def join_through_the_form(page: Any, server: LiveServer, name: str) -> None:
    """Join a workshop as a participant does: open the address, land on /join, type a name, press Enter."""
    page.goto(server.url)
    assert "/join" in page.url
    page.locator("input[name=name]").click()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url)


def assert_no_js_errors(errors: list[str]) -> None:
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(errors)


# --- a labour ledger with known figures -----------------------------------------------------------------

@pytest.fixture
def scripted_ledger(room: LiveServer, page: Any) -> dict[str, Any]:
    """Two people's sessions on sample scenes 1 and 2 (five polygons, one with an idle pause, one deleted),
    and the server's own summary of them: pages are checked against it. Two people need a workshop (in
    single-user mode every browser is the one user); each joins under their session's name, and `page`
    holds the instructor's cookie."""
    import requests

    live_server = room
    page.context.add_cookies([{"name": "annotator_instructor", "value": WORKSHOP_TOKEN, "url": room.url}])
    one = ScriptedEditor(live_server, 1, "session-alpha-1")
    one.draw("poly-car-a", search=3_000, gaps=[0, 1_200, 900, 1_100, 800], category=7)
    one.draw("poly-road-a", search=5_000, gaps=[0, 2_000, 40_000, 1_500, 1_000, 700], category=1,
             points=[[0, 500], [1280, 500], [1280, 720], [0, 720], [640, 650]])
    doomed = one.draw("poly-person-a", search=2_500, gaps=[0, 600, 600, 600, 400], category=5)
    response = one.http.delete(f"{live_server.url}api/annotations/{doomed['id']}", headers=one.headers, json={
        "version": 1, "session_id": one.session_id, "sent_t": one.t + 1_500,
        "events": [one.event(1_500, "delete", "poly-person-a")]})
    assert response.status_code == 200, response.text
    two = ScriptedEditor(live_server, 2, "session-beta-1", http=one.http)  # the same person, another image
    two.draw("poly-car-b", search=4_000, gaps=[0, 1_000, 1_000, 1_000, 1_000, 1_000], category=7)
    other = ScriptedEditor(live_server, 1, "session-gamma-1", http=requests.Session())  # another person
    other.draw("poly-car-c", search=6_000, gaps=[0, 2_000, 2_000, 2_000, 2_000], category=7)
    summary = requests.get(f"{live_server.url}api/labour/summary.json",
                           headers={"X-Instructor-Token": WORKSHOP_TOKEN}).json()
    assert summary["totals"]["polygons"] == 5 and summary["totals"]["people"] == 2
    return {"server": live_server, "summary": summary}
