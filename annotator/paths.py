"""Where the shipped folders are: inside the package when installed from a wheel, at the top of the
repository when running from a source checkout or an editable install."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """`static`, `templates` or `sample_images`, wherever this installation keeps it."""
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation")


MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
