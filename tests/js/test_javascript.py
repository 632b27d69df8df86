"""The editor's pure JavaScript modules, tested with node's built-in test runner as part of pytest."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.conftest import REPO_ROOT, require


def test_javascript_unit_tests_pass_under_node():
    node = shutil.which("node")
    require(node is not None, "node is not installed")
    tests = sorted(str(path) for path in (REPO_ROOT / "tests" / "js").glob("*.test.mjs"))
    assert tests, "no JavaScript tests found"
    result = subprocess.run([node, "--test", *tests], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


# Durations in ms around every rounding edge of common/format.js, and some ordinary ones.
DURATIONS_MS = [0, 4, 49, 50, 149, 150, 999, 5_000, 7_240, 42_000, 42_450, 59_949, 59_950, 60_000, 76_400,
                187_000, 187_499, 187_500, 3_599_499, 3_599_500, 3_725_000, 3_629_999, 7_200_000, 86_400_000 * 50]


def test_the_server_and_the_tests_print_a_duration_as_the_browser_does():
    """One duration, one text: the finished page (rendered by the server) and the browser tests' restatement
    (tests/e2e/formats.py) against static/js/common/format.js itself, run by node."""
    from annotator.web.pages.finished import _duration
    from tests.e2e.formats import duration

    node = shutil.which("node")
    require(node is not None, "node is not installed")
    script = ("import { formatDuration } from './static/js/common/format.js';"
              "console.log(JSON.stringify(JSON.parse(process.argv[1]).map((ms) => formatDuration(ms))));")
    result = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(DURATIONS_MS)], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    browser = json.loads(result.stdout)
    assert browser[:3] == ["0 sec", "0 sec", "0 sec"] and browser[16:18] == ["3 min 07 sec", "3 min 08 sec"]
    assert [_duration(ms) for ms in DURATIONS_MS] == browser
    assert [duration(ms) for ms in DURATIONS_MS] == browser
