"""The initiatives' briefing slides: process simplifications before/after with time saved, and SPARK by core."""
from __future__ import annotations

from flask_babel import gettext as _

from qms.charts import data_uri, horizontal_bar
from qms.initiatives import savings, services

MAX_ROWS = 10  # process improvements a slide has room for (the biggest savings first)


def gather_improvements(context) -> dict | None:
    """Every process improvement of the cycle with its before/after and yearly saving (savings.of, as on the
    initiative pages), largest hours saved first, and the cycle's totals (services.summary)."""
    summary = services.summary(context.cycle.id)
    rows = [(initiative, improvement, savings.of(improvement))
            for initiative, _total in summary.by_initiative for improvement in initiative.improvements]
    if not rows:
        return None
    rows.sort(key=lambda row: (-(row[2].hours_saved_per_year or 0), -(row[2].case_days_saved_per_year or 0),
                               row[1].service))
    return {"rows": rows[:MAX_ROWS], "more": max(len(rows) - MAX_ROWS, 0), "grand": summary.grand}


def gather_cores(context) -> dict | None:
    """The SPARK initiatives grouped by core with each core's totals (services.summary().by_core) and a chart of
    citizen hours saved by core."""
    summary = services.summary(context.cycle.id)
    if not summary.by_initiative:
        return None
    by_core: dict = {}
    for initiative, _total in summary.by_initiative:
        by_core.setdefault(initiative.core_id, []).append(initiative)
    cores = [(core, total, by_core.get(core.id if core else None, [])) for core, total in summary.by_core]
    named = [(core, total) for core, total, _initiatives in cores if total.hours_saved]
    chart = None
    if named:
        chart = data_uri(horizontal_bar([context.text(core) if core else "—" for core, _total in named],
                                        [total.hours_saved for _core, total in named], unit=_("h"), width=380))
    return {"cores": cores, "grand": summary.grand, "chart": chart,
            "title": lambda initiative: context.text(initiative, "title_zh", "title_en"),
            "core_name": lambda core: context.text(core) if core else "—"}
