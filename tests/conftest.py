"""Fixtures: one migrated test database per session, an app and client per test, login_as(role), count_queries,
and a small checklist whose items any test may use as records."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import MetaData, create_engine, event, text

from qms import create_app
from qms.config import TestConfig, normalize_database_url
from qms.extensions import db as _db
from tests.factories import TEST_PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


# One search index for the test run, emptied for each test as the rows are (never the instance's own).
TEST_SEARCH_INDEX = os.path.join(tempfile.gettempdir(), f"qms-test-search-{os.getpid()}", "index")


def make_config(database_url: str, **overrides) -> dict:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = database_url
    config["QMS_SEARCH_INDEX"] = TEST_SEARCH_INDEX
    config["QMS_JOBS_IMMEDIATE"] = True  # background jobs run at once, inside the test
    config.update(overrides)
    return config


def reset_schema(database_url: str) -> None:
    """Drop every table left from an earlier run, so the migrations start from nothing."""
    engine = create_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            metadata = MetaData()
            metadata.reflect(bind=engine)
            metadata.drop_all(bind=engine)
    finally:
        engine.dispose()


def wipe_rows(app) -> None:
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
        _db.engine.dispose()


def pytest_addoption(parser):
    parser.addoption("--hostile-full", action="store_true", default=False,
                     help="the hostile-input sweep tries every value on every field (default: a seeded sample)")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("QMS_TEST_DATABASE_URL")
    if url:
        return normalize_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'qms-test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_database(database_url) -> str:
    """The schema comes from the migrations, as in production; create_all() is never used."""
    import flask_migrate

    reset_schema(database_url)
    app = create_app(make_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        _db.engine.dispose()
    return database_url


class QMSClient(FlaskClient):
    """A test client that can fetch a CSRF token and post forms with it."""

    def open(self, *args, **kwargs):
        # The test's app context outlives each request, and Flask-Login and Flask-WTF cache the user
        # the signed token and the locale on g: without this, one request's values would leak into the next.
        self._forget_request_cache()
        try:
            return super().open(*args, **kwargs)
        finally:
            self._forget_request_cache()

    @staticmethod
    def _forget_request_cache():
        if has_app_context():
            for name in ("_login_user", "csrf_token", "_flask_babel"):
                g.pop(name, None)

    def csrf_token(self, path: str = "/login") -> str:
        if not self.application.config["WTF_CSRF_ENABLED"]:
            return ""
        response = self.get(path)
        match = CSRF_INPUT.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path} (status {response.status_code})"
        return match.group(1) or match.group(2)

    def post_form(self, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
        form = dict(data or {})
        form["csrf_token"] = self.csrf_token(token_from or path_for_token(self, path))
        return self.post(path, data=form, **kwargs)


def path_for_token(client: QMSClient, path: str) -> str:
    # Any page of the session carries a valid token: the sign-in page for visitors, the dashboard after.
    with client.session_transaction() as session:
        signed_in = "_user_id" in session
    return "/" if signed_in else "/login"


@pytest.fixture(scope="session", autouse=True)
def _remove_test_search_index():
    yield
    shutil.rmtree(os.path.dirname(TEST_SEARCH_INDEX), ignore_errors=True)


@pytest.fixture
def app(migrated_database):
    from qms import search

    app = create_app(make_config(migrated_database))
    app.test_client_class = QMSClient
    with app.app_context():
        search.create_empty(app)
        yield app
        _db.session.remove()
    wipe_rows(app)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app) -> QMSClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app):
    """login_as(role) -> a client signed in as a new user with that role, through the real sign-in form."""
    from tests.factories import UserFactory

    def login(role, client: QMSClient | None = None, **user_fields):
        user = UserFactory(role=role, **user_fields)
        client = client or app.test_client()
        response = client.post_form("/login", {"username": user.username, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        client.user = user
        return client

    return login


class QueryCounter:
    """The SQL statements sent to the database: count_queries(client, path) for one page, which must answer 200;
    `with count_queries.block() as statements:` for any other block (a list of the statements, filled as it runs)."""

    def __init__(self, engine):
        self.engine = engine

    @contextmanager
    def block(self) -> Iterator[list[str]]:
        statements: list[str] = []

        def record(_connection, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(self.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(self.engine, "before_cursor_execute", record)

    def __call__(self, client: QMSClient, path: str) -> int:
        with self.block() as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return len(statements)


@pytest.fixture
def count_queries(db) -> QueryCounter:
    """Keeps a page's query count independent of its row count: compare count_queries(client, path) before and
    after adding rows."""
    return QueryCounter(db.engine)


@pytest.fixture
def small_framework(app):
    from qms.checklist import services
    from tests.checklist.sample_data import SMALL_FRAMEWORK

    framework, _created = services.import_framework(SMALL_FRAMEWORK, "small.yaml", None)
    return framework


@pytest.fixture
def assessment(app, small_framework):
    """The current award cycle's assessment against the small framework."""
    from qms.checklist import services
    from qms.spine.access import Role
    from tests.factories import AwardCycleFactory, UserFactory

    cycle = AwardCycleFactory(is_current=True, submission_deadline=None)
    return services.adopt(cycle, small_framework, UserFactory(role=Role.QUALITY))


@pytest.fixture
def items(assessment):
    """The assessment's items by code: A.1, A.2 and B.1."""
    return {item.node.code: item for item in assessment.items}


# --- shared by the reminder sources' tests --------------------------------------------------------

@pytest.fixture
def in_english(app):
    """Lazy texts (actions, labels) read in English, so a test can compare them with their English wording."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def quality(app):
    """A member of the quality team."""
    from qms.spine.access import Role
    from tests.factories import UserFactory

    return UserFactory(role=Role.QUALITY)


@pytest.fixture
def staff(app):
    """A front-line staff member."""
    from qms.spine.access import Role
    from tests.factories import UserFactory

    return UserFactory(role=Role.STAFF)


def collect_reminders(key: str, user, today) -> list:
    """What the reminder source `key` lists for `user` (everyone's, with None) on `today`, the clock frozen there."""
    from qms.spine import clock, reminders

    with clock.frozen(today):
        return list(reminders.get(key).collect(today, user))
