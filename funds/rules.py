"""The funds' rules: who a restricted fund may finance, and what a fund has left to lend.

Both are plain functions of figures the caller reads (the loans app knows the borrower and the loans charged
to each fund), so this app imports none of the apps above it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from funds.models import FundSource, Population
from microcredit.core.formatting import format_money

YOUTH_UNDER = 35  # the reports' "youth under 35" (born after the year, 35 years back)


@dataclass(frozen=True)
class Borrower:
    """What a fund's rules look at. ``birth_year`` and ``populations`` come from consented answers only:
    without consent they are unknown (None), never guessed."""

    birth_year: int | None
    postal_code: str
    populations: frozenset[str] | None
    product_id: int | None


def populations_of(
    *,
    consented: bool,
    gender: str,
    birth_year: int | None,
    immigrant,
    anglophone,
    disability,
    income_source: str,
    on: datetime.date,
) -> frozenset[str] | None:
    """The target populations a person belongs to, from their consented answers (None without consent)."""
    if not consented:
        return None
    found = set()
    if gender == "woman":
        found.add(Population.WOMEN)
    if immigrant:
        found.add(Population.IMMIGRANTS)
    if anglophone:
        found.add(Population.ANGLOPHONES)
    if birth_year and birth_year > on.year - YOUTH_UNDER:
        found.add(Population.YOUTH)
    if disability:
        found.add(Population.DISABILITY)
    if income_source == "social_assistance":
        found.add(Population.SOCIAL_ASSISTANCE)
    if income_source == "no_income":
        found.add(Population.NO_INCOME)
    return frozenset(str(p) for p in found)


def ineligibility(
    fund: FundSource,
    *,
    borrower: Borrower,
    amount: Decimal,
    on: datetime.date,
    product_ids: set[int] | None = None,
) -> str | None:
    """Why ``fund`` may not finance this loan, or None when it may. The age is the age reached in the year of
    the disbursement (only the birth year is asked). ``product_ids``: the products the fund is limited to
    (empty or None: any product)."""
    if fund.max_per_loan is not None and amount > fund.max_per_loan:
        return _("%(fund)s lends at most %(max)s per loan.") % {
            "fund": fund.name,
            "max": format_money(fund.max_per_loan),
        }
    if product_ids and borrower.product_id not in product_ids:
        return _("%(fund)s does not finance this loan product.") % {"fund": fund.name}
    if fund.min_age is not None or fund.max_age is not None:
        if borrower.birth_year is None:
            return _(
                "%(fund)s is reserved to an age band and the borrower's birth year is not known "
                "(no consented answer)."
            ) % {"fund": fund.name}
        age = on.year - borrower.birth_year
        if (fund.min_age is not None and age < fund.min_age) or (
            fund.max_age is not None and age > fund.max_age
        ):
            return _("%(fund)s is reserved to borrowers aged %(band)s; the borrower is %(age)s.") % {
                "fund": fund.name,
                "band": age_band(fund),
                "age": age,
            }
    if fund.prefixes:
        postal = borrower.postal_code.upper().replace(" ", "")
        if not postal or not any(postal.startswith(prefix) for prefix in fund.prefixes):
            return _(
                "%(fund)s is reserved to the region %(region)s; the borrower's postal code is %(postal)s."
            ) % {
                "fund": fund.name,
                "region": ", ".join(fund.prefixes),
                "postal": borrower.postal_code or "—",
            }
    if fund.population:
        label = Population(fund.population).label
        if borrower.populations is None:
            return _(
                "%(fund)s is reserved to a target population (%(population)s) and the borrower has not "
                "consented to the demographic questions."
            ) % {"fund": fund.name, "population": label}
        if fund.population not in borrower.populations:
            return _("%(fund)s is reserved to a target population (%(population)s).") % {
                "fund": fund.name,
                "population": label,
            }
    return None


def age_band(fund: FundSource) -> str:
    if fund.min_age is not None and fund.max_age is not None:
        return _("%(min)s to %(max)s") % {"min": fund.min_age, "max": fund.max_age}
    if fund.min_age is not None:
        return _("%(min)s or over") % {"min": fund.min_age}
    return _("%(max)s or under") % {"max": fund.max_age}


def capital_available(
    *, received: Decimal, capital_repaid: Decimal, lent: Decimal, principal_collected: Decimal
) -> Decimal:
    """Capital available to lend = cash received - capital repaid to the funder - principal lent + principal
    collected from borrowers. Equivalently: received - repaid - outstanding principal - principal written off
    (what was lent is either still outstanding, collected, or written off). Interest collected and the return
    paid to funders belong to operations and are not counted."""
    return received - capital_repaid - lent + principal_collected
