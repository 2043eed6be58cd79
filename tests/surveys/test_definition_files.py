"""Survey definitions: the shipped one reads in order; a bad file is refused line by line."""
import pytest
from flask_babel import force_locale

from qms.surveys import definition_files
from qms.yamlfiles import DataFileError

SHIPPED = definition_files.shipped_files()[0].read_text(encoding="utf-8")


def test_the_shipped_survey_reads_dimension_by_dimension(app):
    spec = definition_files.parse(SHIPPED)
    assert [code for code, _zh, _en in spec.dimensions] == ["A", "B", "C", "D", "E"]
    assert spec.dimensions[0] == ("A", "服務態度", "Staff attitude")
    questions = [(q.code, q.kind, q.dimension, q.reverse) for q in spec.questions]
    assert questions[2] == ("A3", "likert", "A", True)
    assert questions[-2:] == [("Q1", "overall", None, False), ("T1", "text", None, False)]
    assert (spec.scale_points, spec.population) == (5, None)
    assert spec.title_en == "Luzhu counter customer satisfaction survey"


def test_a_bad_survey_names_each_problem_and_its_line(app):
    text = (SHIPPED.replace("scale_points: 5", "scale_points: 6\npopulation: '2000'")
                   .replace('overall: {code: "Q1"', 'overall: {code: "A1"')
                   .replace('      - {code: "E1"', '      - just text\n      - {code: "E1"'))
    lines = text.splitlines()
    with force_locale("en"), pytest.raises(DataFileError) as error:
        definition_files.parse(text)
    assert [(p.line, p.message) for p in error.value.problems] == [
        (1, "scale_points must be 5 or 7."),
        (1, "population must be a whole number of at least 1."),
        (lines.index('  - code: "E"') + 1, "Every question needs a code."),
    ]
    text = text.replace("scale_points: 6\npopulation: '2000'", "scale_points: 7").replace("      - just text\n", "")
    with force_locale("en"), pytest.raises(DataFileError) as error:
        definition_files.parse(text)
    overall = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("overall:"))
    first = next(n for n, line in enumerate(text.splitlines(), 1) if '{code: "A1"' in line)
    assert [(p.line, p.message) for p in error.value.problems] == [
        (overall, f"The code A1 is used twice (first on line {first}).")]
