"""The loan flags of the caseload: a loan in arrears, a pending loan request (one query each for the
whole caseload). Registered under the names the loans app would use, so that providers registered later
by the loans app itself replace these instead of doubling them."""

from django.apps import apps
from django.db.models import Exists, F, IntegerField, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Least
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


def _person_loans(context):
    """The loans of the caseload row ``OuterRef("pk")`` the viewer may see (for the SQL weights)."""
    from loans.models import Loan

    queryset = Loan.objects.filter(borrower_id=OuterRef("pk"))
    return scope(context.viewer, queryset) if context.viewer is not None else queryset


def loans_in_arrears_sql(context):
    """40 + days late (at most 365) of the person's longest-late open loan, from the loan positions (one
    subquery per person over their loans' positions, giving the weight itself; 0 when none is late)."""
    from loans.selectors import OPEN_STATUSES

    weight = (
        _person_loans(context)
        .filter(status__in=OPEN_STATUSES, position__first_unsettled_due__lt=context.today)
        .order_by()
        .values("borrower")
        .annotate(oldest=Min("position__first_unsettled_due"))
        .annotate(weight=Value(40) + Least(DaysBetween(Value(context.today), F("oldest")), Value(365)))
        .values("weight")[:1]
    )
    return Coalesce(Subquery(weight, output_field=IntegerField()), Value(0))


def pending_loan_requests_sql(context):
    return weight_when(Exists(_person_loans(context).filter(status__in=PENDING_STATUSES)), 10)


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
