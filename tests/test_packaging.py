"""Every Python package of the app is listed in setup.cfg, so the wheel carries it (a package left out installs
a wheel whose `annotator serve` fails at its first import)."""

from __future__ import annotations

import configparser

from tests.conftest import REPO_ROOT


def test_every_package_folder_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "setup.cfg")
    listed = {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}
    on_disk = {".".join(init.parent.relative_to(REPO_ROOT).parts)
               for init in (REPO_ROOT / "annotator").rglob("__init__.py")}
    assert on_disk - listed == set(), "packages missing from setup.cfg [options] packages"
    assert {name for name in listed if name.startswith("annotator")} - on_disk <= {
        "annotator.static", "annotator.templates", "annotator.sample_images"}, "setup.cfg lists packages that are gone"
