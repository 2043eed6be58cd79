"""Every route, every role, and an anonymous visitor: the server refuses what a role may not do.

The routes come from app.url_map, so a route added later is checked without anyone listing it here.
"""
import pytest
from sqlalchemy import func, select

from qms import create_app
from qms.core.models import AuditEvent
from qms.spine.access import PUBLIC, Role, has_object_rule, is_static_endpoint, policy_of
from tests.conftest import make_config

_collect_app = create_app(make_config("sqlite://"))
ROUTES = sorted(
    (rule.endpoint, rule.rule, method)
    for rule in _collect_app.url_map.iter_rules()
    if not is_static_endpoint(rule.endpoint)
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
)
VIEWS = {endpoint: _collect_app.view_functions[endpoint] for endpoint, _rule, _method in ROUTES}
with _collect_app.app_context():
    from qms.extensions import db as _db
    _db.engine.dispose()


def test_routes_were_found():
    assert len(ROUTES) >= 15  # the matrix cannot pass vacuously


@pytest.mark.parametrize("endpoint", sorted(VIEWS))
def test_every_view_declares_who_may_use_it(endpoint):
    assert policy_of(VIEWS[endpoint]) is not None, f"{endpoint} has no access rule (see qms/spine/access.py)"


def url_for_rule(app, endpoint, sample_ids):
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {name: sample_ids.get(name, 1) for name in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def sample_ids(app, db):
    """Real records for the id parameters every role may see; other ids give 404, which the matrix accepts."""
    from tests.factories import AwardCycleFactory, UserFactory

    return {"user_id": UserFactory(role=Role.STAFF).id, "cycle_id": AwardCycleFactory(is_current=True).id}


def audit_count(db):
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("endpoint,rule,method", ROUTES)
def test_access_matrix(app, db, login_as, sample_ids, endpoint, rule, method):
    app.config["WTF_CSRF_ENABLED"] = False  # the access rule must hold on its own, token or not
    policy = policy_of(app.view_functions[endpoint])
    url = url_for_rule(app, endpoint, sample_ids)
    events_before = audit_count(db)

    anonymous = app.test_client()
    response = anonymous.open(url, method=method)
    if policy == PUBLIC:
        assert response.status_code < 500
    else:
        assert response.status_code == 302, f"anonymous {method} {url} -> {response.status_code}"
        assert "/login" in response.headers["Location"]
        assert audit_count(db) == events_before

    for role in Role:
        client = login_as(role)
        allowed = policy == PUBLIC or role in policy
        if not allowed:
            response = client.open(url, method=method)
            assert response.status_code == 403, f"{role} {method} {url} -> {response.status_code}"
            assert audit_count(db) == events_before, f"{role} changed something through {method} {url}"
        elif method == "GET":
            response = client.get(url)
            # Views with a rule on the record itself may refuse a role that may use the view in general.
            expected = (200, 302, 404, 403) if has_object_rule(app.view_functions[endpoint]) else (200, 302, 404)
            assert response.status_code in expected, f"{role} GET {url} -> {response.status_code}"
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"]


def test_admin_is_allowed_everywhere_that_is_not_public():
    for endpoint, view in VIEWS.items():
        policy = policy_of(view)
        assert policy == PUBLIC or Role.ADMIN in policy, endpoint


def test_a_view_without_a_rule_is_refused_to_everyone(app, login_as):
    from flask import Blueprint

    stray = Blueprint("stray", __name__)
    stray.add_url_rule("/stray", "page", lambda: "secret")
    app.register_blueprint(stray)
    response = login_as(Role.ADMIN).get("/stray")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)
