"""The checklist's dossier section: each framework dimension and item with narrative, score and evidence."""
from __future__ import annotations

from flask_babel import gettext as _

from qms.charts import data_uri, radar
from qms.checklist import services
from qms.evidence.dossier import cite_evidence
from qms.spine import clock


def gather(context) -> dict | None:
    assessments = services.assessments_of(context.cycle)
    if not assessments:
        return None
    frameworks = []
    for assessment in assessments:
        view = services.checklist_view(assessment, clock.today())
        cited = cite_evidence(context, "assessment_item", {
            row.item.id: f"{row.item.node.code} {context.text(row.item.node)}" for row in view.rows})
        figures = services.top_level_figures(view, name=context.text)
        chart = None
        if len(figures) >= 3:
            chart = data_uri(radar([label for label, _score, _ready in figures],
                                   [(_("Readiness (%)"), [ready for _label, _score, ready in figures])]))
        frameworks.append({"assessment": assessment, "view": view, "cited": cited, "chart": chart})
    return {"frameworks": frameworks}
