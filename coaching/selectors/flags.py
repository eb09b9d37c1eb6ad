"""Caseload flags: why an advisor should call someone soon. A registry of providers, one per concern.

A provider receives a list of profiles (the page shown, or the whole caseload for ``caseload_for``),
annotated with ``last_contact`` and ``next_follow_up`` (see ``caseload_queryset``), and returns the flags of
the profiles it concerns, making a *bounded* number of queries (typically one ``..._id__in=[...]`` query,
never one per person).

So that a caseload of thousands is ranked and counted in SQL (paged, never loaded whole), a provider also
gives its ``urgency``: a function of the ``FlagContext`` returning an integer SQL expression equal to the sum
of the weights of the flags it would give that person (0 for none), over the ranking's inputs only: the
person's tally's fields ``follow_up_on``, ``since_on`` (last contact, else intake), ``arrears_since`` and
``pending_request`` (``CaseloadTally``; the profiles' ranking, ``ranked_caseload``, names them the same), so
that the pages rank an advisor's tallies alone, one narrow row per person.
``tests/coaching/test_caseload_positions.py`` checks that both agree for the project's providers. A
provider registered without one still shows its flags but does not move anyone up the list.

Another app plugs its flags in the same way, for instance::

    from coaching.selectors import CaseloadFlag, caseload_flag_provider

    @caseload_flag_provider("loans.arrears")
    def loans_in_arrears(profiles, context):
        late = Loan.objects.filter(borrower__in=profiles, ...).values_list("borrower_id", flat=True)
        flag = CaseloadFlag("loan_arrears", gettext("Loan in arrears"), level="danger", weight=40)
        return {profile_id: [flag] for profile_id in late}

The loan flags ("loan in arrears", "pending loan request") are in ``coaching.selectors.loan_flags``.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Case, Expression, Func, IntegerField, Q, Value, When
from django.utils.translation import ngettext

from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.models import OrganizationSettings


@dataclass(frozen=True)
class CaseloadFlag:
    code: str
    label: str
    level: str = "warning"  # Bootstrap colour: "danger", "warning" or "info"
    weight: int = 10  # urgency: the caseload is sorted by the sum of its flags' weights


@dataclass(frozen=True)
class FlagContext:
    today: datetime.date
    settings: OrganizationSettings
    viewer: User | None = None


FlagProvider = Callable[[Sequence[EntrepreneurProfile], FlagContext], Mapping[int, Iterable[CaseloadFlag]]]
UrgencySQL = Callable[[FlagContext], Expression]
_flag_providers: dict[str, FlagProvider] = {}
_urgency: dict[str, UrgencySQL] = {}


def caseload_flag_provider(
    name: str, *, urgency: UrgencySQL | None = None
) -> Callable[[FlagProvider], FlagProvider]:
    """Register a provider under ``name`` (registering the same name again replaces it), with the SQL
    expression of its weight (``urgency``, see the module's docstring)."""

    def register(func: FlagProvider) -> FlagProvider:
        _flag_providers[name] = func
        _urgency.pop(name, None)
        if urgency is not None:
            _urgency[name] = urgency
        return func

    return register


def unregister_flag_provider(name: str) -> None:
    _flag_providers.pop(name, None)
    _urgency.pop(name, None)


def urgency_expression(context: FlagContext) -> Expression:
    """The sum of every provider's weight, as one integer SQL expression over a caseload queryset."""
    total: Expression = Value(0, output_field=IntegerField())
    for build in _urgency.values():
        total = total + build(context)
    return total


def weight_when(condition, weight: int | Expression) -> Expression:
    """``weight`` where ``condition`` holds, else 0."""
    weight = weight if hasattr(weight, "resolve_expression") else Value(weight)
    return Case(When(condition, then=weight), default=Value(0), output_field=IntegerField())


class DaysBetween(Func):
    """Whole days from the date ``start`` to the date ``end`` (``end - start``), on PostgreSQL and SQLite."""

    output_field = IntegerField()
    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner="::date - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def flags_for(profiles: Sequence[EntrepreneurProfile], context: FlagContext) -> dict[int, list[CaseloadFlag]]:
    """Every provider's flags, by profile id, most urgent first."""
    flags: dict[int, list[CaseloadFlag]] = {profile.pk: [] for profile in profiles}
    if not profiles:
        return flags
    for provider in _flag_providers.values():
        for profile_id, found in provider(profiles, context).items():
            if profile_id in flags:
                flags[profile_id].extend(found)
    for found in flags.values():
        found.sort(key=lambda flag: -flag.weight)
    return flags


def _follow_up_overdue_sql(context):
    return weight_when(Q(follow_up_on__lt=context.today), 30)


def _no_contact_sql(context):
    cutoff = context.today - datetime.timedelta(days=context.settings.coaching_no_contact_days)
    return weight_when(Q(since_on__lt=cutoff), 20)


@caseload_flag_provider("coaching.follow_up_overdue", urgency=_follow_up_overdue_sql)
def follow_up_overdue(profiles, context):
    """The follow-up agreed at the last session is past. No query: it reads the annotations."""
    flags = {}
    for profile in profiles:
        if profile.next_follow_up and profile.next_follow_up < context.today:
            days = (context.today - profile.next_follow_up).days
            label = ngettext("Follow-up overdue by %(days)d day", "Follow-up overdue by %(days)d days", days)
            flags[profile.pk] = [
                CaseloadFlag("follow_up_overdue", label % {"days": days}, level="danger", weight=30)
            ]
    return flags


@caseload_flag_provider("coaching.no_contact", urgency=_no_contact_sql)
def no_contact(profiles, context):
    """No session for longer than the organization's setting, counted from intake when there was none.
    No query: it reads the annotations."""
    limit = context.settings.coaching_no_contact_days
    flags = {}
    for profile in profiles:
        since = profile.last_contact or profile.intake_date
        days = (context.today - since).days
        if days <= limit:
            continue
        if profile.last_contact:
            label = ngettext("No contact for %(days)d day", "No contact for %(days)d days", days)
        else:
            label = ngettext(
                "No contact since intake, %(days)d day ago",
                "No contact since intake, %(days)d days ago",
                days,
            )
        flags[profile.pk] = [CaseloadFlag("no_contact", label % {"days": days}, level="warning", weight=20)]
    return flags
