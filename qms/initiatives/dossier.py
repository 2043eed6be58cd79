"""The initiatives' dossier section: SPARK initiatives, their process improvements, hours and days saved."""
from __future__ import annotations

from qms.evidence.dossier import cite_evidence
from qms.initiatives import savings, services
from qms.initiatives.charts import savings_charts


def gather(context) -> dict | None:
    summary = services.summary(context.cycle.id)
    if not summary.by_initiative:
        return None
    rows = [(initiative, total, [(p, savings.of(p)) for p in initiative.improvements])
            for initiative, total in summary.by_initiative]
    hours_chart, days_chart = savings_charts(summary.by_initiative, lambda i: context.text(i, "title_zh", "title_en"),
                                             width=680, limit=15)
    cited = cite_evidence(context, "initiative", {initiative.id: context.text(initiative, "title_zh", "title_en")
                                                  for initiative, _total in summary.by_initiative})
    return {"summary": summary, "rows": rows, "hours_chart": hours_chart, "days_chart": days_chart, "cited": cited}
