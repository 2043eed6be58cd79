"""Forms of the mail admin page and the calendar page."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField

from qms.forms import QMSForm, email, length, required


class TestMailForm(QMSForm):
    address = EmailField(_l("Send a test mail to"), validators=[required(), email(), length(254)],
                         description=_l("One e-mail address. The mail is sent in the background; the outbox below "
                                        "shows how it went."))


class CalendarForm(QMSForm):
    kind = HiddenField(validators=[required()])
