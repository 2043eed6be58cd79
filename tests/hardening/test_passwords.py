"""Passwords: at least 12 characters (ASVS), and not a common password, a sequence or the user's own name."""
import pytest

from qms.auth import services
from qms.core.services import ServiceError
from qms.spine.access import Role


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop12", "iloveyou12345", "123456789012",
                                      "aaaaaaaaaaaaaaaa", "chenxiaojie2015"])
def test_common_and_guessable_passwords_are_refused(app, password):
    with pytest.raises(ServiceError) as refused:
        services.check_password_rules(password, user_inputs=("chenxiaojie", "陳小姐"))
    assert refused.value.field == "password"


def test_eleven_characters_are_too_few(app):
    with pytest.raises(ServiceError, match="12"):
        services.check_password_rules("Kq7#vR2!mPz")


@pytest.mark.parametrize("password", ["correct-horse-battery", "蘆竹戶政事務所的櫃台很親切", "Tq8!wn-Lz4-pR"])
def test_long_unguessable_passwords_pass(app, password):
    services.check_password_rules(password)


def test_a_new_user_with_a_common_password_is_not_created(app, db):
    from qms.auth.models import User

    with pytest.raises(ServiceError):
        services.create_user({"username": "chen", "display_name": "陳小姐", "role": Role.STAFF}, "chen12345678",
                             actor=None)
    assert db.session.query(User).filter_by(username="chen").count() == 0
