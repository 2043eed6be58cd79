"""Every search test runs on both backends: Whoosh always, PostgreSQL when the test database is PostgreSQL."""
import pytest

BACKENDS = ("whoosh", "postgres")


@pytest.fixture(params=BACKENDS, autouse=True)
def search_backend(request, database_url, monkeypatch):
    """QMS_SEARCH_BACKEND for the app the test makes (and for any process it starts)."""
    backend = request.param
    if backend == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend needs QMS_TEST_DATABASE_URL=postgresql://...")
    if request.node.get_closest_marker("whoosh_only") and backend != "whoosh":
        pytest.skip("about the Whoosh index itself")
    monkeypatch.setenv("QMS_SEARCH_BACKEND", backend)
    return backend


def pytest_configure(config):
    config.addinivalue_line("markers", "whoosh_only: a test of the Whoosh index itself (files, locks, queue)")
