"""The drills' dossier section: mystery-shopper results and how corrective actions were closed."""
from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from flask_babel import ngettext

from qms.charts import data_uri, horizontal_bar
from qms.drills import services
from qms.drills.models import ActionStatus
from qms.spine import clock


def closure_rate(statuses: list[ActionStatus]) -> float | None:
    """Share of corrective actions verified as effective (closed), in percent; None without actions."""
    if not statuses:
        return None
    return sum(1 for s in statuses if s == ActionStatus.VERIFIED) / len(statuses) * 100


def _outside(count: int) -> str:
    return ngettext("%(num)d drill dated outside the period", "%(num)d drills dated outside the period", count)


def gather(context) -> dict | None:
    between = context.moments  # None: the award cycle has no period, every drill counts
    report = services.report(clock.today(), clock.zone(), between=between)
    if between is not None:
        context.left_out(services.count_drills_outside(*between), _outside)
    if not report.by_month:
        return None
    actions = services.list_actions() if between is None else services.actions_between(*between)
    by_status = Counter(a.status for a in actions)
    chart = None
    if report.by_section:
        chart = data_uri(horizontal_bar([f"{code} {name}" for code, name, _p in report.by_section],
                                        [pct for _c, _n, pct in report.by_section], title=_("Average score (%)"),
                                        unit="%", width=680))
    return {"report": report, "chart": chart, "actions": len(actions),
            "by_status": [(status, by_status.get(status, 0)) for status in ActionStatus],
            "closure_rate": closure_rate([a.status for a in actions]),
            "drills": sum(n for _m, _avg, n in report.by_month)}
