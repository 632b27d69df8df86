"""Restorable snapshots: `annotator backup OUT` and `annotator restore IN`; the workshop's archive is the same
snapshot with an export beside it.

- annotator/core/backup_format.py: what the ZIP holds, how rows travel, the manifest and its checks (pure)
- tables.py: this version's tables, their columns' kinds, its schema revisions
- snapshot.py: writing a snapshot (every table in one read transaction, the image files, the manifest)
- restore.py: checking an archive whole, then putting it back (all or nothing)
"""

from __future__ import annotations

from annotator.core.backup_format import BackupError
from annotator.store.backup.restore import RestoreReport, restore
from annotator.store.backup.snapshot import BackupReport, write_backup

__all__ = ["BackupError", "BackupReport", "RestoreReport", "restore", "write_backup"]
