"""The drills' briefing slide: mystery-shopper results and how corrective actions were closed."""
from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _

from qms.charts import data_uri, horizontal_bar
from qms.drills import services
from qms.drills.dossier import closure_rate
from qms.drills.models import ActionStatus
from qms.spine import clock


def gather_drills(context) -> dict | None:
    """The drills of the period (services.report, the report page's figures) and the corrective actions' closure
    rate (the dossier section's closure_rate)."""
    between = context.moments
    report = services.report(clock.today(), clock.zone(), between=between)
    if not report.by_month:
        return None
    actions = services.list_actions() if between is None else services.actions_between(*between)
    by_status = Counter(a.status for a in actions)
    chart = None
    if report.by_section:
        chart = data_uri(horizontal_bar([f"{code} {name}" for code, name, _p in report.by_section],
                                        [pct for _c, _n, pct in report.by_section], title=_("Average score (%)"),
                                        unit="%", width=480))
    drills = sum(n for _m, _avg, n in report.by_month)
    average = sum(avg * n for _m, avg, n in report.by_month) / drills if drills else None
    return {"report": report, "chart": chart, "drills": drills, "average": average, "actions": len(actions),
            "by_status": [(status, by_status.get(status, 0)) for status in ActionStatus],
            "closure_rate": closure_rate([a.status for a in actions])}
