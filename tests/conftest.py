"""Shared fixtures: the fixed personas every authorization test uses, and the service markers.

Personas (one organization): a coordinator, two advisors, two entrepreneurs (the second without an
email address), a board member. ``client_for(person)`` gives a signed-in test client.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from microcredit.accounts.models import EntrepreneurProfile, User
from tests import factories

# tests/stack walks a running production stack from outside; `make stack` starts one and sets STACK_URL.
collect_ignore = [] if os.environ.get("STACK_URL") else ["stack"]


def pytest_collection_modifyitems(config, items):
    # On a laptop without the servers, tests that need them are skipped; in CI the settings module has
    # already refused to start without them, so nothing here can skip there.
    missing = {
        "postgres": not settings.POSTGRES_AVAILABLE,
        "redis": not settings.REDIS_AVAILABLE,
    }
    for item in items:
        for marker, is_missing in missing.items():
            if is_missing and item.get_closest_marker(marker):
                if os.environ.get("CI") == "true":
                    raise pytest.UsageError(f"{item.nodeid} needs {marker}, which CI must provide")
                item.add_marker(pytest.mark.skip(reason=f"{marker} is not reachable"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate-limit counters (password reset) never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Personas:
    coordinator: User
    advisor: User
    other_advisor: User
    entrepreneur: EntrepreneurProfile
    other_entrepreneur: EntrepreneurProfile
    board: User


@pytest.fixture
def personas(db) -> Personas:
    advisor = factories.AdvisorFactory(username="advisor", first_name="Amélie", last_name="Gagnon")
    other_advisor = factories.AdvisorFactory(username="other_advisor", first_name="Karim", last_name="Benali")
    return Personas(
        coordinator=factories.CoordinatorFactory(username="coordinator"),
        advisor=advisor,
        other_advisor=other_advisor,
        entrepreneur=factories.EntrepreneurFactory(
            user__username="entrepreneur",
            user__first_name="Marie",
            user__last_name="Tremblay",
            advisor=advisor,
        ),
        other_entrepreneur=factories.EntrepreneurFactory(
            user__username="other_entrepreneur",
            user__first_name="Fatou",
            user__last_name="Diallo",
            user__email="",
            advisor=other_advisor,
        ),
        board=factories.BoardMemberFactory(username="board"),
    )


@pytest.fixture
def client_for():
    def make(user: User | EntrepreneurProfile) -> Client:
        if isinstance(user, EntrepreneurProfile):
            user = user.user
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def queries_for():
    """``queries_for(client, url)``: how many SQL queries one GET makes, after a warm-up request
    (the first request of a test creates the organization's settings row and the session)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client: Client, url: str, **params) -> int:
        client.get(url, params)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(context)

    return count


# --- The browser (Debian chromium through chromedriver, installed by scripts/bootstrap.sh browser) ---

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser_language() -> str:
    """The browser's language (``--lang`` and the Accept-Language it sends); parametrize to change it."""
    return "fr-CA"


@pytest.fixture
def browser_flags() -> list[str]:
    """More chromium flags; tests/stack adds --ignore-certificate-errors for its self-signed certificate."""
    return []


@pytest.fixture
def browser(browser_language, browser_flags):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromedriver must be installed in CI (scripts/bootstrap.sh browser)")
        pytest.skip("chromium is not installed (run: scripts/bootstrap.sh browser)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
        f"--lang={browser_language}",
        *browser_flags,
    ):
        options.add_argument(flag)
    primary = browser_language.split("-")[0]
    options.add_experimental_option("prefs", {"intl.accept_languages": f"{browser_language},{primary}"})
    from selenium.common.exceptions import WebDriverException

    try:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    except WebDriverException:
        # A loaded machine sometimes misses chromium's start-up deadline: one more try.
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
