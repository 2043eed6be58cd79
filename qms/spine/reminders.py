"""Reminder sources: the dated obligations each feature holds, declared the way record types are.

A feature registers its sources in its own `registration.py`; My work, the team view, the inbox, e-mail digests
and calendar feeds (`qms/notifications/`) read them through this registry only, so nothing central knows the
features:

    reminders.register_source(reminders.ReminderSource(
        "drills.action_due", _l("Corrective actions"), collect_actions, order=30))

`collect(today, user)` returns the open obligations as of `today` (the office's date, `clock.today()`): all of
them when `user` is None (the scheduler, the quality team's view), else only those that concern that user (they own
it, or their role is in its `roles`), filtered in SQL. It runs a fixed number of queries whatever the row count. An
obligation that is done (closed, verified, updated) is simply no longer returned.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask import current_app, has_request_context

# Grouping in My work and the digests: overdue (due before today), this week (due within WEEK days), later.
WEEK = 7


@dataclass(frozen=True)
class Obligation:
    source: str  # the source's key
    record_type: str  # a name from qms.spine.records ("assessment_item", "corrective_action", ...)
    record_id: int
    title: str  # what it is about (the record's title, as users know it)
    action: Any  # what is expected, a lazy translated phrase: _l("Update its status"), _l("Verify"), ...
    due: dt.date | None  # None: no date (an unassigned action, say): listed, never overdue
    url: str  # where to act (the record's page)
    owner_id: int | None = None  # who must act; None with no roles: nobody yet (the quality team sees it)
    roles: frozenset = frozenset()  # roles it concerns besides its owner (the quality team verifies)
    # Distinguishes reminders of one record that are different things to do (due vs awaiting verification):
    # with the due date it keys "nobody gets the same reminder twice".
    stage: str = "due"

    def state(self, today: dt.date) -> str:
        """"overdue", "week" or "later"."""
        if self.due is not None and self.due < today:
            return "overdue"
        if self.due is not None and self.due <= today + dt.timedelta(days=WEEK):
            return "week"
        return "later"

    def concerns(self, user) -> bool:
        return (self.owner_id is not None and self.owner_id == getattr(user, "id", None)) or \
            getattr(user, "role", None) in self.roles

    @property
    def key(self) -> tuple:
        """The same reminder for the same due date has the same key."""
        return (self.source, self.record_type, self.record_id, self.stage, self.due)


Collect = Callable[[dt.date, Any], Iterable[Obligation]]  # (today, user or None) -> open obligations


@dataclass(frozen=True)
class ReminderSource:
    key: str  # stable: "checklist.item_due"
    label: Any  # lazy translated name of what it lists: _l("Checklist items")
    collect: Collect
    order: int = 100
    # Calendar feeds: whether its dates belong in the whole cycle's calendar the quality team subscribes to.
    cycle_calendar: bool = True
    extra: dict = field(default_factory=dict)


_sources: dict[str, ReminderSource] = {}


def register_source(source: ReminderSource) -> None:
    _sources[source.key] = dataclasses.replace(source, collect=_in_request(source.collect))


def _in_request(collect: Collect) -> Collect:
    """Sources build their links with url_for: outside a request (the scheduler's job, a command) they get a
    request context of their own."""
    if getattr(collect, "_qms_in_request", False):
        return collect

    @functools.wraps(collect)
    def collect_in_request(today: dt.date, user=None):
        if has_request_context():
            return collect(today, user)
        with current_app.test_request_context("/"):
            return collect(today, user)
    collect_in_request._qms_in_request = True
    return collect_in_request


def sources() -> list[ReminderSource]:
    return sorted(_sources.values(), key=lambda source: (source.order, source.key))


def get(key: str) -> ReminderSource | None:
    return _sources.get(key)


def collect(today: dt.date, user=None) -> list[Obligation]:
    """Every source's open obligations as of `today` (for `user`, or all), due date first, undated last."""
    found: list[Obligation] = []
    for source in sources():
        found.extend(source.collect(today, user))
    return sorted(found, key=lambda o: (o.due is None, o.due or dt.date.max, o.source, o.record_id))
