"""Mail tests: stored files in a temporary folder, no mail server unless a test starts one, a reminder source."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import lazy_gettext as _l

from qms.spine import reminders

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def mail_files(app, tmp_path):
    app.config.update(QMS_FILES_DIR=str(tmp_path / "files"), QMS_SMTP_HOST="",
                      QMS_BASE_URL="https://qms.example.org", QMS_MAIL_FROM="QMS <qms@example.org>")
    return tmp_path / "files"


class Obligations:
    """A reminder source whose obligations the test sets: `add(...)` one, for an owner or roles."""

    def __init__(self):
        self.items: list[reminders.Obligation] = []

    def add(self, title: str, due: dt.date | None, owner=None, roles=(), record_id=None, source="test.mail"):
        obligation = reminders.Obligation(
            source=source, record_type="assessment_item", record_id=record_id or len(self.items) + 1, title=title,
            action=_l("Update its status"), due=due, url=f"/checklist/items/{record_id or len(self.items) + 1}",
            owner_id=getattr(owner, "id", None), roles=frozenset(roles))
        self.items.append(obligation)
        return obligation

    def collect(self, source_key):
        def collect(today, user):
            return [o for o in self.items if o.source == source_key and (user is None or o.concerns(user))]
        return collect


@pytest.fixture
def obligations(app):
    found = Obligations()
    reminders.register_source(reminders.ReminderSource("test.mail", _l("Checklist items"),
                                                       found.collect("test.mail"), order=1))
    reminders.register_source(reminders.ReminderSource("test.private", _l("Checklist items"),
                                                       found.collect("test.private"), order=2,
                                                       cycle_calendar=False))
    yield found
    reminders._sources.pop("test.mail", None)
    reminders._sources.pop("test.private", None)
