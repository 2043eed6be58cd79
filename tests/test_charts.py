"""Charts that don't mislead, read from the SVG itself: time in proportion, axes from zero, a median line,
values beside their bars, two radar series that both show, and no label cut off."""
import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from qms import charts

SVG = "{http://www.w3.org/2000/svg}"
FONT = 13


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def groups(root, *names: str) -> list:
    return [g for g in root.iter(SVG + "g") if set(names) <= classes(g)]


def dots(root, serie: int) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for g in groups(root, "series", f"serie-{serie}")
            for c in g.iter(SVG + "circle")]


def lines(root, serie: int) -> list:
    return [p for g in groups(root, "series", f"serie-{serie}") for p in g.iter(SVG + "path") if "line" in classes(p)]


def style(element) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in (element.get("style") or "").split(";") if ":" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def numbers_on_axis(root, axis: str) -> list[float]:
    texts = [t for g in groups(root, "axis", axis) for t in g.iter(SVG + "text")]
    return [float(re.sub(r"[^\d.-]", "", t.text)) for t in texts if t.text and re.search(r"\d", t.text)]


def text_width(text: str) -> float:
    return sum(FONT if ord(ch) > 0x2E80 else 0.6 * FONT for ch in text)


def plot_offset(root) -> tuple[float, float]:
    plot = groups(root, "plot")[0]
    x, y = re.findall(r"-?\d+(?:\.\d+)?", plot.get("transform"))[:2]
    return float(x), float(y)


# --- time axes ----------------------------------------------------------------------------------

def test_months_sit_in_proportion_to_the_time_between_them():
    root = ET.fromstring(charts.trend_lines(["2015-03", "2015-04", "2026-12"], [("Average score", [96, 68, 90])],
                                            unit="%"))
    xs = sorted(x for x, _y in dots(root, 0))
    assert len(xs) == 3
    expected = (dt.date(2015, 4, 1) - dt.date(2015, 3, 1)).days / (dt.date(2026, 12, 1) - dt.date(2015, 3, 1)).days
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(expected, abs=0.005)  # not one step of two
    labels = [t.text for g in groups(root, "axis", "x") for t in g.iter(SVG + "text")]
    assert "2015-03" in labels and "2026-12" in labels and "2020" in labels  # the years between are marked


def test_years_with_a_missing_year_keep_its_space():
    root = ET.fromstring(charts.trend_lines([2011, 2012, 2014], [("Office", [10, 12, 15])]))
    xs = sorted(x for x, _y in dots(root, 0))
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(365 / 1096, abs=0.005)


def test_dated_line_is_in_proportion_and_starts_from_zero():
    points = [(dt.date(2014, 7, 1), 40), (dt.date(2014, 8, 1), 60), (dt.date(2014, 12, 31), 237)]
    root = ET.fromstring(charts.line(points, title="LINE friends", unit="people"))
    xs = sorted(x for x, _y in dots(root, 0))
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(31 / 183, abs=0.005)
    assert min(numbers_on_axis(root, "y")) == 0


def test_satisfaction_lines_start_from_zero_and_run_to_100_percent():
    root = ET.fromstring(charts.trend_lines(["2015-03", "2015-04"], [("Average score", [96, 68])], unit="%"))
    values = numbers_on_axis(root, "y")
    assert min(values) == 0 and max(values) == 100


def test_peer_median_is_one_dashed_line_across_the_years():
    root = ET.fromstring(charts.trend_lines(
        [2011, 2012, 2013, 2014, 2015], [("This office", [4800, 4900, None, 5045, 5109])], unit="people",
        reference=("Peer median", [4100, None, None, 4279, None])))
    median = lines(root, 1)
    assert len(median) == 1  # one line from 2011 to 2014, not two dots
    assert len(re.findall(r"-?\d+(?:\.\d+)?", median[0].get("d"))) >= 4
    assert style(median[0])["stroke-dasharray"] not in ("", "none")
    assert len(lines(root, 0)) == 2  # the office's own series still breaks where it has no value
    legend = [t.text for g in groups(root, "legends") for t in g.iter(SVG + "text")]
    assert legend == ["This office", "Peer median"]
    assert min(numbers_on_axis(root, "y")) == 0


# --- bars ---------------------------------------------------------------------------------------

def test_bar_values_sit_past_the_bar_end_on_an_axis_from_zero():
    root = ET.fromstring(charts.horizontal_bar(["A Welcome", "B Identity checks", "C Explaining"],
                                               [87.5, 75.0, 100.0], unit="%"))
    bars = [r for g in groups(root, "series") for r in g.iter(SVG + "rect") if "rect" in classes(r)]
    values = [t for g in groups(root, "text-overlay") for t in g.iter(SVG + "text") if "value" in classes(t)]
    assert len(bars) == len(values) == 3
    for bar, value in zip(bars, values, strict=True):
        end = float(bar.get("x")) + float(bar.get("width"))
        anchor = style(value).get("text-anchor") or value.get("text-anchor")
        left = float(value.get("x")) - (text_width(value.text) / 2 if anchor == "middle" else 0)
        assert left >= end, f"{value.text} starts at {left}, over its bar ending at {end}"
    axis = numbers_on_axis(root, "x")
    assert min(axis) == 0 and max(axis) == 100
    assert not [p for p in root.iter(SVG + "path") if "guide" in classes(p)]  # no grid line through the values


def test_long_bar_label_is_shortened_on_purpose_with_its_full_text_in_a_title():
    long_label = "D Environment, signage and accessible facilities"
    root = ET.fromstring(charts.horizontal_bar(["A Welcome", long_label], [80, 90], unit="%"))
    labels = {g.find(SVG + "text").text: g.find(SVG + "title").text
              for axis in groups(root, "axis", "y") for g in axis if "guides" in classes(g)}
    shortened = [text for text in labels if text.endswith("…")]
    assert len(shortened) == 1 and labels[shortened[0]] == long_label
    assert labels["A Welcome"] == "A Welcome"


# --- radar --------------------------------------------------------------------------------------

AXES = ["1 文件格式統一與環境整備", "2 申請大主軸（大研究）之訂定", "3 服務亮點確實落實", "4 秘密客情境演練",
        "5 文物館與出版品數位典藏", "6 解決問題的實質貢獻", "7 亮點整合為完整故事",
        "8 各單位小研究範圍明確可行（關鍵項目）並與評核項目逐一對應", "9 地方耆老與仕紳支持",
        "10 全所動線配置圖與導覽演練"]


def test_radar_shows_both_series_with_distinct_visible_strokes():
    svg = charts.radar(AXES, [("Score", [90, 85, 80, 60, 95, 75, 50, 40, 0, 30]),
                              ("Readiness", [90, 85, 80, 50, 95, 75, 50, 40, 0, 30])])
    root = ET.fromstring(svg)
    strokes = []
    for serie in (0, 1):
        (path,) = lines(root, serie)
        found = style(path)
        assert float(found["stroke-width"]) >= 2 and float(found["stroke-opacity"]) == 1
        assert float(found["fill-opacity"]) <= 0.2  # the other series shows through
        strokes.append(found["stroke-dasharray"])
    assert strokes[0] != strokes[1]
    legend = [t.text for g in groups(root, "legends") for t in g.iter(SVG + "text")]
    assert legend == ["Score", "Readiness"]


@pytest.mark.parametrize("axes", [AXES, ["1 Leadership and strategic direction", "2 Customer focus",
                                         "3 Process management and standardisation of counter services",
                                         "4 Mystery shopper drills", "5 Results"]])
def test_radar_labels_lie_level_inside_the_image_and_are_whole_or_titled(axes):
    width, height = 640, 480
    root = ET.fromstring(charts.radar(axes, [("Readiness", [50] * len(axes))], width=width, height=height))
    left, top = plot_offset(root)
    (web,) = groups(root, "axis", "x", "web")
    spokes = [g for g in web if "guides" in classes(g)]
    assert len(spokes) == len(axes)
    for spoke, axis in zip(spokes, axes, strict=True):
        text = spoke.find(SVG + "text")
        assert "transform" not in text.attrib  # level, not turned along the spoke
        assert spoke.find(SVG + "title").text == axis
        shown = [tspan.text for tspan in text.iter(SVG + "tspan")]
        joined = "".join(shown).replace(" ", "")
        if joined.endswith("…"):
            assert axis.replace(" ", "").startswith(joined[:-1])  # shortened on purpose, the title has it all
        else:
            assert joined == axis.replace(" ", "")  # wrapped, nothing lost
        anchor = style(text)["text-anchor"]
        for tspan in text.iter(SVG + "tspan"):
            x, y, w = left + float(tspan.get("x")), top + float(tspan.get("y")), text_width(tspan.text)
            start = x - {"start": 0, "middle": w / 2, "end": w}[anchor]
            assert 0 <= start and start + w <= width, f"{tspan.text!r} runs off the image"
            assert FONT <= y <= height
