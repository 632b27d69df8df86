"""The editor's pure JavaScript modules, tested with node's built-in test runner as part of pytest."""

from __future__ import annotations

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
