"""The kinds of documents: their parameters, who may ask for (and download) them, their template.

Access follows the existing policies (``microcredit.core.permissions``): a loan's documents for those who
may read the loan's file (staff, and the borrower), a circle's report for staff, the portfolio report for
coordinators and board members. The rule is checked when the document is asked for and again on every
later look at it, so losing access to the loan also loses access to its PDFs.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from circles.models import Circle
from documents import contexts
from documents.models import DocumentKind
from loans.models import Loan, LoanStatus
from microcredit.accounts.models import Role, User
from microcredit.core.permissions import has_role, scope
from microcredit.core.selectors import whole_months

DISBURSED = (LoanStatus.ACTIVE, LoanStatus.DEFAULTED, LoanStatus.REPAID, LoanStatus.WRITTEN_OFF)


@dataclass(frozen=True)
class Kind:
    code: str
    template: str
    param_names: tuple[str, ...]
    allowed: Callable[[User, dict], bool]
    context: Callable[[dict, datetime.date], dict]
    subject: Callable[[dict], str]  # for the file name
    back_url: Callable[[dict], str]
    # Extra parameters other than ids (e.g. dates): given the form data, returns them cleaned (JSON values)
    # or raises ValueError.
    clean_extra: Callable[[Mapping], dict] | None = None

    @property
    def label(self) -> str:
        return str(DocumentKind(self.code).label)

    def clean(self, data: Mapping) -> dict:
        """The parameters from a form: whole numbers only, nothing else kept. Raises ValueError."""
        params = {}
        for name in self.param_names:
            value = data.get(name)
            if value is None or not str(value).isdigit():
                raise ValueError(f"{name} must be a whole number")
            params[name] = int(value)
        if self.clean_extra is not None:
            params.update(self.clean_extra(data))
        return params

    def filename(self, params: dict, today: datetime.date) -> str:
        parts = [slugify(self.label), slugify(self.subject(params)), today.isoformat()]
        return "-".join(part for part in parts if part) + ".pdf"


def may_read_loan_file(user: User, loan_id: int, statuses: tuple[str, ...]) -> bool:
    """Staff, or the borrower: those the loan page shows the whole file to (not a circle member voting)."""
    loan = scope(user, Loan.objects.all()).filter(pk=loan_id).values("status", "borrower__user").first()
    if loan is None or loan["status"] not in statuses:
        return False
    return user.is_staff_member or loan["borrower__user"] == user.pk


def may_read_circle_report(user: User, params: dict) -> bool:
    return user.is_staff_member and scope(user, Circle.objects.filter(pk=params["circle"])).exists()


def may_read_portfolio(user: User, params: dict) -> bool:
    return has_role(user, Role.COORDINATOR, Role.BOARD)


def clean_report_dates(data: Mapping) -> dict:
    """The as-of date and period of the board's report (the dashboard's form and its rules; today and the
    twelve months up to it when none is given), as ISO dates, so the PDF shows the figures asked for even if
    it is built later."""
    from reports.forms import ReportPeriodForm

    form = ReportPeriodForm({name: data.get(name) or "" for name in ("as_of", "start", "end")})
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    # The PDF is the board's version: whole months, as the board sees the dashboard.
    dates = whole_months(
        *(form.cleaned_data[name] for name in ("as_of", "start", "end")), today=timezone.localdate()
    )
    return dict(zip(("as_of", "start", "end"), (day.isoformat() for day in dates), strict=True))


def _loan_url(params: dict) -> str:
    return reverse("loans:loan_detail", args=[params["loan"]])


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            code=DocumentKind.LOAN_AGREEMENT,
            template="pdf/loan_agreement.html",
            param_names=("loan",),
            allowed=lambda user, params: may_read_loan_file(
                user, params["loan"], (LoanStatus.APPROVED, *DISBURSED)
            ),
            context=contexts.loan_agreement,
            subject=lambda params: str(params["loan"]),
            back_url=_loan_url,
        ),
        Kind(
            code=DocumentKind.LOAN_STATEMENT,
            template="pdf/loan_statement.html",
            param_names=("loan",),
            allowed=lambda user, params: may_read_loan_file(user, params["loan"], DISBURSED),
            context=contexts.loan_statement,
            subject=lambda params: str(params["loan"]),
            back_url=_loan_url,
        ),
        Kind(
            code=DocumentKind.CIRCLE_REPORT,
            template="pdf/circle_report.html",
            param_names=("circle",),
            allowed=may_read_circle_report,
            context=contexts.circle_report,
            subject=lambda params: str(params["circle"]),
            back_url=lambda params: reverse("circles:circle_detail", args=[params["circle"]]),
        ),
        Kind(
            code=DocumentKind.PORTFOLIO_REPORT,
            template="pdf/portfolio_report.html",
            param_names=(),
            allowed=may_read_portfolio,
            context=contexts.portfolio_report,
            subject=lambda params: params.get("as_of", ""),
            back_url=lambda params: reverse("reports:dashboard"),
            clean_extra=clean_report_dates,
        ),
    )
}
