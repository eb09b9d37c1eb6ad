"""The demo's database is SQLite (the README's first command, with no PostgreSQL configured): the code paths
that write raw SQL run there too. A fresh SQLite file in a child process, migrated and seeded as ``make demo``
does, then what the walk-through found broken there: registering an entrepreneur, checking and importing a
file of entrepreneurs, and the board's report of a closed month read twice (kept figures)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))
from django.db import connection
from django.utils import timezone
from imports.kinds import get_kind
from imports.services import import_run
from loans.models import MonthFigures
from microcredit.accounts import services as accounts
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.privacy import board_dates
from reports.selectors import default_period, portfolio_report
from tests.imports.conftest import ENTREPRENEURS_CSV

assert connection.vendor == "sqlite"
coordinator = User.objects.filter(role=Role.COORDINATOR).first()
# The file names the advisors amelie (by login and by address) and karim.
for login in ("amelie", "karim"):
    User.objects.get_or_create(username=login, defaults={"role": Role.ADVISOR})
    User.objects.filter(username=login).update(email=f"{login}@example.org", role="advisor", is_active=True)
advisor = User.objects.get(username="amelie")
profile = accounts.entrepreneur_create(
    first_name="Rose", last_name="Roy", email="rose@example.org", advisor=advisor, created_by=coordinator,
    send_invitation=False,
)
saved = EntrepreneurProfile.objects.filter(user__email="rose@example.org").values_list("pk", "advisor_id")
assert list(saved) == [(profile.pk, advisor.pk)], (list(saved), profile.pk, advisor.pk)
kind = get_kind("entrepreneurs")
check = import_run(kind=kind, name="e.csv", data=ENTREPRENEURS_CSV.encode(), actor=coordinator, commit=False)
assert check.is_valid, check.problems
done = import_run(kind=kind, name="e.csv", data=ENTREPRENEURS_CSV.encode(), actor=coordinator, commit=True)
assert done.counts() == {"create": 5, "update": 0, "unchanged": 0}, done.counts()
today = timezone.localdate()
as_of, start, end = board_dates(today, default_period(today), today, today=today)
first = portfolio_report(as_of=as_of, start=start, end=end, for_board=True)
assert MonthFigures.objects.filter(month_end=as_of).count() == 2
again = portfolio_report(as_of=as_of, start=start, end=end, for_board=True)
assert again["totals"] == first["totals"] and again["activity"] == first["activity"]
print("demo on SQLite: OK")
"""


def test_the_demo_registers_imports_and_reports_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microcredit.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "demo on SQLite: OK" in result.stdout
