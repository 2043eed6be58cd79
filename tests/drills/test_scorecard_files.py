"""Scorecard files: the shipped ones read as the database stores them; a bad file is refused line by line."""
import pytest
from flask_babel import force_locale

from qms.drills import scorecard_files
from qms.drills.models import Channel, ScaleKind
from qms.yamlfiles import DataFileError

COUNTER = scorecard_files.SHIPPED_DIR / "counter-service.yaml"


def problems_of(text):
    with force_locale("en"), pytest.raises(DataFileError) as error:
        scorecard_files.parse(text)
    return [(p.line, p.message) for p in error.value.problems]


def test_the_counter_scorecard_reads_as_stored(app):
    spec = scorecard_files.parse(COUNTER.read_text(encoding="utf-8"))
    assert (spec.key, spec.channel, spec.name_en) == ("counter-service", Channel.COUNTER, "Counter service scorecard")
    assert [band["key"] for band in spec.bands] == ["excellent", "good", "fair", "needs_improvement"]
    assert spec.bands[0] == {"key": "excellent", "min": 90.0, "zh_Hant_TW": "優良", "en": "Excellent"}
    first = spec.sections[0].criteria[0]
    assert (first.code, first.scale, first.weight, first.max_points, first.critical) == ("A1", ScaleKind.YES_NO, 5,
                                                                                           None, False)
    assert len(spec.sha256) == 64 and spec.source_text.startswith("key: counter-service")


def test_a_bad_scorecard_names_each_problem_and_its_line(app):
    original = COUNTER.read_text(encoding="utf-8")
    line_of = {code: next(n for n, line in enumerate(original.splitlines(), 1) if f'code: "{code}"' in line)
               for code in ("A1", "A2", "C1")}
    text = (original.replace("{key: good, min: 80", "{key: excellent, min: 80")
            .replace('{code: "A2", scale: yes_no', '{code: "A1", scale: yes_no')
            .replace('{code: "C1", scale: one_to_five', '{code: "C1", scale: points')
            .replace("channel: counter", "channel: fax")) + "colour: red\n"  # unknown keys stay ignored
    # the rules across entries wait until every entry is sound on its own
    assert problems_of(text) == [(1, "channel must be one of: counter, phone, online."),
                                 (line_of["C1"], "C1 is scored in points and needs max_points.")]
    text = text.replace("channel: fax", "channel: counter").replace("scale: points", "scale: points, max_points: 4")
    assert problems_of(text) == [(9, "The band excellent appears twice."),
                                 (line_of["A2"], f"The code A1 is used twice (first on line {line_of['A1']}).")]
