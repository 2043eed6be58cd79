"""Browser fixtures: the app served on a free loopback port, and Debian's chromium driven by Playwright."""
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from qms import create_app
from tests.conftest import make_config, wipe_rows

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERIOUS = {"serious", "critical"}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # keep the request log out of test output
        pass


@pytest.fixture(scope="module")
def live_server(migrated_database):
    """Serve the app (with the demo data) in a thread; yield its base URL."""
    from qms import demo, search
    from qms.extensions import db

    app = create_app(make_config(migrated_database))
    with app.app_context():
        search.create_empty(app)
        demo.seed_demo()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        wipe_rows(app)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-TW")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_a11y(axe):
    """check_a11y(page): fail on any serious or critical axe-core violation on the page as it is now."""

    def check(page):
        results = axe.run(page)
        serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        details = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in serious)
        assert not serious, f"axe-core on {page.url}:\n{details}"
        return results

    return check
