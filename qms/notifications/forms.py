"""Forms of the notification settings and the reminder schedule."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, NumberRange

from qms.forms import QMSForm, choices
from qms.notifications.models import Digest

WEEKDAYS = [("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
            ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday"))]


class PreferenceForm(QMSForm):
    digest = RadioField(_l("E-mail digest of my work"), choices=choices(Digest.choices()),
                        validators=[InputRequired(_l("Choose how often to receive the digest."))])
    immediate_mail = BooleanField(_l("E-mail me at once when something is assigned to me or awaits my verification"))


class ScheduleForm(QMSForm):
    digest_hour = IntegerField(_l("Hour the digests are sent (0–23, office time)"),
                               validators=[InputRequired(_l("Choose an hour from 0 to 23.")),
                                           NumberRange(0, 23, _l("Choose an hour from 0 to 23."))])
    weekly_day = SelectField(_l("Day the weekly digest is sent"), choices=choices(WEEKDAYS),
                             validators=[InputRequired(_l("Choose a day of the week."))])
