"""The English UI is English: Chinese shows only as user data marked with lang (WCAG 3.1.2), records named in both
languages show the reader's, and the Chinese UI keeps no English leftovers."""
import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from qms import demo
from qms.i18n import lang_of, list_text, localized, user_text
from qms.spine.access import Role
from tests.language import cjk_outside_lang, english_left_in


@pytest.fixture
def demo_pages(app):
    """The demo data, and the paths of the pages the English UI must keep English."""
    from qms.checklist import services as checklist
    from qms.core.services import current_cycle
    from qms.drills import services as drills
    from qms.surveys import services as surveys

    demo.seed_demo()
    drill = drills.list_drills()[0]
    assessment = checklist.assessments_of(current_cycle())[0]
    survey_round = surveys.list_rounds()[0]
    return {"dashboard": "/", "drill": f"/drills/{drill.id}", "drill form": f"/drills/new/{drill.scorecard_id}",
            "checklist": "/checklist/", "self-assessment": f"/checklist/assessments/{assessment.id}",
            "surveys": "/surveys/", "survey": f"/surveys/{survey_round.survey_id}",
            "survey round": f"/surveys/rounds/{survey_round.id}", "benchmarking": "/benchmarking/?year=2014"}


def test_english_pages_show_chinese_only_as_marked_user_data(login_as, demo_pages):
    client = login_as(Role.ADMIN, locale="en")  # the admin sees every dashboard card
    leaks = {}
    for name, path in demo_pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        found = cjk_outside_lang(response.get_data(as_text=True))
        if found:
            leaks[name] = found
    assert leaks == {}


def test_english_pages_name_bilingual_records_in_english(login_as, demo_pages):
    client = login_as(Role.ADMIN, locale="en")
    form = client.get(demo_pages["drill form"]).get_data(as_text=True)
    assert "Greets the citizen and guides them to a queue number" in form  # criterion A1's English text
    hidden_labels = BeautifulSoup(form, "html.parser").select("label.visually-hidden")
    labels = [label.get_text(strip=True) for label in hidden_labels]
    assert "A1 Greets the citizen and guides them to a queue number or the right counter" in labels  # the select's name
    assert "(critical)" in form and "（" not in form.split("<main", 1)[1]
    dashboard = client.get("/").get_data(as_text=True)
    assert "Population per staff" in dashboard and "每人服務人口數" not in dashboard  # benchmarking metric names
    benchmarking = client.get(demo_pages["benchmarking"]).get_data(as_text=True)
    assert 'Staff (<span lang="zh-Hant">人</span>)' in benchmarking  # the unit is the office's own, in Chinese


def test_chinese_pages_keep_no_english_leftovers(login_as, demo_pages):
    from qms.benchmarking import services as benchmarking

    actor = login_as(Role.QUALITY).user
    metrics = {m.name_en: m for m in benchmarking.list_metrics()}
    office = benchmarking.self_row()
    benchmarking.save_value(office, metrics["Staff"], 2016, {"value": 0}, actor)  # per staff: no value, no best
    client = login_as(Role.QUALITY)
    pages = ["/checklist/", "/checklist/frameworks", "/benchmarking/?year=2016", demo_pages["survey round"],
             demo_pages["drill"], demo_pages["survey"]]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert english_left_in(body, ["Set from this year's official plan", "n/a", "critical", "this office",
                                      "reverse-scored"]) == [], path


def test_one_helper_names_a_record_in_the_readers_language(app):
    class Core:
        name_zh, name_en = "主動關懷，服務到家", "Proactive care"

    class ChineseOnly:
        name_zh, name_en = "不出門能辦大小事", ""

    class Organization:
        name, name_en = "蘆竹戶政", "Luzhu office"

    with app.test_request_context():
        with force_locale("en"):
            assert [localized(r) for r in (Core, ChineseOnly, Organization)] == [
                "Proactive care", "不出門能辦大小事", "Luzhu office"]
            assert lang_of("不出門能辦大小事") == "zh-Hant" and lang_of("Proactive care") == ""
            assert user_text("第 5 櫃台") == '<span lang="zh-Hant">第 5 櫃台</span>'
            assert user_text("<b>") == "&lt;b&gt;"
            assert list_text(["甲", "B"]) == '<span lang="zh-Hant">甲</span>, B'
        with force_locale("zh_Hant_TW"):
            assert [localized(r) for r in (Core, ChineseOnly, Organization)] == [
                "主動關懷，服務到家", "不出門能辦大小事", "蘆竹戶政"]
            assert lang_of("Proactive care") == "en" and lang_of("第 5 櫃台") == ""
            assert list_text(["甲", "乙"]) == "甲、乙"


def test_select_options_with_user_data_in_another_language_carry_lang(app):
    from wtforms import SelectField

    from qms.forms import QMSForm, choices

    class Form(QMSForm):
        owner = SelectField("Owner")

    with app.test_request_context(), force_locale("en"):
        form = Form(meta={"csrf": False})
        form.owner.choices = choices([("1", "品管小組 林組長"), ("2", "Alice")])
        html = str(form.owner())
    assert '<option lang="zh-Hant" value="1">品管小組 林組長</option>' in html
    assert '<option value="2">Alice</option>' in html
