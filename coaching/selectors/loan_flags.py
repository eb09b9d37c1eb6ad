"""The loan flags of the caseload: a loan in arrears, a pending loan request (one query each for the
whole caseload). Registered under the names the loans app would use, so that providers registered later
by the loans app itself replace these instead of doubling them."""

from django.apps import apps
from django.db.models import F, Q, Value
from django.db.models.functions import Least
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.selectors.flags import CaseloadFlag, DaysBetween, caseload_flag_provider, weight_when
from microcredit.core.permissions import scope

# Requests on their way: in circle review, returned for changes, accepted by the circle, approved but
# not yet disbursed.
PENDING_STATUSES = ("submitted", "returned", "circle_accepted", "approved")


def _loans(context, profiles):
    from loans.models import Loan

    queryset = Loan.objects.filter(borrower_id__in=[profile.pk for profile in profiles])
    return scope(context.viewer, queryset) if context.viewer is not None else queryset


def loans_in_arrears_sql(context):
    """40 + days late (at most 365) of the person's longest-late open loan, from their caseload tally
    (``CaseloadTally.arrears_since``, the oldest unpaid due date of their open loans, kept with the loan
    positions): no subquery over the loans per person; 0 when none is late."""
    since = F("arrears_since")
    return weight_when(
        Q(arrears_since__lt=context.today),
        Value(40) + Least(DaysBetween(Value(context.today), since), Value(365)),
    )


def pending_loan_requests_sql(context):
    return weight_when(Q(pending_request=True), 10)


def loans_in_arrears(profiles, context):
    from loans.selectors import late as late_loans

    late = late_loans(_loans(context, profiles), context.today).values_list("borrower_id", "oldest_unpaid")
    flags = {}
    for profile_id, oldest_unpaid in late:
        days = (context.today - oldest_unpaid).days
        label = ngettext("Loan in arrears: %(days)d day late", "Loan in arrears: %(days)d days late", days)
        flag = CaseloadFlag(
            "loan_arrears", label % {"days": days}, level="danger", weight=40 + min(days, 365)
        )
        if profile_id not in flags or flags[profile_id][0].weight < flag.weight:
            flags[profile_id] = [flag]
    return flags


def pending_loan_requests(profiles, context):
    pending = (
        _loans(context, profiles).filter(status__in=PENDING_STATUSES).values_list("borrower_id", flat=True)
    )
    flag = CaseloadFlag("loan_pending", _("Pending loan request"), level="info", weight=10)
    return {profile_id: [flag] for profile_id in set(pending)}


if apps.is_installed("loans"):
    caseload_flag_provider("loans.arrears", urgency=loans_in_arrears_sql)(loans_in_arrears)
    caseload_flag_provider("loans.pending_request", urgency=pending_loan_requests_sql)(pending_loan_requests)
