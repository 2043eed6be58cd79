"""Server-side SVG charts (pygal), one module for pages and the PDF dossier alike.

Pages show a chart as an <img> with a data: URI (the page's CSP allows data: images, and styles inside an
SVG image do not touch the page), always next to a table or text that says the same in words.
"""
from __future__ import annotations

import base64
import re

FONT = '"Noto Sans CJK TC", "Noto Sans TC", sans-serif'
# Colour-blind-safe (Okabe–Ito) series colours, dark enough on white.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _style():
    from pygal.style import Style

    return Style(font_family=FONT, background="white", plot_background="white", foreground="#222",
                 foreground_strong="#111", foreground_subtle="#888", colors=COLOURS,
                 label_font_size=13, major_label_font_size=13, legend_font_size=14, title_font_size=16,
                 opacity=".25", opacity_hover=".4")


def radar(axes: list[str], series: list[tuple[str, list[float | None]]], title: str = "",
          maximum: float = 100, width: int = 640, height: int = 480) -> str:
    """A radar (spider-web) chart of several series over the same axes, values from 0 to maximum."""
    import pygal  # imported late: its import hook turns later failed optional imports into warnings

    chart = pygal.Radar(js=[], disable_xml_declaration=True, style=_style(), range=(0, maximum), fill=True,
                        width=width, height=height, explicit_size=True, show_legend=len(series) > 1,
                        legend_at_bottom=True, dots_size=4, title=title or None, print_values=False)
    chart.x_labels = axes
    for name, values in series:
        chart.add(name, [None if v is None else round(float(v), 1) for v in values])
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def _wide_text_allowance(labels: list[str], font_size: int = 13) -> int:
    """Extra left margin for labels in CJK characters, which pygal measures as if they were Latin-width."""
    wide = max((sum(1 for ch in label if ord(ch) > 0x2E80) for label in labels), default=0)
    return 10 + int(wide * font_size * 0.45)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def horizontal_bar(labels: list[str], values: list[float], title: str = "", unit: str = "",
                   width: int = 720) -> str:
    """One bar per label, the first label at the top, values printed at the bars."""
    import pygal

    height = max(160, 60 + 34 * len(labels))
    shown = [label if len(label) <= 18 else label[:17] + "…" for label in labels]
    chart = pygal.HorizontalBar(js=[], disable_xml_declaration=True, style=_style(), width=width, height=height,
                                explicit_size=True, show_legend=False, title=title or None, print_values=True,
                                print_values_position="top", truncate_label=-1,
                                margin_left=_wide_text_allowance(shown),
                                value_formatter=lambda v: f"{v:,.0f} {unit}".strip())
    # pygal draws the first value at the bottom; reverse so the chart reads top-down like the table.
    chart.x_labels = list(reversed(shown))
    chart.add(title or "", [round(float(v), 1) for v in reversed(values)])
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def line(points: list[tuple], title: str = "", unit: str = "", width: int = 640, height: int = 320) -> str:
    """A line of (date, value) points over time."""
    import pygal

    chart = pygal.DateLine(js=[], disable_xml_declaration=True, style=_style(), width=width, height=height,
                           explicit_size=True, show_legend=False, title=title or None, dots_size=4,
                           x_value_formatter=lambda d: d.strftime("%Y-%m-%d"),
                           value_formatter=lambda v: f"{v:,.0f} {unit}".strip(), x_label_rotation=20,
                           show_minor_x_labels=False, x_labels_major_count=6)
    chart.x_labels = [day for day, _value in points]  # label the observation dates, not a regular grid
    chart.add(title or "", [(day, float(value)) for day, value in points])
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def trend_lines(years: list[int], series: list[tuple[str, list[float | None]]], unit: str = "",
                width: int = 640, height: int = 320) -> str:
    """Several series over the same years (the office against the peer median, say); gaps where no value."""
    import pygal

    chart = pygal.Line(js=[], disable_xml_declaration=True, style=_style(), width=width, height=height,
                       explicit_size=True, show_legend=True, legend_at_bottom=True, dots_size=4,
                       allow_interruptions=True, value_formatter=lambda v: f"{v:,.0f} {unit}".strip())
    chart.x_labels = [str(year) for year in years]
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _SCRIPT.sub("", chart.render(is_unicode=True))
