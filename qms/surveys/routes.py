"""Views of the surveys: definitions, rounds with statistics and radar, response import, kiosk votes, cases."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload, lazyload, load_only
from werkzeug.wrappers import Response

from qms import import_jobs, spreadsheets, storage, uploads
from qms.auth.models import User
from qms.auth.services import list_users
from qms.charts import data_uri, radar
from qms.core.services import get_organization
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.i18n import clause_separator, localized, percent
from qms.spine import access, clock
from qms.spine.access import Role
from qms.surveys import jobs as survey_jobs
from qms.surveys import services
from qms.surveys.forms import (
    CaseForm,
    KioskForm,
    MappingForm,
    ResponsesUploadForm,
    RoundForm,
    SurveyUploadForm,
    VoteForm,
)
from qms.surveys.jobs import IMPORTS
from qms.surveys.models import FollowUpCase, KioskToken, Survey, SurveyRound, Vote
from qms.surveys.qr import qr_svg_data_uri
from qms.views import confirm_view, edit_view, page_args, paged
from qms.yamlfiles import DataFileError

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
kiosk_bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
MAX_OVERLAY = 5


def text(record, zh, en) -> str:
    return localized(record, zh.removesuffix("_zh"))


# --- surveys and rounds -----------------------------------------------------------------------

LATEST_ROUNDS = 5  # rounds of each survey on the surveys page; the survey's own page lists them all, paged


@bp.route("/")
@access.signed_in
def index():
    surveys = services.list_surveys()
    rounds, round_counts = services.latest_rounds(LATEST_ROUNDS)
    return render_template("surveys/index.html", surveys=surveys, rounds=rounds, round_counts=round_counts,
                           latest_rounds=LATEST_ROUNDS, text=text,
                           upload_form=SurveyUploadForm() if services.is_quality(current_user) else None)


@bp.route("/upload", methods=["POST"])
@access.roles(Role.QUALITY)
def upload_survey():
    form = SurveyUploadForm()
    if form.validate_on_submit():
        try:
            survey = services.import_survey(form.file.data.read(1024 * 1024).decode("utf-8"), current_user)
        except UnicodeDecodeError:
            flash(_("The file is not UTF-8 text."), "danger")
        except DataFileError as error:
            db.session.rollback()
            problems = clause_separator().join(str(p) for p in error.problems)
            flash(_("Nothing was imported. Problems found:") + " " + problems, "danger")
        else:
            flash(_("Survey %(title)s added.", title=localized(survey, "title")), "success")
            return redirect(url_for("surveys.survey", survey_id=survey.id))
    else:
        flash(_("Choose a file."), "danger")
    return redirect(url_for("surveys.index"))


@bp.route("/<int:survey_id>")
@access.signed_in
def survey(survey_id: int):
    found = db.get_or_404(Survey, survey_id)
    page = paged(services.rounds_query(found))
    return render_template("surveys/survey.html", survey=found, rounds=page.items, page=page,
                           page_args=page_args(), text=text)


def _round_values(form: RoundForm) -> dict:
    values = {key: form[key].data for key in services.ROUND_FIELDS}
    values["label"] = values["label"].strip()
    values["max_blank_share"] = float(values["max_blank_share"])
    values["printed_margin"] = float(values["printed_margin"]) / 100 if values["printed_margin"] else None
    return values


def _save_round(found_survey: Survey, survey_round: SurveyRound | None):
    form = RoundForm(obj=survey_round if request.method == "GET" else None)
    if request.method == "GET" and survey_round is not None and survey_round.printed_margin is not None:
        form.printed_margin.data = round(survey_round.printed_margin * 100, 2)
    return edit_view(form, save=lambda: services.save_round(found_survey, survey_round, _round_values(form),
                                                            current_user),
                     success=_("Survey round saved."),
                     redirect_to=lambda saved: url_for("surveys.round_page", round_id=saved.id),
                     template="surveys/round_form.html", survey=found_survey, survey_round=survey_round, text=text)


@bp.route("/<int:survey_id>/rounds/new", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def create_round(survey_id: int):
    return _save_round(db.get_or_404(Survey, survey_id), None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def edit_round(round_id: int):
    survey_round = db.get_or_404(SurveyRound, round_id)
    return _save_round(survey_round.survey, survey_round)


def dimension_shares(result) -> list[float]:
    return [d.pooled.top_two_pct or 0 for d in result.dimensions]


@bp.route("/rounds/<int:round_id>")
@access.signed_in
def round_page(round_id: int):
    survey_round = db.get_or_404(SurveyRound, round_id)
    result = services.round_stats(survey_round)
    others = [r for r in services.list_rounds(survey_round.survey) if r.id != survey_round.id]
    chosen = [r for r in others if str(r.id) in request.args.getlist("compare")][:MAX_OVERLAY - 1]
    chart = None
    if len(result.dimensions) >= 3:
        series = [(survey_round.label, dimension_shares(result))]
        series += [(r.label, dimension_shares(services.round_stats(r))) for r in chosen]
        chart = data_uri(radar([f"{d.dimension.code} {text(d.dimension, 'name_zh', 'name_en')}"
                                for d in result.dimensions], series))
    item_extras = {}
    if result.overall is not None:
        rel = result.overall.reliability
        for question, deleted, rest in zip(result.overall.questions, rel.if_deleted, rel.item_rest, strict=False):
            item_extras[question.code] = (deleted, rest)
    return render_template("surveys/round.html", survey_round=survey_round, result=result, chart=chart, text=text,
                           others=others, chosen=chosen, item_extras=item_extras, reason_text=reason_text,
                           stat_pct=stat_pct, upload_form=ResponsesUploadForm()
                           if services.is_quality(current_user) else None,
                           running_import=survey_jobs.running_import(round_id)
                           if services.is_quality(current_user) else None)


def reason_text(reason: str) -> str:
    """Why a statistic or a response is left out, in the reader's language."""
    return {
        "not_a_number": _("not a number"),
        "out_of_range": _("answer outside the scale"), "too_many_blanks": _("too many blank answers"),
        "straight_lining": _("the same answer to every question"),
        "fewer than two items": _("fewer than two items"), "zero variance": _("no variation in the answers"),
        "fewer than two complete responses": _("fewer than two complete responses"),
        "no responses": _("no responses"), "sample larger than population": _("sample larger than the population"),
        "population too small": _("population too small"),
    }.get(reason, reason)


def stat_pct(value) -> str:
    if value is None or value.value is None:
        if value is not None and value.reason:
            return _("n/a (%(reason)s)", reason=reason_text(value.reason))
        return _("n/a")
    return percent(value.value * 100, 2)


@bp.route("/rounds/<int:round_id>/upload", methods=["POST"])
@access.roles(Role.QUALITY)
def upload_responses(round_id: int):
    survey_round = db.get_or_404(SurveyRound, round_id)
    form = ResponsesUploadForm()
    if not form.validate_on_submit():
        flash("; ".join(str(e) for e in form.file.errors), "danger")
        return redirect(url_for("surveys.round_page", round_id=round_id))
    upload = form.file.data
    fmt = (upload.filename or "").rsplit(".", 1)[-1].lower()
    data = upload.read(uploads.max_bytes() + 1)
    if fmt not in spreadsheets.FORMATS or len(data) > uploads.max_bytes():
        flash(_("Upload an XLSX, ODS or CSV file of at most %(limit)s.", limit=uploads.human_size(uploads.max_bytes())),
              "danger")
        return redirect(url_for("surveys.round_page", round_id=round_id))
    try:
        header = spreadsheets.read(data, fmt)[0]
    except spreadsheets.TooLarge:
        flash(spreadsheets.too_large_message(), "danger")
        return redirect(url_for("surveys.round_page", round_id=round_id))
    except (spreadsheets.SpreadsheetError, IndexError):
        flash(_("This file could not be read as %(format)s.", format=fmt.upper()), "danger")
        return redirect(url_for("surveys.round_page", round_id=round_id))
    try:
        stored = storage.write(IMPORTS, data, suffix=f".{fmt}")  # kept until the mapping is confirmed
    except storage.StorageError as error:
        flash(error.message, "danger")
        return redirect(url_for("surveys.round_page", round_id=round_id))
    return render_template("surveys/mapping.html", survey_round=survey_round, header=header,
                           guess=services.guess_mapping(survey_round.survey, header), form=MappingForm(upload=stored),
                           source_name=upload.filename or "", text=text)


@bp.route("/rounds/<int:round_id>/import", methods=["POST"])
@access.roles(Role.QUALITY)
def import_responses(round_id: int):
    survey_round = db.get_or_404(SurveyRound, round_id)
    form = MappingForm()
    stored = form.upload.data or ""
    if not form.validate_on_submit() or not storage.valid_name(stored):
        abort(400)
    if not storage.exists(IMPORTS, stored):
        flash(_("The uploaded file is gone; upload it again."), "danger")
        return redirect(url_for("surveys.round_page", round_id=round_id))
    mapping = {}
    for question in survey_round.survey.questions:
        raw = request.form.get(f"map_{question.code}", "")
        if raw.isdigit():
            mapping[question.code] = int(raw)
    job = survey_jobs.start(survey_round, stored, mapping, request.form.get("source_name", ""), current_user)
    return redirect(url_for("surveys.import_page", round_id=round_id, job_id=job.id))


@bp.route("/rounds/<int:round_id>/imports/<int:job_id>")
@access.roles(Role.QUALITY)
def import_page(round_id: int, job_id: int):
    survey_round = db.get_or_404(SurveyRound, round_id)
    job = survey_jobs.job_of_round(round_id, job_id)
    if job is None:
        abort(404)
    state = import_jobs.state(job)
    back_url, back_label = url_for("surveys.round_page", round_id=round_id), _("Back to the round")
    if state["imported"] is False:
        return render_template("import_report.html", title=_("Import responses"), message=state["message"],
                               problems=state["problems"], caption=_("Problems (nothing was imported)"),
                               back_url=back_url, back_label=back_label)
    counts = state["counts"]
    return render_template("import_progress.html", title=f"{_('Import responses')} · {survey_round.label}",
                           state=state, poll_url=url_for("surveys.import_json", round_id=round_id, job_id=job.id),
                           back_url=back_url, back_label=back_label,
                           success=_("Imported %(rows)d responses, %(valid)d valid.", rows=counts.get("rows", 0),
                                     valid=counts.get("valid", 0)) if state["imported"] else "")


@bp.route("/rounds/<int:round_id>/imports/<int:job_id>.json")
@access.roles(Role.QUALITY)
def import_json(round_id: int, job_id: int):
    job = survey_jobs.job_of_round(round_id, job_id)
    if job is None:
        abort(404)
    state = import_jobs.state(job)
    return jsonify(running=state["running"], done=state["done"], total=state["total"])


@bp.route("/rounds/<int:round_id>/export.<fmt>")
@access.signed_in
def export(round_id: int, fmt: str):
    if fmt not in spreadsheets.FORMATS:
        abort(404)
    survey_round = db.get_or_404(SurveyRound, round_id)
    result = services.round_stats(survey_round)
    rows: list[list] = [[_("Question"), _("Dimension"), "n", _("Mean"), _("SD"), _("Satisfied share (percent)")]]
    for question, item in result.items:
        rows.append([f"{question.code} {localized(question, 'text')}",
                     question.dimension.code if question.dimension else "", item.n, item.mean, item.sd,
                     item.top_two_pct])
    rows.append([])
    rows.append([_("Dimension"), _("Items"), "n", _("Satisfied share (percent)"), _("Complete responses (n of α)"),
                 "α", _("Standardized α")])
    for group in result.dimensions + ([result.overall] if result.overall else []):
        name = localized(group.dimension, "name") if group.dimension else _("All rating items")
        rows.append([name, len(group.questions), group.pooled.n, group.pooled.top_two_pct,
                     group.reliability.complete_n, group.reliability.alpha.value,
                     group.reliability.standardized.value])
    rows.append([])
    rows.append([_("Valid responses"), result.valid, _("Sampling error at 95 percent confidence"),
                 result.margin_half.value if result.margin_half else None])
    data = spreadsheets.write(rows, fmt, sheet_name="survey")
    return Response(data, mimetype=spreadsheets.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="survey-round-{round_id}.{fmt}"'})


# --- kiosks and votes -------------------------------------------------------------------------

def retention_period(days: int) -> str:
    """How long contact details are kept, in the reader's words: whole years as years, else days."""
    if days % 365 == 0:
        return ngettext("%(num)d year", "%(num)d years", days // 365)
    return ngettext("%(num)d day", "%(num)d days", days)


@bp.route("/kiosks", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def kiosks():
    form = KioskForm()
    new_url = new_qr = None
    if form.validate_on_submit():
        kiosk, token = services.issue_kiosk_token(form.name.data, current_user)
        new_url = url_for("kiosk.vote", token=token, _external=True)
        new_qr = qr_svg_data_uri(new_url)
        flash(_("Kiosk %(name)s ready. Open the address below on its tablet; it is shown only once.",
                name=kiosk.name), "success")
        form = KioskForm(formdata=None)
    return render_template("surveys/kiosks.html", form=form, kiosks=services.list_kiosks(),
                           votes=services.kiosk_vote_counts(), no_votes=services.KioskVotes(), new_url=new_url,
                           new_qr=new_qr, retention=retention_period(services.contact_retention_days())), \
        400 if form.errors else 200


@bp.route("/kiosks/<int:kiosk_id>/revoke", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def revoke_kiosk(kiosk_id: int):
    """GET asks for the confirmation (no script needed); POST with its token revokes."""
    kiosk = db.get_or_404(KioskToken, kiosk_id)
    if request.method == "GET":
        if kiosk.revoked_at is not None:
            return redirect(url_for("surveys.kiosks"))
        return render_template("surveys/kiosk_revoke.html", kiosk=kiosk, confirm_form=ConfirmForm(),
                               votes=services.kiosk_vote_counts().get(kiosk.id, services.KioskVotes()))
    return confirm_view(action=lambda: services.revoke_kiosk(kiosk, current_user),
                        success=_("Kiosk %(name)s can no longer record votes.", name=kiosk.name),
                        redirect_to=url_for("surveys.kiosks"),
                        refused_to=url_for("surveys.revoke_kiosk", kiosk_id=kiosk.id))


def office_name() -> str:
    organization = get_organization()
    if organization is None:
        return ""
    return text(organization, "name", "name_en")


def kiosk_page(template: str, status: int = 200, **context):
    """A page of the citizens' kiosk: its own minimal layout, no staff navigation."""
    return render_template(template, office=office_name(), **context), status


def closed_kiosk(kiosk: KioskToken | None):
    """The citizen's page for an address that was revoked (410) or never issued (404)."""
    return kiosk_page("surveys/kiosk_closed.html", 404 if kiosk is None else 410)


@kiosk_bp.route("/<token>", methods=["GET", "POST"])
@access.public
def vote(token: str):
    """Step one: satisfied is sent at once; dissatisfied leads to step two, which sends its reason and contact."""
    kiosk = services.find_kiosk(token)
    if kiosk is None or kiosk.revoked_at is not None:
        return closed_kiosk(kiosk)
    form = VoteForm()
    if request.method == "GET":
        return kiosk_page("surveys/kiosk.html", kiosk=kiosk, token=token, thanks=False)
    dissatisfied = form.satisfied.data == "0"
    if form.validate_on_submit() and form.satisfied.data in ("1", "0"):
        try:
            services.cast_vote(kiosk, not dissatisfied, form.reason.data or "", form.contact.data or "")
        except services.RateLimited as error:
            flash(error.message, "danger")
            status = 429
        else:
            return kiosk_page("surveys/kiosk.html", kiosk=kiosk, token=token, thanks=True)
    else:
        status = 400
    if dissatisfied:  # what the citizen wrote stays on the page
        return _dissatisfied_page(kiosk, token, form, status)
    return kiosk_page("surveys/kiosk.html", status, kiosk=kiosk, token=token, thanks=False)


def _dissatisfied_page(kiosk: KioskToken, token: str, form: VoteForm, status: int = 200):
    return kiosk_page("surveys/kiosk_dissatisfied.html", status, kiosk=kiosk, token=token, form=form,
                      retention=retention_period(services.contact_retention_days()))


@kiosk_bp.route("/<token>/dissatisfied")
@access.public
def dissatisfied(token: str):
    """Step two of a dissatisfied vote: the optional reason and contact, with the personal-data notice."""
    kiosk = services.find_kiosk(token)
    if kiosk is None or kiosk.revoked_at is not None:
        return closed_kiosk(kiosk)
    return _dissatisfied_page(kiosk, token, VoteForm(formdata=None))


@kiosk_bp.errorhandler(CSRFError)
def kiosk_form_expired(error):
    """A tablet left on the page past the form's time limit: ask the citizen to choose again, in the kiosk's words."""
    token = (request.view_args or {}).get("token", "")
    kiosk = services.find_kiosk(token)
    if kiosk is None or kiosk.revoked_at is not None:
        return closed_kiosk(kiosk)
    flash(_("Your vote was not sent because this page had been open for a long time. Please choose again."),
          "danger")
    return kiosk_page("surveys/kiosk.html", 400, kiosk=kiosk, token=token, thanks=False)


# --- follow-up cases --------------------------------------------------------------------------

@bp.route("/cases")
@access.roles(Role.QUALITY)
def cases():
    open_only = request.args.get("all") != "1"
    # What a row shows, and no more: the answers' texts, the kiosk and the owner's full record stay unloaded.
    page = paged(services.cases_query(open_only).options(
        load_only(FollowUpCase.vote_id, FollowUpCase.owner_id, FollowUpCase.closed_on),
        joinedload(FollowUpCase.vote).options(load_only(Vote.cast_at, Vote.reason), lazyload(Vote.kiosk)),
        joinedload(FollowUpCase.owner).load_only(User.display_name)))
    return render_template("surveys/cases.html", cases=page.items, page=page, page_args=page_args(),
                           open_only=open_only)


def _case_values(form: CaseForm) -> dict:
    return {"owner_id": int(form.owner_id.data) if form.owner_id.data else None,
            "response_to_citizen": (form.response_to_citizen.data or "").strip(),
            "improvement": (form.improvement.data or "").strip(), "closed_on": form.closed_on.data}


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@access.signed_in
@access.object_rule
def case(case_id: int):
    found = db.get_or_404(FollowUpCase, case_id)
    # The quality team, and whoever the case is given to: they answer the citizen (My work sends them here).
    if not (current_user.has_role(Role.QUALITY) or found.owner_id == current_user.id):
        abort(403)
    form = CaseForm() if request.method == "POST" else CaseForm(formdata=None, obj=found)
    form.owner_id.choices = choices([("", _("Nobody yet"))] + [(str(u.id), u.display_name)
                                                                for u in list_users() if u.active])
    if request.method == "GET":
        form.owner_id.data = str(found.owner_id or "")
    return edit_view(form, save=lambda: services.update_case(found, _case_values(form), current_user),
                     success=_("Follow-up case saved."), redirect_to=url_for("surveys.case", case_id=found.id),
                     template="surveys/case.html", case=found)


def weekly_rows():
    return services.weekly_satisfaction(clock.today(), 6, clock.zone())
