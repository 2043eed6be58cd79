"""The benchmarking dossier section: the comparison table with ranks, and a chart of the first derived metric."""
from __future__ import annotations

from flask_babel import ngettext

from qms.benchmarking import services
from qms.charts import data_uri, horizontal_bar

shown = services.shown  # as the comparison page shows them


def _outside(count: int) -> str:
    return ngettext("values of %(num)d year outside the period", "values of %(num)d years outside the period",
                    count)


def gather(context) -> dict | None:
    context.left_out(sum(1 for year in services.years() if not context.in_period(year)), _outside)
    year = services.default_year(among=context.in_period)
    if year is None:
        return None
    comparison = services.compare(year)
    if not comparison.columns or len(comparison.peers) < 2:
        return None
    column = next((c for c in comparison.columns if c.metric.derived), comparison.columns[0])
    ranked = sorted(((peer, comparison.cells[(peer.id, column.metric.id)]) for peer in comparison.peers),
                    key=lambda pair: (pair[1].rank is None, pair[1].rank or 0))
    ranked = [(peer, cell) for peer, cell in ranked if cell.value is not None]
    chart = None
    if ranked:
        chart = data_uri(horizontal_bar([context.text(peer) for peer, _cell in ranked],
                                        [float(cell.value) for _peer, cell in ranked],
                                        title=context.text(column.metric), unit=column.metric.unit, width=680))
    return {"comparison": comparison, "chart": chart, "chart_metric": column.metric, "shown": shown,
            "name": context.text}
