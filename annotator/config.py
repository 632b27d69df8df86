"""Settings: one table of names, environment variables, defaults and help.

The table drives `create_app`, the CLI's help and the README's configuration section (a test checks
every setting is documented there).
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

ENV_PREFIX = "ANNOTATOR_"
MIN_SECRET_KEY_LENGTH = 32  # characters; ours are 64 hex digits (256 bits)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_DIR", None, "Folder holding the database, image store, thumbnails and secret key "
            "(default: the per-user app folder, see README)."),
    Setting("DATABASE_URL", None, "SQLAlchemy URL of the database; default: SQLite file annotator.sqlite3 "
            "in the data folder. PostgreSQL: postgresql://user:pass@host/dbname (psycopg 3)."),
    Setting("MAX_UPLOAD_MB", 50, "Largest request body accepted, in megabytes (uploads, imports)."),
    Setting("MAX_JSON_MB", 4, "Largest JSON request body accepted, in megabytes: a save of the largest outline "
            "(10,000 vertices) with a full batch of 5,000 labour events is about 1 MB."),
    Setting("MAX_IMAGE_PIXELS", 100_000_000, "Largest image accepted, in pixels (width x height); "
            "larger files are refused as possible decompression bombs."),
    Setting("THUMBNAIL_SIZE", 320, "Longest side of gallery thumbnails, in pixels."),
    Setting("PAGE_SIZE", 48, "Images per gallery page."),
    Setting("MIN_PART_AREA", 1, "Smallest part of an outline kept, in square pixels: slivers left by "
            "repairs and clipping below this are dropped (and reported)."),
    Setting("INSTRUCTOR_TOKEN", None, "Token that admin actions (label set, imports, everyone's exports) "
            "require, at least 16 characters; unset on a loopback-only server means single-user mode, where no "
            "token is needed and only this computer is served."),
    Setting("IDLE_THRESHOLD_S", 30, "Labour timing: a pause between two editor actions counts in full up to "
            "this many seconds, and as this many beyond it (hidden-tab time too)."),
    Setting("CLOCK_LEAD_S", 60, "Labour timing: how much more time than the server saw pass since it opened an "
            "editor session that session's clock may claim (network delay, a page opened just before); any "
            "excess is stored but clamped, and shown as clamped_ms."),
    Setting("MAX_EVENTS_PER_SESSION", 50_000, "Labour events one editor session may store (an hour of heavy "
            "editing is about 20,000); past it, batches get 429 and a reload starts a new session."),
    Setting("BEHIND_PROXY", False, "Running behind a TLS reverse proxy: trust its X-Forwarded-For, -Proto and "
            "-Host headers (one proxy), so cookies are marked Secure on HTTPS. Needs an instructor token."),
    Setting("CONNECTIONS_PER_ADDRESS", 64, "`annotator serve`: most connections one client address may hold "
            "(a browser keeps 6); loopback (this computer, a reverse proxy) is not capped; 0 turns the cap off."),
    Setting("RATE_TOKEN_GUESSES", "10/minute", "Rate limit: requests carrying a wrong instructor token, per "
            "client address (then 429 with Retry-After). Limits read like 10/minute or 30 per hour; off for none."),
    Setting("RATE_JOINS", "120/minute", "Rate limit: workshop joins per client address; twice the largest room, "
            "as a whole room may reach a hosted server through one address (a school's NAT)."),
    Setting("RATE_PROPOSALS", "30/hour", "Rate limit: class proposals per person."),
    Setting("RATE_EVENTS", "12000/minute", "Rate limit: labour events per person, with saves or alone (a fast "
            "tracer sends about 60 a second); the editor keeps them and sends again."),
    Setting("RATE_SAVES", "600/minute", "Rate limit: annotation saves (create, change, delete) per person; the "
            "editor waits and sends again."),
    Setting("RATE_ASSISTS", "600/minute", "Rate limit: assisted outlines (GrabCut, scissors, model) per person; "
            "ten a second, for a scissors preview that follows the pointer."),
    Setting("ASSIST_MODEL", None, "Folder holding a Segment Anything encoder and decoder exported to ONNX "
            "(needs pip install 'annotator[sam]'); offers the assist method \"model\". Unset: none."),
    Setting("LOAD_SAMPLES", True, "Import the bundled sample scenes into an empty database on first "
            "start (the default label set is always loaded into an empty database)."),
)

_BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "on": True,
                  "0": False, "false": False, "no": False, "off": False}


def default_data_dir() -> Path:
    """The per-user application folder (Linux ~/.config/annotator, macOS ~/Library/Application
    Support/annotator, Windows %APPDATA%\\annotator)."""
    return Path(click.get_app_dir("annotator"))


def _coerce(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, bool):
        try:
            return _BOOLEAN_WORDS[raw.strip().lower()]
        except KeyError:
            raise ValueError(f"{setting.env} must be true or false, not {raw!r}") from None
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{setting.env} must be a whole number, not {raw!r}") from None
    return raw


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> dict:
    """Defaults, then ANNOTATOR_* environment variables, then explicit overrides (CLI options, tests)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        values[setting.name] = setting.default
        if setting.env in environ and environ[setting.env] != "":
            values[setting.name] = _coerce(setting, environ[setting.env])
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    data_dir = Path(values["DATA_DIR"] or default_data_dir()).expanduser().resolve()
    values["DATA_DIR"] = data_dir
    values["DATABASE_URL"] = normalise_database_url(
        values["DATABASE_URL"] or f"sqlite:///{data_dir / 'annotator.sqlite3'}")
    return values


def normalise_database_url(url: str) -> str:
    """Point plain postgresql:// URLs at psycopg 3, the driver we install."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_or_create_secret_key(data_dir: Path) -> str:
    """A random key per installation, kept owner-readable only; never a default in the code.

    A key file that is too short to be random (someone typed "dev" into it) is replaced, and one that others
    may read (copied in with loose permissions) is made owner-only again: anyone who can read it can forge
    sessions."""
    path = data_dir / "secret_key"
    existing = _read_key(path)
    if existing is not None and len(existing) >= MIN_SECRET_KEY_LENGTH:
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)
        return existing
    key = secrets.token_hex(32)
    # O_EXCL would lose a race between two starting processes; write then link (or rename) is atomic.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    try:
        if existing is not None:
            os.replace(tmp, path)  # a weak key is never kept, whoever else is starting
        else:
            os.link(tmp, path)  # fails if another process won; then use theirs
    except FileExistsError:
        key = _read_key(path) or key
    except OSError:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""  # unreadable or not a key we wrote: replaced like a weak one
