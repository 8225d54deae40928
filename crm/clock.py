"""The office's clock: one "today" for pages, the API, exports, rules and statistics.

Times are stored in UTC; the calendar day is the one in ZHAOSHANG_TIMEZONE (default
Asia/Shanghai), whatever zone the server's own clock is set to. Within an app the
zone and, for tests, a fixed moment (config CLOCK_NOW, an ISO datetime) come from
its config; outside one, from the environment.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def check_zone(name: str) -> None:
    try:
        _zone(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"ZHAOSHANG_TIMEZONE：未知时区 {name!r}，应如 Asia/Shanghai") from None


def zone() -> ZoneInfo:
    """The configured time zone."""
    name = None
    if has_app_context():
        name = current_app.config.get("TIMEZONE")
    return _zone(name or os.environ.get("ZHAOSHANG_TIMEZONE") or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current moment, aware, in the configured zone."""
    fixed = current_app.config.get("CLOCK_NOW") if has_app_context() else None
    moment = _parse(fixed) if fixed else datetime.now(UTC)
    return moment.astimezone(zone())


def today() -> date:
    """The office's calendar day."""
    return now().date()


def local(value: datetime) -> datetime:
    """A stored time (UTC: aware, or naive as SQLite returns it) in the configured zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone())


def date_of(value: datetime | None) -> date | None:
    """The office's calendar day of a stored time."""
    return local(value).date() if value is not None else None


def utc_offset() -> timedelta:
    """The zone's current offset from UTC (the zones in use keep no daylight saving)."""
    return now().utcoffset() or timedelta(0)


def _parse(value) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
