# ruff: noqa: RUF001  (French apostrophes in the expected messages)
"""Loans in progress, repaid and written off, from a French workbook: schedules kept as given, payments
allocated by the usual rule, the ledger's derived figures consistent, the board's report equal to the
spreadsheet's figures."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation

from imports.kinds import get_kind
from imports.services import import_run
from loans.models import Allocation, Loan, LoanStatus, Payment
from loans.services.arrears_counts import arrears_count_differences
from reports.selectors import portfolio_report
from tests.imports.conftest import CIRCLES_CSV, ENTREPRENEURS_CSV
from tests.loans.factories import LoanProductFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
D = Decimal

LOANS = [
    [
        "Identifiant du prêt",
        "Identifiant de l'emprunteur",
        "Produit",
        "Montant",
        "Taux",
        "Date de déboursement",
        "Identifiant du cercle",
        "Statut",
        "Motif de radiation",
        "Objet",
    ],
    [
        "P-001",
        "E-001",
        "Microprêt de démarrage",
        "1 200,00",
        "6",
        "2026-05-10",
        "C-01",
        "en cours",
        "",
        "Four",
    ],
    ["P-002", "E-002", "Microprêt de démarrage", "600,00", "6,5", "2025-01-10", "C-01", "remboursé", "", ""],
    [
        "P-003",
        "E-003",
        "Microprêt de démarrage",
        "900,00",
        "7",
        "2025-03-01",
        "",
        "radié",
        "Entreprise fermée",
        "",
    ],
]
# P-001's schedule as the borrower signed it: equal principal, interest rounded the old way (not what the
# app would compute today: it must be kept as is).
SCHEDULE = [["Identifiant du prêt", "Numéro", "Échéance", "Capital", "Intérêts"]]
SCHEDULE += [["P-001", n, f"2026-{5 + n:02d}-10", "200,00", "6,00"] for n in range(1, 7)]
SCHEDULE += [["P-002", n, f"2025-{1 + n:02d}-10", "200,00", "3,25"] for n in range(1, 4)]
SCHEDULE += [["P-003", n, f"2025-{3 + n:02d}-01", "300,00", "5,25"] for n in range(1, 4)]
PAYMENTS = [
    ["Identifiant du prêt", "Date", "Montant", "Mode", "Référence"],
    ["P-001", "2026-06-10", "206,00", "virement", "V-1"],
    ["P-001", "2026-07-10", "206,00", "virement", "V-2"],
    ["P-001", "2026-08-12", "300,00", "comptant", ""],  # a prepayment: 94,00 toward the next instalment
    ["P-002", "2025-02-10", "203,25", "chèque", ""],
    ["P-002", "2025-03-10", "203,25", "chèque", ""],
    ["P-002", "2025-04-10", "203,25", "chèque", ""],
    ["P-003", "2025-04-01", "305,25", "comptant", ""],
]


def workbook(loans=LOANS, schedule=SCHEDULE, payments=PAYMENTS) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for index, (title, rows) in enumerate(
        (("Prêts", loans), ("Échéancier", schedule), ("Paiements", payments))
    ):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(kind, data, actor, *, commit=True, name="fichier.csv"):
    data = data.encode("utf-8") if isinstance(data, str) else data
    return import_run(kind=get_kind(kind), name=name, data=data, actor=actor, commit=commit)


@pytest.fixture
def organization(staff):
    LoanProductFactory()
    with time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC), tick=False):
        assert run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"]).is_valid
        assert run("circles", CIRCLES_CSV, staff["coordinator"]).is_valid
        yield staff


def import_loans(staff, data=None, commit=True):
    with translation.override("fr-ca"):
        return run("loans", data or workbook(), staff["coordinator"], commit=commit, name="prets.xlsx")


def ledger_state():
    return (
        list(Loan.objects.order_by("pk").values_list("pk", "status")),
        list(Payment.objects.order_by("pk").values_list("pk", "amount")),
        Allocation.objects.count(),
    )


def test_a_portfolio_is_imported_with_its_schedules_as_given_and_its_payments_allocated(organization):
    report = import_loans(organization)
    assert report.is_valid, report.problems
    assert report.counts() == {"create": 3, "update": 0, "unchanged": 0}
    p1 = Loan.objects.get(purpose="Four")
    assert (
        p1.status == LoanStatus.ACTIVE
        and p1.guarantee_type == "circle"
        and p1.circle.name == "Les Bâtisseuses"
    )
    assert set(p1.instalments.values_list("principal_due", "interest_due")) == {(D("200.00"), D("6.00"))}
    # Oldest first, interest before principal; the 300,00 pays the 3rd instalment and 94,00 of the 4th.
    fourth = p1.instalments.get(number=4)
    assert sum(a.interest + a.principal for a in fourth.allocations.all()) == D("94.00")
    assert fourth.settled_on is None and p1.instalments.get(number=3).settled_on == datetime.date(2026, 8, 12)
    statuses = dict(Loan.objects.values_list("borrower__user__first_name", "status"))
    assert statuses == {"Marie-Ève": "active", "Fatou": "repaid", "John": "written_off"}
    call_command("rebuild_ledger", "--check")  # raises CommandError on any difference
    # The counters the homes read follow the imported loans too (bulk-created rows send no signal).
    call_command("rebuild_caseload", "--check")
    assert arrears_count_differences() == []


def test_the_board_report_equals_the_figures_of_the_spreadsheet(organization):
    assert import_loans(organization).is_valid
    # From the spreadsheet alone: principal lent minus principal repaid (payments go to interest first).
    p1_principal_paid = (D("206.00") - 6) * 2 + (D("300.00") - 6 - 6)  # 688,00
    p3_principal_paid = D("305.25") - D("5.25")
    expected = {
        "outstanding": D("1200.00") - p1_principal_paid,
        "active_loans": 1,
        "repaid_loans": 1,
        "written_off_loans": 1,
        "written_off": D("900.00") - p3_principal_paid,
        "disbursed_count_all": 3,
        "disbursed_amount_all": D("2700.00"),
        "outstanding_circle": D("1200.00") - p1_principal_paid,
    }
    with time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC), tick=False):
        totals = portfolio_report(as_of=TODAY, start=datetime.date(2025, 1, 1), end=TODAY)["totals"]
    assert {key: totals[key] for key in expected} == expected
    assert totals["collected"] == sum(D(row[2].replace(",", ".")) for row in PAYMENTS[1:])


def test_reimporting_the_workbook_changes_nothing_and_later_payments_are_added(organization):
    assert import_loans(organization).is_valid
    before = ledger_state()
    again = import_loans(organization)
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 3}
    assert ledger_state() == before
    more = [*PAYMENTS, ["P-001", "2026-09-10", "112,00", "virement", "V-4"]]
    later = import_loans(organization, workbook(payments=more))
    assert later.counts() == {"create": 0, "update": 1, "unchanged": 2}
    assert Payment.objects.count() == len(PAYMENTS)  # 7 before, one more now
    call_command("rebuild_ledger", "--check")


def test_a_workbook_with_every_kind_of_loan_error_is_refused_whole(organization):
    loans = [
        LOANS[0],
        ["P-010", "E-004", "Microprêt de démarrage", "1 000,00", "6", "2026-01-10", "", "", "", ""],
        ["P-011", "E-999", "Microprêt de démarrage", "500,00", "6", "2026-01-10", "", "", "", ""],
        ["P-012", "E-005", "Produit inconnu", "500,00", "6", "2026-01-10", "", "", "", ""],
        ["P-013", "E-005", "Microprêt de démarrage", "500,00", "6", "2026-01-10", "", "", "", ""],
        ["P-014", "E-001", "Microprêt de démarrage", "1 500,5", "6", "2099-01-10", "", "", "", ""],
    ]
    schedule = [SCHEDULE[0]]
    schedule += [["P-010", n, f"2026-{1 + n:02d}-10", "300,00", "5,00"] for n in (1, 2, 3)]  # 900 ≠ 1 000
    schedule += [["P-013", n, f"2026-{1 + n:02d}-10", "250,00", "2,50"] for n in (1, 2)]
    payments = [PAYMENTS[0], ["P-013", "2026-02-10", "600,00", "virement", ""]]  # more than the 505,00 owed
    before = ledger_state()
    report = import_loans(organization, workbook(loans, schedule, payments))
    problems = {(p.row, p.column): p.message for p in report.problems}
    assert "900,00\u00a0$" in problems[("Prêts 2", "Montant")]
    assert "E-999" in problems[("Prêts 3", "Identifiant de l'emprunteur")]
    assert "Produit inconnu" in problems[("Prêts 4", "Produit")]
    assert "dépasse" in problems[("Paiements 2", "montant")]
    assert ("Prêts 6", "Date de déboursement") in problems
    assert ledger_state() == before  # nothing written


def test_a_loan_above_the_guarantee_threshold_is_individual_even_with_a_circle(organization):
    loans = [
        LOANS[0],
        ["P-020", "E-004", "Microprêt de démarrage", "2 000,01", "6", "2026-01-10", "C-01", "", "", ""],
    ]
    schedule = [SCHEDULE[0], ["P-020", 1, "2026-02-10", "2 000,01", "10,00"]]
    report = import_loans(organization, workbook(loans, schedule, [PAYMENTS[0]]))
    assert report.is_valid, report.problems
    loan = Loan.objects.get()
    assert (loan.circle.name, loan.guarantee_type) == ("Les Bâtisseuses", "individual")


def csv_zip(loans=LOANS, schedule=SCHEDULE, payments=PAYMENTS) -> bytes:
    """The same three tables as CSV files (French Excel: semicolons) in a ZIP archive."""
    import csv
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for title, rows in (("Prêts", loans), ("Échéancier", schedule), ("Paiements", payments)):
            text = io.StringIO()
            csv.writer(text, delimiter=";").writerows(rows)
            archive.writestr(f"{title}.csv", ("\ufeff" + text.getvalue()).encode("utf-8"))
    return buffer.getvalue()


def with_write_off_date(day: str, row: int = 3) -> list[list]:
    rows = [[*line, ""] for line in LOANS]
    rows[0][-1] = "Date de radiation"
    rows[row][-1] = day
    return rows


def test_loans_come_as_a_zip_of_csv_files_too(organization):
    with translation.override("fr-ca"):
        report = run("loans", csv_zip(), organization["coordinator"], name="prets.zip")
    assert report.is_valid, report.problems
    assert report.counts() == {"create": 3, "update": 0, "unchanged": 0}
    statuses = dict(Loan.objects.values_list("borrower__user__first_name", "status"))
    assert statuses == {"Marie-Ève": "active", "Fatou": "repaid", "John": "written_off"}
    assert Payment.objects.count() == 7
    call_command("rebuild_ledger", "--check")
    with translation.override("fr-ca"):
        again = run("loans", workbook(), organization["coordinator"], name="prets.xlsx")
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 3}  # the same loans, either format


def test_a_zip_without_the_three_tables_is_refused_by_name(organization):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Prêts.csv", "Identifiant du prêt\nP-1\n")
    with translation.override("fr-ca"):
        report = run("loans", buffer.getvalue(), organization["coordinator"], name="prets.zip")
    assert {(problem.row, problem.message) for problem in report.problems} >= {
        ("Échéancier", "Le classeur n’a pas de feuille nommée Échéancier."),
        ("Paiements", "Le classeur n’a pas de feuille nommée Paiements."),
    }
    assert Loan.objects.count() == 0


def test_the_write_off_date_of_the_file_is_kept(organization):
    from loans.models import LoanPosition

    data = workbook(loans=with_write_off_date("2025-06-30"))
    report = import_loans(organization, data)
    assert report.is_valid, report.problems
    loan = Loan.objects.get(status=LoanStatus.WRITTEN_OFF)
    written_off = loan.transitions.get(to_status=LoanStatus.WRITTEN_OFF).changed_at
    assert timezone.localdate(written_off) == datetime.date(2025, 6, 30)
    assert timezone.localdate(LoanPosition.objects.get(loan=loan).written_off_at) == datetime.date(
        2025, 6, 30
    )
    call_command("rebuild_ledger", "--check")
    # The board report as of the end of 2025 counts the loss (it was written off in June 2025).
    with time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC), tick=False):
        totals = portfolio_report(
            as_of=datetime.date(2025, 12, 31),
            start=datetime.date(2025, 1, 1),
            end=datetime.date(2025, 12, 31),
        )["totals"]
    assert (totals["written_off_loans"], totals["written_off"]) == (1, D("600.00"))


@pytest.mark.parametrize(
    ("day", "row", "expected"),
    [
        ("2025-02-01", 3, "Un prêt est radié entre son déboursement et aujourd’hui."),
        ("2025-06-30", 1, "Seul un prêt radié a une date de radiation."),
        ("2099-01-01", 3, "La date 2099-01-01 est hors limites"),
    ],
)
def test_a_write_off_date_out_of_place_is_refused_on_its_column(organization, day, row, expected):
    report = import_loans(organization, workbook(loans=with_write_off_date(day, row)))
    on_loans = [p for p in report.problems if p.row.startswith("Prêts")]
    assert [(p.row, p.column) for p in on_loans] == [(f"Prêts {row + 1}", "Date de radiation")]
    assert expected in on_loans[0].message
    assert Loan.objects.count() == 0
