"""Benchmark of a move-in: an organization's entrepreneurs, then its loans with their schedules and payment
history, imported from spreadsheets (a script to rerun, not a test).

    .venv/bin/python benchmarks/bench_import.py                   # 10,000 loans (one borrower each)
    .venv/bin/python benchmarks/bench_import.py --loans 1000      # a quicker run
    .venv/bin/python benchmarks/bench_import.py --loans 1000 --tracemalloc   # Python memory too (slower)
    .venv/bin/python benchmarks/bench_import.py --reuse       # the loans again (the entrepreneurs kept)

It DROPS and creates again a database named ``--database-name`` (``microcredit_bench_import``: the name
must contain "bench") on the server of ``--database-url``, adds a coordinator, an advisor and a loan
product, then imports through the same ``import_run`` as the screens, the worker and ``manage.py
import_file`` (one transaction each), the files read from disk as a stream as a batch's stored file is:

1. an entrepreneurs CSV of ``--loans`` people (imported);
2. a loans workbook (XLSX: Prêts, Échéancier, Paiements) of ``--loans`` loans of 500,00 $ to 2 750,00 $
   over 10 monthly instalments, disbursed over 2025, each with its history: 6 in 10 in progress with 0 to 8
   payments, 1 in 10 in progress with a prepayment, 2 in 10 repaid (10 payments), 1 in 10 written off after
   3 payments: first its dry run (checked, rolled back), then its import.

For each step it prints the wall time, the rows per second, the peak resident memory of the process during
the step (VmHWM, reset before each step through /proc/self/clear_refs) and, with ``--tracemalloc``, the peak
of Python allocations; at the end it checks that the ledger's derived figures agree (what ``rebuild_ledger
--check`` runs).
"""

import argparse
import datetime
import io
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
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


def month(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=1 + index % 12)


def french(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def loan_history(n: int):
    """Loan ``n``: its row, its 10 instalments, its payments (a realistic mix of histories)."""
    amount = Decimal(500 + (n % 10) * 250)
    principal, interest = amount / 10, (amount * Decimal("0.005")).quantize(Decimal("0.01"))
    disbursed = datetime.date(2025, 1 + n % 12, 10)
    dues = [month(disbursed, k) for k in range(1, 11)]
    kind = n % 10
    status, reason, written_off_on = "en cours", "", ""
    if kind < 6:  # in progress, 0 to 8 instalments paid on their due dates
        payments = [(dues[k], principal + interest) for k in range(n % 9)]
    elif kind == 6:  # in progress: one instalment, then a prepayment of one and a half
        payments = [(dues[0], principal + interest), (dues[1], (principal + interest) * Decimal("2.5"))]
    elif kind < 9:  # repaid
        payments = [(due, principal + interest) for due in dues]
        status = "remboursé"
    else:  # written off after 3 payments
        payments = [(dues[k], principal + interest) for k in range(3)]
        status, reason, written_off_on = "radié", "Entreprise fermée", month(dues[2], 3).isoformat()
    row = [f"P-{n:06d}", f"E-{n:06d}", "Microprêt", french(amount), "6", disbursed, status, reason]
    return [*row, written_off_on], [(k, due, principal, interest) for k, due in enumerate(dues, 1)], payments


def loans_workbook(count: int) -> tuple[bytes, int, int]:
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
            "Motif de radiation",
            "Date de radiation",
        ]
    )
    schedule = book.create_sheet("Échéancier")
    schedule.append(["Identifiant du prêt", "Numéro", "Échéance", "Capital", "Intérêts"])
    payments = book.create_sheet("Paiements")
    payments.append(["Identifiant du prêt", "Date", "Montant", "Mode"])
    instalments = paid = 0
    for n in range(count):
        row, lines, history = loan_history(n)
        loans.append(row)
        for number, due, principal, interest in lines:
            schedule.append([row[0], number, due, french(principal), french(interest)])
        for day, amount in history:
            payments.append([row[0], day, french(amount), "virement"])
        instalments, paid = instalments + len(lines), paid + len(history)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), instalments, paid


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(label: str, kind: str, path: Path, actor, rows: int, *, commit: bool, trace: bool) -> None:
    from imports.kinds import get_kind
    from imports.services import import_run

    reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with path.open("rb") as handle:
        report = import_run(kind=get_kind(kind), name=path.name, data=handle, actor=actor, commit=commit)
    elapsed = time.perf_counter() - started
    python_peak = ""
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        python_peak = f"  Python peak {peak / 2**20:6.1f} MiB"
    rss = peak_rss_mib()
    if not report.is_valid:
        sys.exit(f"{label}: {len(report.problems)} errors, first: {report.problems[0]}")
    print(
        f"{label:<36} {elapsed:8.1f} s  {rows / elapsed:7.0f} rows/s  peak RSS "
        f"{rss if rss is not None else float('nan'):6.1f} MiB{python_peak}  {report.counts()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    parser.add_argument("--database-name", default="microcredit_bench_import")
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (slower).")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the previous run's database and entrepreneurs (not its loans).",
    )
    args = parser.parse_args()
    import bench_report

    url = urlunsplit(urlsplit(args.database_url)._replace(path=f"/{args.database_name}"))
    if not args.reuse:
        bench_report.recreate_database(url)
    bench_report.setup_django(url, migrate=not args.reuse)
    from django.utils import translation

    from loans.models import LoanProduct
    from loans.services.ledger import ledger_differences
    from microcredit.accounts.models import Role, User

    if args.reuse:  # the entrepreneurs stay; the loans of the previous run go
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE loans_loan, loans_portfolioday CASCADE")
            cursor.execute("DELETE FROM imports_externalid WHERE kind = 'loans'")
        coordinator = User.objects.get(username="bench-coordinator")
    else:
        coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR)
        User.objects.create(username="bench-advisor", role=Role.ADVISOR)
        LoanProduct.objects.create(
            name="Microprêt", min_amount=300, max_amount=5000, annual_rate=6, min_term=6, max_term=24
        )
    workbook, instalments, payments = loans_workbook(args.loans)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        people, loans = Path(directory, "personnes.csv"), Path(directory, "prets.xlsx")
        people.write_bytes(entrepreneurs_csv(args.loans))
        loans.write_bytes(workbook)
        del workbook
        print(
            f"{args.loans:,} loans, {instalments:,} instalments, {payments:,} payments "
            f"(workbook {loans.stat().st_size / 2**20:.1f} MiB); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        trace = args.tracemalloc
        with translation.override("fr-ca"):
            if not args.reuse:
                measure("entrepreneurs (CSV), import", "entrepreneurs", people, coordinator, args.loans,
                        commit=True, trace=trace)  # fmt: skip
            measure(
                "loans (XLSX), dry run", "loans", loans, coordinator, args.loans, commit=False, trace=trace
            )
            measure("loans (XLSX), import", "loans", loans, coordinator, args.loans, commit=True, trace=trace)
    differences = ledger_differences()
    print(f"ledger check: {len(differences)} differences; load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
