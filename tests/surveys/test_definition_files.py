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


def test_the_shipped_survey_names_its_no_answer_codes(app):
    spec = definition_files.parse(SHIPPED)
    assert {"n/a", "無意見", "不知道", "9"} <= set(spec.no_answer)
    assert definition_files.parse(SHIPPED.replace("\nno_answer:", "\n# no_answer:")).no_answer == []


@pytest.mark.parametrize(("codes", "message"), [
    ('["n/a", 3]', "The no-answer code 3 is an answer on the scale 1–5."),
    ('["n/a", "５"]', "The no-answer code ５ is an answer on the scale 1–5."),
    ('["n/a", " "]', "A no-answer code is blank."),
    ('"n/a"', 'no_answer must be a list of codes, such as ["n/a", "unknown", "9"].'),
])
def test_a_no_answer_code_must_not_be_an_answer(app, codes, message):
    text = SHIPPED.split("\nno_answer:", 1)[0] + f"\nno_answer: {codes}\n"
    with force_locale("en"), pytest.raises(DataFileError) as error:
        definition_files.parse(text)
    assert [p.message for p in error.value.problems] == [message]


def test_answers_compare_as_the_same_code():
    key = definition_files.answer_key
    assert key(9) == key(9.0) == key("9") == key(" ９ ") == "9"
    assert key("N/A") == key("ｎ／ａ") == "n/a"
    assert key("3.5") == "3.5" and key("無意見") == "無意見"
