"""The drills' record types, navigation and dashboard reminders."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from qms.drills import dossier, reminders, services, slides
from qms.drills.forms import ActionForm, DrillForm, ScenarioForm
from qms.drills.models import ACTION_STATUS_LABELS, CorrectiveAction, Drill, DrillPlan, Scenario, Scorecard
from qms.i18n import date_html, date_text, localized, user_text
from qms.spine import clock, records
from qms.spine import reminders as reminder_sources
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.sections import Section, register_section
from qms.spine.slides import SlideKind, register_slide_kind


def _labels(form_class, names) -> dict:
    return {n: getattr(form_class, n).args[0] for n in names if hasattr(form_class, n)}


def drills_card(user, cycle) -> Card | None:
    today = clock.today()
    # Counted by the database: the card costs the same with ten drills or ten thousand.
    rows = services.schedule(today.year, today, clock.zone(), months=[today.month])
    open_actions, overdue = services.count_open_actions(today)
    redrills = services.redrills_due(today, within_days=14, limit=3)
    lines = [(str(r.channel.label), _("%(done)d of %(planned)d drills done this month", done=r.done,
                                      planned=r.planned)) for r in rows]
    lines.append((_("Corrective actions"), _("%(open)d not yet verified, %(overdue)d overdue", open=open_actions,
                                              overdue=overdue)))
    lines += [(_("Re-drill"), Markup("{} {}").format(date_html(d.redrill_on), user_text(d.unit_observed)))
              for d in redrills]
    return Card(title=_("Mystery-shopper drills"), lines=lines, link=url_for("drills.schedule"),
                link_text=_("Open the schedule"))


def _drill_title(drill: Drill) -> str:
    """The drill as the pages name it: its day in the reader's date style, and the counter observed."""
    return f"{date_text(drill.occurred_at)} {drill.unit_observed or drill.channel.label}"


def _drill_document(drill: Drill) -> dict:
    # Staff names are not indexed: only quality and admin may see them.
    parts = [drill.unit_observed, drill.scenario.title_zh if drill.scenario else "", drill.comments]
    return {"title": str(drill), "body": "\n\n".join(p for p in parts if p), "date": drill.occurred_at}


def _action_document(action: CorrectiveAction) -> dict:
    parts = [action.root_cause, action.action_taken, action.effectiveness_check]
    return {"title": action.title, "body": "\n\n".join(p for p in parts if p),
            "date": action.due_date or action.created_at}


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "drill", Drill, _l("Mystery-shopper drill"), endpoint="drills.detail", url_kwarg="drill_id", evidence=True,
        search=records.SearchSpec(document=_drill_document), when=lambda drill: drill.occurred_at,
        can_edit=services.can_edit_drill, title=_drill_title,
        field_labels=_labels(DrillForm, services.DRILL_FIELDS) | {"total_pct": _l("Total (%)"),
                                                                   "rating": _l("Rating"),
                                                                   "reviewed_at": _l("Reviewed")}))
    records.register(records.RecordType(
        "corrective_action", CorrectiveAction, _l("Corrective action"), endpoint="drills.action",
        url_kwarg="action_id", evidence=True, search=records.SearchSpec(document=_action_document),
        owner=records.owner_column(CorrectiveAction.owner_id),
        when=lambda action: action.drill.occurred_at if action.drill else action.created_at,
        field_labels=_labels(ActionForm, services.ACTION_FIELDS) | {"status": _l("Status"),
                                                                     "effectiveness_check": _l("Effectiveness check")},
        value_labels={"status": {s.value: label for s, label in ACTION_STATUS_LABELS.items()}}))
    records.register(records.RecordType("scenario", Scenario, _l("Scenario"), endpoint="drills.scenarios",
                                        url_kwarg=None, title=lambda scenario: localized(scenario, "title"),
                                        field_labels=_labels(ScenarioForm, services.SCENARIO_FIELDS)))
    records.register(records.RecordType("scorecard", Scorecard, _l("Scorecard"), endpoint="drills.scorecard",
                                        url_kwarg="scorecard_id",
                                        title=lambda card: f"{localized(card, 'name')} v{card.version}"))
    records.register(records.RecordType("drill_plan", DrillPlan, _l("Drill plan")))
    register_nav("drills.index", _l("Mystery shopper"), order=55)
    register_card("drills", drills_card, order=25)
    register_section(Section("drills", _l("Mystery-shopper drills"), order=50, template="pdf/dossier/drills.html",
                             gather=dossier.gather))
    register_slide_kind(SlideKind("drills", _l("Drills and corrective actions"), "slides/drills.html",
                                  slides.gather_drills, order=50, default_seconds=90))
    for source in reminders.SOURCES:
        reminder_sources.register_source(source)
