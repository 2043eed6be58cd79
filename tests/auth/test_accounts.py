"""Own password, user administration and the create-user command."""
from sqlalchemy import func, select

from qms.auth.models import User
from qms.core.models import AuditEvent
from qms.spine.access import Role
from tests.factories import TEST_PASSWORD, UserFactory


def events(db, **where):
    query = select(AuditEvent)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(query))


def test_change_own_password_checks_current_and_length(login_as, db):
    client = login_as(Role.STAFF)
    body = client.post_form("/account/password", {"current_password": "nope-nope-nope",
                                                   "new_password": "brand-new-pass", "confirm": "brand-new-pass"},
                            ).get_data(as_text=True)
    assert "目前密碼不正確" in body
    body = client.post_form("/account/password", {"current_password": TEST_PASSWORD,
                                                   "new_password": "short", "confirm": "short"}).get_data(as_text=True)
    assert "密碼至少需要 12 個字元" in body
    db.session.refresh(client.user)
    assert client.user.check_password(TEST_PASSWORD)  # bad input changed nothing


def test_change_own_password_keeps_this_session_and_ends_others(app, login_as, db):
    client = login_as(Role.STAFF)
    other = app.test_client()
    other.post_form("/login", {"username": client.user.username, "password": TEST_PASSWORD})
    assert other.get("/").status_code == 200
    response = client.post_form("/account/password", {"current_password": TEST_PASSWORD,
                                                       "new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    db.session.refresh(client.user)
    assert client.user.check_password("brand-new-pass")
    [event] = events(db, entity_type="user", action="update")
    assert "brand-new-pass" not in str(event.changes) and event.actor_id == client.user.id


def test_admin_creates_user_with_audit_event(login_as, db):
    admin = login_as(Role.ADMIN)
    response = admin.post_form("/users/new", {"username": "chen.li", "display_name": "陳莉", "email": "li@example.org",
                                              "role": "quality", "locale": "en", "password": "long-enough-pw",
                                              "confirm": "long-enough-pw", "active": "y"})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.username == "chen.li")).one()
    assert user.role == Role.QUALITY and user.locale == "en" and user.check_password("long-enough-pw")
    [event] = events(db, entity_type="user", action="create", entity_id=user.id)
    assert event.actor_id == admin.user.id
    assert event.changes["role"] == [None, "quality"]
    assert "password" not in event.changes


def test_user_form_errors_beside_fields_and_nothing_saved(login_as, db):
    admin = login_as(Role.ADMIN)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = admin.post_form("/users/new", {"username": "bad name!", "display_name": "", "email": "not-an-email",
                                              "role": "wizard", "locale": "zh_Hant_TW", "password": "short",
                                              "confirm": "different"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for field, message in [("username", "只能使用英文字母"), ("display_name", "此欄位必填"),
                           ("email", "請輸入有效的電子郵件地址"), ("confirm", "兩次輸入的密碼不一致")]:
        error_block = body.split(f'id="{field}-error"', 1)[1][:200]
        assert message in error_block, field
    assert 'id="role-error"' in body
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert events(db, entity_type="user", action="create") == []


def test_duplicate_username_is_refused_beside_the_field(login_as, db):
    UserFactory(username="taken")
    admin = login_as(Role.ADMIN)
    body = admin.post_form("/users/new", {"username": "taken", "display_name": "X", "role": "staff",
                                          "locale": "en", "password": "long-enough-pw",
                                          "confirm": "long-enough-pw"}).get_data(as_text=True)
    assert "此帳號已有人使用" in body.split('id="username-error"', 1)[1][:200]


def test_password_too_short_in_english_for_english_user(login_as):
    admin = login_as(Role.ADMIN, locale="en")
    body = admin.post_form("/users/new", {"username": "newbie", "display_name": "N", "role": "staff",
                                          "locale": "en", "password": "short-pw", "confirm": "short-pw"}
                           ).get_data(as_text=True)
    assert "A password needs at least 12 characters." in body


def test_admin_edits_role_and_deactivates_and_reactivates(login_as, db):
    admin = login_as(Role.ADMIN)
    user = UserFactory(role=Role.STAFF)
    response = admin.post_form(f"/users/{user.id}/edit", {"display_name": "新名字", "email": "", "role": "leader",
                                                          "locale": "zh_Hant_TW"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == Role.LEADER and user.display_name == "新名字"
    admin.post_form(f"/users/{user.id}/active")
    db.session.refresh(user)
    assert user.active is False
    admin.post_form(f"/users/{user.id}/active")
    db.session.refresh(user)
    assert user.active is True
    actions = [e.summary for e in events(db, entity_type="user", entity_id=user.id)]
    assert actions.count("Account deactivated") == 1 and actions.count("Account activated") == 1


def test_the_last_admin_cannot_be_demoted_or_deactivated(login_as, db):
    admin = login_as(Role.ADMIN)
    body = admin.post_form(f"/users/{admin.user.id}/edit", {"display_name": "A", "email": "", "role": "staff",
                                                             "locale": "zh_Hant_TW"}).get_data(as_text=True)
    assert "至少需要一位啟用中的系統管理者" in body
    admin.post_form(f"/users/{admin.user.id}/active")
    db.session.refresh(admin.user)
    assert admin.user.active and admin.user.role == Role.ADMIN


def test_an_admin_cannot_deactivate_their_own_account(login_as, db):
    UserFactory(role=Role.ADMIN)  # another admin exists, so only the self-rule can refuse
    admin = login_as(Role.ADMIN)
    response = admin.post_form(f"/users/{admin.user.id}/active", follow_redirects=True)
    assert "不能停用自己的帳號" in response.get_data(as_text=True)
    db.session.refresh(admin.user)
    assert admin.user.active


def test_admin_resets_password_and_ends_sessions(app, login_as, db):
    staff = login_as(Role.STAFF)
    admin = login_as(Role.ADMIN)
    response = admin.post_form(f"/users/{staff.user.id}/password", {"password": "reset-by-admin",
                                                                     "confirm": "reset-by-admin"})
    assert response.status_code == 302
    assert staff.get("/").status_code == 302
    db.session.refresh(staff.user)
    assert staff.user.check_password("reset-by-admin")


def test_reset_password_validation_error_changes_nothing(login_as, db):
    staff_user = UserFactory()
    admin = login_as(Role.ADMIN)
    response = admin.post_form(f"/users/{staff_user.id}/password", {"password": "tiny", "confirm": "tiny"})
    assert response.status_code == 400
    db.session.refresh(staff_user)
    assert staff_user.check_password(TEST_PASSWORD)


def test_unknown_user_id_is_404(login_as):
    admin = login_as(Role.ADMIN)
    assert admin.get("/users/99999/edit").status_code == 404
    assert admin.post_form("/users/99999/active").status_code == 404


def test_create_user_command_prompts_for_password(runner, db):
    result = runner.invoke(args=["qms", "create-user", "boss", "--role", "admin"],
                           input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.username == "boss")).one()
    assert user.role == Role.ADMIN and user.check_password("a-long-password")
    assert events(db, entity_type="user", action="create")[0].actor_id is None


def test_create_user_command_refuses_short_password_and_duplicates(runner, db):
    result = runner.invoke(args=["qms", "create-user", "boss", "--role", "admin"], input="short\nshort\n")
    assert result.exit_code != 0
    UserFactory(username="dup")
    result = runner.invoke(args=["qms", "create-user", "dup", "--role", "staff"],
                           input="a-long-password\na-long-password\n")
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
