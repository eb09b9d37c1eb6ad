"""The attacker's script (issue #14): a board member downloads every CSV of the report on three days (the
15th of a month, the day after, and the 15th of the next month) and tries every cell and every subtraction of
two cells, within a report and between reports, and every provision of the loan-loss reserve divided by each
band's rate (a provision is a band's outstanding principal times its rate). No single loan's amount, payment,
write-off or balance may come out.

Random small portfolios (hypothesis) built through the real services. A value that equals a secret is
checked by building the same portfolio with that secret changed by 0,37 $: a real leak follows the secret,
a coincidence does not.
"""

import csv
import datetime
import io
import itertools
import os
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loans import services
from loans.models import Allocation, Frequency, LoanPosition
from tests.circles.factories import circle_with_members
from tests.factories import AdvisorFactory
from tests.loans.factories import LoanProductFactory, vote_all

pytestmark = pytest.mark.django_db

MONTREAL = ZoneInfo("America/Montreal")
START = datetime.date(2025, 1, 6)
LAST_DAY = datetime.date(2025, 7, 14)  # every event happens by then
# Today, as the board member reads the report: mid-June, the next day, mid-July.
READS = (datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), datetime.date(2025, 7, 15))
TABLES = ("kpis", "par", "by_circle", "by_product", "by_network", "trends", "capital", "loss_reserve")
NUDGE = Decimal("0.37")
# A provision over its rate gives the band's outstanding principal back to within the provision's rounding
# (half a cent over the rate: 0.05 $ at 10 %).
RATE_TOLERANCE = Decimal("0.05")


def at_noon(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=MONTREAL), tick=False)


def months_after(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, min(day.day, 28))


loan_spec = st.fixed_dictionaries(
    {
        "cents": st.integers(50_000, 300_000),
        "day": st.integers(0, (LAST_DAY - START).days - 20),
        "circle": st.integers(0, 1),
        "product": st.integers(0, 1),
        # Payments in the months after disbursement (a share of what is still owed, in hundredths).
        "payments": st.lists(st.integers(5, 60), max_size=5),
        "write_off": st.booleans(),
    }
)
portfolio_spec = st.lists(loan_spec, min_size=1, max_size=9)


def build(spec: list[dict], coordinator, nudge: tuple | None = None) -> dict:
    """The portfolio of ``spec`` (``nudge``: the secret to change by NUDGE); returns the secrets."""
    with at_noon(START - datetime.timedelta(days=1)):
        advisor = AdvisorFactory()
        circles = [
            circle_with_members(max(len(spec) + 1, 6), advisor=advisor, name=f"Cercle {n}") for n in "AB"
        ]
        members = [list(circle.memberships.select_related("profile")) for circle in circles]
        products = [
            LoanProductFactory(name="Démarrage"),
            LoanProductFactory(
                name="Zéro", annual_rate=Decimal("0.00"), min_term=6, frequency=Frequency.MONTHLY
            ),
        ]
    events = []
    for index, entry in enumerate(spec):
        disbursed_on = START + datetime.timedelta(days=entry["day"])
        events.append((disbursed_on, 0, index, "disburse", None))
        day = disbursed_on
        for number, share in enumerate(entry["payments"]):
            day = months_after(disbursed_on, number + 1)
            if day <= LAST_DAY:
                events.append((day, 1, index, "pay", (number, share)))
        if entry["write_off"]:
            day = min(day + datetime.timedelta(days=9), LAST_DAY)
            events.append((day, 2, index, "write_off", None))
    loans: dict[int, object] = {}
    secrets: dict[tuple, Decimal] = {}
    for day, _order, index, action, detail in sorted(events, key=lambda e: e[:3]):
        entry = spec[index]
        with at_noon(day):
            if action == "disburse":
                amount = Decimal(entry["cents"]) / 100
                if nudge == ("lent", index):
                    amount += NUDGE
                circle = circles[entry["circle"]]
                borrower = members[entry["circle"]][index].profile
                loan = services.loan_request_create(
                    borrower=borrower,
                    prepared_by=borrower.user,
                    product=products[entry["product"]],
                    amount=amount,
                    term=6,
                    purpose="Atelier",
                    plan_summary="Atelier de couture et retouches pour la clientèle du quartier.",
                    plan_market="Les familles du quartier et deux boutiques de vêtements voisines.",
                    plan_use_of_funds="Une machine à coudre industrielle et une surjeteuse d'occasion.",
                    plan_projections="Des ventes régulières dès le troisième mois, puis en hausse.",
                )
                loan = services.loan_submit(loan=loan, submitted_by=borrower.user)
                vote_all(loan)
                loan = services.circle_decision_record(
                    loan=loan, outcome="circle_accepted", decided_by=circle.advisor
                )
                loan = services.loan_approve(loan=loan, approved_by=coordinator)
                loans[index] = services.loan_disburse(
                    loan=loan,
                    disbursed_by=coordinator,
                    disbursed_on=day,
                    method="transfer",
                    reference="VIR",
                    first_due=months_after(day, 1),
                )
                secrets[("lent", index)] = amount
            elif action == "pay" and loans[index].status not in ("repaid", "written_off"):
                number, share = detail
                owed = LoanPosition.objects.get(pk=loans[index].pk)
                left = owed.scheduled_cents - owed.principal_paid_cents - owed.interest_paid_cents
                amount = (Decimal(left * share // 100) / 100).quantize(Decimal("0.01"))
                if nudge == ("payment", index, number):
                    amount += NUDGE
                if amount <= 0 or amount * 100 >= left:
                    continue
                services.payment_record(
                    loan=loans[index], amount=amount, paid_on=day, method="cash", recorded_by=coordinator
                )
                secrets[("payment", index, number)] = amount
                loans[index].refresh_from_db()
            elif action == "write_off":
                loans[index].refresh_from_db()
                services.loan_write_off(loan=loans[index], written_off_by=coordinator, reason="Fermé")
                position = LoanPosition.objects.get(pk=loans[index].pk)
                secrets[("written_off", index)] = (
                    Decimal(position.lent_cents - position.principal_paid_cents) / 100
                )
    # Each loan's outstanding principal at every month's end the board could read.
    for index, loan in loans.items():
        for month_end in (datetime.date(2025, 5, 31), datetime.date(2025, 6, 30)):
            if loan.disbursed_on <= month_end:
                paid = Allocation.objects.filter(loan=loan, paid_on__lte=month_end).aggregate(
                    p=Sum("principal")
                )
                secrets[("balance", index, month_end)] = secrets[("lent", index)] - (paid["p"] or 0)
    return {key: value for key, value in secrets.items() if value}


def read_cells(board) -> dict[tuple, Decimal]:
    """Every amount the board can read in the CSV files, on each day of READS."""
    cells = {}
    for today in READS:
        with at_noon(today):
            client = Client()
            client.force_login(board)
            for table in TABLES:
                response = client.get(reverse("reports:dashboard"), {"format": "csv", "table": table})
                assert response.status_code == 200, response.get("Location")
                rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
                header = rows[1]
                for row in rows[2:]:
                    for column, value in zip(header[1:], row[1:], strict=False):
                        try:
                            amount = Decimal(value)
                        except ArithmeticError:
                            continue
                        if "." in value:  # amounts have cents; counts do not
                            cells[(today, table, row[0], column)] = amount
                if table == "loss_reserve":
                    cells.update(divided_by_rates(today, header, rows[2:]))
    return cells


def divided_by_rates(today, header: list[str], rows: list[list[str]]) -> dict[tuple, Decimal]:
    """Each provision of the loss-reserve table (the total's too) divided by each band's rate: what the
    outstanding principal behind it would be if it came from that band alone."""
    rate_column, provision_column = header.index("Provision rate"), header.index("Provision ($)")
    rates = set()
    for row in rows:
        try:
            rates.add(Decimal(row[rate_column].rstrip("% \u00a0")))
        except ArithmeticError:
            continue
    derived = {}
    for row in rows:
        try:
            provision = Decimal(row[provision_column])
        except ArithmeticError:
            continue
        for rate in sorted(rate for rate in rates if rate > 0):
            key = (today, "loss_reserve", row[0], f"Provision / {rate} %")
            derived[key] = (provision * 100 / rate).quantize(Decimal("0.01"))
    return derived


def divided(keys: tuple) -> bool:
    return any(key[3].startswith("Provision / ") for key in keys)


def match(value: Decimal, wanted: dict, keys: tuple):
    """The secret ``value`` gives away (to within the provision's rounding when a rate divided it)."""
    if value in wanted:
        return wanted[value]
    if divided(keys):
        for cents in range(1, int(RATE_TOLERANCE * 100) + 1):
            for near in (value - Decimal(cents) / 100, value + Decimal(cents) / 100):
                if near in wanted:
                    return wanted[near]
    return None


def candidates(cells: dict, secrets: dict) -> list[tuple]:
    """(cells, secret) where one cell, or one cell minus another, equals the secret."""
    by_value: dict[Decimal, tuple] = {}
    for key, value in cells.items():
        by_value.setdefault(value, key)
    wanted = {value: key for key, value in secrets.items()}
    found = []
    for value, key in by_value.items():
        secret = match(value, wanted, (key,))
        if secret is not None:
            found.append(((key,), secret))
    for (a, ka), (b, kb) in itertools.permutations(by_value.items(), 2):
        secret = match(a - b, wanted, (ka, kb))
        if secret is not None:
            found.append(((ka, kb), secret))
    return found


def combination(cells: dict, keys: tuple) -> Decimal | None:
    if any(key not in cells for key in keys):
        return None
    return cells[keys[0]] - (cells[keys[1]] if len(keys) == 2 else 0)


def leaks(spec: list[dict], client, coordinator) -> list[str]:
    def attempt(nudge=None):
        with transaction.atomic():
            secrets = build(spec, coordinator, nudge)
            cells = read_cells(client)
            transaction.set_rollback(True)
        return secrets, cells

    secrets, cells = attempt()
    found = []
    for keys, secret in candidates(cells, secrets)[:20]:
        nudge = ("lent", secret[1]) if secret[0] in ("written_off", "balance") else secret
        nudged_secrets, nudged_cells = attempt(nudge)
        # A real leak follows the secret when the secret changes.
        value, expected = combination(nudged_cells, keys), nudged_secrets.get(secret)
        tolerance = RATE_TOLERANCE if divided(keys) else 0
        if value is not None and expected is not None and abs(value - expected) <= tolerance:
            found.append(f"{secret} = {secrets[secret]} read as {' - '.join(map(str, keys))}")
            break
    return found


@pytest.fixture
def attacker(personas):
    personas.board.language = "en"  # English numbers: 1234.56
    personas.board.save(update_fields=["language"])
    return personas.board, personas.coordinator


# The attacks of issue #14, then random ones.
ONE_LOAN_IN_JANUARY = [
    {"cents": 300_000, "day": 10, "circle": 0, "product": 0, "payments": [], "write_off": False}
]
ONE_WRITE_OFF = [
    {
        "cents": 100_000 + 1_111 * n,
        "day": 5 * n,
        "circle": n % 2,
        "product": 0,
        "payments": [30],
        "write_off": n == 0,
    }
    for n in range(6)
]
ONE_PAYMENT_IN_A_QUIET_MONTH = [
    {
        "cents": 150_000 + 777 * n,
        "day": 3 * n,
        "circle": 0,
        "product": n % 2,
        "payments": [20] * (5 if n else 1),
        "write_off": False,
    }
    for n in range(7)
]

# The French walk-through: current loans and one loan 31 to 90 days late at both month ends; its band's
# provision (25 % of its balance) was the reserve's total.
ONE_LOAN_IN_THE_31_TO_90_DAYS_BAND = [
    {
        "cents": 120_000 + 999 * n,
        "day": n,
        "circle": n % 2,
        "product": 0,
        "payments": [35] * 5,
        "write_off": False,
    }
    for n in range(6)
] + [{"cents": 200_000, "day": 70, "circle": 0, "product": 0, "payments": [], "write_off": False}]


@settings(
    max_examples=int(os.environ.get("ATTACKER_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)
@example(spec=ONE_LOAN_IN_JANUARY)
@example(spec=ONE_WRITE_OFF)
@example(spec=ONE_PAYMENT_IN_A_QUIET_MONTH)
@example(spec=ONE_LOAN_IN_THE_31_TO_90_DAYS_BAND)
@given(spec=portfolio_spec)
def test_no_subtraction_of_the_boards_figures_gives_one_loan_away(attacker, spec):
    client, coordinator = attacker
    assert leaks(spec, client, coordinator) == []


def test_a_payment_recorded_today_changes_nothing_the_board_sees(attacker):
    client, coordinator = attacker
    build(ONE_PAYMENT_IN_A_QUIET_MONTH, coordinator)
    before = read_cells(client)
    with at_noon(datetime.date(2025, 7, 15)):
        loan = LoanPosition.objects.filter(written_off_at__isnull=True).first().loan
        services.payment_record(
            loan=loan,
            amount=Decimal("37.21"),
            paid_on=datetime.date(2025, 7, 15),
            method="cash",
            recorded_by=coordinator,
        )
    assert read_cells(client) == before
