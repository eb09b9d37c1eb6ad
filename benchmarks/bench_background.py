"""Benchmark of the background work (a script to rerun, not a test): the daily reminder scan and the
board's portfolio PDF, on a large generated portfolio.

    .venv/bin/python benchmarks/bench_background.py            # or: make bench
    .venv/bin/python benchmarks/bench_background.py --database-url postgres://postgres@127.0.0.1:5432/microcredit_bench

It DROPS and creates again the database it is given (its name must contain "bench"; the default is
BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/microcredit_bench), migrates it, builds the data
with bulk_create, then measures:

1. the reminder scan (``loans.services.reminders.reminders_scan``) over 10,000 then 100,000 instalments, and a
   worst case where about 50,000 then 100,000 more instalments all fall due in 3 days (every one a
   reminder): wall time (time.perf_counter) on a first run, peak Python memory (tracemalloc) on a second
   run from scratch, the process's peak RSS so far (resource.getrusage). The per-reminder send tasks are
   counted, not queued: this measures the scan;
2. sending 1,000 reminder emails (locmem email backend), the cost of the per-reminder task's work;
3. the board's portfolio PDF (the ``documents.build`` task's work: figures, template, WeasyPrint, file) at
   1,000 and 10,000 loans: wall time, of which the figures, and pages.

The portfolio: 10 monthly instalments a loan, disbursed over the last 300 days; 15 % of the borrowers have no
email address; 12 % of the loans stopped paying at some point; 2 % written off; fully paid loans are repaid.
"""

import argparse
import datetime
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/microcredit_bench"
INSTALMENTS_PER_LOAN = 10
CHUNK = 5000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--loans", type=int, nargs=2, default=[1000, 10000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--seed", type=int, default=20261122)
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, media_root: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "microcredit.settings.local",
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "false",  # with DEBUG, Django keeps every query in memory
            "REDIS_URL": "",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_MEDIA_ROOT": media_root,
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Portfolio:
    """Builds loans with their schedule, payments and allocations, straight into the tables."""

    def __init__(self, seed: int):
        from django.utils import timezone

        from microcredit.accounts.models import Role, User
        from microcredit.core.models import OrganizationSettings

        self.rng = random.Random(seed)  # noqa: S311  (reproducible test data, not security)
        self.today = timezone.localdate()
        OrganizationSettings.load()
        self.coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR)
        self.board = User.objects.create(username="bench-board", role=Role.BOARD, language="fr-ca")
        self.advisors = User.objects.bulk_create(
            User(username=f"bench-advisor{n}", email=f"advisor{n}@bench.example", role=Role.ADVISOR)
            for n in range(20)
        )
        from loans.models import LoanProduct

        self.products = [
            LoanProduct.objects.create(
                name=name,
                min_amount=Decimal("300"),
                max_amount=Decimal("5000"),
                annual_rate=rate,
                min_term=6,
                max_term=24,
            )
            for name, rate in (("Démarrage", Decimal("6.00")), ("Croissance", Decimal("8.00")))
        ]
        self.loans = 0
        self.extra = 0

    def add(self, count: int) -> None:
        from circles.models import Circle, CircleStatus
        from microcredit.accounts.models import EntrepreneurProfile, Role, User

        for start in range(self.loans, self.loans + count, CHUNK):
            size = min(CHUNK, self.loans + count - start)
            users = User.objects.bulk_create(
                User(
                    username=f"bench{n}",
                    first_name="Personne",
                    last_name=f"N{n}",
                    email="" if self.rng.random() < 0.15 else f"bench{n}@bench.example",
                    role=Role.ENTREPRENEUR,
                    password="!",  # noqa: S106  (an unusable password)
                )
                for n in range(start, start + size)
            )
            profiles = EntrepreneurProfile.objects.bulk_create(
                EntrepreneurProfile(user=user, advisor=self.rng.choice(self.advisors), city="Montréal")
                for user in users
            )
            circles = Circle.objects.bulk_create(
                Circle(
                    name=f"Cercle {start}-{n}",
                    advisor=self.rng.choice(self.advisors),
                    status=CircleStatus.ACTIVE,
                )
                for n in range(size // 5 + 1)
            )
            self._loans(profiles, circles)
        self.loans += count

    def _loans(self, profiles, circles) -> None:
        from loans.models import Allocation, Instalment, Loan, LoanStatus, Payment
        from loans.schedule import build_schedule, first_due_date

        rng, today = self.rng, self.today
        loans, schedules = [], []
        for index, profile in enumerate(profiles):
            amount = Decimal(rng.choice([500, 800, 1000, 1500, 2000, 2500, 3000]))
            product = rng.choice(self.products)
            disbursed_on = today - datetime.timedelta(days=rng.randint(0, 300))
            rows = build_schedule(
                amount=amount,
                annual_rate_percent=product.annual_rate,
                instalments=INSTALMENTS_PER_LOAN,
                frequency="monthly",
                first_due=first_due_date(disbursed_on, "monthly"),
            )
            due = [row for row in rows if row.due_date <= today]
            stops = len(due) - rng.randint(1, 4) if due and rng.random() < 0.12 else len(due)
            paid = due[: max(stops, 0)]
            if len(paid) == len(rows):
                status = LoanStatus.REPAID
            elif rng.random() < 0.02:
                status = LoanStatus.WRITTEN_OFF
            elif len(due) - len(paid) >= 4:
                status = LoanStatus.DEFAULTED
            else:
                status = LoanStatus.ACTIVE
            loans.append(
                Loan(
                    borrower=profile,
                    product=product,
                    status=status,
                    amount=amount,
                    term=INSTALMENTS_PER_LOAN,
                    purpose="Équipement",
                    prepared_by=profile.user,
                    circle=circles[index // 5 % len(circles)],
                    guarantee_type="circle" if amount <= 2000 else "individual",
                    approved_amount=amount,
                    approved_term=INSTALMENTS_PER_LOAN,
                    annual_rate=product.annual_rate,
                    frequency="monthly",
                    grace_periods=0,
                    approved_by=self.coordinator,
                    disbursed_on=disbursed_on,
                    disbursement_method="transfer",
                )
            )
            schedules.append((rows, len(paid)))
        Loan.objects.bulk_create(loans)
        instalments, payments = [], []
        for loan, (rows, paid_count) in zip(loans, schedules, strict=True):
            for row in rows:
                instalments.append(
                    Instalment(
                        loan=loan,
                        number=row.number,
                        due_date=row.due_date,
                        principal_due=row.principal,
                        interest_due=row.interest,
                    )
                )
            if paid_count:
                total = sum((row.total for row in rows[:paid_count]), Decimal("0"))
                payments.append(
                    Payment(
                        loan=loan,
                        paid_on=rows[paid_count - 1].due_date,
                        amount=total,
                        method="transfer",
                        payer=loan.borrower,
                        recorded_by=self.coordinator,
                    )
                )
        Instalment.objects.bulk_create(instalments, batch_size=CHUNK)
        Payment.objects.bulk_create(payments, batch_size=CHUNK)
        by_loan = {payment.loan_id: payment for payment in payments}
        allocations = [
            Allocation(
                payment=by_loan[instalment.loan_id],
                instalment=instalment,
                interest=instalment.interest_due,
                principal=instalment.principal_due,
                loan_id=instalment.loan_id,
                paid_on=by_loan[instalment.loan_id].paid_on,
            )
            for instalment, (loan_rows, paid_count) in _with_schedule(instalments, schedules, loans)
            if instalment.number <= paid_count
        ]
        Allocation.objects.bulk_create(allocations, batch_size=CHUNK)
        # What the payment services keep as they go (settlement dates, loan positions, daily rows).
        from loans.services.ledger import rebuild_ledger

        rebuild_ledger()

    def add_worst_case(self, per_loan: int) -> int:
        """More instalments on each open loan, all due in three days and unpaid: every one is a reminder."""
        from loans.models import Instalment, Loan, LoanStatus

        due = self.today + datetime.timedelta(days=3)
        open_loans = Loan.objects.filter(status__in=[LoanStatus.ACTIVE, LoanStatus.DEFAULTED])
        ids = list(open_loans.values_list("pk", flat=True))
        count = 0
        while ids:
            chunk, ids = ids[:CHUNK], ids[CHUNK:]
            rows = [
                Instalment(
                    loan_id=loan_id,
                    number=100 + self.extra + n,
                    due_date=due,
                    principal_due=Decimal("10.00"),
                    interest_due=Decimal("0.00"),
                )
                for loan_id in chunk
                for n in range(per_loan)
            ]
            Instalment.objects.bulk_create(rows, batch_size=CHUNK)
            count += len(rows)
        self.extra += per_loan
        return count


def _with_schedule(instalments, schedules, loans):
    by_loan = {loan.pk: schedule for loan, schedule in zip(loans, schedules, strict=True)}
    for instalment in instalments:
        yield instalment, by_loan[instalment.loan_id]


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would gather them on a live database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def truncate_reminders() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE loans_reminder, loans_advisordigest")


def measure_scan(label: str) -> dict:
    from loans.models import Instalment, Reminder
    from loans.services import reminders

    reminders.enqueue_reminders = lambda ids: None  # the send tasks are not queued: the scan alone
    truncate_reminders()
    gc.collect()
    started = time.perf_counter()
    result = reminders.reminders_scan()
    elapsed = time.perf_counter() - started
    created = Reminder.objects.count()
    truncate_reminders()
    gc.collect()
    tracemalloc.start()
    reminders.reminders_scan()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "what": label,
        "instalments": Instalment.objects.count(),
        "candidates": result.examined,
        "reminders": created,
        "emails": result.emails_queued,
        "batches": result.batches,
        "seconds": elapsed,
        "peak_mib": peak / 2**20,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10,
    }


def measure_sends(count: int) -> dict:
    from django.core import mail

    from loans.models import Reminder, ReminderChannel, ReminderStatus
    from loans.services.reminders import reminder_deliver

    ids = list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, channel=ReminderChannel.EMAIL).values_list(
            "pk", flat=True
        )[:count]
    )
    mail.outbox = []
    started = time.perf_counter()
    outcomes = [reminder_deliver(reminder_id=pk) for pk in ids]
    elapsed = time.perf_counter() - started
    return {
        "sent": outcomes.count("sent"),
        "seconds": elapsed,
        "per_email_ms": 1000 * elapsed / max(len(ids), 1),
    }


def _median_seconds(call, runs: int = 3) -> float:
    times = []
    for _run in range(runs):
        gc.collect()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_pdf(board) -> dict:
    """The whole documents.build task (median of 3 builds), and the figures' queries alone."""
    from django.utils import timezone

    from documents.models import Document
    from documents.services import document_build
    from loans.models import Loan
    from reports.selectors import portfolio_report

    built = []

    def build():
        document = Document.objects.create(
            kind="portfolio_report", params={}, params_key="{}", language=board.language, requested_by=board
        )
        assert document_build(document_id=document.pk) == "done"
        built.append(Document.objects.get(pk=document.pk))

    seconds = _median_seconds(build)
    figures = _median_seconds(lambda: portfolio_report(as_of=timezone.localdate()))
    return {
        "loans": Loan.objects.count(),
        "seconds": seconds,
        "figures_seconds": figures,
        "pages": built[-1].pages,
        "kib": built[-1].size / 1024,
    }


def main() -> None:
    args = parse_args()
    small, large = args.loans
    recreate_database(args.database_url)
    media = tempfile.mkdtemp(prefix="microcredit-bench-")
    setup_django(args.database_url, media)
    from loans.models import Instalment

    started = time.perf_counter()
    portfolio = Portfolio(args.seed)
    scans, pdfs = [], []

    portfolio.add(small)
    analyze()
    print(f"built {small} loans in {time.perf_counter() - started:.1f} s", flush=True)
    scans.append(measure_scan(f"{small:,} loans"))
    pdfs.append(measure_pdf(portfolio.board))

    portfolio.add(large - small)
    analyze()
    print(f"built {large} loans in {time.perf_counter() - started:.1f} s", flush=True)
    scans.append(measure_scan(f"{large:,} loans"))
    pdfs.append(measure_pdf(portfolio.board))

    for _step in range(2):  # the worst case, at two sizes: the scan's memory must not grow with it
        portfolio.add_worst_case(per_loan=5)
        analyze()
        due = Instalment.objects.filter(due_date=portfolio.today + datetime.timedelta(days=3)).count()
        scans.append(measure_scan(f"{due:,} due in 3 days"))
    sends = measure_sends(1000)

    print()
    print("Reminder scan (batches of 1,000; send tasks not queued; RSS = the process's peak so far)")
    print(
        f"{'dataset':<26}{'instalments':>12}{'candidates':>11}{'reminders':>10}{'emails':>8}"
        f"{'batches':>8}{'time s':>8}{'peak MiB':>9}{'RSS MiB':>9}"
    )
    for row in scans:
        print(
            f"{row['what']:<26}{row['instalments']:>12,}{row['candidates']:>11,}{row['reminders']:>10,}"
            f"{row['emails']:>8,}{row['batches']:>8}{row['seconds']:>8.2f}{row['peak_mib']:>9.1f}{row['rss_mib']:>9.0f}"
        )
    print()
    print(
        f"Sending {sends['sent']:,} reminder emails (locmem backend): {sends['seconds']:.2f} s, "
        f"{sends['per_email_ms']:.1f} ms each"
    )
    print()
    print("Board portfolio PDF (documents.build: figures + template + WeasyPrint + file; median of 3)")
    print(f"{'loans':>8}{'time s':>9}{'figures s':>11}{'pages':>7}{'KiB':>7}")
    for row in pdfs:
        print(
            f"{row['loans']:>8,}{row['seconds']:>9.2f}{row['figures_seconds']:>11.2f}{row['pages']:>7}{row['kib']:>7.0f}"
        )
    print(f"\ntotal {time.perf_counter() - started:.0f} s; database {args.database_url}")


if __name__ == "__main__":
    main()
