"""Every role walks its pages over HTTPS through nginx: the navigation answers 200, nothing answers 500,
every signed-in page is private and carries the security headers, and an anonymous visitor is sent to
sign in. Logins are the demo's (make demo prints them)."""

from urllib.parse import urlsplit

import pytest

from tests.stack.client import parse

ROLES = {
    "sophie": "coordinator",
    "amelie": "advisor",
    "julie": "advisor (English)",
    "pierre": "board member",
    "entrepreneur01": "entrepreneur repaying a loan",
    "entrepreneur07": "entrepreneur with a request under review",
}
PAGES_PER_ROLE = 400
DEPTH = 3
# The pages anyone may read without signing in (the privacy page is public: Law 25).
PUBLIC = {"/accounts/login/", "/accounts/password_reset/", "/healthz", "/privacy/"}


def worth_visiting(path: str) -> bool:
    plain = urlsplit(path).path
    if plain.startswith(("/static/", "/accounts/logout")) or plain == "/admin/logout/":
        return False
    # The admin: its index and the lists of each model, not every object's page.
    return not (plain.startswith("/admin/") and plain.strip("/").count("/") > 2)


def crawl(client, limit=PAGES_PER_ROLE) -> dict[str, tuple[int, dict]]:
    """Breadth first from the home page: the navigation first, then what its pages link to."""
    seen: dict[str, tuple[int, dict]] = {}
    queue = [("/", 0)]
    while queue and len(seen) < limit:
        path, depth = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = (response.status_code, dict(response.headers))
        if response.status_code != 200 or "text/html" not in response.headers.get("Content-Type", ""):
            continue
        if depth < DEPTH:
            for href, _in_nav in parse(response.text).links:
                target = client.same_origin_path(href, response.url)
                if target and target not in seen and worth_visiting(target):
                    queue.append((target, depth + 1))
    return seen


@pytest.fixture(scope="module")
def walks(request):
    results = {}

    def walk(username: str, stack):
        if username not in results:
            client = stack()
            answer = client.sign_in(username)
            assert answer.status_code == 302, f"{username} could not sign in ({answer.status_code})"
            results[username] = (client, crawl(client))
        return results[username]

    return walk


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_the_role_answers_without_error(walks, stack, username):
    _, pages = walks(username, stack)
    errors = {path: status for path, (status, _) in pages.items() if status >= 500}
    assert not errors, f"{username}: {errors}"
    assert len(pages) >= 5, pages  # the walk really went somewhere
    unexpected = {path: status for path, (status, _) in pages.items() if status not in (200, 301, 302, 404)}
    assert not unexpected, f"{username}: {unexpected}"


@pytest.mark.parametrize("username", ROLES)
def test_the_navigation_answers_200(walks, stack, username):
    client, _ = walks(username, stack)
    home = client.get("/")
    assert home.status_code == 200
    nav = {client.same_origin_path(href, home.url) for href, in_nav in parse(home.text).links if in_nav} - {
        None
    }
    assert len(nav) >= 3, nav
    for path in nav:
        answer = client.get(path, allow_redirects=True)
        assert answer.status_code == 200, f"{username}: {path} answered {answer.status_code}"


@pytest.mark.parametrize("username", ROLES)
def test_signed_in_pages_are_private_and_carry_the_security_headers(walks, stack, username):
    _, pages = walks(username, stack)
    for path, (status, headers) in pages.items():
        if status != 200:
            continue
        cache = headers.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, (path, cache)
        if "text/html" in headers.get("Content-Type", ""):
            policy = headers.get("Content-Security-Policy", "")
            assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, (path, policy)
            assert "camera=()" in headers.get("Permissions-Policy", ""), path
            assert headers.get("Strict-Transport-Security", "").startswith("max-age="), path
            assert headers.get("X-Content-Type-Options") == "nosniff", path


def test_an_anonymous_visitor_is_sent_to_sign_in(walks, stack):
    _, coordinator_pages = walks("sophie", stack)
    _, entrepreneur_pages = walks("entrepreneur01", stack)
    anonymous = stack()
    checked = 0
    for path in sorted(set(coordinator_pages) | set(entrepreneur_pages)):
        plain = urlsplit(path).path
        if plain in PUBLIC or plain.endswith(".ics"):
            continue
        answer = anonymous.get(path)
        assert answer.status_code in (302, 404), (path, answer.status_code)
        if answer.status_code == 302:
            assert "/login/" in answer.headers["Location"], (path, answer.headers["Location"])
        checked += 1
    assert checked > 50
    for path in PUBLIC:
        assert anonymous.get(path).status_code == 200, path


def test_the_language_cookie_is_lax_and_http_only(stack):
    client = stack()
    page = client.get("/accounts/login/")
    form = next(
        f for f in parse(page.text).forms if "language" in str(f.buttons) or f.action.endswith("/language/")
    )
    answer = client.post(
        form.action, {**form.fields, "language": "en", "next": "/accounts/login/"}, referer="/accounts/login/"
    )
    assert answer.status_code == 302
    cookie = next(
        c for c in answer.raw.headers.getlist("Set-Cookie") if c.startswith("microcredit_language=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie, cookie
    assert "Sign in" in client.get("/accounts/login/").text
