"""The demo's first command is quiet and complete: every login the README names is printed, and the data
load neither sends nor prints an email."""

import re
from io import StringIO
from pathlib import Path

from django.core import mail
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def readme_logins() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| Login | Role |")[1].split("\n\n")[0]
    return set(re.findall(r"`([a-z]+\d*)`", table))


def test_every_login_the_readme_names_is_printed_and_no_email_leaves(db, settings):
    settings.DEBUG = True
    mail.outbox = []
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    printed = out.getvalue()
    logins = readme_logins()
    assert {"sophie", "pierre", "entrepreneur01", "entrepreneur07", "entrepreneur40"} <= logins
    for login in logins:
        assert re.search(rf"\b{login}\b", printed), login
    assert "demo-microcredit" in printed
    assert mail.outbox == []  # nothing was sent...
    assert "Subject:" not in printed and err.getvalue() == ""  # ...nor printed
