"""The benchmarking briefing slide: the peer table with ranks, as the comparison page and the dossier show it."""
from __future__ import annotations

from qms.benchmarking import services

MAX_COLUMNS = 4  # metrics a slide's table has room for (the derived ones first)


def gather_peers(context) -> dict | None:
    """The comparison of the latest year in the award cycle's period (services.compare, the page's figures)."""
    year = services.default_year(among=context.in_period)
    if year is None:
        return None
    comparison = services.compare(year)
    if not comparison.columns or len(comparison.peers) < 2:
        return None
    columns = sorted(comparison.columns, key=lambda c: not c.metric.derived)[:MAX_COLUMNS]
    columns = [c for c in comparison.columns if c in columns]  # the page's order
    return {"comparison": comparison, "columns": columns, "shown": services.shown, "name": context.text}
