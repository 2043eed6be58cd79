"""The initiatives' dossier section: SPARK initiatives, their process improvements and citizen hours saved."""
from __future__ import annotations

from flask_babel import gettext as _

from qms.charts import data_uri, horizontal_bar
from qms.evidence.dossier import cite_evidence
from qms.initiatives import savings, services


def gather(context) -> dict | None:
    summary = services.summary(context.cycle.id)
    if not summary.by_initiative:
        return None
    rows = [(initiative, total, [(p, savings.of(p)) for p in initiative.improvements])
            for initiative, total in summary.by_initiative]
    with_hours = [(initiative, total) for initiative, total in summary.by_initiative if total.hours_saved]
    chart = None
    if with_hours:
        chart = data_uri(horizontal_bar([context.text(i, "title_zh", "title_en") for i, _t in with_hours[:15]],
                                        [float(t.hours_saved) for _i, t in with_hours[:15]],
                                        unit=_("h"), width=680))
    cited = cite_evidence(context, "initiative", {initiative.id: context.text(initiative, "title_zh", "title_en")
                                                  for initiative, _total in summary.by_initiative})
    return {"summary": summary, "rows": rows, "chart": chart, "cited": cited}
