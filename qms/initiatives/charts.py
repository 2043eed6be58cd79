"""The two savings charts per initiative (citizen hours, turnaround case-days), the same on the page and in the PDF."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from flask_babel import gettext as _

from qms.charts import data_uri, horizontal_bar
from qms.initiatives.savings import Total


def _bars(rows: Sequence[tuple[object, Total]], label: Callable[[object], str], figure: Callable[[Total], object],
          unit: str, width: int, limit: int | None) -> str | None:
    # Each chart has its own unit and its own order: hours and case-days are never drawn on one axis.
    shown = sorted(((key, total) for key, total in rows if figure(total)), key=lambda pair: -figure(pair[1]))
    shown = shown[:limit] if limit else shown
    if not shown:
        return None
    return data_uri(horizontal_bar([label(key) for key, _total in shown], [figure(total) for _key, total in shown],
                                   unit=unit, width=width))


def savings_charts(rows: Sequence[tuple[object, Total]], label: Callable[[object], str], width: int = 720,
                   limit: int | None = None) -> tuple[str | None, str | None]:
    """(hours chart, case-days chart) as data: URIs, each over the initiatives with that figure (None if none)."""
    return (_bars(rows, label, lambda total: total.hours_saved, _("h"), width, limit),
            _bars(rows, label, lambda total: total.case_days_saved, _("case-days"), width, limit))
