"""The base form and validators, with every message in the user's language, shared by all features."""
import flask_babel
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, validators, widgets

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
        return flask_babel.ngettext(singular, plural, n)


class QMSForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()


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
    """SelectField options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as checkboxes (every option visible, each with its own label)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def field_labels(form_class) -> dict:
    """Column name -> label, taken from the form that edits those columns (one wording for both)."""
    unbound_fields = ((name, getattr(form_class, name)) for name in dir(form_class) if not name.startswith("_"))
    return {name: unbound.args[0] for name, unbound in unbound_fields
            if hasattr(unbound, "field_class") and unbound.args}
