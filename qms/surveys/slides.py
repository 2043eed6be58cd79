"""The surveys' briefing slide: the latest round's sample, sampling error, reliability and the radar by dimension."""
from __future__ import annotations

from qms.charts import data_uri, radar
from qms.surveys import services

MAX_OVERLAY = 3  # rounds drawn on the radar


def gather_survey(context) -> dict | None:
    """The latest imported round in the period (services.round_stats, the round page's figures) and the radar of
    the satisfied share by dimension over that survey's latest rounds."""
    rounds = [r for r in reversed(services.list_rounds()) if r.imported_at is not None
              and context.in_period((r.period_start, r.period_end))]
    results = [result for result in (services.round_stats(r) for r in rounds) if result.valid]
    if not results:
        return None
    latest = results[-1]
    same_survey = [r for r in results if r.survey_round.survey_id == latest.survey_round.survey_id][-MAX_OVERLAY:]
    chart = None
    if len(latest.dimensions) >= 3:
        series = [(r.survey_round.label, [d.pooled.top_two_pct or 0 for d in r.dimensions]) for r in same_survey]
        chart = data_uri(radar([f"{d.dimension.code} {context.text(d.dimension)}" for d in latest.dimensions],
                               series, width=520, height=420))
    return {"result": latest, "chart": chart,
            "survey": context.text(latest.survey_round.survey, "title_zh", "title_en")}
