"""The citizens' kiosk (its own page, the two-step dissatisfied vote, the personal-data notice, closed addresses) and
the admins' kiosk page (QR code, copy button, votes per kiosk, a confirmed revocation)."""
import datetime as dt
import re
from urllib.parse import unquote

import pytest
import segno
from sqlalchemy import func, select

from qms.spine.access import Role
from qms.surveys import qr, services
from qms.surveys.models import FollowUpCase, KioskToken, Vote
from tests.factories import UserFactory

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def kiosk(db):
    return services.issue_kiosk_token("3 號櫃台", UserFactory(role=Role.ADMIN))


def votes() -> int:
    from qms.extensions import db

    return db.session.scalar(select(func.count()).select_from(Vote))


def test_the_kiosk_page_is_the_citizens_not_the_staffs(client, kiosk):
    _kiosk, token = kiosk
    body = client.get(f"/kiosk/{token}").get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in body and "css/kiosk.css" in body
    for staff_part in ("<nav", "<footer", 'action="/locale"', "English</button>", ">QMS<", 'href="/"',
                       "Skip to main content", "跳至主要內容"):
        assert staff_part not in body, staff_part
    assert 'class="btn btn-success btn-lg w-100 qms-vote">滿意</button>' in body


def test_a_dissatisfied_vote_asks_reason_and_contact_before_it_is_sent(client, kiosk, db):
    kiosk_record, token = kiosk
    first = client.get(f"/kiosk/{token}").get_data(as_text=True)
    assert 'name="reason"' not in first and 'name="contact"' not in first  # nothing to fill in below a send button
    assert f'href="/kiosk/{token}/dissatisfied"' in first
    second = client.get(f"/kiosk/{token}/dissatisfied")
    body = second.get_data(as_text=True)
    assert second.status_code == 200 and votes() == 0  # opening the second step sends nothing
    assert body.index('name="reason"') < body.index('name="contact"') < body.index('type="submit"')
    assert 'name="satisfied" value="0"' in body and f'href="/kiosk/{token}"' in body  # back, nothing sent
    response = client.post_form(f"/kiosk/{token}", {"satisfied": "0", "reason": "等候太久", "contact": "0912-345-678"},
                                token_from=f"/kiosk/{token}/dissatisfied")
    assert response.status_code == 200 and "謝謝您的寶貴意見" in response.get_data(as_text=True)
    case = db.session.scalars(select(FollowUpCase)).one()
    assert (case.vote.satisfied, case.vote.reason, case.vote.contact, case.vote.kiosk_id) == (
        False, "等候太久", "0912-345-678", kiosk_record.id)


def test_a_refused_dissatisfied_vote_keeps_what_was_written(client, kiosk):
    _kiosk, token = kiosk
    response = client.post_form(f"/kiosk/{token}", {"satisfied": "0", "reason": "等候太久", "contact": "x" * 201},
                                token_from=f"/kiosk/{token}/dissatisfied")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and votes() == 0
    assert "等候太久</textarea>" in body and 'aria-invalid="true"' in body and 'id="contact-error"' in body


def test_the_contact_field_has_the_personal_data_notice(client, kiosk, app):
    _kiosk, token = kiosk
    body = client.get(f"/kiosk/{token}/dissatisfied", headers=ENGLISH).get_data(as_text=True)
    described_by = re.search(r'id="contact"[^>]*aria-describedby="([^"]+)"', body).group(1).split()
    assert "contact-notice" in described_by and '<section id="contact-notice"' in body
    notice = body.split('<section id="contact-notice"', 1)[1].split("</section>", 1)[0]
    assert "Personal Data Protection Act" in notice
    assert "only to contact you about this feedback" in notice            # purpose
    assert "only the office's quality team" in notice                       # who reads it
    assert "How long: 1 year after your vote; then it is erased." in notice  # how long (the default, 365 days)
    assert 'autocomplete="off"' in body  # the next citizen at the tablet is not offered this one's details
    app.config["QMS_KIOSK_CONTACT_RETENTION_DAYS"] = 90
    body = client.get(f"/kiosk/{token}/dissatisfied", headers=ENGLISH).get_data(as_text=True)
    assert "How long: 90 days after your vote" in body


def test_contacts_are_erased_after_the_retention_period(kiosk, db, runner, app):
    kiosk_record, _token = kiosk
    now = dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc)
    old = services.cast_vote(kiosk_record, False, "態度不佳", "old@example.tw", now=now - dt.timedelta(days=366))
    recent = services.cast_vote(kiosk_record, False, "等太久", "new@example.tw", now=now - dt.timedelta(days=364))
    services.cast_vote(kiosk_record, True, now=now)
    db.session.expire_all()
    assert (old.contact, old.reason, recent.contact) == ("", "態度不佳", "new@example.tw")
    app.config["QMS_KIOSK_CONTACT_RETENTION_DAYS"] = 30
    result = runner.invoke(args=["qms", "forget-vote-contacts"])
    db.session.expire_all()
    assert result.exit_code == 0 and "1 contact details erased" in result.output
    assert recent.contact == ""


@pytest.mark.parametrize("revoked", [False, True])
def test_an_unknown_or_revoked_kiosk_gets_a_friendly_page(client, kiosk, revoked):
    kiosk_record, token = kiosk
    if revoked:
        services.revoke_kiosk(kiosk_record, None)
    else:
        token = "no-such-kiosk"
    for response in (client.get(f"/kiosk/{token}", headers=ENGLISH),
                     client.get(f"/kiosk/{token}/dissatisfied", headers=ENGLISH),
                     client.post_form(f"/kiosk/{token}", {"satisfied": "1"}, token_from="/login", headers=ENGLISH)):
        body = response.get_data(as_text=True)
        assert response.status_code == (410 if revoked else 404)
        assert "This satisfaction vote is closed" in body and "Please tell a member of staff at the counter" in body
        for staff_part in ("<nav", "<footer", 'href="/"', "dashboard", "Dashboard", 'action="/locale"'):
            assert staff_part not in body, staff_part
    assert votes() == 0


def test_an_expired_kiosk_form_asks_to_choose_again(client, kiosk):
    _kiosk, token = kiosk
    response = client.post(f"/kiosk/{token}", data={"satisfied": "1", "csrf_token": "expired"}, headers=ENGLISH)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and votes() == 0
    assert "Please choose again." in body and 'name="satisfied" value="1"' in body and "<footer" not in body


def qr_modules(data_uri: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) the SVG draws: segno writes each row as M/m moves and h runs of a stroke."""
    svg = unquote(data_uri.split(",", 1)[1])
    path = re.search(r"class=.qrline.[^>]* d=['\"]([^'\"]+)['\"]", svg).group(1)  # not the white background
    x = y = 0.0
    dark = set()
    for command, numbers in re.findall(r"([MmHh])([-\d.\s]+)", path):
        values = [float(v) for v in numbers.split()]
        if command in "Mm":
            x, y = (values[0], values[1]) if command == "M" else (x + values[0], y + values[1])
        else:
            end = values[0] if command == "H" else x + values[0]
            dark |= {(int(y - 0.5), column) for column in range(int(x), int(end))}
            x = end
    return dark


def test_a_new_kiosk_shows_its_address_as_qr_code_with_a_copy_button(login_as, monkeypatch):
    made = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **options: made.append(content) or real_make(content, **options))
    admin = login_as(Role.ADMIN)
    response = admin.post_form("/surveys/kiosks", {"name": "1 號櫃台平板"}, token_from="/surveys/kiosks")
    body = response.get_data(as_text=True)
    url = re.search(r'<code id="new-kiosk-url"[^>]*>([^<]+)</code>', body).group(1)
    assert re.fullmatch(r"http://localhost/kiosk/[\w-]{20,}", url) and made == [url]
    src = re.search(r'<img class="qms-qr" src="([^"]+)"', body).group(1)
    assert src.startswith("data:image/svg+xml") and src == qr.qr_svg_data_uri(url)
    symbol = real_make(url, error="m")
    expected = {(r, c) for r, row in enumerate(symbol.matrix) for c, bit in enumerate(row) if bit}
    assert qr_modules(src) == {(r + 4, c + 4) for r, c in expected}  # the drawn symbol is the address's, quiet zone 4
    assert 'data-copy-target="new-kiosk-url"' in body and "js/copy.js" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # no inline script (CSP script-src 'self')


def test_vote_counts_per_kiosk(login_as, db, count_queries):
    first, _token = services.issue_kiosk_token("1 號櫃台", None)
    second, _token = services.issue_kiosk_token("2 號櫃台", None)
    now = dt.datetime.now(dt.timezone.utc)
    for kiosk_record, satisfied in ((first, True), (first, True), (first, False), (second, False)):
        services.cast_vote(kiosk_record, satisfied, now=now)
    counts = services.kiosk_vote_counts()
    assert (counts[first.id].satisfied, counts[first.id].dissatisfied, counts[first.id].total) == (2, 1, 3)
    assert (counts[second.id].satisfied, counts[second.id].dissatisfied) == (0, 1)
    admin = login_as(Role.ADMIN)
    body = admin.get("/surveys/kiosks").get_data(as_text=True)
    row = body.split("<td>1 號櫃台</td>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["2", "1", "3"]
    before = count_queries(admin, "/surveys/kiosks")
    for number in range(3, 8):
        kiosk_record, _token = services.issue_kiosk_token(f"{number} 號櫃台", None)
        services.cast_vote(kiosk_record, True, now=now)
    assert count_queries(admin, "/surveys/kiosks") == before


def test_revoking_a_kiosk_asks_for_confirmation(login_as, kiosk, db):
    kiosk_record, token = kiosk
    admin = login_as(Role.ADMIN)
    listing = admin.get("/surveys/kiosks").get_data(as_text=True)
    assert f'href="/surveys/kiosks/{kiosk_record.id}/revoke"' in listing
    page = admin.get(f"/surveys/kiosks/{kiosk_record.id}/revoke")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "3 號櫃台" in body and 'name="csrf_token"' in body
    assert db.session.get(KioskToken, kiosk_record.id).revoked_at is None  # asking changes nothing
    assert admin.post(f"/surveys/kiosks/{kiosk_record.id}/revoke").status_code == 400  # no token: refused
    assert db.session.get(KioskToken, kiosk_record.id).revoked_at is None
    response = admin.post_form(f"/surveys/kiosks/{kiosk_record.id}/revoke", {},
                               token_from=f"/surveys/kiosks/{kiosk_record.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(KioskToken, kiosk_record.id).revoked_at is not None
    assert admin.get(f"/kiosk/{token}").status_code == 410
