"""The checklist's briefing slide (readiness by dimension) and the readiness of items for other features' weights."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from qms.charts import data_uri, horizontal_bar
from qms.checklist import readiness, services
from qms.checklist.models import AssessmentItem
from qms.extensions import db
from qms.spine import clock

MAX_FRAMEWORKS = 3  # what a slide's table has room for


def gather_readiness(context) -> dict | None:
    """Each framework's overall readiness, and the first one's readiness by dimension as a bar chart: the figures
    of the checklist page (services.checklist_view and top_level_figures)."""
    assessments = services.assessments_of(context.cycle)
    if not assessments:
        return None
    frameworks = []
    for assessment in assessments[:MAX_FRAMEWORKS]:
        view = services.checklist_view(assessment, clock.today())
        frameworks.append({"name": context.text(assessment.framework), "overall": view.figures.overall,
                           "dimensions": services.top_level_figures(view, name=context.text)})
    main = frameworks[0]
    chart = None
    if main["dimensions"]:
        chart = data_uri(horizontal_bar([label for label, _score, _ready in main["dimensions"]],
                                        [ready for _label, _score, ready in main["dimensions"]],
                                        unit="%", width=560))
    return {"frameworks": frameworks, "main": main, "chart": chart, "chart_alt": _("Readiness (%)")}


def readiness_of_items(ids: list[int]) -> dict[int, float]:
    """{item id: readiness 0–100} by the checklist's own rule, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(select(AssessmentItem.id, AssessmentItem.status, AssessmentItem.score,
                                     services.lapsed_column(clock.today()))
                              .where(AssessmentItem.id.in_(list(ids))))
    return {item_id: readiness.item_readiness(status, score, bool(lapsed)) for item_id, status, score, lapsed in rows}

