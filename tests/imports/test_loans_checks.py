"""The loans workbook's other checks (each row named with its sheet, column and reason), English sheets and
columns, loans brought in by chunks, and the ledger check at the end that refuses the whole file."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from imports.kinds import get_kind
from imports.kinds import loans as loans_kind
from imports.ledger_check import ledger_check
from imports.services import import_run
from loans.models import Loan, LoanPosition, LoanStatus, Payment
from tests.imports import test_loans
from tests.imports.test_loans import LOANS, PAYMENTS, SCHEDULE, import_loans, ledger_state, workbook

pytestmark = pytest.mark.django_db
organization = test_loans.organization  # the fixture: entrepreneurs and circles imported, a loan product


def loan(external_id, borrower, amount, disbursed, status="", reason=""):
    return [external_id, borrower, "Microprêt de démarrage", amount, "6", disbursed, "", status, reason, ""]


def test_every_other_loan_error_is_named_by_sheet_row_and_column_and_nothing_is_written(
    organization, monkeypatch
):
    monkeypatch.setattr(loans_kind, "CHUNK", 2)  # several chunks: a repeated id is found across them
    loans = [
        LOANS[0],
        loan("P-030", "E-001", "400,00", "2026-01-10"),  # Prêts 2: instalments numbered 1, 3
        loan("P-031", "E-002", "400,00", "2026-01-10"),  # Prêts 3: due dates out of order
        loan(
            "P-032", "E-003", "400,00", "2026-01-10"
        ),  # Prêts 4: a payment before the disbursement, one of 0
        loan("P-030", "E-004", "400,00", "2026-01-10"),  # Prêts 5: the same id again
        loan("P-033", "E-004", "400,00", "2026-01-10", "remboursé"),  # Prêts 6: repaid, still owed
        loan("P-034", "E-005", "400,00", "2026-01-10"),  # Prêts 7: active, nothing owed
        loan("P-035", "E-005", "400,00", "2026-01-10", "radié"),  # Prêts 8: written off without a reason
    ]
    schedule = [SCHEDULE[0]]
    schedule += [["P-030", n, f"2026-0{1 + n}-10", "200,00", "2,00"] for n in (1, 3)]
    schedule += [["P-031", 1, "2026-03-10", "200,00", "2,00"], ["P-031", 2, "2026-02-10", "200,00", "2,00"]]
    for external_id in ("P-032", "P-033", "P-034", "P-035"):
        schedule += [[external_id, n, f"2026-0{1 + n}-10", "200,00", "2,00"] for n in (1, 2)]
    schedule.append(["P-999", 1, "2026-02-10", "200,00", "2,00"])  # Échéancier 14: no such loan
    payments = [
        PAYMENTS[0],
        ["P-032", "2025-12-01", "100,00", "virement", ""],  # Paiements 2
        ["P-032", "2026-02-10", "0,00", "virement", ""],  # Paiements 3
        ["P-034", "2026-02-10", "202,00", "virement", ""],
        ["P-034", "2026-03-10", "202,00", "virement", ""],
        ["P-998", "2026-02-10", "10,00", "virement", ""],  # Paiements 6: no such loan
    ]
    before = ledger_state()
    report = import_loans(organization, workbook(loans, schedule, payments))
    problems = {(p.row, p.column): p.message for p in report.problems}
    assert "1, 2, 3" in problems[("Échéancier 3", "Numéro")]
    assert "précédente" in problems[("Échéancier 5", "Échéance")]
    assert "précéder le déblocage" in problems[("Paiements 2", "date")]
    assert "positif" in problems[("Paiements 3", "montant")]
    assert "ligne Prêts 2" in problems[("Prêts 5", "Identifiant du prêt")]
    assert "404,00\u00a0$" in problems[("Prêts 6", "Statut")]  # still owed on a loan marked repaid
    assert "remboursé" in problems[("Prêts 7", "Statut")]
    assert ("Prêts 8", "Motif de radiation") in problems
    assert "Aucun prêt" in problems[("Échéancier 14", "Identifiant du prêt")]
    assert "Aucun prêt" in problems[("Paiements 6", "Identifiant du prêt")]
    assert ledger_state() == before  # nothing written


def test_a_loan_imported_before_with_another_schedule_or_other_payments_is_refused(organization):
    assert import_loans(organization).is_valid
    before = ledger_state()
    other_schedule = [
        SCHEDULE[0],
        *[[*line[:4], "7,00"] if line[0] == "P-001" else line for line in SCHEDULE[1:]],
    ]
    report = import_loans(organization, workbook(schedule=other_schedule))
    assert [(p.row, p.column) for p in report.problems] == [("Prêts 2", "Identifiant du prêt")]
    assert "autre échéancier" in report.problems[0].message
    other_payments = [PAYMENTS[0], ["P-001", "2026-06-11", "206,00", "virement", ""], *PAYMENTS[2:]]
    report = import_loans(organization, workbook(payments=other_payments))
    assert [(p.row, p.column) for p in report.problems] == [("Prêts 2", "Identifiant du prêt")]
    assert "paiements déjà importés" in report.problems[0].message
    assert ledger_state() == before


def test_loans_with_english_sheets_and_columns_in_an_english_session(organization):
    import io

    from openpyxl import Workbook

    english = {
        "Prêts": ["loan id", "borrower id", "product", "amount", "rate", "disbursement date", "circle id",
                  "status", "write-off reason", "purpose"],
        "Échéancier": ["loan id", "number", "due date", "principal", "interest"],
        "Paiements": ["loan id", "date", "amount", "method", "reference"],
    }  # fmt: skip
    book = Workbook()
    for index, (title, rows, name) in enumerate(
        (("Prêts", LOANS, "Loans"), ("Échéancier", SCHEDULE, "Schedule"), ("Paiements", PAYMENTS, "Payments"))
    ):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        for row in [english[title], *rows[1:]]:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with translation.override("en"):
        report = import_run(
            kind=get_kind("loans"),
            name="loans.xlsx",
            data=buffer,
            actor=organization["coordinator"],
            commit=True,
        )
        assert report.is_valid, report.problems
        assert report.counts() == {"create": 3, "update": 0, "unchanged": 0}
        bad = workbook(payments=[*PAYMENTS, ["P-001", "2026-10-10", "5 000,00", "virement", ""]])
        refused = import_run(
            kind=get_kind("loans"),
            name="loans.xlsx",
            data=bad,
            actor=organization["coordinator"],
            commit=False,
        )
    assert ("Paiements 9", "amount") in {(p.row, p.column) for p in refused.problems}
    assert any("more than the" in p.message for p in refused.problems)  # in the user's language


def test_chunks_give_the_same_portfolio_with_a_bounded_number_of_queries(organization, monkeypatch):
    monkeypatch.setattr(loans_kind, "CHUNK", 1)
    with CaptureQueriesContext(connection) as one_per_chunk:
        assert import_loans(organization, commit=False).is_valid
    monkeypatch.setattr(loans_kind, "CHUNK", 500)
    with CaptureQueriesContext(connection) as one_chunk:
        report = import_loans(organization)
    assert report.is_valid and report.counts() == {"create": 3, "update": 0, "unchanged": 0}
    statuses = dict(Loan.objects.values_list("borrower__user__first_name", "status"))
    assert statuses == {"Marie-Ève": "active", "Fatou": "repaid", "John": "written_off"}
    # The look-ups and inserts are made once per chunk, not once per loan or per payment.
    assert len(one_chunk) < len(one_per_chunk) - 2 * 8
    # Each loan also keeps its monthly snapshots and the homes' counters (about 30 queries a loan).
    assert len(one_chunk) <= 220, [q["sql"][:80] for q in one_chunk.captured_queries]
    call_command("rebuild_ledger", "--check")


def test_the_ledger_check_at_the_end_finds_a_difference_and_refuses_the_whole_file(organization, monkeypatch):
    assert import_loans(organization).is_valid
    assert ledger_check() == []
    LoanPosition.objects.filter(loan__status=LoanStatus.ACTIVE).update(principal_paid_cents=1)
    found = ledger_check()
    assert len(found) == 2 and all(line.startswith("position") for line in found)  # stored, expected
    assert LoanPosition.objects.filter(principal_paid_cents=1).count() == 1  # the check changed nothing
    LoanPosition.objects.filter(principal_paid_cents=1).delete()
    before = ledger_state()
    payments = [*PAYMENTS, ["P-001", "2026-09-10", "112,00", "virement", "V-4"]]
    with translation.override("fr-ca"):
        report = import_loans(organization, workbook(payments=payments))
    assert len(report.problems) == 1 and "grand livre" in report.problems[0].message
    assert ledger_state() == before and Payment.objects.count() == len(PAYMENTS) - 1


def test_a_windows_1252_csv_is_read_from_a_file_as_a_stream(organization, tmp_path):
    path = tmp_path / "personnes.csv"
    path.write_bytes(
        "Identifiant;Prénom;Nom;Conseiller;Date d'accueil\nW-1;Hélène;Côté;amelie;2024-01-15\n".encode(
            "cp1252"
        )
    )
    with path.open("rb") as handle:
        report = import_run(
            kind=get_kind("entrepreneurs"),
            name="personnes.csv",
            data=handle,
            actor=organization["coordinator"],
            commit=True,
        )
    assert report.is_valid, report.problems
    from microcredit.accounts.models import User

    assert User.objects.filter(first_name="Hélène", last_name="Côté").exists()


def test_the_daily_rows_are_written_once_at_the_end_of_a_deferred_block(organization):
    from loans.models import PortfolioDay
    from loans.services import ledger

    day = datetime.date(2026, 1, 10)
    with ledger.daily_rows_deferred():
        ledger._apply({(day, 1): {"due_cents": 100}})
        with ledger.daily_rows_deferred():  # nested: written with the outermost
            ledger._apply({(day, 1): {"due_cents": 50, "collected_cents": 20}})
        assert not PortfolioDay.objects.exists()
    row = PortfolioDay.objects.get()
    assert (row.day, row.product_key, row.due_cents, row.collected_cents) == (day, 1, 150, 20)
    with pytest.raises(RuntimeError), ledger.daily_rows_deferred():
        ledger._apply({(day, 1): {"due_cents": 1}})
        raise RuntimeError
    assert PortfolioDay.objects.get().due_cents == 150  # a block that fails writes nothing
    ledger._apply({(day, 1): {"due_cents": 1}})  # outside a block: at once
    assert PortfolioDay.objects.get().due_cents == 151
