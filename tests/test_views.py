"""The shared view helpers: a form saved through a service, and a confirmed action."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select
from wtforms import StringField

from qms.core.models import AwardCycle
from qms.core.services import ServiceError
from qms.forms import QMSForm, required
from qms.views import confirm_view, edit_view
from tests.factories import AwardCycleFactory


class NameForm(QMSForm):
    name = StringField("Name", validators=[required()])


@pytest.fixture
def form_page(app):
    """A one-line form template that shows the name field's errors, and requests without CSRF tokens."""
    app.jinja_env.loader = ChoiceLoader([DictLoader({"name_form.html": "errors: {{ form.name.errors|join('|') }}"}),
                                         app.jinja_env.loader])
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def cycles(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AwardCycle))


def test_a_valid_form_is_saved_and_redirects(form_page):
    calls = []

    def save():
        calls.append(form.name.data)
        return 7

    with form_page.test_request_context("/", method="POST", data={"name": "蘆竹"}):
        form = NameForm()
        response = edit_view(form, save=save, success=lambda saved: f"Saved {saved}.",
                             redirect_to=lambda saved: f"/done/{saved}", template="name_form.html")
        assert calls == ["蘆竹"]
        assert (response.status_code, response.location) == (302, "/done/7")
        assert get_flashed_messages(with_categories=True) == [("success", "Saved 7.")]


def test_a_refusal_goes_beside_its_field_and_saves_nothing(form_page, db):
    def save():
        db.session.add(AwardCycle(award_name="政府服務獎", year=2030))
        db.session.flush()
        raise ServiceError("This name is taken.", field="name")

    with form_page.test_request_context("/", method="POST", data={"name": "蘆竹"}):
        form = NameForm()
        page, status = edit_view(form, save=save, success="Saved.", redirect_to="/done", template="name_form.html")
        assert (page, status) == ("errors: This name is taken.", 400)
        assert get_flashed_messages() == []
    assert cycles(db) == 0


def test_a_refusal_naming_no_field_is_flashed(form_page):
    def save():
        raise ServiceError("Not now.")

    with form_page.test_request_context("/", method="POST", data={"name": "蘆竹"}):
        page, status = edit_view(NameForm(), save=save, success="Saved.", redirect_to="/done",
                                 template="name_form.html", status=400)
        assert (page, status) == ("errors: ", 400)
        assert get_flashed_messages(with_categories=True) == [("danger", "Not now.")]


def test_an_invalid_form_is_shown_again_without_saving(form_page):
    def save():
        raise AssertionError("an invalid form must not reach the service")

    with form_page.test_request_context("/", method="POST", data={"name": ""}):
        form = NameForm()
        page, status = edit_view(form, save=save, success="Saved.", redirect_to="/done", template="name_form.html")
        assert form.name.errors and (page, status) == (f"errors: {form.name.errors[0]}", 400)
    with form_page.test_request_context("/"):
        assert edit_view(NameForm(), save=save, success="Saved.", redirect_to="/done",
                         template="name_form.html") == ("errors: ", 200)


def test_an_invalid_confirmation_deletes_nothing(app, db):
    cycle = AwardCycleFactory()

    def delete():
        db.session.delete(cycle)
        db.session.commit()

    with app.test_request_context("/", method="POST", data={}):  # no CSRF token
        response = confirm_view(action=delete, success="Deleted.", redirect_to="/cycles", refused_to="/cycle")
        assert (response.status_code, response.location) == (302, "/cycle")
        assert get_flashed_messages() == []
    assert cycles(db) == 1


def test_a_confirmed_action_runs_and_a_refused_one_rolls_back(form_page, db):
    kept, gone = AwardCycleFactory(), AwardCycleFactory()

    def refused():
        db.session.delete(kept)
        db.session.flush()
        raise ServiceError("The current cycle cannot be deleted.")

    def delete():
        db.session.delete(gone)
        db.session.commit()

    with form_page.test_request_context("/", method="POST"):
        response = confirm_view(action=refused, success="Deleted.", redirect_to="/cycles")
        assert (response.status_code, response.location) == (302, "/cycles")
        response = confirm_view(action=delete, success="Deleted.", redirect_to="/cycles")
        assert (response.status_code, response.location) == (302, "/cycles")
        assert get_flashed_messages(with_categories=True) == [("danger", "The current cycle cannot be deleted."),
                                                              ("success", "Deleted.")]
    assert db.session.scalars(select(AwardCycle.id)).all() == [kept.id]
