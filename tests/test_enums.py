"""Labelled enums: stored by value, shown by a label in the reader's language."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from qms.core.models import CycleStatus, enum_column
from qms.spine.enums import LabelledEnum


class Progress(LabelledEnum):
    IDEA = "idea", _l("Idea")
    RUNNING = "running", _l("Running")
    VERIFIED = "verified", _l("Verified")


def test_a_member_is_its_stored_value_and_is_found_by_it():
    assert Progress.RUNNING == "running" and Progress.RUNNING.value == "running"
    assert Progress("verified") is Progress.VERIFIED
    assert f"{Progress.IDEA}" == "idea"


def test_the_label_reads_in_the_readers_language(app):
    with app.test_request_context(), force_locale("en"):
        assert Progress.IDEA.label == "Idea"
    with app.test_request_context(), force_locale("zh_Hant_TW"):
        assert Progress.IDEA.label == "構想"
        assert Progress.VERIFIED.label == "已確認成效"


def test_labels_and_choices_keep_the_declaration_order(app):
    labels = Progress.labels()
    assert list(labels) == [Progress.IDEA, Progress.RUNNING, Progress.VERIFIED]
    assert labels["running"] is labels[Progress.RUNNING]  # found by the stored value too
    with app.test_request_context(), force_locale("en"):
        assert [(value, str(label)) for value, label in Progress.choices()] == [
            ("idea", "Idea"), ("running", "Running"), ("verified", "Verified")]


def test_a_column_stores_the_values_not_the_labels():
    assert enum_column(CycleStatus).enums == ["preparing", "submitted", "first_review", "site_visit", "result"]
