"""Benchmark of a move-in: an organization's entrepreneurs, then its loans with their schedules and payments,
imported from spreadsheets (a script to rerun, not a test).

    .venv/bin/python benchmarks/bench_import.py                   # 10,000 loans (one borrower each)
    .venv/bin/python benchmarks/bench_import.py --loans 1000      # a quicker run

It DROPS and creates again a database named ``microcredit_bench_import`` (on the server of
``--database-url``), adds a coordinator, an advisor and a loan product, then imports, through the same
``import_run`` as the screens and ``manage.py import_file`` (one transaction each, every row through the apps'
services):

1. an entrepreneurs CSV of ``--loans`` people;
2. a loans workbook (XLSX: Prêts, Échéancier, Paiements) of ``--loans`` loans of 1 000,00 $ over 10 monthly
   instalments, ``--payments`` of them paid (one payment each).

For each it prints the time, the rows per second and the peak of Python memory (tracemalloc), and at the end
checks that the ledger's derived figures agree (what ``rebuild_ledger --check`` runs).
"""

import argparse
import datetime
import io
import os
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def entrepreneurs_csv(count: int) -> bytes:
    lines = ["Identifiant;Prénom;Nom;Courriel;Téléphone;Langue;Conseiller;Date d'accueil;Entreprise"]
    lines += [
        f"E-{n:06d};Personne{n};Banc;;;fr;bench-advisor;2024-06-01;Entreprise {n}" for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def loans_workbook(count: int, paid: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    loans = book.create_sheet("Prêts")
    loans.append(
        [
            "Identifiant du prêt",
            "Identifiant de l'emprunteur",
            "Produit",
            "Montant",
            "Taux",
            "Date de déboursement",
            "Statut",
        ]
    )
    schedule = book.create_sheet("Échéancier")
    schedule.append(["Identifiant du prêt", "Numéro", "Échéance", "Capital", "Intérêts"])
    payments = book.create_sheet("Paiements")
    payments.append(["Identifiant du prêt", "Date", "Montant", "Mode"])
    for n in range(count):
        loan = f"P-{n:06d}"
        loans.append([loan, f"E-{n:06d}", "Microprêt", "1000,00", "6", "2025-01-10", "en cours"])
        for k in range(1, 11):
            schedule.append([loan, k, datetime.date(2025 + (k // 12), 1 + k % 12, 10), "100,00", "5,00"])
        for k in range(1, paid + 1):
            payments.append([loan, datetime.date(2025, 1 + k, 10), "105,00", "virement"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure(label: str, kind: str, name: str, data: bytes, actor, rows: int) -> None:
    from imports.kinds import get_kind
    from imports.services import import_run

    tracemalloc.start()
    started = time.perf_counter()
    report = import_run(kind=get_kind(kind), name=name, data=data, actor=actor, commit=True)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if not report.is_valid:
        sys.exit(f"{label}: {len(report.problems)} errors, first: {report.problems[0]}")
    print(
        f"{label:<40} {elapsed:8.1f} s  {rows / elapsed:8.0f} rows/s  peak {peak / 2**20:6.1f} MiB  "
        f"{report.counts()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--payments", type=int, default=4, help="Instalments paid per loan (0 to 10).")
    args = parser.parse_args()
    import bench_report

    url = urlunsplit(urlsplit(args.database_url)._replace(path="/microcredit_bench_import"))
    bench_report.recreate_database(url)
    bench_report.setup_django(url, migrate=True)
    from django.utils import translation

    from loans.models import LoanProduct
    from loans.services.ledger import ledger_differences
    from microcredit.accounts.models import Role, User

    coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR)
    User.objects.create(username="bench-advisor", role=Role.ADVISOR)
    LoanProduct.objects.create(
        name="Microprêt", min_amount=300, max_amount=5000, annual_rate=6, min_term=6, max_term=24
    )
    people = entrepreneurs_csv(args.loans)
    workbook = loans_workbook(args.loans, args.payments)
    print(
        f"{args.loans:,} loans, {args.loans * 10:,} instalments, {args.loans * args.payments:,} payments "
        f"(workbook {len(workbook) / 2**20:.1f} MiB)",
        flush=True,
    )
    with translation.override("fr-ca"):
        measure("entrepreneurs (CSV)", "entrepreneurs", "personnes.csv", people, coordinator, args.loans)
        measure("loans, schedules, payments (XLSX)", "loans", "prets.xlsx", workbook, coordinator, args.loans)
    differences = ledger_differences()
    print(f"ledger check: {len(differences)} differences", flush=True)


if __name__ == "__main__":
    main()
