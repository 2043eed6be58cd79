"""The initiatives' record types, navigation, dashboard card and template filter."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.i18n import localized, number
from qms.initiatives import dossier, savings, services, slides
from qms.initiatives.forms import ImprovementForm, InitiativeForm, MetricForm
from qms.initiatives.models import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    Initiative,
    OutcomeMetric,
    ProcessImprovement,
    SparkCore,
)
from qms.spine import records
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.sections import Section, register_section
from qms.spine.slides import SlideKind, register_slide_kind


def _labels(form_class, names) -> dict:
    return {name: getattr(form_class, name).args[0] for name in names if hasattr(form_class, name)}


def spark_card(user, cycle) -> Card | None:
    if cycle is None:
        return None
    count, total = services.cycle_totals(cycle.id)
    return Card(title=_("SPARK initiatives"), link=url_for("initiatives.summary", cycle=cycle.id),
                link_text=_("Summary of time saved"),
                lines=[(_("Initiatives"), str(count)), (_("Process improvements"), str(total.improvements)),
                       (_("Citizen hours saved per year"), number(total.hours_saved)),
                       (_("Turnaround saved per year (case-days)"), number(total.case_days_saved))])


# "days" was a time-spent unit until turnaround got its own pair; the audit trail still names it in old entries.
UNIT_VALUE_LABELS = {u.value: label for u, label in UNIT_LABELS.items()} | {"days": _l("days")}


def channel_label(value: str) -> str:
    return str(CHANNEL_LABELS.get(value, value))


def _search_document(initiative: Initiative) -> dict:
    return {"title": " / ".join(t for t in (initiative.title_zh, initiative.title_en) if t),
            "body": "\n\n".join(t for t in (initiative.summary, initiative.problem, initiative.what_changed,
                                             initiative.partners) if t),
            "keywords": list(initiative.tags or []), "date": initiative.start_date or initiative.created_at}



def register(app: Flask) -> None:
    records.register(records.RecordType(
        "initiative", Initiative, _l("SPARK initiative"), endpoint="initiatives.detail", url_kwarg="initiative_id",
        evidence=True, can_edit=services.can_edit, search=records.SearchSpec(document=_search_document),
        title=lambda initiative: localized(initiative, "title"), owner=records.owner_column(Initiative.owner_id),
        field_labels=_labels(InitiativeForm, services.INITIATIVE_FIELDS),
        value_labels={"status": {s.value: label for s, label in STATUS_LABELS.items()}}))
    records.register(records.RecordType(
        "process_improvement", ProcessImprovement, _l("Process improvement"), title=lambda p: p.service,
        field_labels=_labels(ImprovementForm, services.IMPROVEMENT_FIELDS),
        value_labels={"before_unit": UNIT_VALUE_LABELS, "after_unit": UNIT_VALUE_LABELS}))
    records.register(records.RecordType("outcome_metric", OutcomeMetric, _l("Outcome"),
                                        field_labels=_labels(MetricForm, services.METRIC_FIELDS)))
    records.register(records.RecordType("spark_core", SparkCore, _l("SPARK core"),
                                        title=lambda core: localized(core, "name")))
    register_nav("initiatives.index", _l("SPARK initiatives"), order=50)
    register_card("spark", spark_card, order=20)
    register_section(Section("initiatives", _l("SPARK initiatives"), order=30, template="pdf/dossier/initiatives.html",
                             gather=dossier.gather))
    app.add_template_filter(channel_label, "channel_label")
    app.add_template_filter(savings.hours_formula, "hours_formula")
    app.add_template_filter(savings.days_formula, "days_formula")
    app.add_template_filter(savings.figure, "saving_figure")
    register_slide_kind(SlideKind("process_improvements", _l("Process simplifications before and after"),
                                  "slides/process_improvements.html", slides.gather_improvements, order=30,
                                  default_seconds=120))
    register_slide_kind(SlideKind("spark_cores", _l("SPARK initiatives by core"), "slides/spark_cores.html",
                                  slides.gather_cores, order=35, default_seconds=120))
