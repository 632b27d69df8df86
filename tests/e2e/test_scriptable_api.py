"""The README's example script, run word for word against a live workshop server with the instructor token."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from pycocotools.coco import COCO

from tests.conftest import REPO_ROOT, image_bytes
from tests.e2e.conftest import WORKSHOP_TOKEN


def readme_script() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Scripting the API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_script_uploads_imports_and_exports_with_only_the_token(room, tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "kerb.jpg").write_bytes(image_bytes(200, 100, colour=(10, 200, 30)))
    coco_file = tmp_path / "instances.json"
    coco_file.write_text(json.dumps({
        "images": [{"id": 4, "file_name": "kerb.jpg", "width": 200, "height": 100}],
        "categories": [{"id": 9, "name": "car"}],
        "annotations": [{"id": 17, "image_id": 4, "category_id": 9, "iscrowd": 0,
                         "segmentation": [[20, 20, 120, 20, 120, 80, 20, 80]], "area": 6000,
                         "bbox": [20, 20, 100, 60]}]}))
    script = tmp_path / "script.py"
    script.write_text(readme_script())
    out = tmp_path / "export.json"
    done = subprocess.run([sys.executable, str(script), str(photos), str(coco_file), str(out)], capture_output=True,
                          text=True, timeout=60, env={"ANNOTATOR_URL": room.url, "ANNOTATOR_TOKEN": WORKSHOP_TOKEN,
                                                      "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["1 image(s) added", "1 annotation(s) imported", f"export written to {out}"]
    exported = COCO(str(out))
    image = next(image for image in exported.dataset["images"] if image["file_name"] == "kerb.jpg")
    [annotation] = exported.loadAnns(exported.getAnnIds(imgIds=[image["id"]]))
    assert exported.annToMask(annotation).sum() == 6000
    assert exported.loadCats(annotation["category_id"])[0]["name"] == "car"
