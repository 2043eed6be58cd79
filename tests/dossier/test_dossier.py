"""The url_fetcher's refusals, dossier settings and versions through the pages, roles, the render job."""
from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from qms import pdf
from qms.core.models import AuditEvent
from qms.dossier import services
from qms.dossier.models import Dossier, DossierVersion, VersionStatus
from qms.jobs import Job
from qms.spine.access import Role
from tests.factories import AwardCycleFactory, OrganizationFactory

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
                       "WjR9awAAAABJRU5ErkJggg==")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.org/x.png", "https://example.org/a.css",
                                 "ftp://example.org/x", "qms-static:../qms/config.py", "qms-static:/etc/passwd",
                                 "qms-static:../../../../etc/passwd", "qms-static:css/../../pyproject.toml",
                                 "qms-evidence:999", "qms-evidence:../1", "javascript:alert(1)"])
def test_fetcher_refuses_files_networks_and_escapes(app, url):
    with pytest.raises(pdf.FetchRefused):
        pdf.resolve(url)
    with pytest.raises(Exception):  # noqa: B017 - WeasyPrint's fetcher raises whatever the scheme calls for
        pdf.url_fetcher().fetch(url)


def test_fetcher_serves_a_static_file_and_an_evidence_image_only(app, db):
    from qms.evidence import services as evidence
    from tests.factories import UserFactory

    content, content_type = pdf.resolve("qms-static:css/dossier.css")
    assert content_type == "text/css" and b"@page" in content
    cycle = AwardCycleFactory()
    dossier = services.create_dossier(cycle, {"title": "參獎資料"}, None)
    user = UserFactory(role=Role.QUALITY)
    image = evidence.add_file(dossier_subject(db), PNG, "seal.png", "印信", None, user)
    assert pdf.resolve(f"qms-evidence:{image.id}") == (PNG, "image/png")
    response = pdf.url_fetcher().fetch(f"qms-evidence:{image.id}")
    assert response.read() == PNG
    assert dossier.id


def dossier_subject(db):
    """A record that may hold evidence: a checklist item of a small framework."""
    from qms.checklist import services as checklist
    from qms.core.services import current_cycle

    frameworks = checklist.import_shipped()
    cycle = current_cycle() or AwardCycleFactory(is_current=True)
    assessment = checklist.adopt(cycle, frameworks[0], None)
    return assessment.items[0]


def test_a_local_file_reference_in_html_is_not_read(app):
    rendered = pdf.render('<html><body><p>內容</p><img src="file:///etc/passwd">'
                          '<link rel="stylesheet" href="file:///etc/passwd"></body></html>')
    assert rendered.startswith(b"%PDF") and b"root:" not in rendered


def make_dossier(sections=("cover", "foreword")) -> Dossier:
    OrganizationFactory()
    cycle = AwardCycleFactory(is_current=True)
    return services.create_dossier(cycle, {"title": "參獎資料測試", "foreword": "首長序言內容",
                                           "sections": list(sections)}, None)


def test_staff_never_see_dossiers(app, login_as):
    dossier = make_dossier()
    staff = login_as(Role.STAFF)
    assert staff.get("/dossiers/").status_code == 403
    assert staff.get(f"/dossiers/{dossier.id}").status_code == 403
    assert "參獎資料" not in staff.get("/").get_data(as_text=True).split("<main")[0]


def test_settings_form_orders_sections_and_refuses_bad_input(app, db, login_as):
    dossier = make_dossier()
    quality = login_as(Role.QUALITY)
    url = f"/dossiers/{dossier.id}/edit"
    response = quality.post_form(url, {"title": "", "page_limit": "0"}, token_from=url)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "必填" in body and "頁數上限" in body
    response = quality.post_form(url, {"title": "新名稱", "page_limit": "40", "include_cover": "y",
                                       "position_cover": "2", "include_foreword": "y", "position_foreword": "1"},
                                 token_from=url)
    assert response.status_code == 302
    db.session.refresh(dossier)
    assert dossier.sections == ["foreword", "cover"] and dossier.page_limit == 40 and dossier.title == "新名稱"
    response = quality.post_form(url, {"title": "新名稱"}, token_from=url)  # no section at all
    assert response.status_code == 400 and "請至少選擇一個章節" in response.get_data(as_text=True)


def test_generate_download_and_finalize_through_the_pages(app, db, login_as):
    dossier = make_dossier()
    leader = login_as(Role.LEADER)
    detail = f"/dossiers/{dossier.id}"
    assert leader.post_form(f"{detail}/generate", token_from=detail).status_code == 302
    version = db.session.scalars(select(DossierVersion)).one()
    assert version.status.value == "done" and version.page_count == 2 and len(version.sha256) == 64
    pdf_url = f"{detail}/versions/{version.id}.pdf"
    with leader.get(pdf_url) as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    status = leader.get(f"{detail}/versions/{version.id}/status").get_json()
    assert status["status"] == "done" and not status["working"]
    quality = login_as(Role.QUALITY)
    assert quality.post_form(f"{detail}/versions/{version.id}/final", token_from=detail).status_code == 403
    assert leader.post_form(f"{detail}/versions/{version.id}/final", token_from=detail).status_code == 302
    db.session.refresh(version)
    assert version.is_final and version.status.value == "done"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "dossier_version", AuditEvent.action == "update")) == 1
    page = leader.get(detail).get_data(as_text=True)
    assert "定稿：第 1 版" in page
    leader.post_form(f"{detail}/versions/{version.id}/final", token_from=detail)
    assert "此版本已定稿" in leader.get(detail).get_data(as_text=True)


def test_the_render_runs_as_a_job_whose_row_records_it(app, db, login_as):
    dossier = make_dossier()
    leader = login_as(Role.LEADER)
    detail = f"/dossiers/{dossier.id}"
    assert leader.post_form(f"{detail}/generate", token_from=detail).status_code == 302
    job = db.session.scalars(select(Job).where(Job.name == "dossier.render")).one()
    version = db.session.scalars(select(DossierVersion)).one()
    assert job.arguments == {"version_id": version.id} and job.created_by_id == leader.user.id
    assert job.status.value == "done" and job.attempts == 1 and job.progress_done == 100
    assert version.status.value == "done"


def test_a_render_killed_midway_is_shown_failed_and_the_next_one_works(app, db, login_as):
    import datetime as dt

    from qms import jobs
    from qms.spine import clock

    dossier = make_dossier()
    version = services.request_version(dossier, None, "zh_Hant_TW")
    # The worker took the job and began the layout, then its process was SIGKILLed: both rows say "running".
    started = clock.utcnow()
    version.status, version.progress, version.stage = VersionStatus.RUNNING, 20, "layout"
    job = Job(name="dossier.render", arguments={"version_id": version.id}, status=jobs.JobStatus.RUNNING,
              attempts=1, created_at=started, started_at=started)
    db.session.add(job)
    db.session.commit()
    client = login_as(Role.LEADER)
    detail = f"/dossiers/{dossier.id}"
    assert "產製 PDF</button>" not in client.get(detail).get_data(as_text=True)  # still rendering, for now
    with clock.frozen(started + dt.timedelta(minutes=25)):
        client.get(detail)
        assert jobs.expire_killed() == 1
    db.session.expire_all()
    assert db.session.get(DossierVersion, version.id).status.value == "failed"
    assert db.session.get(Job, job.id).status.value == "failed" and db.session.get(Job, job.id).error
    assert client.post_form(f"{detail}/generate", token_from=detail).status_code == 302
    latest = services.versions_of(dossier)[0]
    assert latest.number == 2 and latest.status.value == "done"


def test_a_working_version_shows_progress_text_and_a_no_script_refresh(app, db, login_as):
    dossier = make_dossier()
    services.request_version(dossier, None, "zh_Hant_TW")  # pending, never started
    body = login_as(Role.LEADER).get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert 'aria-live="polite"' in body and 'http-equiv="refresh"' in body and "等待開始" in body
    assert "產製 PDF</button>" not in body  # one render at a time


def test_detail_page_query_count_does_not_grow_with_versions(app, db, login_as, count_queries):
    dossier = make_dossier()
    client = login_as(Role.LEADER)

    def count():
        with count_queries.block() as statements:
            client.get(f"/dossiers/{dossier.id}")
        return len(statements)

    services.render_version(services.request_version(dossier, None, "zh_Hant_TW").id)
    before = count()
    for _ in range(3):
        services.render_version(services.request_version(dossier, None, "zh_Hant_TW").id)
    assert count() == before


def test_initiative_prints_as_a_short_pdf(app, db, login_as):
    import io

    from pypdf import PdfReader

    from qms.initiatives import services as initiatives

    cycle = AwardCycleFactory(is_current=True)
    initiative = initiatives.create_initiative(cycle, {"title_zh": "外籍配偶歸化主動關懷", "status": "running"}, None)
    with login_as(Role.STAFF).get(f"/initiatives/{initiative.id}.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "外籍配偶歸化主動關懷" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
