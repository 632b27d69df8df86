"""The data folder is private to the user who runs annotator: folders 0700, files 0600.

It holds participants' names, their timings and backups of both. The process's umask is set to 0o077 at
start, so everything written afterwards (the SQLite database and its WAL/SHM files, images, thumbnails,
backups, exports) is owner-only; an installation made before this (0644 files in a 0755 folder) is tightened
on start by taking the group and other bits off everything under the data folder. Only those bits: an owner's
execute bit (a script someone keeps there) survives. Symbolic links are neither followed nor changed.

POSIX only: on Windows the folder keeps the access lists it inherits from the user's profile.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
OTHERS_BITS = 0o077  # group and other: read, write, execute


def applies() -> bool:
    return os.name == "posix"


def private_mode(mode: int) -> int:
    """The permission bits `mode` should have: the same for its owner, nothing for anyone else."""
    return stat.S_IMODE(mode) & ~OTHERS_BITS


def make_private(data_dir: Path) -> int:
    """Set the owner-only umask, create `data_dir` if need be, and tighten what is already in it; returns how
    many folders and files were changed (0 on a fresh or already private folder, and on Windows)."""
    if not applies():
        data_dir.mkdir(parents=True, exist_ok=True)
        return 0
    os.umask(PRIVATE_UMASK)  # process-wide on purpose: whatever annotator writes anywhere is the owner's only
    data_dir.mkdir(parents=True, exist_ok=True)
    changed = _tighten(data_dir)
    for folder, subfolders, files in os.walk(data_dir):
        for name in (*subfolders, *files):
            changed += _tighten(Path(folder, name))
    return changed


def _tighten(path: Path) -> int:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or not stat.S_IMODE(info.st_mode) & OTHERS_BITS:
            return 0
        os.chmod(path, private_mode(info.st_mode))
    except OSError:  # gone meanwhile, or someone else's file: leave it, the folder above is what keeps others out
        return 0
    return 1


def tightened_message(data_dir: Path, changed: int) -> str:
    return (f"Made the data folder {data_dir} private: took the group and others' access off {changed} "
            "folder(s) and file(s) (it holds participants' names and timings).")
