"""Request plumbing every page relies on: the proxy's word taken only from the proxy, a health check
for the orchestrator, the session's idle clock, and personal pages kept out of every cache."""

import ipaddress
import json
import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from microcredit.settings.env import ip_networks

logger = logging.getLogger(__name__)

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, networks) -> str:
    """The client's address: ``remote_addr``, unless it is a trusted proxy; then the nearest address in
    ``X-Forwarded-For`` that is not a trusted proxy (read from the right: the entries on the left were
    written by the client and prove nothing)."""
    if not _is_trusted(_address(remote_addr), networks):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage in the chain: stop at the last proxy we trust
        if not _is_trusted(address, networks):
            return str(address)
    return remote_addr


class TrustedProxyMiddleware:
    """Takes the client's address and scheme from ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only when
    the request comes from a proxy listed in ``TRUSTED_PROXIES`` (``DJANGO_TRUSTED_PROXIES``).

    From anyone else those headers are removed, so a client cannot claim HTTPS or another address. Runs
    first: django-axes, the lock-out and every log then see the real client in ``REMOTE_ADDR``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = ip_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        remote_addr = meta.get("REMOTE_ADDR", "")
        if _is_trusted(_address(remote_addr), self.networks):
            meta["REMOTE_ADDR"] = client_address(
                remote_addr, meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks
            )
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


def health() -> tuple[bool, dict]:
    """Whether the database and Redis answer; names only, never data."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        logger.exception("Health check: the database does not answer")
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
            checks["redis"] = "ok"
        except Exception:
            logger.exception("Health check: Redis does not answer")
            checks["redis"] = "error"
    else:
        checks["redis"] = "not used"
    return all(value != "error" for value in checks.values()), checks


class HealthCheckMiddleware:
    """``/healthz``: 200 when the database and Redis answer, 503 otherwise. No sign-in, no data.

    Answered before host validation and the HTTPS redirect, so that an orchestrator probing
    ``http://127.0.0.1:8000/healthz`` inside the container gets the real answer.
    """

    path = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") != self.path:
            return self.get_response(request)
        healthy, checks = health()
        response = HttpResponse(
            json.dumps({"status": "ok" if healthy else "error", **checks}),
            content_type="application/json",
            status=200 if healthy else 503,
        )
        response["Cache-Control"] = "no-store"
        return response


class SessionRenewalMiddleware:
    """The idle clock of a session without writing it on every page.

    A session lives ``SESSION_COOKIE_AGE`` from its last save. Saving it on every request kept that exact,
    at the cost of a write on ``django_session`` for each page read. Here a page saves it only when its
    contents changed (Django's own rule) or when its last renewal, stamped in the session, is older than
    ``SESSION_RENEW_SECONDS``: a session still ends at most ``SESSION_IDLE_MINUTES`` after the last page,
    and never sooner than that less the window."""

    STAMP = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        renewed = session.get(self.STAMP)
        if session.is_empty():  # the cookie named a session that had ended: nothing to renew
            return response
        now = int(time.time())
        if not isinstance(renewed, int) or not 0 <= now - renewed < settings.SESSION_RENEW_SECONDS:
            session[self.STAMP] = now
        return response


class PrivateCacheMiddleware:
    """Every page answered to a signed-in person is ``Cache-Control: private, no-store``: no shared or
    browser cache keeps a loan, an export or a document after sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers.pop("Expires", None)
            if "Cache-Control" in response.headers:
                del response.headers["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response


class AccessGateMiddleware:
    """Sign-in and role are checked before a view runs at all, so that no view can read a parameter (an id
    in the query string, say) before the gate and answer differently for one value than another.

    A class-based view that needs a signed-in person (``LoginRequiredMixin``) sends an anonymous visitor to
    sign in, the same way for every URL; one restricted to roles (``RoleRequiredMixin``) answers 404 to the
    other roles. The views' own mixins still check too (this only moves the check earlier)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.contrib.auth.views import redirect_to_login
        from django.http import Http404

        from microcredit.core.permissions import has_role
        from microcredit.core.views_mixins import RoleRequiredMixin

        view_class = getattr(view_func, "view_class", None)
        if view_class is None or not issubclass(view_class, LoginRequiredMixin):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), view_class.login_url or None)
        if issubclass(view_class, RoleRequiredMixin) and not has_role(
            request.user, *view_class.allowed_roles
        ):
            raise Http404
        return None


class OrganizationSettingsMiddleware:
    """Each request reads the organization's settings once, however many times its code asks for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from microcredit.core.models import settings_scope

        with settings_scope():
            return self.get_response(request)
