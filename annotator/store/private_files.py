"""The data folder is private to the user who runs annotator: folders 0700, files 0600.

It holds participants' names, their timings and backups of both. The process's umask is set to 0o077 at
start, so everything written afterwards (the SQLite database and its WAL/SHM files, images, thumbnails,
backups, exports) is owner-only; an installation made before this (0644 files in a 0755 folder) is tightened
on start by taking the group and other bits off everything under the data folder (once the folder itself is
private, later starts check only its top level and backups/). Only those bits: an owner's
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
    folder_mode = os.lstat(data_dir).st_mode
    if stat.S_IMODE(folder_mode) & OTHERS_BITS:  # an older installation (or one opened up): everything in it
        return _tighten(str(data_dir), folder_mode) + _tighten_inside(str(data_dir))
    # Already private, so nobody else can reach inside: check only what may have been copied in at the top
    # (a database, a backup) rather than walk every image at every start (~1 s for 50,000 files).
    return sum(_tighten_inside(str(folder), deep=False) for folder in (data_dir, data_dir / "backups")
               if folder.is_dir())


def _tighten_inside(folder: str, deep: bool = True) -> int:
    """Depth first with scandir (one lstat per entry, no Path objects)."""
    changed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:  # unreadable (someone else's): the folder above keeps others out
        return 0
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        changed += _tighten(entry.path, mode)
        if deep and stat.S_ISDIR(mode):
            changed += _tighten_inside(entry.path)
    return changed


def _tighten(path: str, mode: int) -> int:
    if not stat.S_IMODE(mode) & OTHERS_BITS:
        return 0
    try:
        os.chmod(path, private_mode(mode))  # never a link: those were skipped (Linux has no lchmod)
    except OSError:  # gone meanwhile, or someone else's: leave it
        return 0
    return 1


def tightened_message(data_dir: Path, changed: int) -> str:
    return (f"Made the data folder {data_dir} private: took the group and others' access off {changed} "
            "folder(s) and file(s) (it holds participants' names and timings).")
