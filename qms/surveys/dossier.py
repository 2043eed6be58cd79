"""The surveys' dossier section: results per round, the radar trend chart, reliability and sampling error."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import ngettext

from qms.charts import data_uri, radar
from qms.surveys import services

MAX_OVERLAY = 5


def _outside(count: int) -> str:
    return ngettext("%(num)d survey round outside the period", "%(num)d survey rounds outside the period", count)


def gather(context) -> dict | None:
    rounds = [r for r in reversed(services.list_rounds()) if r.imported_at is not None]
    # A round counts when its fieldwork overlaps the award cycle's period; an undated round is kept.
    kept = [r for r in rounds if context.in_period((r.period_start, r.period_end))]
    context.left_out(len(rounds) - len(kept), _outside)
    results = [services.round_stats(r) for r in kept]
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
            survey = latest[-1].survey_round.survey
            charts.append((survey, data_uri(radar(
                [f"{d.dimension.code} {context.text(d.dimension)}" for d in dimensions], series)),
                {"survey": context.text(survey, "title_zh", "title_en"),
                 "rounds": ("、" if context.chinese else ", ").join(label for label, _values in series)}))
    return {"results": results, "charts": charts}
