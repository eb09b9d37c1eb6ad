"""Reads about loans, each in a bounded number of queries."""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circles.models import Membership
from loans.models import (
    OPEN_REQUEST_STATUSES,
    OPEN_STATUSES,
    Allocation,
    GuaranteeCall,
    GuaranteedLoan,
    GuaranteeType,
    Guarantor,
    Instalment,
    Loan,
    LoanStatus,
    Payment,
    Reminder,
    Vote,
)
from loans.schedule import build_schedule, first_due_date
from microcredit.accounts.consents import consented
from microcredit.accounts.models import ConsentPurpose, EntrepreneurProfile, User
from microcredit.core.models import OrganizationSettings
from microcredit.core.money import ZERO, to_cents
from microcredit.core.permissions import scope

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum(queryset, expression) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.values("loan").annotate(total=Sum(expression)).values("total")[:1], output_field=MONEY
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def with_balances(loans: QuerySet[Loan], as_of: datetime.date | None = None) -> QuerySet[Loan]:
    """Annotate each loan with what is due in total, what was paid and the oldest unpaid due date, as of
    ``as_of`` (default today)."""
    as_of = as_of or timezone.localdate()
    instalments = Instalment.objects.filter(loan=OuterRef("pk"))
    # As of ``as_of``: the payments dated then or before, and the instalments not fully paid by then (those
    # still unsettled, or settled by a later payment: ``Instalment.settled_on``, kept by the allocation).
    allocations = Allocation.objects.filter(loan=OuterRef("pk"), paid_on__lte=as_of)
    unpaid = (
        Instalment.objects.filter(loan=OuterRef("pk"))
        .unpaid_as_of(as_of)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return loans.annotate(
        total_due=_sum(instalments, F("principal_due") + F("interest_due")),
        principal_scheduled=_sum(instalments, F("principal_due")),
        total_paid=_sum(allocations, F("principal") + F("interest")),
        principal_paid=_sum(allocations, F("principal")),
        oldest_unpaid=Subquery(unpaid),
    ).annotate(owed=ExpressionWrapper(F("total_due") - F("total_paid"), output_field=MONEY))


def with_standing(loans: QuerySet[Loan], as_of: datetime.date | None = None) -> QuerySet[Loan]:
    """The one reading of each loan's standing for the pages, lists and digests: ``owed`` (what the
    schedule still asks), ``oldest_unpaid`` (the due date of the oldest instalment unpaid as of ``as_of``,
    None when up to date: "overdue since") and, with ``days_late``, how many days late.

    As of today (the default): read from the loan's derived position (``LoanPosition``, kept by the payment
    services in the same transaction as each payment), one join and no sum over instalments or allocations
    per loan, whatever the size of the portfolio. A loan not disbursed has no position: nothing owed, not
    late. As of a past date: ``with_balances``, the as-of definition (``InstalmentQuerySet.unpaid_as_of``).
    """
    today = timezone.localdate()
    if as_of is not None and as_of != today:
        return with_balances(loans, as_of)
    unsettled = F("position__first_unsettled_due")
    cents = (
        F("position__scheduled_cents")
        - F("position__principal_paid_cents")
        - F("position__interest_paid_cents")
    )
    return loans.annotate(
        # Cents times 0.01, not divided by 100: SQLite would divide the integers and drop the cents.
        owed=Coalesce(Cast(cents * Value(Decimal("0.01")), MONEY), Value(ZERO), output_field=MONEY),
        oldest_unpaid=Case(When(position__first_unsettled_due__lte=today, then=unsettled), default=None),
    )


def loans_for(user: User) -> QuerySet[Loan]:
    return with_standing(
        scope(user, Loan.objects.all()).select_related("borrower__user", "product", "circle__advisor")
    )


def days_late(loan: Loan, as_of: datetime.date | None = None) -> int:
    """From ``with_standing`` (or ``with_balances``): days since the oldest unpaid due date."""
    as_of = as_of or timezone.localdate()
    return (as_of - loan.oldest_unpaid).days if getattr(loan, "oldest_unpaid", None) else 0


def with_days_late(loans, as_of: datetime.date | None = None) -> list[Loan]:
    """The loans (a page of them) with ``dpd``, their days past due as of ``as_of`` (default today)."""
    loans = list(loans)
    for loan in loans:
        loan.dpd = days_late(loan, as_of)
    return loans


@dataclass
class InstalmentLine:
    instalment: Instalment
    paid: Decimal
    state: str  # "paid", "partial", "overdue", "due", "upcoming"

    @property
    def left(self) -> Decimal:
        return self.instalment.total_due - self.paid


def schedule_lines(loan: Loan, as_of: datetime.date | None = None) -> list[InstalmentLine]:
    as_of = as_of or timezone.localdate()
    instalments = loan.instalments.annotate(
        paid=Coalesce(
            Sum(F("allocations__principal") + F("allocations__interest")), Value(ZERO), output_field=MONEY
        )
    ).order_by("number")
    lines = []
    for instalment in instalments:
        paid = instalment.paid
        if paid >= instalment.total_due:
            state = "paid"
        elif instalment.due_date < as_of:
            state = "overdue"
        elif instalment.due_date == as_of:
            state = "due"
        else:
            state = "partial" if paid else "upcoming"
        lines.append(InstalmentLine(instalment, paid, state))
    return lines


@dataclass(frozen=True)
class Repayment:
    """Where a borrower stands today: what is overdue now (the amount left on the instalments whose due
    date has passed, and since when), then the next instalment (the first one not paid that is due today
    or later) and what is left on it. ``overdue`` is zero and ``overdue_since`` None when up to date."""

    overdue: Decimal
    overdue_since: datetime.date | None
    days_late: int
    next_due_on: datetime.date | None
    next_due_amount: Decimal | None

    @property
    def is_late(self) -> bool:
        return self.overdue > 0


def repayment_from(rows, as_of: datetime.date) -> Repayment:
    """``rows``: (due date, amount left) of a loan's instalments not fully paid, in due-date order."""
    overdue, since, next_on, next_amount = ZERO, None, None, None
    for due_date, left in rows:
        if left <= 0:
            continue
        if due_date < as_of:
            overdue += left
            since = since or due_date
        elif next_on is None:
            next_on, next_amount = due_date, left
    return Repayment(overdue, since, (as_of - since).days if since else 0, next_on, next_amount)


def repayment_of_lines(lines: list[InstalmentLine], as_of: datetime.date | None = None) -> Repayment:
    """The repayment standing from a loan's schedule lines (its page, already read)."""
    as_of = as_of or timezone.localdate()
    return repayment_from(((line.instalment.due_date, line.left) for line in lines), as_of)


def repayments(loans, as_of: datetime.date | None = None) -> dict[int, Repayment]:
    """The repayment standing of each disbursed loan among ``loans`` (a page of them): one query for all,
    whatever their number (the instalments not fully paid, with what their allocations put on them)."""
    as_of = as_of or timezone.localdate()
    ids = [loan.pk for loan in loans if loan.is_disbursed]
    rows: dict[int, list] = {pk: [] for pk in ids}
    unpaid = (
        Instalment.objects.filter(loan_id__in=ids)
        .annotate(paid=Coalesce(paid_on_instalment(), Value(ZERO), output_field=MONEY))
        .filter(paid__lt=F("principal_due") + F("interest_due"))
        .order_by("loan_id", "due_date", "number")
        .values_list("loan_id", "due_date", "principal_due", "interest_due", "paid")
    )
    for loan_id, due_date, principal, interest, paid in unpaid:
        rows[loan_id].append((due_date, principal + interest - paid))
    return {pk: repayment_from(loan_rows, as_of) for pk, loan_rows in rows.items()}


def guaranteed_loans(user: User, as_of: datetime.date | None = None) -> list[GuaranteedLoan]:
    """ "Loans I stand behind": the loans the user guarantees (``GuaranteedLoan``'s policy), each with what a
    guarantor needs and nothing more: status, amount, ``repayment`` (overdue now and since when, next
    instalment) and ``open_call`` (a guarantee call open on it). Three queries, whatever their number."""
    loans = list(
        scope(user, GuaranteedLoan.objects.all())
        .select_related("borrower__user", "circle", "product")
        .order_by("-created_at", "-pk")
    )
    standing = repayments(loans, as_of)
    calls = dict(
        GuaranteeCall.objects.filter(
            loan__in=[loan.pk for loan in loans], resolved_at__isnull=True
        ).values_list("loan_id", "opened_at")
    )
    for loan in loans:
        loan.repayment = standing.get(loan.pk)
        loan.open_call = calls.get(loan.pk)
    return loans


def schedule_preview(loan: Loan):
    """The schedule a request would have if approved as asked and disbursed today."""
    return terms_preview(product=loan.product, amount=loan.amount, term=loan.term)


def terms_preview(*, product, amount: Decimal, term: int):
    """The schedule of ``amount`` over ``term`` instalments of ``product``, disbursed today (the request
    form's preview, as the amount changes, and a draft's page)."""
    today = timezone.localdate()
    return build_schedule(
        amount=amount,
        annual_rate_percent=product.annual_rate,
        instalments=term,
        frequency=product.frequency,
        first_due=first_due_date(today, product.frequency),
        grace=min(product.grace_periods, term - 1),
    )


def is_reversed(payment: Payment) -> bool:
    return hasattr(payment, "reversal")


def loan_detail(loan: Loan, as_of: datetime.date | None = None) -> dict:
    """Everything the loan's page (and its statement, as of the day it is built) shows."""
    lines = schedule_lines(loan, as_of) if loan.is_disbursed else []
    payments = list(
        Payment.objects.filter(loan=loan).select_related(
            "payer__user", "recorded_by", "reversal__reversed_by", "settlement"
        )
    )
    standing = [p for p in payments if not is_reversed(p)]
    transitions = list(loan.transitions.select_related("changed_by").order_by("changed_at", "pk"))
    principal_paid = Allocation.objects.filter(loan=loan).aggregate(total=Sum("principal", default=ZERO))[
        "total"
    ]
    total_due = sum((line.instalment.total_due for line in lines), ZERO)
    total_paid = sum((line.paid for line in lines), ZERO)
    next_line = next((line for line in lines if line.state != "paid"), None)
    return {
        "repayment": repayment_of_lines(lines, as_of) if lines else None,
        "regime": guarantee_regime(loan),
        "lines": lines,
        "payments": payments,
        "total_due": total_due,
        "total_paid": total_paid,
        "owed": total_due - total_paid,
        "principal_outstanding": loan.final_amount - principal_paid if lines else ZERO,
        "next_line": next_line,
        "overdue": [line for line in lines if line.state == "overdue"],
        "transitions": transitions,
        "history": loan_history(transitions, payments),
        "votes": list(
            loan.votes.filter(review_round=loan.review_round).select_related("member__user", "recorded_by")
        ),
        "tally": vote_tally(loan) if loan.status == LoanStatus.SUBMITTED else None,
        "guarantors": list(loan.guarantors.select_related("member__user")),
        "calls": list(loan.guarantee_calls.select_related("resolved_by")),
        "standing_payments": standing,
    }


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    label: str
    actor: User | None
    reason: str = ""
    kind: str = "status"  # "status", "payment", "reversal"


def loan_history(transitions, payments) -> list[HistoryEntry]:
    """The loan's history in time order: each change of status, each payment recorded and each reversal,
    with who and when (from rows ``loan_detail`` already read: no more queries)."""
    from django.utils.translation import gettext as _

    from microcredit.core.formatting import format_date, format_money

    entries = [
        # A restructuring keeps the status (a move to itself): it says so.
        HistoryEntry(
            t.changed_at,
            _("Restructured") if t.from_status == t.to_status else t.get_to_status_display(),
            t.changed_by,
            t.note,
        )
        for t in transitions
    ]
    for payment in payments:
        words = {"amount": format_money(payment.amount), "date": format_date(payment.paid_on)}
        entries.append(
            HistoryEntry(
                payment.recorded_at,
                _("Payment of %(amount)s paid on %(date)s recorded") % words,
                payment.recorded_by,
                kind="payment",
            )
        )
        if is_reversed(payment):
            entries.append(
                HistoryEntry(
                    payment.reversal.reversed_at,
                    _("Payment of %(amount)s paid on %(date)s reversed") % words,
                    payment.reversal.reversed_by,
                    payment.reversal.reason,
                    kind="reversal",
                )
            )
    return sorted(entries, key=lambda entry: entry.at)


def late(loans: QuerySet[Loan], as_of: datetime.date | None = None) -> QuerySet[Loan]:
    """The open loans among ``loans`` with an instalment unpaid after its due date as of ``as_of`` (default
    today), the longest late first, with their standing (``with_standing``). As of today an index range on the
    positions' oldest unpaid due date: page it (``with_days_late`` on the page) or count it."""
    today = timezone.localdate()
    as_of = as_of or today
    loans = loans.filter(status__in=OPEN_STATUSES)
    if as_of == today:
        return with_standing(loans.filter(position__first_unsettled_due__lt=today)).order_by(
            "position__first_unsettled_due", "pk"
        )
    return with_standing(loans, as_of).filter(oldest_unpaid__lt=as_of).order_by("oldest_unpaid", "pk")


def advisor_loans(advisor: User) -> Q:
    """An advisor's loans: those of the circles they follow and of the entrepreneurs of their caseload."""
    return Q(circle__advisor=advisor) | Q(borrower__advisor=advisor)


def arrears(user: User, as_of: datetime.date | None = None, *, mine: bool = False) -> QuerySet[Loan]:
    """The arrears list: the late loans the user may see (``late``), with the borrower and circle; with
    ``mine``, an advisor's own (``advisor_loans``). Every count of loans in arrears on a home page or tile is
    this queryset's count, so the figures and the list always agree."""
    loans = scope(user, Loan.objects.all())
    if mine:
        loans = loans.filter(advisor_loans(user))
    return late(loans.select_related("borrower__user", "product", "circle__advisor"), as_of)


def arrears_count(user: User, *, mine: bool = False, today: datetime.date | None = None) -> int:
    """How many loans the arrears list (``arrears``) holds as of today, from the arrears counters
    (``ArrearsCount``, kept by ``loans.services.arrears_counts``): one query summing a few rows per day,
    whatever the portfolio. Staff see every loan; an advisor's ``mine``: those of their circles and their
    caseload. Equal to ``arrears(user, mine=mine).count()`` (tested)."""
    from loans.models import ArrearsCount

    if not user.is_staff_member:
        return late(scope(user, Loan.objects.all())).count()
    today = today or timezone.localdate()
    key = user.pk if mine else 0
    total = ArrearsCount.objects.filter(advisor_key=key, day__lt=today).aggregate(n=Sum("count"))["n"]
    return total or 0


# --- Reminders ------------------------------------------------------------------------------------


def paid_on_instalment(ref: str = "pk") -> Subquery:
    """What the allocations put on the instalment ``ref`` names (in a queryset of instalments: its pk)."""
    return Subquery(
        Allocation.objects.filter(instalment=OuterRef(ref))
        .values("instalment")
        .annotate(total=Sum(F("principal") + F("interest")))
        .values("total")[:1],
        output_field=MONEY,
    )


def reminder_candidates(due_date: datetime.date, *, after_pk: int, limit: int) -> list[tuple[int, int, str]]:
    """One page of the daily reminder scan: (instalment id, loan id, borrower's email) of the unpaid
    instalments of open loans due on ``due_date``, by id after ``after_pk``. The email is "" unless the
    borrower consented to reminders by email (Law 25): her advisor then calls her instead.

    Keyset pagination on the index (due_date, id): each page is an index range scan that stops after
    ``limit`` rows, so a page costs the same whatever the size of the table.
    """
    return list(
        Instalment.objects.filter(due_date=due_date, pk__gt=after_pk, loan__status__in=OPEN_STATUSES)
        .annotate(paid=Coalesce(paid_on_instalment(), Value(ZERO), output_field=MONEY))
        .filter(paid__lt=F("principal_due") + F("interest_due"))
        .annotate(
            email=Case(
                When(
                    consented(ConsentPurpose.EMAIL_REMINDERS, "loan__borrower"),
                    then=F("loan__borrower__user__email"),
                ),
                default=Value(""),
            )
        )
        .order_by("pk")
        .values_list("pk", "loan_id", "email")[:limit]
    )


def instalment_left(instalment: Instalment) -> Decimal:
    """What is still to pay on one instalment, from its allocations."""
    paid = Allocation.objects.filter(instalment=instalment).aggregate(
        total=Sum(F("principal") + F("interest"), default=ZERO)
    )["total"]
    return instalment.total_due - paid


def loan_overdue_amount(loan: Loan, as_of: datetime.date) -> Decimal:
    """What was due on a loan before ``as_of`` and is not paid yet."""
    due = Instalment.objects.filter(loan=loan, due_date__lt=as_of).aggregate(
        total=Sum(F("principal_due") + F("interest_due"), default=ZERO)
    )["total"]
    paid = Allocation.objects.filter(loan=loan, instalment__due_date__lt=as_of).aggregate(
        total=Sum(F("principal") + F("interest"), default=ZERO)
    )["total"]
    return due - paid


def overdue_loans_for_advisor(advisor: User, as_of: datetime.date) -> list[Loan]:
    """Open loans of the advisor's circles and caseload with an instalment unpaid after its due date,
    the longest late first, each with ``overdue`` (the amount late) and ``dpd`` (days past due). The loans
    come from ``late``; the amounts late from one grouped query over these loans' instalments and
    allocations (not one per loan)."""
    loans = Loan.objects.filter(advisor_loans(advisor))
    overdue = with_days_late(late(loans.select_related("borrower__user", "circle"), as_of), as_of)
    ids = [loan.pk for loan in overdue]
    due = dict(
        Instalment.objects.filter(loan_id__in=ids, due_date__lt=as_of)
        .values("loan_id")
        .order_by()
        .annotate(total=Sum(F("principal_due") + F("interest_due")))
        .values_list("loan_id", "total")
    )
    paid = dict(
        Allocation.objects.filter(loan_id__in=ids, instalment__due_date__lt=as_of, paid_on__lte=as_of)
        .values("loan_id")
        .order_by()
        .annotate(total=Sum(F("principal") + F("interest")))
        .values_list("loan_id", "total")
    )
    for loan in overdue:
        loan.overdue = due.get(loan.pk, ZERO) - paid.get(loan.pk, ZERO)
    return overdue


def loan_reminders(loan: Loan, limit: int = 50) -> list[Reminder]:
    """The reminders about a loan, the latest first, for its page (one query)."""
    return list(
        Reminder.objects.filter(loan=loan).select_related("instalment").order_by("-created_at", "-pk")[:limit]
    )


def requests_in_review_per_circle():
    """The circle lists' "requests in review" figure (registered in ``circles.selectors``)."""
    from circles.selectors import count_per_circle

    return count_per_circle(Loan.objects.filter(status=LoanStatus.SUBMITTED))


# --- Reads the services also rely on: the guarantee rule, the circle's tally, days past due, what is owed,
# who may pay and whom the borrower's notices name. Defined here only; the services import them.


def guarantee_type_for(amount: Decimal) -> str:
    """The guarantee rule's one home: a request up to the organization's threshold (``2000.00`` by
    default; the threshold itself included) is guaranteed by the circle once it accepts it, and the members
    who voted for it are its guarantors; above it, the loan is the borrower's individual responsibility."""
    threshold = OrganizationSettings.load().circle_guarantee_threshold
    return GuaranteeType.CIRCLE if amount <= threshold else GuaranteeType.INDIVIDUAL


def guarantee_regime(loan: Loan) -> str:
    """The regime of a loan: the one decided at the circle's acceptance, or, before it, the one its amount
    requested would get (every request page states it, from the draft on)."""
    return loan.guarantee_type or guarantee_type_for(loan.amount)


def eligible_voters(loan: Loan) -> list[EntrepreneurProfile]:
    """The circle's active members, except the applicant: they never vote on their own request."""
    return [
        m.profile
        for m in Membership.objects.filter(circle=loan.circle, left_on__isnull=True)
        .exclude(profile=loan.borrower)
        .select_related("profile__user")
    ]


def vote_tally(loan: Loan) -> dict:
    eligible = eligible_voters(loan) if loan.circle_id else []
    eligible_ids = {p.pk for p in eligible}
    votes = [v for v in loan.votes.filter(review_round=loan.review_round) if v.member_id in eligible_ids]
    settings = OrganizationSettings.load()
    count = len(eligible)
    quorum = math.floor(count * settings.circle_vote_quorum_percent / 100) + 1 if count else 1
    needed = math.floor(count * settings.circle_vote_approval_percent / 100) + 1 if count else 1
    tally = {
        "eligible": count,
        "cast": len(votes),
        "for": sum(v.vote == Vote.FOR for v in votes),
        "against": sum(v.vote == Vote.AGAINST for v in votes),
        "abstain": sum(v.vote == Vote.ABSTAIN for v in votes),
        "quorum": min(quorum, count) if count else 1,
        "needed": min(needed, count) if count else 1,
    }
    tally["has_quorum"] = tally["cast"] >= tally["quorum"]
    tally["accepted"] = tally["has_quorum"] and tally["for"] >= tally["needed"]
    tally["summary"] = vote_tally_summary(tally)
    return tally


def vote_tally_summary(tally: dict) -> str:
    """The tally in words, each count agreeing with its noun: "1 vote for out of 4 members (3 needed),
    1 vote cast." / "1 vote pour sur 4 membres (3 requis), 1 vote exprimé." (the loan page)."""
    return _("%(for)s out of %(eligible)s (%(needed)s needed), %(cast)s.") % tally_words(tally)


def tally_words(tally: dict) -> dict:
    return {
        "for": ngettext("%(count)s vote for", "%(count)s votes for", tally["for"]) % {"count": tally["for"]},
        "eligible": ngettext("%(count)s member", "%(count)s members", tally["eligible"])
        % {"count": tally["eligible"]},
        "cast": ngettext("%(count)s vote cast", "%(count)s votes cast", tally["cast"])
        % {"count": tally["cast"]},
        "needed": tally["needed"],
        "quorum": tally["quorum"],
    }


def default_threshold() -> int:
    return OrganizationSettings.load().loan_default_days


def oldest_unpaid_due_date(loan: Loan, as_of: datetime.date | None = None) -> datetime.date | None:
    """The due date of the oldest instalment unpaid as of ``as_of`` (default today): a payment dated after
    ``as_of`` does not count (``InstalmentQuerySet.unpaid_as_of``, the report's definition)."""
    as_of = as_of or timezone.localdate()
    return (
        Instalment.objects.filter(loan=loan)
        .unpaid_as_of(as_of)
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )


def days_past_due(loan: Loan, as_of: datetime.date | None = None) -> int:
    """Days since the oldest due date not fully paid as of ``as_of`` (0 when up to date)."""
    as_of = as_of or timezone.localdate()
    oldest = oldest_unpaid_due_date(loan, as_of)
    return (as_of - oldest).days if oldest else 0


def is_default_late(dpd: int) -> bool:
    """Whether ``dpd`` days past due put a loan in default: *more than* the organization's
    ``loan_default_days`` (default 90), as PAR90 counts the loans more than 90 days late, so that the board's
    page reads consistently (a loan exactly 90 days late is in neither; 91 days late, in both)."""
    return dpd > default_threshold()


def arrears_state(loan: Loan, dpd: int) -> str:
    """ "current", "late" or "in_default" (the loan's status, or days past the organization's threshold)."""
    if loan.status == LoanStatus.DEFAULTED or is_default_late(dpd):
        return "in_default"
    return "late" if dpd > 0 else "current"


def contact_advisor(loan: Loan) -> User | None:
    """Who the borrower's notices name, and who calls them: their advisor, else their circle's."""
    advisor = loan.borrower.advisor
    if advisor is not None and advisor.is_active:
        return advisor
    circle_advisor = loan.circle.advisor if loan.circle_id else None
    return circle_advisor if circle_advisor is not None and circle_advisor.is_active else None


def amount_owed(loan: Loan) -> Decimal:
    """Everything left to pay on the schedule."""
    due = Instalment.objects.filter(loan=loan).aggregate(
        principal=Sum("principal_due", default=ZERO), interest=Sum("interest_due", default=ZERO)
    )
    paid = Allocation.objects.filter(loan=loan).aggregate(
        principal=Sum("principal", default=ZERO), interest=Sum("interest", default=ZERO)
    )
    return to_cents(due["principal"] + due["interest"] - paid["principal"] - paid["interest"])


def allowed_payers(loan: Loan) -> list[EntrepreneurProfile]:
    """The borrower, and the members who stood behind a circle-guaranteed loan."""
    guarantors = [g.member for g in Guarantor.objects.filter(loan=loan).select_related("member__user")]
    return [loan.borrower, *guarantors]


# Repayments collected at circle meetings (``loans/meeting_collection.py``, the collection sheet).


@dataclass(frozen=True)
class DueAtMeeting:
    """What a loan asks at a meeting held on ``on``: the amount left on the instalments due before it
    (``overdue``) and on the one due that day, if any; then the next instalment after it."""

    on: datetime.date
    overdue: Decimal
    overdue_since: datetime.date | None
    due_that_day: Decimal
    next_due_on: datetime.date | None
    next_due_amount: Decimal | None

    @property
    def total(self) -> Decimal:
        return self.overdue + self.due_that_day


def due_at_meeting(loans, on: datetime.date) -> dict[int, DueAtMeeting]:
    """For each disbursed loan among ``loans``: what is due at a meeting on ``on`` (overdue, plus due by that
    date), from ``repayments`` (one query, whatever their number)."""
    standing = repayments(loans, as_of=on)
    due = {}
    for pk, repayment in standing.items():
        if repayment.next_due_on == on:
            that_day, next_on, next_amount = repayment.next_due_amount, None, None
        else:
            that_day, next_on, next_amount = ZERO, repayment.next_due_on, repayment.next_due_amount
        due[pk] = DueAtMeeting(on, repayment.overdue, repayment.overdue_since, that_day, next_on, next_amount)
    return due


def collection_loans(loans: QuerySet[Loan], profile_ids, on: datetime.date, *, also=()) -> list[Loan]:
    """Among ``loans`` (the reader's scope), the open loans (disbursed, not closed) of these members,
    disbursed by ``on``, and those among ``also`` (paid at the meeting, closed since), each with ``due``
    (``DueAtMeeting`` on that date); by member then loan. Two queries."""
    loans = list(
        loans.filter(borrower_id__in=list(profile_ids))
        .filter(Q(status__in=OPEN_STATUSES, disbursed_on__lte=on) | Q(pk__in=list(also)))
        .select_related("borrower__user")
        .order_by("borrower__user__last_name", "borrower__user__first_name", "pk")
    )
    due = due_at_meeting(loans, on)
    for loan in loans:
        loan.due = due[loan.pk]
    return loans


def collected_at_meetings(meeting_ids) -> list[Payment]:
    """The payments collected at these meetings, reversed ones included (``reversal`` read with them), by
    member. One query."""
    return list(
        Payment.objects.filter(meeting_id__in=list(meeting_ids))
        .select_related("loan__borrower__user", "reversal")
        .order_by("loan__borrower__user__last_name", "loan__borrower__user__first_name", "loan_id", "pk")
    )


def open_request_ids(borrower: EntrepreneurProfile | None = None, *, user: User | None = None) -> list[int]:
    """The borrower's open requests (``OPEN_REQUEST_STATUSES``), oldest first; the borrower's profile or
    her account."""
    mine = {"borrower": borrower} if borrower is not None else {"borrower__user": user}
    return list(
        Loan.objects.filter(**mine, status__in=OPEN_REQUEST_STATUSES)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def at_open_requests_cap(
    borrower: EntrepreneurProfile | None = None, *, user: User | None = None
) -> list[int]:
    """The borrower's open requests when they already reach the organization's cap (the request form and her
    home say so, and offer no new request, before anything is typed), else an empty list."""
    ids = open_request_ids(borrower, user=user)
    return ids if len(ids) >= OrganizationSettings.load().loan_open_requests_max else []
