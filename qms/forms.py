"""Validators with messages in the user's language, shared by every feature's forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, validators


def required():
    return validators.InputRequired(message=_l("This field is required."))


def optional():
    return validators.Optional()


def length(max: int, min: int = -1):
    if min > 0:
        return validators.Length(min=min, max=max, message=_l(
            "Enter between %(min)d and %(max)d characters.", min=min, max=max))
    return validators.Length(max=max, message=_l("Enter at most %(max)d characters.", max=max))


def number_range(min=None, max=None):
    if min is not None and max is not None:
        message = _l("Enter a number from %(min)s to %(max)s.", min=min, max=max)
    elif min is not None:
        message = _l("Enter a number of at least %(min)s.", min=min)
    else:
        message = _l("Enter a number of at most %(max)s.", max=max)
    return validators.NumberRange(min=min, max=max, message=message)


def email():
    return validators.Email(message=_l("Enter a valid e-mail address."))


class ConfirmForm(FlaskForm):
    """An empty form: a button that changes state carries the CSRF token through it."""


def choices(pairs) -> list[SelectChoice]:
    """SelectField options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
