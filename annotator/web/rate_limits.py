"""Rate limits: wrong instructor-token guesses and joins per address, class proposals and saves per person.

Counting is the `limits` library's fixed-window strategy (the one Flask-Limiter is built on). Its storage
backends are memory, Redis, Memcached and MongoDB; none would be shared by several app processes on the
databases annotator runs on, so `DatabaseStorage` keeps the counters in the app's own database (table
`rate_limit_counter`: key, count, window end), bumped by one atomic upsert on SQLite and PostgreSQL alike.
Flask-Limiter's decorators are not used: the person a save counts against is known only inside the view, and
a token guess counts only when it is wrong, so each limit is one `check(...)` call where it applies.

Each limit is a setting ("10/minute", "30 per hour"; "off" turns it off). Over the limit the request is
answered 429 in the error envelope with Retry-After: the seconds until the window ends.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from annotator.store.models import RateLimitCounter, db
from annotator.web import errors
from annotator.web.errors import ApiError

# Limit name -> (setting, what the refusal says before "try again in ...").
LIMITS: dict[str, tuple[str, str]] = {
    "token_guesses": ("RATE_TOKEN_GUESSES", "Too many wrong instructor tokens from this address."),
    "joins": ("RATE_JOINS", "Too many people joined from this address just now."),
    "proposals": ("RATE_PROPOSALS", "You have proposed many classes in a short time."),
    "saves": ("RATE_SAVES", "Saving faster than the server allows; your work is kept in this browser and sent "
                            "again."),
    "assists": ("RATE_ASSISTS", "Asking for assisted outlines faster than the server allows."),
    "events": ("RATE_EVENTS", "Sending labour events faster than the server allows; they are kept in this browser "
                              "and sent again."),
}
OFF = {"off", "none", "0", ""}


class RateLimited(ApiError):
    """A request over one of the limits: 429, with the seconds until the window ends."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(429, "too many requests", detail, retry_after=retry_after)
        self.retry_after = retry_after


def parse_limit(setting: str, raw: object) -> RateLimitItem | None:
    """A limit setting read: "10/minute", "30 per hour"...; "off" (or 0, none, empty) for no limit."""
    text = str(raw).strip().lower()
    if text in OFF:
        return None
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"ANNOTATOR_{setting} must look like 10/minute or 30 per hour (or off), "
                         f"not {raw!r}") from None


class DatabaseStorage(Storage):
    """A `limits` storage in the app's database: one row per counter, shared by every app process.

    Runs inside an app context on the request's session, whose work so far it commits: the checks come at the
    start of a request, before the view writes anything."""

    STORAGE_SCHEME = ["annotator-database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 clock: Callable[[], float] = time.time, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.clock = clock  # seconds since the epoch; tests move it on

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """The counter after adding `amount`; a counter whose window has ended starts again from `amount`."""
        now = self.clock()
        table = RateLimitCounter.__table__
        insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(table)
        ended = table.c.expires_at <= now
        statement = insert.values(key=key, count=amount, expires_at=now + expiry).on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((ended, amount), else_=table.c.count + amount),
                  "expires_at": case((ended, now + expiry), else_=table.c.expires_at)},
        ).returning(table.c.count)
        count = db.session.execute(statement).scalar_one()
        if count == amount:  # a new window: sweep the ended ones now and then, so the table stays small
            db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now - 3600))
        db.session.commit()
        return count

    def get(self, key: str) -> int:
        count = db.session.scalar(select(RateLimitCounter.count).where(
            RateLimitCounter.key == key, RateLimitCounter.expires_at > self.clock()))
        return count or 0

    def get_expiry(self, key: str) -> float:
        expires_at = db.session.scalar(select(RateLimitCounter.expires_at).where(RateLimitCounter.key == key))
        return max(expires_at or 0.0, self.clock())

    def check(self) -> bool:
        db.session.execute(select(1))
        return True

    def reset(self) -> int | None:
        removed = db.session.execute(delete(RateLimitCounter)).rowcount
        db.session.commit()
        return removed

    def clear(self, key: str) -> None:
        db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
        db.session.commit()


@dataclass
class RateLimits:
    """The app's limits (None: off) and the counters behind them."""

    items: dict[str, RateLimitItem | None]
    storage: DatabaseStorage = field(default_factory=DatabaseStorage)

    def __post_init__(self) -> None:
        self.strategy = FixedWindowRateLimiter(self.storage)

    def hit(self, name: str, who: str, cost: int = 1) -> int | None:
        """Count `cost` of `name` for `who`; None if within the limit, else the seconds until the window ends."""
        item = self.items[name]
        if item is None or cost <= 0 or self.strategy.hit(item, name, who, cost=cost):
            return None
        return max(1, math.ceil(self.storage.get_expiry(item.key_for(name, who)) - self.storage.clock()))


def check(name: str, who: str, cost: int = 1) -> None:
    """Count `cost` of `name` (a key of LIMITS) for `who` (an address, a person's public id); 429 over the limit."""
    retry_after = current_app.extensions["rate_limits"].hit(name, who, cost)
    if retry_after is not None:
        raise RateLimited(f"{LIMITS[name][1]} Try again in {_duration(retry_after)}.", retry_after)


def _duration(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


def init_app(app: Flask) -> None:
    settings = app.config["ANNOTATOR"]
    app.extensions["rate_limits"] = RateLimits(
        {name: parse_limit(setting, settings[setting]) for name, (setting, _) in LIMITS.items()})

    @app.errorhandler(RateLimited)
    def too_many(exc: RateLimited):
        response = app.make_response(errors._respond(exc.status, exc.error, exc.detail, **exc.extra))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
