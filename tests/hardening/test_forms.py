"""Every form refuses non-finite and huge numbers, impossible dates, control characters and invalid choices
with a message beside the field (QMSForm's guard and each number field's own range)."""
import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from qms.benchmarking.forms import PeerForm, ValueForm
from qms.core.forms import OrganizationForm
from qms.forms import QMSForm, hostile_value_problem
from qms.initiatives.forms import ImprovementForm, InitiativeForm

IMPROVEMENT = {"service": "戶籍謄本", "before_value": "30", "before_unit": "minutes", "after_value": "5",
               "after_unit": "minutes", "yearly_cases": "1000", "year": "2015"}


def errors_of(form_class: type[QMSForm], values: dict, **kwargs) -> dict:
    form = form_class(formdata=MultiDict(values), meta={"csrf": False}, **kwargs)
    form.validate()
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.fixture
def english(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "nan", "sNaN", "1e400"])
def test_a_time_saved_that_is_not_finite_is_refused(english, value):
    errors = errors_of(ImprovementForm, {**IMPROVEMENT, "before_value": value})
    assert list(errors) == ["before_value"]


def test_huge_cases_per_year_are_refused_with_the_range(english):
    errors = errors_of(ImprovementForm, {**IMPROVEMENT, "yearly_cases": "99999999999999999999"})
    assert errors == {"yearly_cases": ["Enter a number from 0 to 100000000."]}
    assert errors_of(ImprovementForm, IMPROVEMENT) == {}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", "1e13"])
def test_a_benchmark_value_must_be_a_plausible_number(english, value):
    form = ValueForm(formdata=MultiDict({"metric_id": "1", "year": "2015", "value": value}), meta={"csrf": False})
    form.metric_id.choices = [("1", "人口數")]
    assert not form.validate() and list(form.errors) == ["value"]


def test_a_nul_in_a_name_is_refused_and_a_pasted_line_break_becomes_a_space(english):
    errors = errors_of(PeerForm, {"name_zh": "大園\x00戶政", "kind": "household_registration"})
    assert "control characters" in errors["name_zh"][0]
    form = PeerForm(formdata=MultiDict({"name_zh": "大園\r\n戶政", "kind": "household_registration"}),
                    meta={"csrf": False})
    assert form.validate(), form.errors
    assert form.name_zh.data == "大園 戶政"
    notes = PeerForm(formdata=MultiDict({"name_zh": "大園", "kind": "household_registration",
                                         "notes": "第一行\n第二行\t欄"}), meta={"csrf": False})
    assert notes.validate() and notes.notes.data == "第一行\n第二行\t欄"  # multi-line text keeps them


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2200-01-01"])
def test_impossible_dates_are_refused(english, day):
    errors = errors_of(OrganizationForm, {"name": "蘆竹戶政", "as_of": day})
    assert errors == {"as_of": ["Enter a date between 1900-01-01 and 2199-12-31."]}


def test_an_invalid_choice_in_a_multiple_select_is_a_message_not_a_crash(english):
    values = MultiDict([("title_zh", "跨機關通報"), ("status", "idea"), ("channels", "<script>")])
    form = InitiativeForm(formdata=values, meta={"csrf": False})
    form.core_id.choices = form.owner_id.choices = [("", "—")]
    assert not form.validate()
    assert list(form.errors) == ["channels"] and "not a valid choice" in str(form.errors["channels"][0])


def test_blank_space_is_not_a_choice(english):
    form = ValueForm(formdata=MultiDict({"metric_id": " ", "year": "2015", "value": "1"}), meta={"csrf": False})
    form.metric_id.choices = [("1", "人口數")]
    assert not form.validate() and list(form.errors) == ["metric_id"]


def test_the_guard_leaves_ordinary_values_alone(english):
    assert hostile_value_problem(type("F", (), {"data": "戶政 😀 𠀀", "type": "StringField",
                                                "widget": None})()) is None
