"""Forms for signing in, passwords, the language switch and user administration."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    validators,
)

from qms.auth.models import LOCALE_LABELS
from qms.forms import QMSForm, choices, email, length, optional, required
from qms.spine.access import ROLE_LABELS

PASSWORD_HELP = _l("At least 12 characters, not a common password, a name or a sequence such as 1234.")


def _role_choices():
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


LOCALE_TAGS = {"zh_Hant_TW": "zh-Hant-TW", "en": "en"}


def _locale_choices():
    # Each language is named in itself (繁體中文, English), so each option carries its own lang whatever the page's.
    return [SelectChoice(value, label, render_kw={"lang": LOCALE_TAGS.get(value, value)})
            for value, label in LOCALE_LABELS.items()]


def _password_match(field_name):
    return validators.EqualTo(field_name, message=_l("The two passwords do not match."))


class LoginForm(QMSForm):
    username = StringField(_l("Username"), validators=[required(), length(80)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[required(), length(200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class LocaleForm(QMSForm):
    locale = SelectField(_l("Language"), choices=_locale_choices(), validators=[required()])
    next = HiddenField()


class ChangePasswordForm(QMSForm):
    current_password = PasswordField(_l("Current password"), validators=[required()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[required(), length(200)],
                                 description=PASSWORD_HELP, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[required(), _password_match("new_password")],
                            render_kw={"autocomplete": "new-password"})


class UserEditForm(QMSForm):
    display_name = StringField(_l("Display name"), validators=[required(), length(120)])
    email = EmailField(_l("E-mail"), validators=[optional(), email(), length(254)])
    role = SelectField(_l("Role"), choices=_role_choices(), validators=[required()])
    locale = SelectField(_l("Language"), choices=_locale_choices(), validators=[required()])


class UserCreateForm(UserEditForm):
    username = StringField(_l("Username"), validators=[
        required(), length(80, min=2),
        validators.Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, dots, dashes or underscores."))],
        render_kw={"autocomplete": "off"})
    password = PasswordField(_l("Password"), validators=[required(), length(200)], description=PASSWORD_HELP,
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"), validators=[required(), _password_match("password")],
                            render_kw={"autocomplete": "new-password"})
    active = BooleanField(_l("Active"), default=True)

    field_order = ("username", "display_name", "email", "role", "locale", "password", "confirm", "active")


class ResetPasswordForm(QMSForm):
    password = PasswordField(_l("New password"), validators=[required(), length(200)], description=PASSWORD_HELP,
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[required(), _password_match("password")],
                            render_kw={"autocomplete": "new-password"})


class UnlockForm(QMSForm):
    """The button that lifts one sign-in lock: which username (empty: the whole address) from which address."""

    username = HiddenField(validators=[optional(), length(80)])
    remote_addr = HiddenField(validators=[optional(), length(64)])
