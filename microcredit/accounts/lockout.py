"""Failed sign-ins, counted two ways (django-axes' database handler with two limits).

- **By login from an address**: ``LOGIN_FAILURE_LIMIT`` (5) failures for one login from one address lock
  that login *from that address* for the cool-off. Someone elsewhere cannot lock a coordinator out by
  failing her password: the coordinator's own address is not affected.
- **By address**: ``LOGIN_ADDRESS_FAILURE_LIMIT`` (20) failures from one address, whatever the logins,
  stop that address for the cool-off. One address cannot try a password on every login.

The address is the real client's (``microcredit.core.middleware.TrustedProxyMiddleware`` takes it from
the trusted proxy's ``X-Forwarded-For``). ``AXES_LOCKOUT_PARAMETERS`` lists the two groups in this order.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LoginAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Failures on the scale of ``AXES_FAILURE_LIMIT``: reaching it means a lock-out by either rule.

        axes compares this one number with ``AXES_FAILURE_LIMIT``; the address count is scaled so that
        ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address reach it too.
        """
        by_login, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        return max(by_login, by_address * limit // settings.LOGIN_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in forgets that login's failures from that address, not the address's
        failures on other logins (else signing in to one's own account would reset a password spray)."""
        by_login = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_login.delete()
        return count


def login_username(request, credentials=None) -> str | None:
    """The login axes counts: as typed, cut to the 150 characters a login can have. axes stores it in a
    255-character column, so a longer one typed on the sign-in form used to be a 500 (found by the fuzz)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    return username[:150] if isinstance(username, str) else username
