"""The base form and validators, with every message in the user's language, shared by all features."""
import datetime as dt
import math
import re
from decimal import Decimal

import flask_babel
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, validators, widgets

from qms.text import CONTROL_CHARACTERS

# WTForms' own messages, translated in QMS's catalogue so they follow the glossary and Taiwan usage
# (WTForms' bundled catalogue answers zh_Hant_TW with Simplified Chinese).
WTFORMS_MESSAGES = (
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
)


class _BabelTranslations:
    """WTForms asks its meta for translations; answer from Flask-Babel's active catalogue."""

    def gettext(self, string):
        return flask_babel.gettext(string)

    def ngettext(self, singular, plural, n):
        # Unformatted: WTForms fills in %(value)s itself (flask_babel.ngettext would format, and fail on it).
        return flask_babel.get_translations().ungettext(singular, plural, n)


LINE_BREAKS = re.compile("[\t\r\n]+")
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
# A net under every number field, whose own range states its plausible maximum: no value beyond this reaches
# the database (SQLite's integers end at 2**63, PostgreSQL's numeric columns far sooner).
LARGEST_NUMBER = 10**12
LARGEST_NUMBER_SHOWN = f"{LARGEST_NUMBER:,}"


def _finite(number) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)


def hostile_value_problem(field):
    """What is wrong with a field's parsed value that no field's own validators look at, or None.

    Single-line text has tabs and line breaks turned into spaces (a paste from a spreadsheet); any other control
    character is refused. Numbers must be finite and within LARGEST_NUMBER; dates within 1900-2199."""
    data = field.data
    if field.type == "SelectField" and data not in (None, "") and field.choices is not None \
            and not any(choice[2] for choice in field.iter_choices()):
        # WTForms' Optional() clears the "not a valid choice" error when the value is blank space.
        return _l("Not a valid choice.")
    if isinstance(data, str):
        if not isinstance(field.widget, widgets.TextArea) and field.type not in ("HiddenField", "PasswordField"):
            data = field.data = LINE_BREAKS.sub(" ", data)
        if CONTROL_CHARACTERS.search(data):
            return _l("Remove the control characters (invisible characters pasted from another program).")
    elif isinstance(data, (float, Decimal)) and not isinstance(data, bool):
        if not _finite(data):
            return _l("Enter a finite number.")
        if abs(data) > LARGEST_NUMBER:
            return _l("Enter a number of at most %(max)s.", max=LARGEST_NUMBER_SHOWN)
    elif isinstance(data, int) and not isinstance(data, bool) and abs(data) > LARGEST_NUMBER:
        return _l("Enter a number of at most %(max)s.", max=LARGEST_NUMBER_SHOWN)
    elif isinstance(data, dt.date):
        day = data.date() if isinstance(data, dt.datetime) else data
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            return _l("Enter a date between %(start)s and %(end)s.", start=EARLIEST_DATE.isoformat(),
                      end=LATEST_DATE.isoformat())
    return None


class QMSForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if field.errors:
                continue
            problem = hostile_value_problem(field)
            if problem is not None:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


def required():
    return validators.InputRequired(message=_l("This field is required."))


def optional():
    return validators.Optional()


def length(max: int, min: int = -1):
    if min > 0:
        return validators.Length(min=min, max=max, message=_l(
            "Enter between %(min)d and %(max)d characters.", min=min, max=max))
    return validators.Length(max=max, message=_l("Enter at most %(max)d characters.", max=max))


class _NumberRange(validators.NumberRange):
    """NumberRange that stays quiet when the value did not parse (the field already said why)."""

    def __call__(self, form, field):
        if field.data is None and field.process_errors:
            raise validators.StopValidation()
        if isinstance(field.data, (float, Decimal)) and not _finite(field.data):
            raise validators.StopValidation(_l("Enter a finite number."))  # NumberRange fails on a signaling NaN
        super().__call__(form, field)


def number_range(min=None, max=None):
    if min is not None and max is not None:
        message = _l("Enter a number from %(min)s to %(max)s.", min=min, max=max)
    elif min is not None:
        message = _l("Enter a number of at least %(min)s.", min=min)
    else:
        message = _l("Enter a number of at most %(max)s.", max=max)
    return _NumberRange(min=min, max=max, message=message)


def email():
    return validators.Email(message=_l("Enter a valid e-mail address."))


class ConfirmForm(QMSForm):
    """An empty form: a button that changes state carries the CSRF token through it."""


def choices(pairs) -> list[SelectChoice]:
    """SelectField options from (value, label) pairs; an option naming user data in another language than the
    page (a Chinese name in the English UI) carries its `lang` (WCAG 3.1.2)."""
    from qms.i18n import lang_of  # qms.i18n reaches qms.core, whose forms build on this module

    result = []
    for value, label in pairs:
        lang = lang_of(label) if isinstance(label, str) else ""  # translated (lazy) labels are the page's language
        result.append(SelectChoice(value, label, render_kw={"lang": lang} if lang else {}))
    return result


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as checkboxes (every option visible, each with its own label)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def field_labels(form_class) -> dict:
    """Column name -> label, taken from the form that edits those columns (one wording for both)."""
    unbound_fields = ((name, getattr(form_class, name)) for name in dir(form_class) if not name.startswith("_"))
    return {name: unbound.args[0] for name, unbound in unbound_fields
            if hasattr(unbound, "field_class") and unbound.args}
