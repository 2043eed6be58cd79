"""Pages of the site-visit briefing: decks and slides, presentation and rehearsal, PDF versions, the question bank,
question rehearsals and their follow-up tasks."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from qms.auth.services import list_users
from qms.briefing import jobs, services
from qms.briefing.forms import DeckForm, DrawForm, NewDeckForm, OutcomeForm, QuestionForm, SlideForm
from qms.briefing.models import (
    BriefingDeck,
    BriefingQuestion,
    BriefingSlide,
    BriefingTask,
    DeckVersion,
    QuestionAttempt,
    QuestionSession,
)
from qms.core.models import AwardCycle
from qms.core.services import ServiceError, current_cycle
from qms.evidence import services as evidence
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.jobs import JobStatus
from qms.spine import access, clock
from qms.spine import slides as registry
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, show_service_error

bp = Blueprint("briefing", __name__, url_prefix="/briefing")

EDITORS = (Role.LEADER, Role.QUALITY)


def _can_edit() -> bool:
    return current_user.has_role(*EDITORS)


@bp.route("/")
@access.signed_in
def index():
    cycle = current_cycle()
    form = NewDeckForm(formdata=None)
    cycles = services.cycles_without_deck()
    form.award_cycle_id.choices = choices((str(c.id), str(c)) for c in cycles)
    questions = services.questions_of(cycle)
    return render_template("briefing/index.html", decks=services.list_decks(), form=form, cycles=cycles,
                           cycle=cycle, questions=questions, last=services.last_attempts(q.id for q in questions),
                           tasks=services.open_tasks(cycle), draw_form=DrawForm(formdata=None),
                           can_edit=_can_edit(), confirm_form=ConfirmForm())


@bp.route("/decks/new", methods=["POST"])
@access.roles(*EDITORS)
def create_deck():
    form = NewDeckForm()
    cycles = services.cycles_without_deck()
    form.award_cycle_id.choices = choices((str(c.id), str(c)) for c in cycles)

    def save() -> BriefingDeck:
        cycle = db.get_or_404(AwardCycle, int(form.award_cycle_id.data))
        return services.create_deck(cycle, form.title.data, current_user)

    cycle = current_cycle()
    questions = services.questions_of(cycle)
    return edit_view(form, save=save, success=_("Briefing deck created. Add its slides."),
                     redirect_to=lambda deck: url_for("briefing.deck", deck_id=deck.id),
                     template="briefing/index.html", status=400, decks=services.list_decks(), cycles=cycles,
                     cycle=cycle, questions=questions, last={}, tasks=[], draw_form=DrawForm(formdata=None),
                     can_edit=True, confirm_form=ConfirmForm())


def _deck_page(deck: BriefingDeck, form=None, status: int = 200):
    slides = services.slides_of(deck)
    rehearsal = services.last_rehearsal(deck)
    budget = services.time_budget(deck, slides, rehearsal)
    versions = services.versions_of(deck)
    services.expire_stale(versions)
    working = services.working_version(versions)
    job = services.job_of(working) if working is not None else None
    return render_template(
        "briefing/deck.html", deck=deck, slides=slides, kinds=registry.all_kinds(),
        kind_labels={k.key: k.label for k in registry.all_kinds()}, budget=budget,
        status_text=services.budget_status(budget), chart=services.budget_chart(budget), rehearsal=rehearsal,
        rehearsed=(rehearsal.seconds if rehearsal else {}), versions=versions,
        working=working, paused=job is not None and job.status == JobStatus.WAITING,
        minutes=services.minutes_text, can_edit=_can_edit(), confirm_form=ConfirmForm(),
        deck_form=form or DeckForm(formdata=None, obj=deck)), status


@bp.route("/decks/<int:deck_id>", methods=["GET", "POST"])
@access.signed_in
def deck(deck_id: int):
    found = db.get_or_404(BriefingDeck, deck_id)
    if request.method == "POST":
        if not _can_edit():
            abort(403)
        form = DeckForm()
        if form.validate_on_submit():
            try:
                services.update_deck(found, form.title.data, current_user)
            except ServiceError as error:
                db.session.rollback()
                show_service_error(form, error)
            else:
                flash(_("Deck saved."), "success")
                return redirect(url_for("briefing.deck", deck_id=found.id))
        return _deck_page(found, form, 400)
    return _deck_page(found)


def _slide_form(kind: registry.SlideKind, obj=None, formdata=None) -> SlideForm:
    form = SlideForm(formdata=formdata, obj=obj) if formdata is not None else SlideForm(obj=obj)
    form.evidence_id.choices = choices([("", _("No image"))] + [(str(e.id), str(e)) for e in services.image_evidence()])
    if obj is None and form.planned_seconds.data is None:
        form.planned_seconds.data = kind.default_seconds
    return form


def _slide_values(form: SlideForm) -> dict:
    return {"title": form.title.data or "", "subtitle": form.subtitle.data or "", "body": form.body.data or "",
            "notes": form.notes.data or "", "planned_seconds": form.planned_seconds.data,
            "evidence_id": int(form.evidence_id.data) if form.evidence_id.data else None}


@bp.route("/decks/<int:deck_id>/slides/new/<kind>", methods=["GET", "POST"])
@access.roles(*EDITORS)
def add_slide(deck_id: int, kind: str):
    found = db.get_or_404(BriefingDeck, deck_id)
    slide_kind = registry.get(kind)
    if slide_kind is None:
        abort(404)
    form = _slide_form(slide_kind, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.planned_seconds.data = slide_kind.default_seconds
    return edit_view(form, save=lambda: services.add_slide(found, kind, _slide_values(form), current_user),
                     success=_("Slide added."), redirect_to=url_for("briefing.deck", deck_id=found.id) + "#slides",
                     template="briefing/slide_form.html", deck=found, kind=slide_kind, slide=None)


def _slide_of(deck_id: int, slide_id: int) -> BriefingSlide:
    slide = db.get_or_404(BriefingSlide, slide_id)
    if slide.deck_id != deck_id:
        abort(404)
    return slide


@bp.route("/decks/<int:deck_id>/slides/<int:slide_id>/edit", methods=["GET", "POST"])
@access.roles(*EDITORS)
def edit_slide(deck_id: int, slide_id: int):
    slide = _slide_of(deck_id, slide_id)
    slide_kind = registry.get(slide.kind) or registry.get("text")
    form = _slide_form(slide_kind, obj=slide, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.evidence_id.data = str(slide.evidence_id) if slide.evidence_id else ""
    return edit_view(form, save=lambda: services.update_slide(slide, _slide_values(form), current_user),
                     success=_("Slide saved."), redirect_to=url_for("briefing.deck", deck_id=deck_id) + "#slides",
                     template="briefing/slide_form.html", deck=slide.deck, kind=slide_kind, slide=slide)


@bp.route("/decks/<int:deck_id>/slides/<int:slide_id>/move/<direction>", methods=["POST"])
@access.roles(*EDITORS)
def move_slide(deck_id: int, slide_id: int, direction: str):
    slide = _slide_of(deck_id, slide_id)
    if direction not in ("up", "down"):
        abort(404)
    return confirm_view(action=lambda: services.move_slide(slide, -1 if direction == "up" else 1, current_user),
                        success=_("Slide moved."), redirect_to=url_for("briefing.deck", deck_id=deck_id) + "#slides")


@bp.route("/decks/<int:deck_id>/slides/<int:slide_id>/delete", methods=["POST"])
@access.roles(*EDITORS)
def delete_slide(deck_id: int, slide_id: int):
    slide = _slide_of(deck_id, slide_id)
    return confirm_view(action=lambda: services.delete_slide(slide, current_user), success=_("Slide removed."),
                        redirect_to=url_for("briefing.deck", deck_id=deck_id) + "#slides")


@bp.route("/decks/<int:deck_id>/present")
@access.signed_in
def present(deck_id: int):
    found = db.get_or_404(BriefingDeck, deck_id)
    rendered = services.render_slides(found)
    rehearse = request.args.get("rehearse") == "1" and _can_edit()
    return render_template("briefing/present.html", deck=found, rehearse=rehearse, confirm_form=ConfirmForm(),
                           **services.slides_html(rendered, for_print=False))


@bp.route("/decks/<int:deck_id>/presenter")
@access.signed_in
def presenter(deck_id: int):
    found = db.get_or_404(BriefingDeck, deck_id)
    return render_template("briefing/presenter.html", deck=found, slides=services.slides_of(found),
                           minutes=services.minutes_text)


@bp.route("/decks/<int:deck_id>/rehearsals", methods=["POST"])
@access.roles(*EDITORS)
def record_rehearsal(deck_id: int):
    found = db.get_or_404(BriefingDeck, deck_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    seconds = {key.removeprefix("slide-"): value for key, value in request.form.items() if key.startswith("slide-")}
    try:
        rehearsal = services.record_rehearsal(found, seconds, current_user)
    except ServiceError as error:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(ok=False, message=error.message), 400
        flash(error.message, "danger")
        return redirect(url_for("briefing.deck", deck_id=found.id)), 303
    message = _("Rehearsal recorded: %(time)s in all.", time=services.minutes_text(rehearsal.total_seconds))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, message=message, redirect=url_for("briefing.deck", deck_id=found.id) + "#slides")
    flash(message, "success")
    return redirect(url_for("briefing.deck", deck_id=found.id) + "#slides")


@bp.route("/decks/<int:deck_id>/preview")
@access.signed_in
def preview(deck_id: int):
    found = db.get_or_404(BriefingDeck, deck_id)
    rendered = services.render_slides(found)
    if request.args.get("notes") == "1":
        return services.handout_html(rendered, preview=True)
    return services.deck_html(rendered, preview=True)


def paused_message() -> str:
    return _("Background work is paused: rendering starts when the job queue is back. The version waits in the "
             "list meanwhile.")


def _queued(version: DeckVersion) -> None:
    """Queue the version's render and say what happens next."""
    if jobs.start(version, current_user).status == JobStatus.WAITING:
        flash(paused_message(), "warning")
    else:
        flash(_("Version %(number)s is being rendered; it appears in the list when it is ready.",
                number=version.number), "info")


@bp.route("/decks/<int:deck_id>/generate", methods=["POST"])
@access.roles(*EDITORS)
def generate(deck_id: int):
    found = db.get_or_404(BriefingDeck, deck_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = services.request_version(found, current_user, str(get_locale() or "zh_Hant_TW"))
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        _queued(version)
    return redirect(url_for("briefing.deck", deck_id=found.id) + "#versions")


def _version_of(deck_id: int, version_id: int) -> DeckVersion:
    version = db.get_or_404(DeckVersion, version_id)
    if version.deck_id != deck_id:
        abort(404)
    return version


@bp.route("/decks/<int:deck_id>/versions/<int:version_id>/run-again", methods=["POST"])
@access.roles(*EDITORS)
def render_again(deck_id: int, version_id: int):
    version = _version_of(deck_id, version_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.render_again(version, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        _queued(version)
    return redirect(url_for("briefing.deck", deck_id=deck_id) + "#versions")


def job_message(version: DeckVersion) -> str:
    return _("Version %(number)s: %(status)s (%(progress)s %%).", number=version.number,
             status=version.status.label, progress=version.progress)


@bp.route("/decks/<int:deck_id>/versions/<int:version_id>/status")
@access.signed_in
def status(deck_id: int, version_id: int):
    version = _version_of(deck_id, version_id)
    services.expire_stale([version])
    return jsonify(status=version.status.value, progress=version.progress, working=version.is_working,
                   message=job_message(version))


@bp.route("/decks/<int:deck_id>/versions/<int:version_id>.pdf", defaults={"notes": False})
@bp.route("/decks/<int:deck_id>/versions/<int:version_id>/notes.pdf", defaults={"notes": True})
@access.signed_in
def download(deck_id: int, version_id: int, notes: bool):
    version = _version_of(deck_id, version_id)
    try:
        data = services.read_file(version, notes=notes)
    except (ServiceError, FileNotFoundError):
        abort(404)
    name = f"briefing-{version.deck.award_cycle.year}-v{version.number}{'-notes' if notes else ''}.pdf"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-SHA256": version.notes_sha256 if notes else version.sha256})


# --- the question bank ------------------------------------------------------------------------

def _question_form(cycle: AwardCycle, obj=None) -> QuestionForm:
    form = QuestionForm(obj=obj)
    form.answerer_id.choices = choices([("", _("Nobody yet"))] +
                                       [(str(u.id), u.display_name) for u in list_users() if u.active])
    form.item_ids.choices = choices(services.item_choices(cycle))
    if request.method == "GET" and obj is not None:
        form.answerer_id.data = str(obj.answerer_id) if obj.answerer_id else ""
    return form


def _question_values(form: QuestionForm) -> dict:
    return {"question": form.question.data or "", "model_answer": form.model_answer.data or "",
            "answerer_id": int(form.answerer_id.data) if form.answerer_id.data else None,
            "item_ids": form.item_ids.data or []}


@bp.route("/questions/new", methods=["GET", "POST"])
@access.roles(*EDITORS)
def new_question():
    cycle = current_cycle()
    if cycle is None:
        flash(_("Set a current award cycle first."), "warning")
        return redirect(url_for("briefing.index"))
    form = _question_form(cycle)
    if request.method == "GET" and request.args.get("item", "").isdigit():
        form.item_ids.data = [int(request.args["item"])]
    return edit_view(form, save=lambda: services.create_question(cycle, _question_values(form), current_user),
                     success=_("Question added to the bank."),
                     redirect_to=lambda q: url_for("briefing.question", question_id=q.id),
                     template="briefing/question_form.html", question=None, cycle=cycle)


@bp.route("/questions/<int:question_id>")
@access.signed_in
def question(question_id: int):
    found = db.get_or_404(BriefingQuestion, question_id)
    entries = evidence.for_subject(found)
    attempts = list(db.session.scalars(db.select(QuestionAttempt).where(QuestionAttempt.question_id == found.id,
                                                                        QuestionAttempt.outcome.is_not(None))
                                       .order_by(QuestionAttempt.recorded_at.desc())))
    return render_template(
        "briefing/question.html", question=found, items=services.item_titles(found.item_ids or []),
        readiness=services.question_readiness([found])[found.id], attempts=attempts, evidence=entries,
        evidence_links=evidence.links(entries), can_edit=evidence.can_edit(current_user, found),
        can_change=_can_edit(), subject_type="briefing_question", subject_id=found.id, today=clock.today(),
        confirm_form=ConfirmForm())


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access.roles(*EDITORS)
def edit_question(question_id: int):
    found = db.get_or_404(BriefingQuestion, question_id)
    form = _question_form(found.award_cycle, obj=found)
    return edit_view(form, save=lambda: services.update_question(found, _question_values(form), current_user),
                     success=_("Question saved."), redirect_to=url_for("briefing.question", question_id=found.id),
                     template="briefing/question_form.html", question=found, cycle=found.award_cycle)


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@access.roles(*EDITORS)
def delete_question(question_id: int):
    found = db.get_or_404(BriefingQuestion, question_id)
    return confirm_view(action=lambda: services.delete_question(found, current_user),
                        success=_("Question deleted."), redirect_to=url_for("briefing.index"))


# --- question rehearsals and tasks ------------------------------------------------------------

@bp.route("/sessions/new", methods=["POST"])
@access.roles(*EDITORS)
def start_session():
    form = DrawForm()
    cycle = current_cycle()
    if cycle is None or not form.validate_on_submit():
        for error in form.count.errors:
            flash(error, "danger")
        return redirect(url_for("briefing.index") + "#questions"), 303
    try:
        session = services.start_session(cycle, form.count.data, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("briefing.index") + "#questions"), 303
    return redirect(url_for("briefing.session", session_id=session.id))


@bp.route("/sessions/<int:session_id>")
@access.signed_in
def session(session_id: int):
    found = db.get_or_404(QuestionSession, session_id)
    forms = {a.id: OutcomeForm(formdata=None, prefix=f"a{a.id}") for a in found.attempts}
    return render_template("briefing/session.html", session=found, forms=forms,
                           answerable={a.id: services.can_answer(current_user, a) for a in found.attempts})


@bp.route("/sessions/<int:session_id>/attempts/<int:attempt_id>", methods=["POST"])
@access.signed_in
@access.object_rule
def record_outcome(session_id: int, attempt_id: int):
    attempt = db.get_or_404(QuestionAttempt, attempt_id)
    if attempt.session_id != session_id:
        abort(404)
    if not services.can_answer(current_user, attempt):
        abort(403)
    form = OutcomeForm(prefix=f"a{attempt.id}")
    if form.validate_on_submit():
        try:
            task = services.record_outcome(attempt, form.outcome.data, form.note.data or "", current_user)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Outcome recorded; a follow-up task was added.") if task else _("Outcome recorded."), "success")
            return redirect(url_for("briefing.session", session_id=session_id) + f"#attempt-{attempt.id}")
    found = attempt.session
    forms = {a.id: (form if a.id == attempt.id else OutcomeForm(formdata=None, prefix=f"a{a.id}"))
             for a in found.attempts}
    return render_template("briefing/session.html", session=found, forms=forms,
                           answerable={a.id: services.can_answer(current_user, a) for a in found.attempts}), 400


@bp.route("/tasks/<int:task_id>/done", methods=["POST"])
@access.signed_in
@access.object_rule
def complete_task(task_id: int):
    task = db.get_or_404(BriefingTask, task_id)
    if not (_can_edit() or task.owner_id == current_user.id):
        abort(403)
    return confirm_view(action=lambda: services.complete_task(task, current_user), success=_("Task done."),
                        redirect_to=url_for("briefing.index") + "#tasks")
