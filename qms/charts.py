"""Server-side SVG charts (pygal), one module for pages and the PDF dossier alike.

Pages show a chart as an <img> with a data: URI (the page's CSP allows data: images, and styles inside an
SVG image do not touch the page), always next to a table or text that says the same in words.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Callable

from qms.i18n import number as figure
from qms.i18n import rounded

FONT = '"Noto Sans CJK TC", "Noto Sans TC", sans-serif'
# Colour-blind-safe (Okabe–Ito) series colours, dark enough on white.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
# Each series also differs by its stroke, so two series stay apart in greyscale print and where they overlap.
DASHES = ("none", "9 5", "2 4", "12 4 2 4", "5 3", "1 3")
LABEL_FONT_SIZE = 13
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# What a label may be broken between: spaces, words, and CJK characters, keeping an opening bracket with the
# character after it and closing punctuation with the one before (no line ends in "（" or starts with "）").
_TOKENS = re.compile(r"\s+|[（「『《〈【〔]*[\u2e80-\uffff][）」』》〉】〕、。，：；！？]*|[^\s\u2e80-\uffff]+")


def _style():
    from pygal.style import Style

    return Style(font_family=FONT, background="white", plot_background="white", foreground="#222",
                 foreground_strong="#111", foreground_subtle="#888", colors=COLOURS,
                 label_font_size=LABEL_FONT_SIZE, major_label_font_size=LABEL_FONT_SIZE, legend_font_size=14,
                 title_font_size=16, value_font_size=LABEL_FONT_SIZE, opacity=".25", opacity_hover=".4")


def _render(chart, *xml_filters: Callable) -> str:
    for xml_filter in xml_filters:
        chart.add_xml_filter(xml_filter)
    return _SCRIPT.sub("", chart.render(is_unicode=True))


# --- text that fits: pygal measures every character as Latin-width, so QMS measures CJK itself ---------------

def _is_wide(ch: str) -> bool:
    return ord(ch) > 0x2E80


def _ems(text: str) -> float:
    """The width of text in ems, a little generous: a CJK character is one em, a capital 0.65, anything else 0.55."""
    return sum(1.0 if _is_wide(ch) else 0.65 if ch.isupper() else 0.55 for ch in text)


def _text_width(text: str, font_size: int = LABEL_FONT_SIZE) -> float:
    return _ems(text) * font_size


def _wrap(label: str, width_ems: float, max_lines: int = 2) -> tuple[list[str], bool]:
    """label in lines of at most width_ems, broken between words (or between CJK characters) and about even in
    length; beyond max_lines the last line ends in "…". Returns the lines and whether the label was shortened."""
    lines = _greedy_lines(label, width_ems)
    if 1 < len(lines) <= max_lines:
        # The narrowest width that needs no more lines, so a label does not leave one character on its last line.
        narrow = _ems(label) / len(lines)
        while narrow < width_ems:
            balanced = _greedy_lines(label, narrow)
            if len(balanced) == len(lines):
                return balanced, False
            narrow += 0.5
    if len(lines) <= max_lines:
        return lines, False
    last = lines[max_lines - 1]
    while last and _ems(last + "…") > width_ems:
        last = last[:-1]
    return lines[:max_lines - 1] + [last.rstrip() + "…"], True


def _greedy_lines(label: str, width_ems: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(label.strip()):
        if token.isspace():
            line += " " if line else ""
            continue
        while token:
            if _ems(line + token) <= width_ems:
                line += token
                break
            if line.strip():
                lines.append(line.rstrip())
                line = ""
                continue
            cut = max(1, max((n for n in range(1, len(token) + 1) if _ems(token[:n]) <= width_ems), default=1))
            lines.append(token[:cut])
            token = token[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _abbreviated(label: str, length: int) -> str:
    return label if len(label) <= length else label[:length - 1] + "…"


# --- small edits to pygal's SVG tree before it is written (pygal's xml_filters) ------------------------------

def _tag(element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _child(parent, tag: str, attributes: dict | None = None, text: str | None = None):
    element = parent.makeelement(tag, {key: str(value) for key, value in (attributes or {}).items()})
    element.text = text
    parent.append(element)
    return element


def _serie_index(element) -> int | None:
    for name in _classes(element):
        if name.startswith("serie-") and name[6:].isdigit():
            return int(name[6:])
    return None


def _series_strokes(fill_opacity: float | None, dashed: Callable[[int], str] = lambda i: DASHES[i % len(DASHES)],
                    width: float = 3) -> Callable:
    """Each series' line gets a distinct dash pattern, a firm stroke and (for areas) a light fill, written as
    inline styles so pygal's own stylesheet (1-pixel, 80 % opaque strokes) does not override them; the legend
    swatches show the same patterns."""

    def stroke(index: int) -> str:
        fill = "" if fill_opacity is None else f"fill-opacity:{fill_opacity};"
        return f"stroke-width:{width};stroke-opacity:1;stroke-dasharray:{dashed(index)};{fill}"

    def apply(root):
        for group in root.iter():
            index = _serie_index(group) if _tag(group) == "g" and "series" in _classes(group) else None
            if index is None:
                continue
            for path in group.iter():
                if _tag(path) == "path" and "line" in _classes(path):
                    path.set("style", stroke(index))
        for legend in root.iter():
            if _tag(legend) == "g" and "legend" in _classes(legend):
                for swatch in legend:
                    index = next((int(name[6:]) for name in _classes(swatch) if name.startswith("color-")
                                  and name[6:].isdigit()), None)
                    if _tag(swatch) == "rect" and index is not None:
                        swatch.set("style", f"stroke-width:2;stroke-opacity:1;stroke-dasharray:{dashed(index)};"
                                            f"fill-opacity:{fill_opacity if fill_opacity is not None else 0.15}")
        return root

    return apply


RADAR_LABEL_EMS = 8.5  # the widest line of an axis label on a radar, in ems; longer labels wrap


def radar(axes: list[str], series: list[tuple[str, list[float | None]]], title: str = "",
          maximum: float = 100, width: int = 640, height: int = 480) -> str:
    """A radar (spider-web) chart of several series over the same axes, values from 0 to maximum.

    Axis labels lie level, outside the web, in up to three lines; a longer label ends in "…" and keeps its full
    text in a <title>. Each series has its own colour and dash pattern over a light fill, so both a score and
    a readiness line stay visible where they overlap.
    """
    import pygal  # imported late: its import hook turns later failed optional imports into warnings

    wrapped = [_wrap(axis, RADAR_LABEL_EMS, max_lines=3) for axis in axes]
    line_height = round(LABEL_FONT_SIZE * 1.3)
    side = 16 + max((_text_width(line) for lines, _cut in wrapped for line in lines), default=0)
    rows = max((len(lines) for lines, _cut in wrapped), default=1)
    chart = pygal.Radar(js=[], disable_xml_declaration=True, style=_style(), range=(0, maximum), fill=True,
                        width=width, height=height, explicit_size=True, show_legend=len(series) > 1,
                        legend_at_bottom=True, dots_size=4, title=title or None, print_values=False,
                        truncate_label=-1, margin_left=side, margin_right=side,
                        margin_top=12 + rows * line_height, margin_bottom=12 + rows * line_height)
    chart.x_labels = axes
    for name, values in series:
        chart.add(name, [None if v is None else float(rounded(v, 1)) for v in values])
    return _render(chart, _radar_labels(axes, wrapped, line_height), _series_strokes(0.12))


def _radar_labels(axes: list[str], wrapped: list[tuple[list[str], bool]], line_height: int) -> Callable:
    """Lay each axis label level just outside the end of its spoke, anchored away from the centre."""

    def apply(root):
        web = next((g for g in root.iter() if _tag(g) == "g" and {"axis", "x", "web"} <= _classes(g)), None)
        if web is None:
            return root
        spokes = [g for g in web if _tag(g) == "g" and "guides" in _classes(g)]
        for spoke, axis, (lines, _shortened) in zip(spokes, axes, wrapped, strict=False):
            path = next((el for el in spoke if _tag(el) == "path"), None)
            text = next((el for el in spoke if _tag(el) == "text"), None)
            if path is None or text is None:
                continue
            cx, cy, ex, ey = (float(n) for n in _NUMBER.findall(path.get("d", ""))[:4])
            length = max(((ex - cx) ** 2 + (ey - cy) ** 2) ** 0.5, 1e-9)
            dx, dy = (ex - cx) / length, (ey - cy) / length
            x, y = ex + dx * 8, ey + dy * 8
            anchor = "start" if dx > 0.25 else "end" if dx < -0.25 else "middle"
            block = (len(lines) - 1) * line_height
            if dy < -0.25:  # above the centre: the label's last line sits just over the spoke's end
                first = y - block - 2 - (LABEL_FONT_SIZE if anchor == "middle" else 0)  # clear of the scale's top
            elif dy > 0.25:
                first = y + LABEL_FONT_SIZE
            else:
                first = y - block / 2 + LABEL_FONT_SIZE * 0.35
            for name in ("transform", "x", "y"):
                text.attrib.pop(name, None)
            text.set("style", f"text-anchor:{anchor}")
            text.text = None
            for number, line in enumerate(lines):
                _child(text, "tspan", {"x": f"{x:.1f}", "y": f"{first + number * line_height:.1f}"}, line)
            for title in [el for el in spoke if _tag(el) == "title"]:
                spoke.remove(title)
            _child(spoke, "title", text=axis)  # the full label, also where the text ends in "…"
        return root

    return apply


def _wide_text_allowance(labels: list[str], font_size: int = 13) -> int:
    """Extra left margin for labels in CJK characters, which pygal measures as if they were Latin-width."""
    wide = max((sum(1 for ch in label if ord(ch) > 0x2E80) for label in labels), default=0)
    return 10 + int(wide * font_size * 0.45)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _percent_range(unit: str, values: list[float | None]) -> tuple[float, float] | None:
    """A share in per cent is drawn on an axis from 0 to 100 %, unless a value goes beyond it."""
    shown = [v for v in values if v is not None]
    if unit.strip() == "%" and all(0 <= v <= 100 for v in shown):
        return (0, 100)
    return None


def horizontal_bar(labels: list[str], values: list[float], title: str = "", unit: str = "",
                   width: int = 720) -> str:
    """One bar per label, the first label at the top, bars from zero, values printed just past each bar's end.

    A label longer than 18 characters ends in "…" and keeps its full text in a <title>.
    """
    import pygal

    height = max(160, 60 + 34 * len(labels))
    shown = [_abbreviated(label, 18) for label in labels]
    numbers = [float(rounded(v, 1)) for v in values]
    formatter = lambda v: f"{figure(v)} {unit}".strip()  # noqa: E731  (rounded as the tables beside it are)
    value_width = max((_text_width(formatter(v)) for v in numbers), default=0)
    # No more ticks on the value axis than their labels have room for.
    plot_width = width - max((_text_width(label) for label in shown), default=0) - value_width - 40
    ticks = max(2, min(10, int(plot_width // (value_width + 24))))
    chart = pygal.HorizontalBar(js=[], disable_xml_declaration=True, style=_style(), width=width, height=height,
                                explicit_size=True, show_legend=False, title=title or None, print_values=True,
                                print_values_position="top", truncate_label=-1, range=_percent_range(unit, numbers),
                                margin_left=_wide_text_allowance(shown),
                                margin_right=16 + value_width, max_scale=ticks, min_scale=min(4, ticks),
                                value_formatter=formatter)
    # pygal draws the first value at the bottom; reverse so the chart reads top-down like the table.
    chart.x_labels = list(reversed(shown))
    chart.add(title or "", list(reversed(numbers)))
    return _render(chart, _bar_labels(dict(zip(shown, labels, strict=True)), list(reversed(numbers))))


def _bar_labels(full_labels: dict[str, str], values: list[float]) -> Callable:
    """Values begin just past the end of their bar (pygal centres them on it, over the bar), with no grid line
    through them (the value is printed), and each category label's <title> is its full text (pygal's is a number)."""

    def apply(root):
        for guides in [g for g in root.iter() if _tag(g) == "g" and "guides" in _classes(g)]:
            for path in [el for el in guides if _tag(el) == "path" and "guide" in _classes(el)]:
                guides.remove(path)
        printed = [t for t in root.iter() if _tag(t) == "text" and "value" in _classes(t)]
        for text, value in zip(printed, values, strict=False):
            text.set("style", f"text-anchor:{'end' if value < 0 else 'start'}")
        axis = next((g for g in root.iter() if _tag(g) == "g" and {"axis", "y"} <= _classes(g)), None)
        for guides in (axis if axis is not None else []):
            text = next((el for el in guides if _tag(el) == "text"), None)
            if text is None or text.text not in full_labels:
                continue
            for title in [el for el in guides if _tag(el) == "title"]:
                guides.remove(title)
            _child(guides, "title", text=full_labels[text.text])
        return root

    return apply


def _moment(period) -> dt.date:
    """The date a period starts: a year (2015), a month ("2015-04") or a date."""
    if isinstance(period, dt.datetime):
        return period.date()
    if isinstance(period, dt.date):
        return period
    if isinstance(period, int) or str(period).isdigit():
        return dt.date(int(period), 1, 1)
    match = _MONTH.match(str(period))
    if match:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    return dt.date.fromisoformat(str(period))


def _period_label(period) -> str:
    if isinstance(period, dt.datetime):
        period = period.date()
    return period.isoformat() if isinstance(period, dt.date) else str(period)


def _axis_labels(positions: list[int], labels: list[str], plot_width: float) -> list[tuple[int, str]]:
    """The (position, label) pairs printed under a time axis, none overlapping another: the first and the last
    observation, the others where there is room, then the start of each year in between where there is room,
    so the distance between two dates can be read off the axis."""
    if not positions:
        return []
    low, high = min(positions), max(positions)
    span = (high - low) or 1

    def extent(position: int, label: str) -> tuple[float, float]:
        centre, half = (position - low) / span * plot_width, (_text_width(label) + 12) / 2
        return centre - half, centre + half

    kept: list[tuple[int, str]] = []

    def keep_if_room(position: int, label: str) -> None:
        left, right = extent(position, label)
        if all(right <= other_left or left >= other_right
               for other_left, other_right in (extent(*other) for other in kept)):
            kept.append((position, label))

    last = len(positions) - 1
    for i in [0, last] + list(range(1, last)):
        if (positions[i], labels[i]) not in kept:
            keep_if_room(positions[i], labels[i])
    for year in range(dt.date.fromordinal(low).year + 1, dt.date.fromordinal(high).year + 1):
        start = dt.date(year, 1, 1).toordinal()
        if start not in positions:
            keep_if_room(start, str(year))
    return sorted(kept)


def _time_chart(periods: list, series: list[tuple[str, list[float | None]]], unit: str, title: str,
                width: int, height: int, show_legend: bool, reference: tuple[str, list[float | None]] | None) -> str:
    """Series over time on an x axis in real time: each point sits in proportion to the time between the
    periods (2015-04 and 2026-12 are eleven years apart, not one step). The y axis starts at zero."""
    import pygal

    moments = [_moment(period) for period in periods]
    positions = [moment.toordinal() for moment in moments]
    labels = [_period_label(period) for period in periods]
    named = {position: label for position, label in zip(positions, labels, strict=True)}
    all_values = [v for _name, values in series + ([reference] if reference else []) for v in values]
    numbers = [float(v) for v in all_values if v is not None]
    formatter = lambda v: f"{v:,.0f} {unit}".strip()  # noqa: E731
    y_label_width = max((_text_width(formatter(v)) for v in numbers + [0.0]), default=0)
    pad = max(15, (max(positions) - min(positions)) * 0.04) if positions else 15
    chart = pygal.XY(js=[], disable_xml_declaration=True, style=_style(), width=width, height=height,
                     explicit_size=True, show_legend=show_legend, legend_at_bottom=True, title=title or None,
                     dots_size=4, allow_interruptions=True, include_x_axis=True, range=_percent_range(unit, numbers),
                     xrange=(min(positions) - pad, max(positions) + pad) if positions else None,
                     truncate_label=-1, value_formatter=formatter,
                     x_value_formatter=lambda x: named.get(int(x)) or (
                         dt.date.fromordinal(int(x)).isoformat() if int(x) >= 1 else ""))
    chart.x_labels = [{"value": position, "label": label}
                      for position, label in _axis_labels(positions, labels, width - y_label_width - 60)]
    for name, values in series:
        chart.add(name, [(x, None if v is None else float(v)) for x, v in zip(positions, values, strict=True)])
    if reference is not None:
        name, values = reference  # one line through every period that has a value
        chart.add(name, [(x, float(v)) for x, v in zip(positions, values, strict=True) if v is not None],
                  allow_interruptions=False)
    return _render(chart, _series_strokes(None))


def line(points: list[tuple], title: str = "", unit: str = "", width: int = 640, height: int = 320) -> str:
    """A line of (date, value) points over time, the dates in proportion on the x axis, the values from zero."""
    return _time_chart([day for day, _value in points], [(title or "", [value for _day, value in points])], unit,
                       title, width, height, show_legend=False, reference=None)


def trend_lines(periods: list, series: list[tuple[str, list[float | None]]], unit: str = "",
                width: int = 640, height: int = 320, reference: tuple[str, list[float | None]] | None = None) -> str:
    """Several series over the same periods (years, "YYYY-MM" months or dates) in proportion to time, with a gap
    where a series has no value; `reference` (the peer median, say) is drawn dashed as one line across every
    period that has a value."""
    return _time_chart(periods, series, unit, "", width, height, show_legend=True, reference=reference)
