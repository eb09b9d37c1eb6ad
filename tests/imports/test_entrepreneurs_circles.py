import datetime

import pytest
from django.utils import timezone, translation

from circles.models import Circle, CircleStatus, Membership
from imports.kinds import get_kind
from imports.models import ExternalId
from imports.services import import_run
from microcredit.accounts.models import Demographics, EntrepreneurProfile, User
from tests.imports.conftest import CIRCLES_CSV, ENTREPRENEURS_CSV, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(kind, text_or_bytes, actor, *, commit=True, name=None):
    data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    return import_run(kind=get_kind(kind), name=name or f"{kind}.csv", data=data, actor=actor, commit=commit)


def snapshot():
    return (
        list(User.objects.order_by("pk").values()),
        list(EntrepreneurProfile.objects.order_by("pk").values()),
        list(Demographics.objects.order_by("pk").values()),
        list(Circle.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        ExternalId.objects.count(),
    )


def test_french_entrepreneurs_file_is_imported_with_advisor_business_and_consented_demographics(staff):
    report = run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    assert report.is_valid, report.problems
    assert report.counts() == {"create": 5, "update": 0, "unchanged": 0}
    marie = EntrepreneurProfile.objects.get(user__first_name="Marie-Ève")
    assert marie.advisor == staff["amelie"]
    assert (marie.business_name, marie.business_sector, marie.business_stage) == (
        "Traiteur Marie-Ève",
        "food",
        "starting",
    )
    assert marie.intake_date == datetime.date(2023, 9, 12)
    assert marie.user.language == "fr-ca" and marie.user.email == "marie-eve@example.org"
    assert (marie.demographics.gender, marie.demographics.birth_year) == ("woman", 1984)
    assert marie.demographics.income_source == "social_assistance"
    assert timezone.localdate(marie.demographics.consent_given_at) == datetime.date(2023, 9, 12)
    fatou = EntrepreneurProfile.objects.get(user__first_name="Fatou")
    assert fatou.intake_date == datetime.date(2023, 9, 15) and fatou.user.email == ""
    assert not Demographics.objects.filter(profile=fatou).exists()
    john = EntrepreneurProfile.objects.get(user__first_name="John")
    assert john.user.language == "en" and john.advisor == staff["karim"] and john.demographics.immigrant


def test_dry_run_writes_nothing_and_reports_what_would_be_created(staff):
    before = snapshot()
    report = run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"], commit=False)
    assert report.is_valid
    assert [(o.row, o.action) for o in report.rows] == [(n, "create") for n in range(2, 7)]
    assert snapshot() == before


def test_reimporting_the_same_files_changes_nothing(staff):
    run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    run("circles", CIRCLES_CSV, staff["coordinator"])
    before = snapshot()
    again = run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    circles_again = run("circles", CIRCLES_CSV, staff["coordinator"])
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 5}
    assert circles_again.is_valid, circles_again.problems
    assert circles_again.counts()["create"] == circles_again.counts()["update"] == 0
    assert snapshot() == before


def test_a_changed_row_is_an_update_of_the_same_person(staff):
    run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    changed = ENTREPRENEURS_CSV.replace("Couture Fatou", "Atelier Fatou")
    report = run("entrepreneurs", changed, staff["coordinator"])
    assert report.counts() == {"create": 0, "update": 1, "unchanged": 4}
    assert EntrepreneurProfile.objects.filter(business_name="Atelier Fatou").count() == 1
    assert EntrepreneurProfile.objects.count() == 5


def test_xlsx_with_english_column_names(staff):
    data = xlsx_bytes(
        [
            ["ID", "First name", "Last name", "Email", "Advisor", "Intake date", "Language", "Business"],
            [
                "X1",
                "Paul",
                "Smith",
                "paul@example.org",
                "karim",
                datetime.date(2024, 1, 8),
                "en",
                "Paul's",
            ],
        ]
    )
    report = run("entrepreneurs", data, staff["coordinator"], name="people.xlsx")
    assert report.is_valid, report.problems
    paul = EntrepreneurProfile.objects.get(user__email="paul@example.org")
    assert paul.intake_date == datetime.date(2024, 1, 8) and paul.user.language == "en"


def test_circles_with_memberships_history_and_activation(staff):
    run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    report = run("circles", CIRCLES_CSV, staff["coordinator"])
    assert report.is_valid, report.problems
    batisseuses = Circle.objects.get(name="Les Bâtisseuses")
    assert batisseuses.status == CircleStatus.ACTIVE and batisseuses.advisor == staff["amelie"]
    assert batisseuses.created_on == datetime.date(2023, 11, 1)
    assert batisseuses.memberships.filter(left_on__isnull=True).count() == 4
    sophie = Membership.objects.get(profile__user__first_name="Sophie", circle=batisseuses)
    assert sophie.left_on == datetime.date(2024, 2, 1)
    laval = Circle.objects.get(name="Entreprendre à Laval")
    assert laval.status == CircleStatus.FORMING
    assert laval.memberships.get().profile.user.first_name == "Sophie"
    assert Membership.objects.get(profile__user__first_name="Marie-Ève").role == "facilitator"


def test_a_file_with_every_kind_of_error_is_refused_whole_with_row_column_and_reason(staff):
    run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    before = snapshot()
    bad_people = (
        "Identifiant;Prénom;Nom;Courriel;Conseiller;Date d'accueil;Genre;Date de consentement;Secteur\n"
        "N-1;Léa;Roy;;inconnu;2024-01-10;;;food\n"  # unknown advisor
        "N-2;Paul;Roy;marie-eve@example.org;amelie;2024-01-10;;;food\n"  # same email as someone else
        "N-3;Anne;Roy;;amelie;2099-01-10;;;food\n"  # date out of range
        "N-4;Zoé;Roy;;amelie;10/01/2024;femme;;food\n"  # demographics without consent
        "N-4;Zoé;Roy;;amelie;10/01/2024;;;food\n"  # the same id twice
        "N-6;;Roy;;amelie;2024-01-10;;;pâtisserie\n"  # required column empty, unknown sector
        "N-7;Eve;Roy;;amelie;le 3 mars;;;food\n"  # not a date
    )
    with translation.override("fr-ca"):
        report = run("entrepreneurs", bad_people, staff["coordinator"])
    problems = {(p.row, p.column): p.message for p in report.problems}
    assert "Conseiller·ère inconnu·e «\xa0inconnu\xa0»" in problems[(2, "Conseiller")]
    assert "courriel" in problems[(3, "Courriel")]
    assert "hors" in problems[(4, "Date d'accueil")]
    assert "consentement" in problems[(5, "Genre")]
    assert "ligne 5" in problems[(6, "Identifiant")]
    assert (7, "Prénom") in problems and (7, "Secteur") in problems
    assert (8, "Date d'accueil") in problems
    assert snapshot() == before  # nothing written, not even the valid rows

    bad_circles = (
        "Identifiant du cercle;Nom du cercle;Conseiller;Date de création;Statut;Identifiant du membre\n"
        + "".join(f"C-9;Grand cercle;amelie;2024-01-05;forming;E-00{n}\n" for n in range(1, 6))
        + "C-9;Grand cercle;karim;2024-01-05;forming;\n"  # same circle, other advisor
        + "C-8;Petit cercle;amelie;2024-01-05;actif;E-999\n"  # unknown member
        + "C-7;Autre cercle;amelie;2024-01-05;actif;E-001\n"  # already active in C-9; active with no member
    )
    with translation.override("en"):
        report = run("circles", bad_circles, staff["coordinator"])
    messages = [(p.row, p.column, p.message) for p in report.problems]
    assert any(row == 7 and "row 2" in message for row, _c, message in messages)
    assert any(row == 8 and "Unknown entrepreneur" in message for row, _c, message in messages)
    assert any(row == 9 and "already an active member" in message for row, _c, message in messages)
    assert any(row == 9 and "at least 4" in message for row, _c, message in messages)
    assert snapshot() == before


def test_a_circle_over_seven_members_is_refused_on_the_eighth(staff):
    lines = ["Identifiant;Prénom;Nom;Conseiller;Date d'accueil"]
    lines += [f"P{n};Personne{n};Test;amelie;2024-01-02" for n in range(1, 9)]
    run("entrepreneurs", "\n".join(lines) + "\n", staff["coordinator"])
    circle = ["Identifiant du cercle;Nom du cercle;Conseiller;Date de création;Identifiant du membre"]
    circle += [f"C1;Huit;amelie;2024-02-01;P{n}" for n in range(1, 9)]
    with translation.override("fr-ca"):
        report = run("circles", "\n".join(circle) + "\n", staff["coordinator"])
    assert [p.row for p in report.problems] == [9]
    assert "maximum" in report.problems[0].message
    assert not Circle.objects.exists()


def test_missing_required_column_is_reported_on_the_header_row(staff):
    report = run("entrepreneurs", "Prénom;Nom\nMarie;Roy\n", staff["coordinator"])
    assert {(p.row, p.column) for p in report.problems} == {(1, "identifiant"), (1, "date d'accueil")}


def test_not_a_spreadsheet_is_refused(staff):
    report = run("entrepreneurs", b"%PDF-1.4", staff["coordinator"], name="x.pdf")
    assert not report.is_valid
    report = run("entrepreneurs", b"not a zip", staff["coordinator"], name="x.xlsx")
    assert not report.is_valid


def test_an_import_moves_the_caseload_counters_once_at_its_end_and_they_equal_a_recount(staff, monkeypatch):
    """Each imported person's tally is recomputed once, at the end of the file's transaction (not once per
    row: the counters' rows were updated as many times as there were rows), and the counters agree with a
    recount; a refused file moves nothing."""
    from coaching.models import CaseloadTally
    from coaching.services import counts

    calls = []
    refresh = counts.caseload_tally_refresh
    monkeypatch.setattr(counts, "DEFERRED_CHUNK", 3)

    def counted(*, profile_ids):
        ids = list(profile_ids)
        if getattr(counts._deferred, "ids", None) is None:
            calls.append(ids)
        return refresh(profile_ids=ids)

    monkeypatch.setattr(counts, "caseload_tally_refresh", counted)
    report = run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
    assert report.is_valid, report.problems
    people = sorted(EntrepreneurProfile.objects.values_list("pk", flat=True))
    assert calls == [people[:3], people[3:]]  # two chunks of at most 3, each person once
    assert CaseloadTally.objects.count() == 5
    assert counts.caseload_count_differences() == []
    refused_file = ENTREPRENEURS_CSV.replace("2023-10-20", "2023-13-40")
    refused = run("entrepreneurs", refused_file, staff["coordinator"])
    assert not refused.is_valid and counts.caseload_count_differences() == []


def test_case_insensitive_login_and_email_look_ups_use_an_index(staff):
    """A new login (``marie.tremblay2``), an email already taken and an advisor named in a file are looked up
    without case: an index on UPPER(...) serves them (importing 10,000 people read every person per row)."""
    from django.db import connection

    for lookup in ("username__iexact", "email__iexact"):
        sql, params = User.objects.filter(**{lookup: "Marie"}).only("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        field = lookup.split("__")[0]
        assert f"accounts_user_{field}_upper" in plan, plan


def test_an_impossible_day_is_said_so_and_a_bad_format_asks_for_the_format(staff):
    """Walk-through: 31/02/2026 was refused as "not a date: write it as 2024-03-15", as if the format were
    wrong."""
    text = ENTREPRENEURS_CSV.replace(";2023-09-12;Traiteur", ";31/02/2023;Traiteur").replace(
        ";2023-10-02;MacLeod", ";le 2 octobre;MacLeod"
    )
    with translation.override("fr-ca"):
        report = run("entrepreneurs", text, staff["coordinator"], commit=False)
    messages = {problem.row: problem.message for problem in report.problems}
    assert (
        messages[2]
        == "«\u00a031/02/2023\u00a0» n\u2019est pas un jour du calendrier\u00a0: vérifiez le jour et le mois."
    )
    assert "écrivez-la 2024-03-15" in messages[4]
