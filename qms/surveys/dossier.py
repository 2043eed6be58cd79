"""The surveys' dossier section: results per round, the radar trend chart, reliability and sampling error."""
from __future__ import annotations

from collections import defaultdict

from qms.charts import data_uri, radar
from qms.surveys import services

MAX_OVERLAY = 5


def gather(context) -> dict | None:
    rounds = [r for r in reversed(services.list_rounds()) if r.imported_at is not None]
    results = [services.round_stats(r) for r in rounds]
    results = [r for r in results if r.valid]
    if not results:
        return None
    by_survey = defaultdict(list)
    for result in results:
        by_survey[result.survey_round.survey_id].append(result)
    charts = []
    for survey_results in by_survey.values():
        latest = survey_results[-MAX_OVERLAY:]
        dimensions = latest[-1].dimensions
        if len(dimensions) >= 3:
            series = [(r.survey_round.label, [d.pooled.top_two_pct or 0 for d in r.dimensions]) for r in latest]
            charts.append((latest[-1].survey_round.survey, data_uri(radar(
                [f"{d.dimension.code} {context.text(d.dimension)}" for d in dimensions], series))))
    return {"results": results, "charts": charts}
