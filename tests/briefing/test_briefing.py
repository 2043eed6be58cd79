"""The site-visit briefing on the demo data: live slides carry the modules' own figures, the PDFs (16:9 slides,
A4 notes), versions, timed rehearsals, the weighted question draw, outcomes that leave tasks, access and bad input."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from qms import create_app
from qms.briefing import jobs, services
from qms.briefing.models import BriefingDeck, BriefingTask, DeckVersion, Outcome, RenderStatus
from qms.extensions import db
from qms.spine.access import Role
from tests.conftest import QMSClient, make_config, wipe_rows
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture(scope="module")
def demo(migrated_database):
    """The demo data set with its briefing deck; one PDF version rendered for the module."""
    from qms import demo as demo_data

    app = create_app(make_config(migrated_database))
    app.test_client_class = QMSClient
    with app.app_context():
        demo_data.seed_demo()
        UserFactory(role=Role.QUALITY, username="brief-quality")
        UserFactory(role=Role.STAFF, username="brief-staff")
        db.session.remove()
    yield app
    wipe_rows(app)


def signed_in(app, username: str) -> QMSClient:
    client = app.test_client()
    assert client.post_form("/login", {"username": username, "password": TEST_PASSWORD}).status_code == 302
    return client


def the_deck() -> BriefingDeck:
    return db.session.scalars(select(BriefingDeck)).one()


def gathered(kind: str) -> dict:
    deck = the_deck()
    slides = [s for s in services.slides_of(deck) if s.kind == kind]
    assert slides, kind
    variables = services.render_slides(deck, slides).slides[0].variables
    assert variables is not None, kind
    return variables


def dossier_context(deck):
    from qms.core.services import get_organization
    from qms.spine.sections import GatherContext

    return GatherContext(dossier=deck, cycle=deck.award_cycle, organization=get_organization(), chinese=True)


def test_each_live_slide_shows_its_modules_own_figures(demo):
    from qms.benchmarking import services as benchmarking
    from qms.checklist import services as checklist
    from qms.core.services import get_organization, population_per_staff
    from qms.drills import dossier as drills_dossier
    from qms.initiatives import services as initiatives
    from qms.spine import clock
    from qms.surveys import dossier as surveys_dossier

    with demo.test_request_context("/"):
        deck = the_deck()
        cycle = deck.award_cycle
        organization = get_organization()
        assert gathered("profile")["per_staff"] == population_per_staff(organization.population,
                                                                       organization.staff_count) == 5109

        readiness = gathered("readiness")
        assessment = checklist.assessments_of(cycle)[0]
        view = checklist.checklist_view(assessment, clock.today())
        assert readiness["main"]["overall"].readiness == view.figures.overall.readiness
        assert [r for _l, _s, r in readiness["main"]["dimensions"]] == \
            [r for _l, _s, r in checklist.top_level_figures(view)]

        improvements = gathered("process_improvements")
        _count, totals = initiatives.cycle_totals(cycle.id)
        assert improvements["grand"].hours_saved == totals.hours_saved
        assert improvements["grand"].improvements == totals.improvements == 9
        cores = gathered("spark_cores")
        assert [total.hours_saved for _core, total, _i in cores["cores"]] == \
            [total.hours_saved for _core, total in initiatives.summary(cycle.id).by_core]

        peers = gathered("peers")
        comparison = benchmarking.compare(peers["comparison"].year)
        assert {key: (cell.value, cell.rank) for key, cell in peers["comparison"].cells.items()} == \
            {key: (cell.value, cell.rank) for key, cell in comparison.cells.items()}
        self_row = next(p for p in comparison.peers if p.is_self)
        assert any(peers["comparison"].cells[(self_row.id, c.metric.id)].rank == 1 for c in peers["columns"])

        survey = gathered("survey")
        section = surveys_dossier.gather(dossier_context(deck))
        assert survey["result"].margin_half.value == section["results"][-1].margin_half.value
        assert survey["result"].valid == section["results"][-1].valid

        drills = gathered("drills")
        section = drills_dossier.gather(dossier_context(deck))
        assert (drills["closure_rate"], drills["actions"], drills["drills"]) == \
            (section["closure_rate"], section["actions"], section["drills"])

        from qms.archive import dossier as archive_dossier
        assert gathered("publications")["count"] == len(archive_dossier.gather(dossier_context(deck))["publications"])


def test_a_changed_record_changes_the_next_render(demo):
    from qms.core.services import get_organization, save_organization

    with demo.test_request_context("/"):
        organization = get_organization()
        before = organization.population
        html = services.deck_html(services.render_slides(the_deck()))
        assert "5,109" in html
        save_organization({"population": 160_000}, actor=None)
        try:
            html = services.deck_html(services.render_slides(the_deck()))
            assert "5,333" in html and "160,000" in html  # 160,000 / 30
        finally:
            save_organization({"population": before}, actor=None)


@pytest.fixture(scope="module")
def version(demo):
    with demo.test_request_context("/"):
        deck = the_deck()
        actor = db.session.scalars(select(UserFactory._meta.model).where(
            UserFactory._meta.model.username == "brief-quality")).one()
        made = services.request_version(deck, actor, "zh_Hant_TW")
        jobs.start(made, actor)  # QMS_JOBS_IMMEDIATE: the render runs at once
        db.session.refresh(made)
        assert made.status.value == "done" and made.progress == 100, made.error
        result = {"id": made.id, "number": made.number, "sha256": made.sha256, "notes_sha256": made.notes_sha256,
                  "slides": services.read_file(made), "notes": services.read_file(made, notes=True),
                  "count": len(services.slides_of(deck)), "deck_id": deck.id}
        db.session.remove()
    return result


def test_the_pdf_is_16_9_with_one_page_per_slide(version):
    pdf = PdfReader(io.BytesIO(version["slides"]))
    assert len(pdf.pages) == version["count"] == 10
    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width / height - 16 / 9) < 0.005
    text = pdf.pages[3].extract_text()
    assert "4 / 10" in text and "桃園市蘆竹區戶政事務所" in text


def test_the_notes_handout_is_a4_with_the_notes(version, tmp_path):
    pdf = PdfReader(io.BytesIO(version["notes"]))
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    path = tmp_path / "notes.pdf"
    path.write_bytes(version["notes"])
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "英文謄本 6 天改為隨到隨辦" in text.replace("\n", "")


def test_versions_keep_their_sha256_and_download_again(demo, version):
    assert hashlib.sha256(version["slides"]).hexdigest() == version["sha256"]
    assert hashlib.sha256(version["notes"]).hexdigest() == version["notes_sha256"]
    client = signed_in(demo, "brief-staff")
    url = f"/briefing/decks/{version['deck_id']}/versions/{version['id']}.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.headers["X-Content-SHA256"] == version["sha256"]
    assert response.data == version["slides"]
    page = client.get(f"/briefing/decks/{version['deck_id']}").get_data(as_text=True)
    assert version["sha256"] in page


def forget_versions_after(number: int) -> None:
    """Remove the versions a test added after version `number` (the module shares one deck)."""
    for version in services.versions_of(the_deck()):
        if version.number > number:
            db.session.delete(version)
    db.session.commit()


def test_generate_queues_a_render_job_that_the_jobs_page_lists(demo, version):
    from qms.jobs import Job

    client = signed_in(demo, "brief-quality")
    deck_url = f"/briefing/decks/{version['deck_id']}"
    try:
        response = client.post_form(f"{deck_url}/generate", {}, token_from=deck_url)
        assert response.status_code == 302 and response.headers["Location"].endswith("#versions")
        with demo.app_context():
            made = services.versions_of(the_deck())[0]
            job = db.session.scalars(select(Job).where(Job.name == "briefing.render").order_by(Job.id.desc())).first()
            assert made.number == version["number"] + 1 and made.status == RenderStatus.DONE
            assert made.job_id == job.id and job.arguments == {"version_id": made.id}
            assert job.status.value == "done" and job.progress_done == 100
            assert made.slide_pages == version["count"] and len(made.notes_sha256) == 64
            status = client.get(f"{deck_url}/versions/{made.id}/status").get_json()
            assert status["status"] == "done" and not status["working"] and status["progress"] == 100
        with demo.test_request_context("/"):
            label = job.label
        assert label != "briefing.render"  # listed under its label, not its name
        assert f"{label} <span class=\"text-body-secondary\">#{job.id}</span>" in \
            client.get("/jobs/").get_data(as_text=True)
    finally:
        with demo.app_context():
            forget_versions_after(version["number"])


def test_a_failed_render_says_why_and_runs_again(demo, version, monkeypatch):
    from qms.jobs import Job

    def broken(deck, on_progress=None):
        raise RuntimeError("layout exploded at /srv/secret/path")

    client = signed_in(demo, "brief-quality")
    deck_url = f"/briefing/decks/{version['deck_id']}"
    try:
        monkeypatch.setattr(services, "render_files", broken)
        assert client.post_form(f"{deck_url}/generate", {}, token_from=deck_url).status_code == 302
        with demo.app_context():
            failed = services.versions_of(the_deck())[0]
            failed_id, number = failed.id, failed.number
            assert failed.status == RenderStatus.FAILED and failed.error == "RuntimeError"
            assert failed.sha256 == "" and db.session.get(Job, failed.job_id).status.value == "failed"
        page = client.get(deck_url).get_data(as_text=True)
        assert "RuntimeError" in page and "/srv/secret" not in page
        assert f"{deck_url}/versions/{failed_id}/run-again" in page
        assert client.get(f"{deck_url}/versions/{failed_id}.pdf").status_code == 404
        monkeypatch.undo()
        response = client.post_form(f"{deck_url}/versions/{failed_id}/run-again", {}, token_from=deck_url)
        assert response.status_code == 302
        with demo.app_context():
            again = db.session.get(DeckVersion, failed_id)
            assert again.status == RenderStatus.DONE and again.number == number and again.error == ""
            assert len(again.sha256) == 64 and again.slide_pages == version["count"]
        # only a failed version runs again
        client.post_form(f"{deck_url}/versions/{failed_id}/run-again", {}, token_from=deck_url)
        with demo.app_context():
            assert [v.number for v in services.versions_of(the_deck())][0] == number
    finally:
        with demo.app_context():
            forget_versions_after(version["number"])


def test_the_jobs_page_runs_a_failed_render_again_in_place(demo, version, monkeypatch):
    from qms.jobs import Job

    client = signed_in(demo, "brief-quality")
    deck_url = f"/briefing/decks/{version['deck_id']}"
    try:
        monkeypatch.setattr(services, "pdf", None)  # the layout cannot even start
        client.post_form(f"{deck_url}/generate", {}, token_from=deck_url)
        monkeypatch.undo()
        with demo.app_context():
            failed = services.versions_of(the_deck())[0]
            assert failed.status == RenderStatus.FAILED and failed.error == "AttributeError"
            failed_id, job_id = failed.id, failed.job_id
        assert client.post_form(f"/jobs/{job_id}/run-again", token_from="/jobs/").status_code == 302
        with demo.app_context():
            again = db.session.get(DeckVersion, failed_id)
            assert again.status == RenderStatus.DONE and len(again.sha256) == 64
            newest = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
            assert newest.id != job_id and newest.arguments == {"version_id": failed_id}
            assert again.job_id == newest.id  # the deck page shows the new job's state, not the failed one's
    finally:
        with demo.app_context():
            forget_versions_after(version["number"])


def test_a_render_running_past_the_job_timeout_is_shown_failed(demo, version):
    from qms.spine import clock

    client = signed_in(demo, "brief-quality")
    deck_url = f"/briefing/decks/{version['deck_id']}"
    try:
        with demo.app_context():
            # The worker began the layout, then its process was killed: the row still says "running".
            stuck = services.request_version(the_deck(), None, "zh_Hant_TW")
            started = clock.utcnow()
            stuck.status, stuck.progress, stuck.started_at = RenderStatus.RUNNING, 15, started
            db.session.commit()
            stuck_id = stuck.id
        with clock.frozen(started + dt.timedelta(minutes=5)):
            page = client.get(deck_url).get_data(as_text=True)
        assert 'aria-live="polite"' in page and 'http-equiv="refresh"' in page and "(15 %)" in page
        assert f"{deck_url}/generate" not in page  # one render at a time
        token = client.csrf_token(deck_url)
        assert client.post(f"{deck_url}/generate", data={"csrf_token": token}).status_code == 302
        with demo.app_context():
            assert services.versions_of(the_deck())[0].id == stuck_id  # refused while it runs
        with clock.frozen(started + services.STALE_AFTER + dt.timedelta(seconds=1)):
            page = client.get(deck_url).get_data(as_text=True)
        with demo.app_context():
            expired = db.session.get(DeckVersion, stuck_id)
            assert expired.status == RenderStatus.FAILED and expired.error == "interrupted"
        assert 'http-equiv="refresh"' not in page and f"{deck_url}/generate" in page
    finally:
        with demo.app_context():
            forget_versions_after(version["number"])


def test_an_unreachable_queue_leaves_the_version_waiting_and_says_so(demo, version):
    from qms import jobs as queue

    client = signed_in(demo, "brief-quality")
    deck_url = f"/briefing/decks/{version['deck_id']}"
    demo.config.update(QMS_JOBS_IMMEDIATE=False, QMS_REDIS_URL="redis://127.0.0.1:1/15")
    demo.extensions.pop(queue.EXTENSION_KEY, None)
    try:
        response = client.post_form(f"{deck_url}/generate", {}, token_from=deck_url, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert "Background work is paused" in body or "背景工作暫停" in body
        with demo.app_context():
            waiting = services.versions_of(the_deck())[0]
            assert waiting.status == RenderStatus.PENDING
            assert queue.get(waiting.job_id).status == queue.JobStatus.WAITING
        assert 'http-equiv="refresh"' in body and 'role="status"' in body
    finally:
        demo.config.update(QMS_JOBS_IMMEDIATE=True)
        demo.config.pop("QMS_REDIS_URL", None)
        demo.extensions.pop(queue.EXTENSION_KEY, None)
        with demo.app_context():
            forget_versions_after(version["number"])


def test_staff_read_but_cannot_edit_decks(demo):
    client = signed_in(demo, "brief-staff")
    with demo.app_context():
        deck = the_deck()
        slide = services.slides_of(deck)[0]
        deck_id, slide_id = deck.id, slide.id
    assert client.get(f"/briefing/decks/{deck_id}").status_code == 200
    assert client.get(f"/briefing/decks/{deck_id}/present").status_code == 200
    token = client.csrf_token(f"/briefing/decks/{deck_id}")
    for path in (f"/briefing/decks/{deck_id}/slides/new/text", f"/briefing/decks/{deck_id}/slides/{slide_id}/delete",
                 f"/briefing/decks/{deck_id}/slides/{slide_id}/move/down", f"/briefing/decks/{deck_id}/generate"):
        assert client.post(path, data={"csrf_token": token, "title": "x", "planned_seconds": "30"}).status_code == 403


def test_bad_slide_input_is_refused_with_field_errors(demo):
    client = signed_in(demo, "brief-quality")
    with demo.app_context():
        deck_id = the_deck().id
        before = len(services.slides_of(the_deck()))
    path = f"/briefing/decks/{deck_id}/slides/new/text"
    response = client.post_form(path, {"title": "ok", "planned_seconds": "99999999", "body": "", "notes": "",
                                       "subtitle": "", "evidence_id": ""}, token_from=path)
    assert response.status_code == 400 and "planned_seconds-error" in response.get_data(as_text=True)
    response = client.post_form(path, {"title": "bad\x07title", "planned_seconds": "30", "body": "", "notes": "",
                                       "subtitle": "", "evidence_id": ""}, token_from=path)
    assert response.status_code == 400 and "title-error" in response.get_data(as_text=True)
    with demo.app_context():
        assert len(services.slides_of(the_deck())) == before


def test_slides_are_added_moved_and_removed_without_javascript(demo):
    client = signed_in(demo, "brief-quality")
    with demo.app_context():
        deck_id = the_deck().id
    path = f"/briefing/decks/{deck_id}/slides/new/text"
    response = client.post_form(path, {"title": "附加說明", "planned_seconds": "45", "notes": "備忘", "subtitle": "",
                                       "body": "- **一**\n<script>x</script>", "evidence_id": ""}, token_from=path)
    assert response.status_code == 302
    with demo.app_context():
        slides = services.slides_of(the_deck())
        added = slides[-1]
        assert added.title == "附加說明" and added.planned_seconds == 45
        added_id = added.id
    token = client.csrf_token(f"/briefing/decks/{deck_id}")
    assert client.post(f"/briefing/decks/{deck_id}/slides/{added_id}/move/up",
                       data={"csrf_token": token}).status_code == 302
    with demo.app_context():
        assert [s.id for s in services.slides_of(the_deck())][-2] == added_id
    preview = client.get(f"/briefing/decks/{deck_id}/preview").get_data(as_text=True)
    assert "<strong>一</strong>" in preview and "<script>x</script>" not in preview
    assert client.post(f"/briefing/decks/{deck_id}/slides/{added_id}/delete",
                       data={"csrf_token": token}).status_code == 302
    with demo.app_context():
        assert added_id not in [s.id for s in services.slides_of(the_deck())]


def test_a_rehearsal_records_real_seconds_and_refuses_nonsense(demo):
    client = signed_in(demo, "brief-quality")
    with demo.app_context():
        deck = the_deck()
        ids = [s.id for s in services.slides_of(deck)]
    path = f"/briefing/decks/{deck.id}/rehearsals"
    token = client.csrf_token(f"/briefing/decks/{deck.id}")
    huge = client.post(path, data={"csrf_token": token, f"slide-{ids[0]}": "1e9"},
                       headers={"Accept": "application/json"})
    assert huge.status_code == 400
    good = client.post(path, data={"csrf_token": token, **{f"slide-{i}": "30" for i in ids}},
                       headers={"Accept": "application/json"})
    assert good.status_code == 200 and good.json["ok"]
    with demo.app_context():
        rehearsal = services.last_rehearsal(the_deck())
        assert rehearsal.total_seconds == 30 * len(ids)
    page = client.get(f"/briefing/decks/{deck.id}").get_data(as_text=True)
    assert "0:30" in page


def test_partial_and_failed_answers_become_tasks(demo):
    with demo.test_request_context("/"):
        deck = the_deck()
        cycle = deck.award_cycle
        actor = db.session.scalars(select(UserFactory._meta.model).where(
            UserFactory._meta.model.username == "brief-quality")).one()
        session = services.start_session(cycle, 3, actor, random.Random(7))
        first, second, third = session.attempts
        assert services.record_outcome(first, Outcome.CONFIDENT, "", actor) is None
        task = services.record_outcome(second, Outcome.PARTLY, "缺數字", actor)
        assert task.owner_id == second.question.answerer_id and task.question_id == second.question_id
        assert services.record_outcome(third, Outcome.COULD_NOT, "", actor) is not None
        open_ids = {t.id for t in services.open_tasks(cycle)}
        assert task.id in open_ids and len(open_ids) >= 2
        assert db.session.get(BriefingTask, task.id).status.value == "open"


def test_the_draw_prefers_questions_on_weak_items():
    rng = random.Random(2015)
    weights = {1: services.draw_weight(0), 2: services.draw_weight(100)}
    firsts = [services.weighted_draw(weights, 1, rng)[0] for _ in range(3000)]
    share = firsts.count(1) / len(firsts)
    assert abs(share - 110 / 120) < 0.03  # proportional to the weights, not just "more often"
    assert sorted(services.weighted_draw(weights, 5, rng)) == [1, 2]  # never more than there are


def test_question_readiness_comes_through_the_record_type_hook(demo):
    from qms.checklist import services as checklist

    with demo.test_request_context("/"):
        cycle = the_deck().award_cycle
        questions = services.questions_of(cycle)
        readiness = services.question_readiness(questions)
        items = {i.id: i for a in checklist.assessments_of(cycle) for i in a.items}
        from qms.checklist.readiness import item_readiness
        for question in questions:
            expected = min(item_readiness(items[i].status, items[i].score) for i in question.item_ids)
            assert readiness[question.id] == expected


def test_the_item_page_lists_its_questions_and_last_rehearsal(demo):
    client = signed_in(demo, "brief-quality")
    with demo.app_context():
        question = services.questions_of(the_deck().award_cycle)[0]
        item_id, text = question.item_ids[0], str(question)
    page = client.get(f"/checklist/items/{item_id}").get_data(as_text=True)
    assert 'id="reviewer-questions"' in page and text in page


def test_the_dashboard_card_shows_time_and_questions(demo):
    client = signed_in(demo, "brief-staff")
    page = client.get("/").get_data(as_text=True)
    assert "/briefing/" in page and "19:00" in page  # the demo deck plans 19 of the 20 minutes
