"""Impact for funders and the network: business survival by cohort, jobs, coaching, loans and amounts by
year, and loans by target population; the board's impact page, the PDF and the annual statistics file.

*Survival*: the cohort of year Y is the people whose first loan was disbursed in Y. At h years (1, 3, 5) after
that first disbursement, a business is *closed* when a "business closed" milestone is dated on or before that
day; *operating* when it closed later, or when something dated on or after that day shows it going (another
milestone or a coaching session); otherwise *unknown* (shown as such, never counted as alive). A person
whose h-year day has not come yet is not counted at h. Survival rate = operating / (operating + closed).

Nobody may be singled out: counts from 1 to 4 read "<5" (with one more cell of the same cohort when a single
hidden one could be read off the others), a rate is shown only when its counts are; amounts summing fewer
than 5 loans are hidden.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.models import CoachingSession, Milestone, MilestoneKind
from funds.models import Population
from funds.rules import YOUTH_UNDER
from loans.models import LoanPosition
from microcredit.accounts.models import Gender, IncomeSource
from microcredit.core.formatting import Money, Percent
from microcredit.core.money import from_cents
from microcredit.core.privacy import last_closed_month_end, small
from microcredit.core.selectors import SMALL_COUNT
from reports.selectors import percent
from reports.tables import HIDDEN, Table

HORIZONS = (1, 3, 5)
STATES = ("operating", "closed", "unknown")


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29
        return day.replace(year=day.year + years, day=28)


def survival_cohorts(*, as_of: datetime.date) -> list[dict]:
    """[{year, people, horizons: {h: {operating, closed, unknown}}}] by cohort year, raw counts. Four
    queries."""
    first = dict(
        LoanPosition.objects.filter(disbursed_on__lte=as_of)
        .values("borrower")
        .order_by()
        .annotate(first=Min("disbursed_on"))
        .values_list("borrower", "first")
    )
    milestones = Milestone.objects.filter(profile__in=list(first), achieved_on__lte=as_of)
    closed = dict(milestones.filter(kind=MilestoneKind.BUSINESS_CLOSED).values_list("profile", "achieved_on"))
    going = defaultdict(lambda: datetime.date.min)
    for profile, day in (
        milestones.exclude(kind=MilestoneKind.BUSINESS_CLOSED)
        .values("profile")
        .order_by()
        .annotate(last=Max("achieved_on"))
        .values_list("profile", "last")
    ):
        going[profile] = max(going[profile], day)
    for profile, day in (
        CoachingSession.objects.filter(profile__in=list(first), held_on__lte=as_of)
        .values("profile")
        .order_by()
        .annotate(last=Max("held_on"))
        .values_list("profile", "last")
    ):
        going[profile] = max(going[profile], day)
    cohorts: dict[int, dict] = {}
    for profile, start in first.items():
        cohort = cohorts.setdefault(
            start.year,
            {"year": start.year, "people": 0, "horizons": {h: dict.fromkeys(STATES, 0) for h in HORIZONS}},
        )
        cohort["people"] += 1
        for years in HORIZONS:
            day = _years_after(start, years)
            if day > as_of:
                continue
            ended = closed.get(profile)
            if ended is not None and ended <= day:
                state = "closed"
            elif ended is not None or going[profile] >= day:
                state = "operating"
            else:
                state = "unknown"
            cohort["horizons"][years][state] += 1
    return [cohorts[year] for year in sorted(cohorts)]


def _hidden(counts: list[int]) -> set[int]:
    """Indexes of the counts to hide: 1 to 4, and the smallest other when only one would be."""
    hidden = {index for index, count in enumerate(counts) if 0 < count < SMALL_COUNT}
    if len(hidden) == 1:
        others = sorted(
            (i for i in range(len(counts)) if i not in hidden and counts[i]), key=lambda i: counts[i]
        )
        if others:
            hidden.add(others[0])
    return hidden


def survival_cells(horizon: dict) -> dict:
    """The counts at one horizon as displayed (hidden ones "<5") and the rate (None when not shown)."""
    counts = [horizon[state] for state in STATES]
    hidden = _hidden(counts)
    cells = {state: HIDDEN if index in hidden else counts[index] for index, state in enumerate(STATES)}
    known = horizon["operating"] + horizon["closed"]
    shown = not ({0, 1} & hidden) and known >= SMALL_COUNT
    cells["rate"] = percent(Decimal(horizon["operating"]), Decimal(known)) if shown else None
    return cells


def _population_conditions() -> dict:
    return {
        Population.WOMEN: Q(borrower__demographics__gender=Gender.WOMAN),
        Population.IMMIGRANTS: Q(borrower__demographics__immigrant=True),
        Population.ANGLOPHONES: Q(borrower__demographics__anglophone=True),
        Population.DISABILITY: Q(borrower__demographics__disability=True),
        Population.SOCIAL_ASSISTANCE: Q(borrower__demographics__income_source=IncomeSource.SOCIAL_ASSISTANCE),
        Population.NO_INCOME: Q(borrower__demographics__income_source=IncomeSource.NO_INCOME),
    }


def annual_figures(*, as_of: datetime.date, cohorts: list[dict]) -> dict[int, dict]:
    """{year: raw figures}: loans and amounts disbursed, first loans (the cohorts' people), loans by target
    population (consented answers only), people coached, sessions and hours, jobs created. Four queries."""
    years: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for cohort in cohorts:
        years[cohort["year"]]["first_loans"] = cohort["people"]
    positions = LoanPosition.objects.filter(disbursed_on__lte=as_of).annotate(
        year=ExtractYear("disbursed_on")
    )
    consented = Q(borrower__demographics__consent_given_at__isnull=False)
    conditions = _population_conditions()
    for row in (
        positions.values("year")
        .order_by()
        .annotate(
            loans=Count("pk"),
            lent=Sum("lent_cents"),
            consented=Count("pk", filter=consented),
            **{
                f"pop_{key}": Count("pk", filter=consented & condition)
                for key, condition in conditions.items()
            },
        )
    ):
        figures = years[row["year"]]
        figures["loans"] = row["loans"]
        figures["amount"] = from_cents(row["lent"])
        figures["loans_consented"] = row["consented"]
        for key in conditions:
            figures[f"pop_{key}"] = row[f"pop_{key}"]
    # By month, what moves each year's amounts and hours (the board's month rule: ``indicators``).
    for year, month, count in (
        positions.annotate(month=ExtractMonth("disbursed_on"))
        .values_list("year", "month")
        .order_by()
        .annotate(count=Count("pk"))
    ):
        years[year].setdefault("loan_months", {})[month] = count
    for year, month, count in (
        CoachingSession.objects.filter(held_on__lte=as_of)
        .annotate(year=ExtractYear("held_on"), month=ExtractMonth("held_on"))
        .values_list("year", "month")
        .order_by()
        .annotate(count=Count("pk"))
    ):
        years[year].setdefault("session_months", {})[month] = count
    for year, month, count in (
        Milestone.objects.filter(kind=MilestoneKind.JOBS_CREATED, achieved_on__lte=as_of)
        .annotate(year=ExtractYear("achieved_on"), month=ExtractMonth("achieved_on"))
        .values_list("year", "month")
        .order_by()
        .annotate(count=Count("pk"))
    ):
        years[year].setdefault("job_months", {})[month] = count
    # Youth: under 35 in the year of the loan (the birth year is what is asked).
    for year, birth_year in positions.filter(
        consented, borrower__demographics__birth_year__isnull=False
    ).values_list("year", "borrower__demographics__birth_year"):
        if birth_year > year - YOUTH_UNDER:
            years[year][f"pop_{Population.YOUTH}"] += 1
    for row in (
        CoachingSession.objects.filter(held_on__lte=as_of)
        .annotate(year=ExtractYear("held_on"))
        .values("year")
        .order_by()
        .annotate(
            sessions=Count("pk"), minutes=Sum("duration_minutes"), people=Count("profile", distinct=True)
        )
    ):
        figures = years[row["year"]]
        figures["sessions"], figures["minutes"], figures["people_coached"] = (
            row["sessions"],
            row["minutes"] or 0,
            row["people"],
        )
    for row in (
        Milestone.objects.filter(kind=MilestoneKind.JOBS_CREATED, achieved_on__lte=as_of)
        .annotate(year=ExtractYear("achieved_on"))
        .values("year")
        .order_by()
        .annotate(jobs=Sum("jobs_count"), records=Count("profile", distinct=True))
    ):
        years[row["year"]]["jobs"] = row["jobs"] or 0
        years[row["year"]]["jobs_people"] = row["records"]
    return {year: dict(figures) for year, figures in sorted(years.items())}


def impact_report(*, as_of: datetime.date, for_board: bool = False) -> dict:
    """The cohorts' survival and the annual figures as of ``as_of``. For the board (``for_board``): as of
    the end of the last closed month at most, and each year's amounts and hours follow the month rule of
    the dashboard (``microcredit.core.privacy``): hidden when any month of the year moved them by 1 to 4
    loans, sessions or people (``indicators``)."""
    if for_board:
        as_of = min(as_of, last_closed_month_end(as_of))
    cohorts = survival_cohorts(as_of=as_of)
    years = annual_figures(as_of=as_of, cohorts=cohorts)
    return {"as_of": as_of, "cohorts": cohorts, "years": years, "for_board": for_board}


def _months_moved(report: dict, figures: dict, name: str) -> bool:
    """For the board: whether a month of the year moved the figure by 1 to 4 (``figures[name]``: the units
    that moved it, by month)."""
    return report.get("for_board", False) and any(small(units) for units in figures.get(name, {}).values())


def _count(value: int):
    return HIDDEN if 0 < value < SMALL_COUNT else value


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def indicators(report: dict) -> list[tuple[int, str, str, str, object, str]]:
    """The annual statistics, one row per indicator and year: (year, indicator code, population code,
    label, value as displayed, unit). Codes are stable and in English, so a network can add up several
    organizations' files."""
    rows = []
    for year, f in report["years"].items():
        loans = f.get("loans", 0)
        rows += [
            (year, "loans_disbursed", "all", _("Loans disbursed"), _count(loans), "count"),
            (
                year,
                "amount_disbursed",
                "all",
                _("Amount disbursed"),
                ""
                if 0 < loans < SMALL_COUNT or _months_moved(report, f, "loan_months")
                else Money(f.get("amount", Decimal("0.00"))),
                "CAD",
            ),
            (
                year,
                "first_loans",
                "all",
                _("People with a first loan"),
                _count(f.get("first_loans", 0)),
                "count",
            ),
            (
                year,
                "people_coached",
                "all",
                _("Entrepreneurs coached"),
                _count(f.get("people_coached", 0)),
                "count",
            ),
            (year, "coaching_sessions", "all", _("Coaching sessions"), _count(f.get("sessions", 0)), "count"),
            (
                year,
                "coaching_hours",
                "all",
                _("Coaching hours"),
                ""
                if 0 < f.get("people_coached", 0) < SMALL_COUNT or _months_moved(report, f, "session_months")
                else _hours(f.get("minutes", 0)),
                "hours",
            ),
            (
                year,
                "jobs_created",
                "all",
                _("Jobs created"),
                ""
                if 0 < f.get("jobs_people", 0) < SMALL_COUNT or _months_moved(report, f, "job_months")
                else f.get("jobs", 0),
                "count",
            ),
            (
                year,
                "loans_disbursed",
                "consented",
                _("Loans to people who answered (with consent)"),
                _count(f.get("loans_consented", 0)),
                "count",
            ),
        ]
        for population in Population:
            rows.append(
                (
                    year,
                    "loans_disbursed",
                    str(population.value),
                    _("Loans disbursed: %(population)s") % {"population": population.label},
                    _count(f.get(f"pop_{population.value}", 0)),
                    "count",
                )
            )
    for cohort in report["cohorts"]:
        for years in HORIZONS:
            if not any(cohort["horizons"][years].values()):
                continue  # nobody of the cohort has reached that day yet
            cells = survival_cells(cohort["horizons"][years])
            label = ngettext(
                "Survival of the cohort's businesses after %(years)s year",
                "Survival of the cohort's businesses after %(years)s years",
                years,
            ) % {"years": years}
            rows.append(
                (
                    cohort["year"],
                    f"survival_{years}y",
                    "all",
                    label,
                    "" if cells["rate"] is None else Percent(cells["rate"]),
                    "percent",
                )
            )
            for state in STATES:
                rows.append(
                    (
                        cohort["year"],
                        f"survival_{years}y_{state}",
                        "all",
                        _state_label(state, years),
                        cells[state],
                        "count",
                    )
                )
    return rows


def _state_label(state: str, years: int) -> str:
    labels = {
        "operating": ngettext(
            "Cohort businesses operating after %(years)s year",
            "Cohort businesses operating after %(years)s years",
            years,
        ),
        "closed": ngettext(
            "Cohort businesses closed within %(years)s year",
            "Cohort businesses closed within %(years)s years",
            years,
        ),
        "unknown": ngettext(
            "Cohort businesses of unknown status after %(years)s year",
            "Cohort businesses of unknown status after %(years)s years",
            years,
        ),
    }
    return labels[state] % {"years": years}


def impact_tables(report: dict) -> list[Table]:
    """The board's impact tables (page and PDF)."""
    survival = Table(
        "survival",
        _("Business survival by cohort"),
        [_("Year of the first loan"), _("People")]
        + [
            label
            for years in HORIZONS
            for label in (
                ngettext("Operating after %(years)s year", "Operating after %(years)s years", years)
                % {"years": years},
                _("Closed by then"),
                _("Status unknown"),
                ngettext("Survival after %(years)s year", "Survival after %(years)s years", years)
                % {"years": years},
            )
        ],
        note=_(
            "A business is closed when a “business closed” milestone is dated on or before the day, "
            "operating when something dated on or after that day shows it going (a milestone, a coaching "
            "session), otherwise unknown: unknown is never counted as operating. Survival = operating / "
            "(operating + closed); empty while the day has not come or the counts are too small."
        ),
    )
    for cohort in report["cohorts"]:
        row = [str(cohort["year"]), _count(cohort["people"])]
        for years in HORIZONS:
            if not any(cohort["horizons"][years].values()):
                row += ["—"] * 4  # nobody of the cohort has reached that day yet
                continue
            cells = survival_cells(cohort["horizons"][years])
            row += [
                cells["operating"],
                cells["closed"],
                cells["unknown"],
                "—" if cells["rate"] is None else Percent(cells["rate"]),
            ]
        survival.rows.append(row)
    years = list(report["years"])
    by_year = Table(
        "impact_by_year",
        _("Impact by year"),
        [_("Indicator"), *[str(year) for year in years]],
    )
    by_population = Table(
        "loans_by_population",
        _("Loans by target population and year"),
        [_("Population"), *[str(year) for year in years]],
        note=_(
            "From consented answers only. Counts under 5 are shown as <5 so that nobody can be singled out."
        ),
    )
    grid: dict[tuple[str, str], dict[int, object]] = defaultdict(dict)
    labels: dict[tuple[str, str], str] = {}
    for year, code, population, label, value, _unit in indicators(report):
        if code.startswith("survival"):
            continue
        grid[(code, population)][year] = "—" if value == "" else value  # hidden (the page's legend)
        labels[(code, population)] = label
    for key, label in labels.items():
        target = by_population if key[0] == "loans_disbursed" and key[1] != "all" else by_year
        cells = grid[key]
        target.rows.append(
            [
                str(label) if target is by_year else _population_label(key[1]),
                *[cells.get(year, "") for year in years],
            ]
        )
    return [survival, by_year, by_population]


def _population_label(code: str) -> str:
    if code == "consented":
        return _("People who answered (with consent)")
    return str(Population(code).label)
