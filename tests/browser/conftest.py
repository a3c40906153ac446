"""A live Engage on a local port and Debian's chromium driven by Playwright.

Every test here is marked ``browser``; without /usr/bin/chromium they are skipped
with the reason, never failed."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engage import create_app
from engage.extensions import db
from tests import factories
from tests.conftest import base_config, wipe

CHROMIUM = os.environ.get("ENGAGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"no chromium at {CHROMIUM}: apt-get install -y chromium"
                    )
                )


@pytest.fixture(scope="module")
def live_server(database_url, tmp_path_factory):
    """Engage served over HTTP on 127.0.0.1 with real commits, and the test cast loaded."""
    app = create_app(
        base_config(database_url, tmp_path_factory.mktemp("live"), SESSION_COOKIE_SECURE=True)
    )
    app.config["TESTING"] = False
    with app.app_context():
        wipe()
        cast = factories.make_world()
        db.session.commit()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{port}"
    app.cast = cast
    yield app
    server.shutdown()
    with app.app_context():
        wipe()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.base_url, locale="en-GB")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.base_url, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_a11y(axe):
    """Run axe-core on the page; fail on any serious or critical violation."""

    def check(page, label: str = ""):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(
                node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                for node in v["nodes"][:3]
            )
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not bad, f"axe on {label or page.url}:\n" + "\n".join(bad)
        return results

    return check
