"""The clock: today and now where the office is (Asia/Taipei by default), one place every module asks.

Tests freeze it with `frozen(moment)`; nothing else in QMS reads the system clock for a date or a time.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Iterator
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Taipei"
_frozen: dt.datetime | None = None


def zone() -> ZoneInfo:
    """The office's time zone (the app's BABEL_DEFAULT_TIMEZONE)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime (what the database stores)."""
    if _frozen is not None:
        return _frozen.astimezone(dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def now() -> dt.datetime:
    """Now in the office's time zone (aware)."""
    return utcnow().astimezone(zone())


def today() -> dt.date:
    """Today where the office is, not on the server's clock."""
    return now().date()


def start_of_day(day: dt.date) -> dt.datetime:
    """The first moment of an office day, in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone()).astimezone(dt.timezone.utc)


@contextmanager
def frozen(moment: dt.datetime | dt.date) -> Iterator[dt.datetime]:
    """Stop the clock at `moment` (a date means its noon in the office's zone; a naive time is office time)."""
    global _frozen
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    previous, _frozen = _frozen, moment
    try:
        yield moment
    finally:
        _frozen = previous
