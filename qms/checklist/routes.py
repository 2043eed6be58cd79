"""Views of the checklist: frameworks, a cycle's assessments, items and their evidence, import/export, compare."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from qms import import_jobs, spreadsheets
from qms.auth.services import list_users
from qms.charts import data_uri, radar
from qms.checklist import services
from qms.checklist.forms import AdoptForm, CompareForm, FrameworkUploadForm, ImportForm, ItemForm
from qms.checklist.frameworks import FrameworkError
from qms.checklist.models import Assessment, AssessmentItem, Framework, FrameworkNode
from qms.checklist.readiness import STATUS_CAP
from qms.checklist.scales import SCALE_LABELS, score_choices
from qms.core.models import AwardCycle
from qms.core.services import ServiceError, current_cycle, list_cycles
from qms.evidence import services as evidence
from qms.extensions import db
from qms.forms import ConfirmForm, choices
from qms.i18n import is_chinese, localized
from qms.spine import access, clock, panels
from qms.spine.access import Role
from qms.views import confirm_view, edit_view, import_job_view

bp = Blueprint("checklist", __name__, url_prefix="/checklist")
MAX_FRAMEWORK_BYTES = 1024 * 1024


def node_name(node: FrameworkNode | Framework) -> str:
    return localized(node, "name")


# --- overview and frameworks ------------------------------------------------------------------

@bp.route("/")
@access.signed_in
def index():
    cycle_assessments = [(cycle, services.assessments_of(cycle)) for cycle in list_cycles()]
    figures = services.readiness_of([a for _cycle, found in cycle_assessments for a in found])
    form = None
    if current_user.has_role(Role.QUALITY):
        form = _adopt_form()
    return render_template("checklist/index.html", cycle_assessments=cycle_assessments, figures=figures,
                           adopt_form=form, current=current_cycle())


def _adopt_form(formdata=None) -> AdoptForm:
    form = AdoptForm(formdata=formdata)
    form.award_cycle_id.choices = choices((str(c.id), str(c)) for c in list_cycles())
    form.framework_id.choices = choices(
        (str(f.id), f"{node_name(f)} · v{f.version}" + (f" ({f.edition})" if f.edition else ""))
        for f in services.list_frameworks())
    if formdata is None and (cycle := current_cycle()) is not None:
        form.award_cycle_id.data = str(cycle.id)
    return form


@bp.route("/adopt", methods=["POST"])
@access.roles(Role.QUALITY)
def adopt():
    form = _adopt_form(request.form)
    if form.validate_on_submit():
        cycle = db.get_or_404(AwardCycle, int(form.award_cycle_id.data))
        framework = db.get_or_404(Framework, int(form.framework_id.data))
        try:
            assessment = services.adopt(cycle, framework, current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("%(cycle)s now assesses itself against %(framework)s.", cycle=str(cycle),
                    framework=node_name(framework)), "success")
            return redirect(url_for("checklist.assessment", assessment_id=assessment.id))
    else:
        flash(_("Choose an award cycle and a framework."), "danger")
    return redirect(url_for("checklist.index"))


@bp.route("/frameworks")
@access.signed_in
def frameworks():
    form = FrameworkUploadForm() if current_user.role == Role.ADMIN else None
    return render_template("checklist/frameworks.html", frameworks=services.list_frameworks(), form=form,
                           scale_labels=SCALE_LABELS)


@bp.route("/frameworks/upload", methods=["POST"])
@access.roles(Role.ADMIN)
def upload_framework():
    form = FrameworkUploadForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read(MAX_FRAMEWORK_BYTES + 1)
        try:
            if len(raw) > MAX_FRAMEWORK_BYTES:
                raise ServiceError(_("A framework file may be at most 1 MB."))
            text = raw.decode("utf-8")
            framework, created = services.import_framework(text, upload.filename or "upload.yaml", current_user)
        except UnicodeDecodeError:
            problems = [_("The file is not UTF-8 text.")]
        except FrameworkError as error:
            db.session.rollback()
            problems = [str(problem) for problem in error.problems]
        except ServiceError as error:
            problems = [error.message]
        else:
            if created:
                flash(_("Imported %(name)s as version %(version)d.", name=node_name(framework),
                        version=framework.version), "success")
            else:
                flash(_("%(name)s version %(version)d already has exactly this content; nothing changed.",
                        name=node_name(framework), version=framework.version), "info")
            return redirect(url_for("checklist.framework", framework_id=framework.id))
    return render_template("checklist/frameworks.html", frameworks=services.list_frameworks(), form=form,
                           problems=problems, scale_labels=SCALE_LABELS), 400


@bp.route("/frameworks/<int:framework_id>")
@access.signed_in
def framework(framework_id: int):
    found = db.get_or_404(Framework, framework_id)
    return render_template("checklist/framework.html", framework=found, scale_label=SCALE_LABELS[found.scale])


# --- an assessment: the checklist page ----------------------------------------------------------

@bp.route("/assessments/<int:assessment_id>")
@access.signed_in
def assessment(assessment_id: int):
    found = db.get_or_404(Assessment, assessment_id)
    view = services.checklist_view(found, clock.today())
    mine_only = request.args.get("mine", "1" if current_user.role == Role.STAFF else "0") == "1"
    dimensions = services.top_level_figures(view, node_name)
    chart = None
    if len(dimensions) >= 3:
        svg = radar([label for label, _score, _ready in dimensions],
                    [(_("Score"), [score for _code, score, _ready in dimensions]),
                     (_("Readiness"), [ready for _code, _score, ready in dimensions])])
        chart = data_uri(svg)
    return render_template("checklist/assessment.html", assessment=found, view=view, mine_only=mine_only,
                           chart=chart, dimensions=dimensions, status_cap=STATUS_CAP, name=node_name,
                           confirm_form=ConfirmForm(), import_form=ImportForm())


@bp.route("/assessments/<int:assessment_id>/delete", methods=["POST"])
@access.roles(Role.QUALITY)
def delete_assessment(assessment_id: int):
    found = db.get_or_404(Assessment, assessment_id)
    return confirm_view(action=lambda: services.delete_assessment(found, current_user),
                        success=_("The self-assessment has been deleted."), redirect_to=url_for("checklist.index"))


@bp.route("/assessments/<int:assessment_id>/export.<fmt>")
@access.signed_in
def export(assessment_id: int, fmt: str):
    if fmt not in spreadsheets.FORMATS:
        abort(404)
    found = db.get_or_404(Assessment, assessment_id)
    view = services.checklist_view(found, clock.today())
    data = spreadsheets.write(services.export_rows(view, is_chinese()), fmt, sheet_name=found.framework.key,
                              widths=services.export_widths())
    filename = f"checklist-{found.award_cycle.year}-{found.framework.key}.{fmt}"
    return Response(data, mimetype=spreadsheets.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@import_jobs.importer(
    "checklist.assignments", title=_l("Import assignments"),
    success=lambda changed: _("Imported: %(count)d items changed.", count=changed),
    back=lambda params: (url_for("checklist.assessment", assessment_id=params["assessment_id"]),
                         _("Back to the checklist")))
def _import_assignments(table: list[list], params: dict, actor) -> int:
    found = db.session.get(Assessment, params["assessment_id"])
    if found is None:
        raise ServiceError(_("This checklist no longer exists."))
    return services.import_assignments(found, table, actor)


@bp.route("/assessments/<int:assessment_id>/import", methods=["POST"])
@access.roles(Role.QUALITY)
def import_assignments(assessment_id: int):
    found = db.get_or_404(Assessment, assessment_id)
    return import_job_view(ImportForm(), "checklist.assignments", {"assessment_id": found.id},
                           title=_("Import assignments"),
                           back_url=url_for("checklist.assessment", assessment_id=found.id),
                           back_label=_("Back to the checklist"))


@bp.route("/compare")
@access.signed_in
def compare():
    assessments = services.all_assessments()
    form = CompareForm(request.args)
    options = choices((str(a.id), f"{a.award_cycle} · {node_name(a.framework)} v{a.framework.version}")
                      for a in assessments)
    form.left.choices, form.right.choices = options, list(options)
    rows, left, right = [], None, None
    if request.args and form.validate():
        left = db.get_or_404(Assessment, int(form.left.data))
        right = db.get_or_404(Assessment, int(form.right.data))
        if left.framework.key != right.framework.key:
            form.right.errors = [*form.right.errors, _("Choose two assessments of the same framework.")]
        else:
            rows = services.compare(left, right)
    totals = services.readiness_of([a for a in (left, right) if a is not None])
    return render_template("checklist/compare.html", form=form, rows=rows, left=left, right=right, totals=totals,
                           name=node_name)


# --- items --------------------------------------------------------------------------------------

def _item_form(item: AssessmentItem, formdata=None) -> ItemForm:
    form = ItemForm(formdata=formdata, obj=item if formdata is None else None)
    scale_choices = choices(score_choices(item.assessment.framework.scale))
    form.score.choices, form.target_score.choices = scale_choices, list(scale_choices)
    form.owner_id.choices = choices([("", _("Nobody yet"))] + [(str(u.id), f"{u.display_name} ({u.username})")
                                                                for u in list_users() if u.active])
    if formdata is None:
        form.owner_id.data = str(item.owner_id or "")
        form.score.data = "" if item.score is None else str(item.score)
        form.target_score.data = "" if item.target_score is None else str(item.target_score)
        form.status.data = item.status.value
    return form


def _item_values(form: ItemForm) -> dict:
    def number(value):
        return int(value) if value not in (None, "") else None

    return {"owner_id": number(form.owner_id.data), "due_date": form.due_date.data, "status": form.status.data,
            "score": number(form.score.data), "target_score": number(form.target_score.data),
            "narrative": form.narrative.data or "", "strengths": form.strengths.data or "",
            "opportunities": form.opportunities.data or ""}


def _item_context(item: AssessmentItem) -> dict:
    entries = evidence.for_subject(item)
    item_readiness, lapsed = services.item_readiness(item, entries, clock.today())
    return dict(
        item=item, item_readiness=item_readiness, lapsed=lapsed,
        editable=services.editable_fields(current_user, item), evidence=entries,
        evidence_links=evidence.links(entries), can_edit=services.can_edit(current_user, item),
        subject_type="assessment_item", subject_id=item.id, name=node_name, today=clock.today(),
        deadline=item.assessment.award_cycle.submission_deadline,
        panels=panels.panels_for("assessment_item", item, current_user))


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@access.signed_in
def item(item_id: int):
    found = db.get_or_404(AssessmentItem, item_id)
    if request.method == "POST" and not services.can_edit(current_user, found):
        abort(403)
    form = _item_form(found, request.form if request.method == "POST" else None)
    return edit_view(form, save=lambda: services.update_item(found, _item_values(form), current_user),
                     success=_("Item %(code)s saved.", code=found.node.code),
                     redirect_to=url_for("checklist.item", item_id=found.id), template="checklist/item.html",
                     **_item_context(found))
