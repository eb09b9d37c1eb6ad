"""The investor statement: a PDF per fund source for a period, in the investor's language, built by the
documents worker. What the fund paid in, what was lent from it, repaid to it, its share of losses, what it is
owed, the portfolio's PAR and the social reach it financed, in aggregate with the board's rules: counts from 1
to 4 read "<5", and the amounts of the loans it financed are hidden while they sum fewer than 5 loans."""

import datetime
from collections.abc import Mapping

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.registry import Kind, register
from funds.models import FundSource, Population
from funds.rules import YOUTH_UNDER
from loans.fund_ledger import fund_ledgers
from microcredit.accounts.models import Demographics, Gender, IncomeSource, Role, User
from microcredit.core.formatting import Money, Percent
from microcredit.core.permissions import has_role
from microcredit.core.selectors import SMALL_COUNT
from reports.selectors import portfolio_figures
from reports.tables import HIDDEN, Table

INVESTOR_STATEMENT = "investor_statement"


def may_read_statement(user: User, params: dict) -> bool:
    return (
        has_role(user, Role.COORDINATOR, Role.BOARD) and FundSource.objects.filter(pk=params["fund"]).exists()
    )


def statement_language(params: dict) -> str | None:
    return FundSource.objects.filter(pk=params["fund"]).values_list("language", flat=True).first()


def clean_statement_period(data: Mapping) -> dict:
    """The statement's period (the capital page's form and rules), as ISO dates."""
    from reports.forms import ReportPeriodForm

    form = ReportPeriodForm(
        {name: data.get(name) or "" for name in ("start", "end")} | {"as_of": data.get("end") or ""}
    )
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    return {"start": form.cleaned_data["start"].isoformat(), "end": form.cleaned_data["end"].isoformat()}


def _row(ledgers: dict, fund: FundSource) -> dict:
    return next(row for row in ledgers["rows"] if row["fund"].pk == fund.pk)


def financed_reach(fund: FundSource, *, as_of: datetime.date) -> list[tuple[str, str]]:
    """The borrowers it financed (a loan charged to it disbursed by ``as_of``) in each target population,
    from consented answers only; under 5 reads "<5". One query."""
    borrowers = fund.loans.filter(disbursed_on__lte=as_of).values("borrower")
    conditions = {
        Population.WOMEN: Q(gender=Gender.WOMAN),
        Population.IMMIGRANTS: Q(immigrant=True),
        Population.ANGLOPHONES: Q(anglophone=True),
        Population.YOUTH: Q(birth_year__gt=as_of.year - YOUTH_UNDER),
        Population.DISABILITY: Q(disability=True),
        Population.SOCIAL_ASSISTANCE: Q(income_source=IncomeSource.SOCIAL_ASSISTANCE),
        Population.NO_INCOME: Q(income_source=IncomeSource.NO_INCOME),
    }
    counts = Demographics.objects.filter(consent_given_at__isnull=False, profile__in=borrowers).aggregate(
        answered=Count("pk"), **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )
    rows = [(_("Borrowers who answered (with consent)"), _display(counts["answered"]))]
    rows += [(str(Population(key).label), _display(counts[key])) for key in conditions]
    return rows


def _display(count: int):
    return HIDDEN if 0 < count < SMALL_COUNT else count


def investor_statement(params: dict, today: datetime.date) -> dict:
    fund = FundSource.objects.get(pk=params["fund"])
    end = datetime.date.fromisoformat(params["end"]) if params.get("end") else today
    start = (
        datetime.date.fromisoformat(params["start"]) if params.get("start") else end.replace(month=1, day=1)
    )
    now = _row(fund_ledgers(as_of=end, start=start), fund)
    before = _row(fund_ledgers(as_of=start - datetime.timedelta(days=1)), fund)
    hide = 0 < now["loans"] < SMALL_COUNT
    portfolio = portfolio_figures(as_of=end, start=start, end=end)["totals"]

    def loan_amount(value):
        return "—" if hide else Money(value)

    money = Table(
        "statement",
        _("Your money in the loan fund"),
        [_("Figure"), _("In the period ($)"), _("Since the start, at the end of the period ($)")],
        [
            [_("Received from you"), Money(now["received_period"]), Money(now["received"])],
            [
                _("Repaid to you (capital and return)"),
                Money(now["repaid_period"]),
                Money(now["capital_repaid"] + now["return_paid"]),
            ],
            [_("Lent to entrepreneurs"), loan_amount(now["lent_period"]), loan_amount(now["lent"])],
            [
                _("Principal repaid by the entrepreneurs"),
                loan_amount(now["principal_collected"] - before["principal_collected"]),
                loan_amount(now["principal_collected"]),
            ],
            [
                _("Share of losses (principal written off)"),
                loan_amount(now["written_off"] - before["written_off"]),
                loan_amount(now["written_off"]),
            ],
            [_("Still lent out (outstanding)"), "", loan_amount(now["outstanding"])],
            [_("Capital owed to you"), "", Money(now["capital_owed"])],
            [_("Return owed to you (per your terms)"), "", Money(now["return_owed"])],
            [_("Owed to you in all"), "", Money(now["owed"])],
        ],
    )
    if hide:
        money.note = _("The amounts of the loans it financed sum fewer than 5 loans: they are not shown.")
    risk = Table(
        "statement_risk",
        _("The portfolio at the end of the period"),
        [_("Figure"), _("Value")],
        [
            [_("Loans it financed"), _display(now["loans"])],
            ["PAR30", "—" if portfolio["par30"] is None else Percent(portfolio["par30"])],
            ["PAR90", "—" if portfolio["par90"] is None else Percent(portfolio["par90"])],
        ],
        note=_("PAR: outstanding principal of the whole portfolio's loans more than 30 (90) days late."),
    )
    reach = Table(
        "statement_reach",
        _("Social reach it financed"),
        [_("Population"), _("Borrowers")],
        [list(row) for row in financed_reach(fund, as_of=end)],
        note=_(
            "From consented answers only. Counts under 5 are shown as <5 so that nobody can be singled out."
        ),
    )
    return {"fund": fund, "start": start, "end": end, "tables": [money, risk, reach]}


def register_kinds() -> None:
    register(
        Kind(
            code=INVESTOR_STATEMENT,
            label=gettext_lazy("Investor statement"),
            template="pdf/investor_statement.html",
            param_names=("fund",),
            allowed=may_read_statement,
            context=investor_statement,
            subject=lambda params: str(params["fund"]),
            back_url=lambda params: reverse("reports:capital"),
            clean_extra=clean_statement_period,
            language=statement_language,
        )
    )
