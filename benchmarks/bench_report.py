"""Benchmark of the board's portfolio report (a script to rerun, not a test).

    .venv/bin/python benchmarks/bench_report.py
    .venv/bin/python benchmarks/bench_report.py --loans 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/microcredit_bench_report

It DROPS and creates again the database it is given (its name must contain "bench"; default
postgres://postgres@127.0.0.1:5432/microcredit_bench_report), migrates it, and generates in SQL
(generate_series, a minute or two on 2 cores):

- 50,000 entrepreneurs, 2,000 circles in 5 networks, 20 advisors, 3 products;
- N loans (default 100,000; 2 per entrepreneur) of 500 to 4,900 $, 10 monthly instalments at 6 % (about a
  million instalments), disbursed over the last 720 days;
- payments on the due dates (one payment, one allocation per instalment): 80 % of the loans pay on time,
  10 % pay 35 days late, 10 % stop paying after 1 to 6 instalments; 1 % of the loans have a reversed payment;
  fully paid loans are repaid, stopped loans 90+ days late are in default, a fifth of those written off;
- a status history (approved → active, then repaid / defaulted / written off).

Then, in the same run, 7 interleaved rounds (``--runs``): ``SELECT SUM(principal_due) FROM loans_instalment``
(the bare scan) and the report (``portfolio_figures`` with every breakdown; and the whole
``portfolio_report``, with trends, capital, reach and impact), as of today and as of 6 months ago; and the
board's report (with the privacy rule's activity and hidden figures) as of the month end six months back, from
its kept figures and computed again; it prints the best and the median of each and their ratios to the bare
scan's.

Recorded on 2026-11-22 (2 cores, PostgreSQL 15, default settings; generation 127 s of which 51 s for
``rebuild_ledger``; 100,000 loans, 1,000,000 instalments, 722,346 payments, 721,346 allocations):

    bare scan                                  best   84 ms, median  102 ms
    portfolio_figures, as of today             best  233 ms = 2.8 x, median  279 ms = 2.7 x
    portfolio_report,  as of today             best  247 ms = 3.0 x, median  329 ms = 3.2 x
    portfolio_figures, as of 6 months ago      best  584 ms = 7.0 x, median  741 ms = 7.2 x
    portfolio_report,  as of 6 months ago      best  576 ms = 6.9 x, median  778 ms = 7.6 x

(Before the derived ledger figures: 37 x as of today.) As of today the report reads one narrow row per loan
(``LoanPosition``, amounts in cents) and a few thousand daily rows (``PortfolioDay``); as of a past date it
also sums what was paid and settled since, about 250,000 rows six months back.
"""

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE_SQL = "SELECT SUM(principal_due) FROM loans_instalment"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/microcredit_bench_report"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="Keep the existing database and its data.")
    parser.add_argument("--runs", type=int, default=7, help="Rounds of measurement (default 7).")
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


def setup_django(url: str, migrate: bool) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "microcredit.settings.local",
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "false",  # with DEBUG, Django keeps every query in memory
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


GENERATE = [
    # People: a coordinator, 20 advisors, 50,000 entrepreneurs (no usable password).
    """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, is_staff,
        is_active, date_joined, email, role, phone, language)
       SELECT '!', false, 'bench-' || n, 'P', 'N' || n, false, true, now(), '',
              CASE WHEN n = 0 THEN 'coordinator' WHEN n <= 20 THEN 'advisor' ELSE 'entrepreneur' END,
              '', 'fr-ca'
       FROM generate_series(0, %(people)s + 20) AS n""",
    """INSERT INTO accounts_entrepreneurprofile (address, city, postal_code, business_name, business_sector,
        business_stage, business_description, intake_date, created_at, updated_at, user_id,
        share_contact_with_circle)
       SELECT '', 'Montréal', 'H2X 1Y4', 'Entreprise ' || u.id, 'food', 'starting', '', current_date,
              now(), now(),
              u.id, false
       FROM accounts_user u WHERE u.role = 'entrepreneur'""",
    """INSERT INTO circles_circlenetwork (name, description)
       SELECT 'Réseau ' || n, '' FROM generate_series(1, 5) AS n""",
    """INSERT INTO circles_circle (name, status, meeting_place, meeting_rhythm, created_on, advisor_id,
        network_id)
       SELECT 'Cercle ' || n, 'active', '', 'monthly', current_date - 800,
              (SELECT id FROM accounts_user WHERE username = 'bench-' || (1 + n %% 20)),
              (SELECT min(id) FROM circles_circlenetwork) + n %% 5
       FROM generate_series(0, 1999) AS n""",
    """INSERT INTO loans_loanproduct (name, name_fr, description, min_amount, max_amount, annual_rate,
        min_term, max_term,
        frequency, grace_periods, is_active, first_due_max_days, good_standing_max_days_late,
        holiday_interest_accrues, settlement_waives_interest, due_dates_follow_meetings, first_due_min_days)
       VALUES ('Démarrage', 'Démarrage', '', 300, 5000, 6, 6, 24, 'monthly', 0, true, 90, 30, true, true,
                false, 14),
              ('Croissance', 'Croissance', '', 300, 5000, 6, 6, 24, 'monthly', 0, true, 90, 30, true, true,
                false, 14),
              ('Relance', 'Relance', '', 300, 5000, 6, 6, 24, 'monthly', 0, true, 90, 30, true, true,
                false, 14)""",
    # Loans: n = 0 .. N-1. behaviour: 0 on time (80 %), 1 late by 35 days (10 %), 2 stops after 1 + n % 6.
    """CREATE TEMP TABLE bench_loan AS
       SELECT n, (500 + (n * 37 %% 45) * 100)::numeric(12, 2) AS amount,
              current_date - (n * 7919 %% 720) AS disbursed_on,
              CASE WHEN n %% 10 < 8 THEN 0 WHEN n %% 10 = 8 THEN 1 ELSE 2 END AS behaviour,
              1 + n %% 6 AS stop_after
       FROM generate_series(0, %(loans)s - 1) AS n""",
    """INSERT INTO loans_loan (id, status, amount, term, purpose, plan_summary, plan_market,
        plan_use_of_funds,
        plan_projections, plan_document, plan_document_name, created_at, review_round, circle_remarks,
        guarantee_type, frequency, disbursement_method, disbursement_reference, borrower_id, prepared_by_id,
        product_id, circle_id, approved_amount, approved_term, annual_rate, grace_periods, disbursed_on,
        cycle_exception_reason, due_dates_on_meetings)
       SELECT b.n + 1, 'active', b.amount, 10, 'Projet', '', '', '', '', '', '', now(), 1, '',
              CASE WHEN b.amount <= 2000 THEN 'circle' ELSE 'individual' END, 'monthly', 'transfer', '',
              (SELECT min(id) FROM accounts_entrepreneurprofile) + b.n %% %(people)s,
              (SELECT id FROM accounts_user WHERE username = 'bench-0'),
              (SELECT min(id) FROM loans_loanproduct) + b.n %% 3,
              (SELECT min(id) FROM circles_circle) + b.n %% 2000,
              b.amount, 10, 6, 0, b.disbursed_on, '', false
       FROM bench_loan b""",
    # Ten instalments: equal principal (the last one takes the rest), interest at 0.5 % a month.
    """INSERT INTO loans_instalment (loan_id, number, due_date, principal_due, interest_due)
       SELECT b.n + 1, k, (b.disbursed_on + make_interval(months => k))::date,
              CASE WHEN k < 10 THEN round(b.amount / 10, 2) ELSE b.amount - 9 * round(b.amount / 10, 2) END,
              round((b.amount - (k - 1) * round(b.amount / 10, 2)) * 0.005, 2)
       FROM bench_loan b CROSS JOIN generate_series(1, 10) AS k""",
    # One payment per instalment paid (id = loan * 10 + number, so the allocation finds it).
    """INSERT INTO loans_payment (id, paid_on, amount, method, reference, recorded_at, submission_key,
        loan_id,
        payer_id, recorded_by_id)
       SELECT i.loan_id * 10 + i.number, i.due_date + CASE WHEN b.behaviour = 1 THEN 35 ELSE 0 END,
              i.principal_due + i.interest_due, 'pad', '', now(), gen_random_uuid(), i.loan_id, l.borrower_id,
              l.prepared_by_id
       FROM loans_instalment i JOIN bench_loan b ON b.n + 1 = i.loan_id JOIN loans_loan l ON l.id = i.loan_id
       WHERE i.due_date + CASE WHEN b.behaviour = 1 THEN 35 ELSE 0 END <= current_date
         AND (b.behaviour <> 2 OR i.number <= b.stop_after)""",
    """INSERT INTO loans_allocation (payment_id, instalment_id, interest, principal, loan_id, paid_on)
       SELECT p.id, i.id, i.interest_due, i.principal_due, p.loan_id, p.paid_on
       FROM loans_payment p JOIN loans_instalment i
         ON i.loan_id = p.loan_id AND i.number = p.id - p.loan_id * 10""",
    # 1 % of the loans: a payment recorded then reversed (a bounced cheque): no allocation.
    """INSERT INTO loans_payment (id, paid_on, amount, method, reference, recorded_at, submission_key,
        loan_id,
        payer_id, recorded_by_id)
       SELECT 10000000 + l.id, l.disbursed_on + 1, 50, 'cheque', '', now(), gen_random_uuid(), l.id,
              l.borrower_id,
              l.prepared_by_id
       FROM loans_loan l WHERE l.id %% 100 = 7""",
    """INSERT INTO loans_paymentreversal (payment_id, reason, reversed_by_id, reversed_at)
       SELECT p.id, 'Chèque sans provision', p.recorded_by_id, now()
       FROM loans_payment p WHERE p.id > 10000000""",
    "SELECT setval(pg_get_serial_sequence('loans_payment', 'id'), (SELECT max(id) FROM loans_payment))",
    "SELECT setval(pg_get_serial_sequence('loans_loan', 'id'), (SELECT max(id) FROM loans_loan))",
    # Statuses and their history.
    """INSERT INTO loans_loantransition (loan_id, from_status, to_status, changed_at, note)
       SELECT id, 'approved', 'active', disbursed_on::timestamptz + interval '10 hours', ''
       FROM loans_loan""",
    """UPDATE loans_loan l SET status = 'repaid'
       FROM (SELECT loan_id FROM loans_payment WHERE id < 10000000 GROUP BY loan_id HAVING count(*) = 10) p
       WHERE p.loan_id = l.id""",
    """INSERT INTO loans_loantransition (loan_id, from_status, to_status, changed_at, note)
       SELECT l.id, 'active', 'repaid', l.disbursed_on + interval '10 months 11 hours', ''
       FROM loans_loan l WHERE l.status = 'repaid'""",
    """UPDATE loans_loan l SET status = 'defaulted' FROM bench_loan b
       WHERE b.n + 1 = l.id AND b.behaviour = 2 AND l.status = 'active'
         AND (b.disbursed_on + make_interval(months => b.stop_after + 1))::date < current_date - 90""",
    """INSERT INTO loans_loantransition (loan_id, from_status, to_status, changed_at, note)
       SELECT id, 'active', 'defaulted', now() - (id %% 200) * interval '1 day', '' FROM loans_loan
       WHERE status = 'defaulted'""",
    """UPDATE loans_loan SET status = 'written_off' WHERE status = 'defaulted' AND (id / 10) %% 5 = 0""",
    """INSERT INTO loans_loantransition (loan_id, from_status, to_status, changed_at, note)
       SELECT id, 'defaulted', 'written_off', now() - (id %% 150) * interval '1 day', 'Irrécouvrable'
       FROM loans_loan WHERE status = 'written_off'""",
    """INSERT INTO loans_guaranteecall (circle_id, loan_id, opened_at, outcome, note, defaults)
       SELECT circle_id, id, now() - interval '30 days', '', '', 1 FROM loans_loan
       WHERE status = 'defaulted' AND guarantee_type = 'circle'""",
    """INSERT INTO reports_fundsource (name, kind, amount_committed, committed_on, terms, is_active, language,
                                      annual_return_rate, bears_losses, postal_prefixes, population)
       VALUES
         ('Caisse solidaire', 'investor', 90000000, current_date - 900, '', true, 'fr-ca', 0, false, '', ''),
         ('Fonds communautaire', 'fund', 60000000, current_date - 800, '', true, 'fr-ca', 0, false, '', '')""",  # noqa: E501
    """INSERT INTO funds_tranche (fund_id, received_on, amount, reference)
       SELECT id, committed_on, amount_committed, '' FROM reports_fundsource""",
    "ANALYZE",
]


def generate(loans: int) -> None:
    from django.db import connection

    from loans.services.ledger import rebuild_ledger, snapshot_closed_months

    with connection.cursor() as cursor:
        for statement in GENERATE:
            started = time.perf_counter()
            cursor.execute(statement, {"loans": loans, "people": loans // 2})
            first_line = " ".join(statement.split())[:70]
            print(f"  {time.perf_counter() - started:6.1f} s  {first_line}", flush=True)
        # The figures the payment services keep as they go (positions, settlement dates, daily rows),
        # computed here by the same rebuild the migration and ``manage.py rebuild_ledger`` use.
        started = time.perf_counter()
        rows = rebuild_ledger()
        print(f"  {time.perf_counter() - started:6.1f} s  rebuild_ledger ({rows:,} daily rows)", flush=True)
        # The monthly snapshots the daily task takes (``loans.snapshot_months``): every month end so far.
        started = time.perf_counter()
        months = snapshot_closed_months()
        print(
            f"  {time.perf_counter() - started:6.1f} s  snapshot_closed_months ({len(months)} months)",
            flush=True,
        )
        # What autovacuum does on a live database after the bulk updates above.
        cursor.execute("VACUUM ANALYZE")


def interleaved(runs: int, calls: dict) -> dict[str, list[float]]:
    """Each call ``runs`` times, in rounds (one of each per round), so that a noisy moment of the machine
    weighs on all of them alike rather than on one."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _round in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    args = parse_args()
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url, migrate=not args.reuse)
    import datetime

    from django.db import connection
    from django.utils import timezone

    from reports.selectors import default_period, portfolio_figures, portfolio_report

    if not args.reuse:
        started = time.perf_counter()
        print(f"Generating {args.loans:,} loans…")
        generate(args.loans)
        print(f"Generated in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        for table in (
            "loans_loan",
            "loans_instalment",
            "loans_payment",
            "loans_allocation",
            "loans_loantransition",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"  {table}: {cursor.fetchone()[0]:,} rows")

    def bare_scan():
        with connection.cursor() as cursor:
            cursor.execute(BARE_SQL)
            cursor.fetchone()

    from microcredit.core.months import add_months, month_end

    if args.reuse:
        from loans.services.ledger import snapshot_closed_months

        snapshot_closed_months()  # the months the daily task would have taken since the data was made
    today = timezone.localdate()
    past = today - datetime.timedelta(days=182)
    past_month_end = month_end(add_months(today, -7))
    calls = {"bare": bare_scan}
    for label, as_of in (
        ("today", today),
        (f"the month end six months back ({past_month_end})", past_month_end),
        (f"182 days ago ({past}, mid-month)", past),
    ):
        start = default_period(as_of)
        totals = portfolio_figures(as_of=as_of, start=start, end=as_of)["totals"]
        print(
            f"As of {label} ({as_of}): {totals['active_loans']:,} active loans, outstanding "
            f"{totals['outstanding']} $, PAR30 {totals['par30']} %"
        )
        calls[f"portfolio_figures (KPIs, PAR, 4 breakdowns), as of {label}"] = functools.partial(
            portfolio_figures, as_of=as_of, start=start, end=as_of, breakdown="all"
        )
        calls[f"portfolio_report (+ trends, capital, reach, impact), as of {label}"] = functools.partial(
            portfolio_report, as_of=as_of, start=start, end=as_of
        )
    # The board's own report (it reads closed months only): the report with what the privacy rule needs, and
    # the rule itself; as of a closed month its figures are kept (``loans.month_figures``), so it is measured
    # both ways: reading the kept figures, and computing them again (after a late payment forgot them).
    from loans import month_figures
    from reports.tables import board_figures

    def board_report(as_of, start):
        board_figures(portfolio_report(as_of=as_of, start=start, end=as_of, for_board=True))

    def board_report_computed(as_of, start):
        with month_figures.computed_anew():
            board_report(as_of, start)

    start = default_period(past_month_end)
    calls[f"board report (+ privacy rule), as of {past_month_end}, kept figures"] = functools.partial(
        board_report, past_month_end, start
    )
    calls[f"board report (+ privacy rule), as of {past_month_end}, computed again"] = functools.partial(
        board_report_computed, past_month_end, start
    )
    for call in calls.values():
        call()  # warm the caches
    times = interleaved(args.runs, calls)
    best = {name: min(values) for name, values in times.items()}
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{args.runs} interleaved rounds; best and median, and their ratio to the bare scan's:")
    print(f"  {BARE_SQL}: best {best['bare'] * 1000:.0f} ms, median {median['bare'] * 1000:.0f} ms")
    for name in list(calls)[1:]:
        print(
            f"  {name}: best {best[name] * 1000:.0f} ms = {best[name] / best['bare']:.2f} x bare, "
            f"median {median[name] * 1000:.0f} ms = {median[name] / median['bare']:.2f} x bare"
        )


if __name__ == "__main__":
    main()
