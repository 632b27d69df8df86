"""The README's shortcut table agrees with the editor's keymap (static/js/common/keymap.js), read through node:
the same entries in the same order, each with the same keys and the same description."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from tests.conftest import REPO_ROOT, require

KEYMAP_JS = REPO_ROOT / "static" / "js" / "common" / "keymap.js"
MARKER = "<!-- keymap table:"


def load_keymap() -> dict[str, Any]:
    """The keymap's entries (each with `text`: its keys as printed) and its Markdown table, from node."""
    node = shutil.which("node")
    require(node is not None, "node is not installed")
    script = (f"import({json.dumps(KEYMAP_JS.as_uri())}).then((m) => console.log(JSON.stringify("
              "{entries: m.KEYMAP.map((e) => ({...e, text: m.chordText(e)})), table: m.markdownTable()})))")
    result = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def readme_table() -> list[str]:
    """The lines of the README's shortcut table: those after the marker, up to the first blank line."""
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    starts = [index for index, line in enumerate(lines) if line.startswith(MARKER)]
    assert len(starts) == 1, f"README.md needs exactly one line starting {MARKER!r} above the shortcut table"
    table = []
    for line in lines[starts[0] + 1:]:
        if not line.strip():
            break
        table.append(line)
    return table


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_the_readme_lists_each_keymap_entry_with_its_keys_and_description() -> None:
    keymap = load_keymap()
    entries = keymap["entries"]
    table = readme_table()
    rows = [cells(line) for line in table[2:]]
    assert len(rows) == len(entries), f"README rows {len(rows)}, keymap entries {len(entries)}"
    group = None
    for entry, (group_cell, press, does) in zip(entries, rows, strict=True):
        assert press.replace("`", "") == entry["text"], entry["action"]
        assert does == entry["description"], entry["action"]
        assert group_cell == ("" if entry["group"] == group else f"**{entry['group']}**"), entry["action"]
        group = entry["group"]
    # and exactly as markdownTable() writes it, so regenerating it changes nothing
    assert "\n".join(table) == keymap["table"], "regenerate the README's table:\n" + keymap["table"]

