"""Mail: notices and digests in the reader's language, the outbox log, SMTP delivery and failures, the admin page."""
from __future__ import annotations

import datetime as dt
import email
import enum
import socket
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from qms import storage
from qms.core.models import AuditEvent
from qms.mail import services
from qms.mail.models import MailKind, MailMessage, MailStatus
from qms.spine.access import Role
from tests.factories import UserFactory
from tests.mail.conftest import TODAY


class Kind(enum.StrEnum):
    ASSIGNED = "assigned"
    VERIFY = "verify"

    @property
    def label(self):
        return self.value


def notice(title="Update A.1", kind=Kind.ASSIGNED, url="/checklist/items/3", due=dt.date(2026, 12, 9)):
    return SimpleNamespace(title=title, kind=kind, url=url, due=due)


def parsed(message: MailMessage):
    return email.message_from_bytes(storage.read("outbox", message.stored_name), policy=policy.default)


def parts(mail) -> tuple[str, str]:
    return mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()


class Collector:
    def __init__(self, refuse: bool = False):
        self.envelopes = []
        self.refuse = refuse
        self.refuse_next = 0  # refuse this many recipients for now (451), then accept

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    servers = []

    def start(refuse: bool = False) -> Collector:
        handler = Collector(refuse)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        app.config.update(QMS_SMTP_HOST="127.0.0.1", QMS_SMTP_PORT=controller.port,
                          QMS_SMTP_STARTTLS=False, QMS_SMTP_SSL=False)
        return handler

    yield start
    for controller in servers:
        controller.stop()


def add_week_of_obligations(obligations, user):
    obligations.add("逾期的評核項目", dt.date(2026, 12, 1), owner=user)
    obligations.add("本週的評核項目", dt.date(2026, 12, 5), owner=user)
    obligations.add("Later item", dt.date(2027, 1, 15), owner=user)
    obligations.add("Undated item", None, owner=user)
    return obligations.items


def test_digest_in_chinese(app, db, obligations):
    user = UserFactory(locale="zh_Hant_TW", display_name="王小明")
    message = services.queue_digest(user, add_week_of_obligations(obligations, user), TODAY)
    assert message.kind == MailKind.DIGEST and message.status == MailStatus.WRITTEN  # no mail server: outbox
    mail = parsed(message)
    assert mail["To"] == user.email and "民國115年12月2日" in mail["Subject"]
    assert mail["Message-ID"] and mail["Date"]
    text, html = parts(mail)
    for body in (text, html):
        assert "王小明" in body
        assert "已逾期" in body  # "Overdue"
        assert "民國115年12月1日" in body
        assert "民國115年12月1日" in body and "民國115年12月5日" in body and "民國116年1月15日" in body
        assert "逾期的評核項目" in body and "Undated item" in body
        assert "https://qms.example.org/checklist/items/1" in body
        assert "December" not in body
    with force_locale("zh_Hant_TW"):  # each heading as the Chinese catalogue gives it (the lead translates)
        headings = [gettext("Overdue"), gettext("Due this week"), gettext("Later"), gettext("No due date")]
    assert all(heading in text and heading in html for heading in headings)
    # grouped: overdue, then this week, then later
    assert text.index("逾期的評核項目") < text.index("本週的評核項目") < text.index("Later item")
    assert 'lang="zh-Hant-TW"' in html


def test_digest_in_english(app, db, obligations):
    user = UserFactory(locale="en", display_name="Jane Doe")
    message = services.queue_digest(user, add_week_of_obligations(obligations, user), TODAY)
    mail = parsed(message)
    assert mail["Subject"] == "[QMS] Your reminders for 2 December 2026"
    text, html = parts(mail)
    for body in (text, html):
        assert "Hello Jane Doe" in body
        assert "Overdue (1)" in body and "Due this week (1)" in body and "Later (2)" in body
        assert "Update its status" in body
        assert "1 December 2026" in body and "15 January 2027" in body and "No due date" in body
        assert "民國" not in body
    assert 'lang="en"' in html and '<time datetime="2026-12-01"' in html


def test_one_digest_a_day_and_frequency(app, db, obligations):
    user = UserFactory(locale="en")
    items = add_week_of_obligations(obligations, user)
    assert services.queue_digest(user, items, TODAY) is not None
    assert services.queue_digest(user, items, TODAY) is None
    assert services.queue_digest(user, items, TODAY, frequency="weekly") is not None
    assert services.queue_digest(user, items, TODAY + dt.timedelta(days=1)) is not None
    assert services.queue_digest(user, [], TODAY + dt.timedelta(days=2)) is None  # nothing due, no mail
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 3
    assert len(list(storage.names("outbox"))) == 3  # the refused duplicates left no file


def test_notice_subjects_by_kind_and_language(app, db):
    english = UserFactory(locale="en")
    chinese = UserFactory(locale="zh_Hant_TW")
    assigned = services.queue_notice(english, notice("Update A.1"))
    verify = services.queue_notice(english, notice("Action 7", kind=Kind.VERIFY))
    assert assigned.subject == "[QMS] Assigned to you: Update A.1"
    assert verify.subject == "[QMS] Awaiting your verification: Action 7"
    text, html = parts(parsed(assigned))
    assert "https://qms.example.org/checklist/items/3" in text and "9 December 2026" in text
    assert 'href="https://qms.example.org/checklist/items/3"' in html
    zh = services.queue_notice(chinese, notice("更新 A.1"))
    assert "更新 A.1" in zh.subject and "民國115年12月9日" in parts(parsed(zh))[0]
    assert services.queue_notice(UserFactory(email=""), notice()) is None  # no address, no mail


def test_notice_escapes_titles_in_html(app, db):
    message = services.queue_notice(UserFactory(locale="en"), notice('<script>alert(1)</script>'))
    html = parts(parsed(message))[1]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script>" in parts(parsed(message))[0]  # plain text is not HTML-escaped


def test_sent_through_a_real_smtp_server(app, db, smtp_server):
    server = smtp_server()
    user = UserFactory(locale="en", email="jane@example.org")
    message = services.queue_notice(user, notice("Update A.1"))
    assert message.status == MailStatus.SENT and message.sent_at is not None and message.attempts == 1
    [envelope] = server.envelopes
    assert envelope.rcpt_tos == ["jane@example.org"] and envelope.mail_from == "qms@example.org"
    mail = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == "[QMS] Assigned to you: Update A.1" and mail["To"] == "jane@example.org"
    assert mail["From"] == "QMS <qms@example.org>"
    text, html = parts(mail)
    assert "Update A.1" in text and "https://qms.example.org/checklist/items/3" in html
    # the bytes sent are the ones kept in the outbox, so a retry sends the same mail
    assert mail["Message-ID"] == parsed(message)["Message-ID"]


def test_chinese_mail_over_smtp(app, db, smtp_server):
    server = smtp_server()
    services.queue_notice(UserFactory(locale="zh_Hant_TW"), notice("更新評核項目"))
    mail = email.message_from_bytes(server.envelopes[0].original_content, policy=policy.default)
    assert "更新評核項目" in mail["Subject"] and "更新評核項目" in parts(mail)[0]


def test_a_refusing_server_is_logged_and_the_request_succeeds(app, db, login_as, smtp_server):
    server = smtp_server(refuse=True)
    admin = login_as(Role.ADMIN)
    response = admin.post_form("/admin/mail/test", {"address": "someone@example.org"}, token_from="/admin/mail")
    assert response.status_code == 302
    message = db.session.scalar(select(MailMessage))
    assert message.status == MailStatus.FAILED and message.attempts == 4  # the first try and three retries
    assert message.error.startswith("SMTP 550") and len(message.error) <= 300
    assert server.envelopes == []
    page = admin.get("/admin/mail?status=failed").get_data(as_text=True)
    assert "someone@example.org" in page and "SMTP 550" in page


def test_an_unreachable_server_fails_without_raising(app, db, smtp_server):
    smtp_server()
    app.config["QMS_SMTP_PORT"] = 1  # nothing listens there
    message = services.queue_notice(UserFactory(locale="en"), notice())
    assert message.status == MailStatus.FAILED and "ConnectionRefusedError" in message.error


def test_no_server_writes_an_eml_file(app, db, mail_files):
    message = services.queue_notice(UserFactory(locale="en"), notice())
    assert message.status == MailStatus.WRITTEN and message.stored_name.endswith(".eml")
    assert (mail_files / "outbox" / message.stored_name).is_file()


def test_admin_page_sends_a_test_mail(app, db, login_as):
    admin = login_as(Role.ADMIN, locale="en")
    page = admin.get("/admin/mail")
    assert page.status_code == 200 and "No mail server is set" in page.get_data(as_text=True)
    response = admin.post_form("/admin/mail/test", {"address": "not an address"}, token_from="/admin/mail")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body and "Enter a valid e-mail address." in body
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0
    response = admin.post_form("/admin/mail/test", {"address": "ops@example.org"}, token_from="/admin/mail")
    assert response.status_code == 302
    message = db.session.scalar(select(MailMessage))
    assert message.kind == MailKind.TEST and message.status == MailStatus.WRITTEN
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "mail_message"))
    assert event.actor_id == admin.user.id and event.changes["to_address"] == [None, "ops@example.org"]
    listing = admin.get("/admin/mail").get_data(as_text=True)
    assert "ops@example.org" in listing and "Written to the outbox folder" in listing
    assert "ops@example.org" not in admin.get("/admin/mail?status=failed").get_data(as_text=True)


def test_outbox_is_paged_and_for_admins_only(app, db, login_as, count_queries):
    admin = login_as(Role.ADMIN)
    for role in (Role.QUALITY, Role.STAFF, Role.LEADER):
        assert login_as(role).get("/admin/mail").status_code == 403
    services.queue_notice(UserFactory(locale="en"), notice())
    few = count_queries(admin, "/admin/mail")
    for number in range(5):
        services.queue_notice(UserFactory(locale="en"), notice(f"Item {number}"))
    assert count_queries(admin, "/admin/mail") == few
    app.config["PAGE_SIZE"] = 2
    page = admin.get("/admin/mail").get_data(as_text=True)
    assert page.count("<tr>") == 3  # the header row and two mails
    assert "page=2" in page


def test_a_mail_refused_once_is_sent_on_its_retry(app, db, smtp_server):
    server = smtp_server()
    server.refuse_next = 1
    message = services.queue_notice(UserFactory(locale="en"), notice())
    # immediate mode retries at once: the first attempt is refused (451), the second goes through
    assert message.status == MailStatus.SENT and message.attempts == 2 and message.error == ""
    assert len(server.envelopes) == 1


def test_mail_page_is_in_the_admins_navigation_only(app, db, login_as):
    assert 'href="/admin/mail"' in login_as(Role.ADMIN).get("/").get_data(as_text=True)
    assert 'href="/admin/mail"' not in login_as(Role.QUALITY).get("/").get_data(as_text=True)
