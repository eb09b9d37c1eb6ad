# ruff: noqa: E501  (spreadsheet rows as a coordinator writes them)
"""The entrepreneurs' import by chunks gives what the row-by-row import gave: a reference kept here (the
previous engine: each row in its savepoint through the previous ``entrepreneur_create``) and the chunked one
run on the same file of duplicates and errors give the same outcomes, messages and rows written; the
number of queries for a file does not grow with its rows."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from coaching.models import CaseloadCount, CaseloadTally
from coaching.services import counts
from imports.kinds import entrepreneurs as kind_module
from imports.kinds import get_kind
from imports.kinds.base import Kind, RowOutcome
from imports.kinds.common import ENTREPRENEURS, check_unique_in_file, find_advisor
from imports.models import ExternalId
from imports.services import external_id_record, external_object_id, import_run
from microcredit.accounts import services as accounts
from microcredit.accounts.models import (
    AdvisorAssignment,
    BusinessSector,
    BusinessStage,
    ConsentRecord,
    Demographics,
    EntrepreneurProfile,
    Language,
    Role,
    User,
)
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "Identifiant;Prénom;Nom;Courriel;Téléphone;Langue;Conseiller;Date d'accueil;Entreprise;Code postal;Date de consentement;Genre;Année de naissance"

BEFORE = f"""{HEADER}
P-1;Fatou;Diallo;;438 555-0102;fr;amelie;2023-09-15;Couture Fatou;;;;
P-2;Jean;Roy;jean@example.org;;fr;karim;2023-09-20;Roy Vélo;H2X 1Y4;2023-09-20;man;1980
"""

# Duplicates (of someone already here, of an earlier row, of an id), logins that collide, refused rows whose
# address or name stays free for the next ones, an update that takes an address a later row wants, errors
# of every layer (advisor, consent, account, profile, answers).
FILE = f"""{HEADER}
N-1;Marie;Tremblay;;514 555-0000;fr;amelie;2024-01-10;;;;;
N-2;MARIE;tremblay;Marie.T@Example.ORG;514 555-9999;fr;amelie;2024-01-10;Traiteur;;;;
N-3;Marie;Tremblay;marie.t@example.org;;fr;amelie;2024-01-10;;;;;
N-4;marie;Tremblay;;514 555-9999;fr;karim;2024-01-10;;;;;
N-5;Marie;Tremblay;;;en;;2024-01-11;;;;;
N-2;Marie;Tremblay;;;fr;amelie;2024-01-10;;;;;
N-6;Léa;Roy;;;fr;inconnu;2024-01-12;;;;;
N-7;Léa;Roy;lea@example.org;;fr;AMELIE@example.org;2024-01-12;;;2024-01-12;femme;1850
N-8;Léa;Roy;LEA@example.org;;fr;Amelie;2024-01-12;;;2024-01-12;femme;1990
N-9;Anne;Roy;;;fr;karim;2024-01-13;;XYZ;;;
N-10;Anne;Roy;pas-un-courriel;;fr;karim;2024-01-13;;;;;
P-1;Fatou;Diallo;fatou@example.org;438 555-0102;fr;amelie;2023-09-15;Atelier Fatou;;;;
N-11;Zoé;Roy;Fatou@Example.org;;fr;amelie;2024-01-14;;;;;
P-2;Jean;Roy;jean@example.org;;fr;karim;2023-09-20;Roy Vélo;H2X 1Y4;2023-09-20;man;1980
N-12;Zoé;Roy;;;fr;amelie;2024-01-14;;;;femme;
N-13;Zoé;Roy;;;fr;amelie;2024-01-14;;;2024-01-14;;
N-14;Ève;Roy;Amelie@example.org;;fr;karim;2024-01-15;;;;;
N-15;Ève;O'Neil;eve@example.org;514 555-7777;en;karim;2024-01-15;O'Neil Design;H4G 1A1;;;
N-16;Ève;O'Neil;;514 555-7777;en;karim;2024-01-15;;;;;
"""


def _reference_create(
    *,
    first_name,
    last_name,
    email="",
    phone="",
    language="fr-ca",
    advisor=None,
    created_by=None,
    **profile_fields,
):
    """``entrepreneur_create`` as it was: one person, every check one query at a time (``full_clean``)."""
    accounts._check_advisor(advisor)
    accounts._check_email_free(email.strip())
    user = User(
        username=accounts.username_for(first_name, last_name),
        first_name=first_name,
        last_name=last_name,
        email=email.strip(),
        phone=phone,
        language=language,
        role=Role.ENTREPRENEUR,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    profile = EntrepreneurProfile(user=user, advisor=advisor, **profile_fields)
    profile.full_clean()
    profile.save()
    if advisor is not None:
        AdvisorAssignment.objects.create(profile=profile, advisor=advisor, changed_by=created_by)
    return profile


class RowByRowKind(kind_module.EntrepreneursKind):
    """The previous engine: ``process_table`` (a savepoint per row) and this ``apply``."""

    process = Kind.process

    def apply(self, values, row, context):
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        external_id = values["external_id"]
        check_unique_in_file(context, "id", external_id, row, "external_id")
        advisor = find_advisor(values["advisor"], context) if values["advisor"] else None
        answers = {
            name: values[name] for name in kind_module.DEMOGRAPHIC_COLUMNS if values[name] not in (None, "")
        }
        if answers and values["consent_date"] is None:
            raise ValidationError(
                {next(iter(answers)): _("Demographic answers are imported only with a consent date.")}
            )
        user_fields = {
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "email": values["email"] or "",
            "phone": values["phone"] or "",
            "language": values["language"] or Language.FRENCH,
        }
        profile_fields = {
            "advisor": advisor,
            "intake_date": values["intake_date"],
            "business_name": values["business_name"] or "",
            "business_sector": values["business_sector"] or BusinessSector.OTHER,
            "business_stage": values["business_stage"] or BusinessStage.IDEA,
            "city": values["city"] or "",
            "postal_code": values["postal_code"] or "",
        }
        pk = external_object_id(ENTREPRENEURS, external_id)
        profile = EntrepreneurProfile.objects.select_related("user").filter(pk=pk).first() if pk else None
        if profile is None:
            if (
                user_fields["phone"]
                and User.objects.filter(
                    first_name__iexact=user_fields["first_name"],
                    last_name__iexact=user_fields["last_name"],
                    phone=user_fields["phone"],
                ).exists()
            ):
                raise ValidationError(
                    {"last_name": _("A person with this name and phone number is already registered.")}
                )
            fields = dict(profile_fields)
            profile = _reference_create(
                **user_fields, advisor=fields.pop("advisor"), created_by=context["actor"], **fields
            )
            external_id_record(ENTREPRENEURS, external_id, profile.pk, context["batch"])
            action = "create"
        else:
            changed = self._changed(profile, user_fields, profile_fields)
            if changed:
                accounts.entrepreneur_update(
                    profile=profile,
                    user_fields=user_fields,
                    profile_fields=profile_fields,
                    changed_by=context["actor"],
                )
            action = "update" if changed else "unchanged"
        if self._demographics(profile, values, answers) and action == "unchanged":
            action = "update"
        return RowOutcome(row=row, action=action, label=f"{values['first_name']} {values['last_name']}")


@pytest.fixture
def people(staff):
    """Someone registered in the app (a login ``marie.tremblay``, ``marie.tremblay3`` taken too) and two
    people of an earlier import."""
    factories.UserFactory(
        username="marie.tremblay",
        first_name="Marie",
        last_name="Tremblay",
        phone="514 555-0000",
        email="marie@example.org",
    )
    factories.UserFactory(username="Marie.Tremblay3", first_name="Marie", last_name="Tremblay", email="")
    assert import_run(
        kind=get_kind(ENTREPRENEURS),
        name="a.csv",
        data=BEFORE.encode(),
        actor=staff["coordinator"],
        commit=True,
    ).is_valid
    return staff


def run(kind, text, actor, *, commit):
    with translation.override("fr-ca"):
        return import_run(kind=kind, name="personnes.csv", data=text.encode(), actor=actor, commit=commit)


def outcome(report):
    return (
        report.rows_total,
        report.counts(),
        [(o.row, o.action, o.label) for o in report.rows],
        [(p.row, p.column, p.message) for p in report.problems],
    )


def state():
    """Everything an import writes about people, by natural keys (ids differ between two runs)."""
    login = dict(User.objects.values_list("pk", "username"))
    person = dict(EntrepreneurProfile.objects.values_list("pk", "user__username"))
    return {
        "users": sorted(
            (
                u.username,
                u.first_name,
                u.last_name,
                u.email,
                u.phone,
                u.language,
                u.role,
                u.has_usable_password(),
                u.is_active,
            )
            for u in User.objects.all()
        ),
        "profiles": sorted(
            (
                person[p["id"]],
                login.get(p["advisor_id"]),
                p["intake_date"],
                p["business_name"],
                p["business_sector"],
                p["business_stage"],
                p["city"],
                p["postal_code"],
                p["share_contact_with_circle"],
            )
            for p in EntrepreneurProfile.objects.values()
        ),
        "assignments": sorted(
            (
                person[a.profile_id],
                login.get(a.previous_advisor_id),
                login.get(a.advisor_id),
                login.get(a.changed_by_id),
                a.reason,
            )
            for a in AdvisorAssignment.objects.all()
        ),
        "consents": sorted(
            (
                person[c.profile_id],
                c.purpose,
                c.subject,
                c.granted,
                c.text_version,
                c.text,
                login.get(c.recorded_by_id),
                c.is_current,
            )
            for c in ConsentRecord.objects.all()
        ),
        "demographics": sorted(
            (
                person[d.profile_id],
                d.consent_given_at,
                d.consent_withdrawn_at,
                *(getattr(d, n) for n in Demographics.ANSWER_FIELDS),
            )
            for d in Demographics.objects.all()
        ),
        "external_ids": sorted(
            (e.kind, e.external_id, person.get(e.object_id)) for e in ExternalId.objects.all()
        ),
        "tallies": sorted(
            (
                person[t.profile_id],
                login.get(t.advisor_key),
                t.has_email,
                t.follow_up_on,
                t.since_on,
                t.flagged_from,
            )
            for t in CaseloadTally.objects.all()
        ),
        "counters": sorted(
            (
                (login.get(c.advisor_key, c.advisor_key), c.kind, c.day, c.count)
                for c in CaseloadCount.objects.all()
                if c.count
            ),
            key=str,
        ),
    }


def run_and_roll_back(kind, text, actor):
    with transaction.atomic():
        report = run(kind, text, actor, commit=True)
        written = state()
        transaction.set_rollback(True)
    return report, written


@pytest.mark.parametrize("chunk", [3, 500])
def test_the_chunked_import_reports_what_the_row_by_row_one_reported(people, monkeypatch, chunk):
    monkeypatch.setattr(kind_module, "CHUNK", chunk)
    actor = people["coordinator"]
    before = state()
    reference = outcome(run(RowByRowKind(), FILE, actor, commit=False))
    chunked = run(get_kind(ENTREPRENEURS), FILE, actor, commit=False)
    assert outcome(chunked) == reference
    assert state() == before  # a dry run writes nothing
    rows_total, tally, rows, problems = reference
    assert (rows_total, tally) == (19, {"create": 5, "update": 1, "unchanged": 1})
    messages = {(row, column): message for row, column, message in problems}
    assert "nom et ce numéro" in messages[(2, "Nom")] and "nom et ce numéro" in messages[(5, "Nom")]
    assert "courriel" in messages[(4, "Courriel")] and "courriel" in messages[(14, "Courriel")]
    assert "courriel" in messages[(18, "Courriel")] and "nom et ce numéro" in messages[(20, "Nom")]
    assert "ligne 3" in messages[(7, "Identifiant")] and "inconnu" in messages[(8, "Conseiller")]
    assert "1900" in messages[(9, "Année de naissance")] and "postal" in messages[(11, "Code postal")]
    assert "valide" in messages[(12, "Courriel")] and "consentement" in messages[(16, "Genre")]
    assert [(row, action) for row, action, _label in rows] == [
        (3, "create"),
        (6, "create"),
        (10, "create"),
        (13, "update"),
        (15, "unchanged"),
        (17, "create"),
        (19, "create"),
    ]
    # Confirmed, the file is refused whole, the same way.
    assert outcome(run(get_kind(ENTREPRENEURS), FILE, actor, commit=True)) == reference
    assert state() == before


@pytest.mark.parametrize("chunk", [3, 500])
def test_the_chunked_import_writes_what_the_row_by_row_one_wrote(people, monkeypatch, chunk):
    """The file's valid rows (same logins, answers, consents, history rows, ids, caseload counters)."""
    monkeypatch.setattr(kind_module, "CHUNK", chunk)
    actor = people["coordinator"]
    refused = {row for row, _column, _message in outcome(run(RowByRowKind(), FILE, actor, commit=False))[3]}
    lines = FILE.splitlines()
    valid = (
        "\n".join(
            [lines[0]] + [line for number, line in enumerate(lines[1:], start=2) if number not in refused]
        )
        + "\n"
    )
    reference, expected = run_and_roll_back(RowByRowKind(), valid, actor)
    assert reference.is_valid, reference.problems
    chunked, written = run_and_roll_back(get_kind(ENTREPRENEURS), valid, actor)
    assert outcome(chunked) == outcome(reference)
    for part in expected:
        assert written[part] == expected[part], part
    imported = {"marie.tremblay2", "marie.tremblay4", "lea.roy", "zoe.roy", "eve.oneil"}
    assert imported <= {row[0] for row in written["users"]}
    assert not any(row[7] for row in written["users"] if row[0] in imported)  # no usable password
    assert ("lea.roy", datetime.datetime(2024, 1, 12, 12, tzinfo=timezone.get_current_timezone())) in {
        (row[0], timezone.localtime(row[1])) for row in written["demographics"]
    }
    run(get_kind(ENTREPRENEURS), valid, actor, commit=True)
    assert counts.caseload_count_differences() == []


def many(count: int) -> str:
    rows = [
        f"Q-{n:04d};Personne{n};Test;p{n}@example.org;514 555-{n:04d};fr;{'amelie' if n % 2 else 'karim@example.org'};"
        f"2024-01-15;Entreprise {n};H2X 1Y4;{'2024-01-15;femme;1980' if n % 3 == 0 else ';;'}"
        for n in range(count)
    ]
    return "\n".join([HEADER, *rows]) + "\n"


def test_the_queries_of_an_import_do_not_grow_with_its_rows(staff, monkeypatch):
    """A chunk's look-ups and writes are a few queries whatever its size: 500 people cost a small constant
    more than 50 (one chunk each), not ten times as many; by chunks of 50, about ten times one chunk. The
    same file again (everyone unchanged) is a few queries a chunk too."""
    actor = staff["coordinator"]

    def queries(count: int, *, again: bool = False) -> int:
        with transaction.atomic():
            if again:
                run(get_kind(ENTREPRENEURS), many(count), actor, commit=True)
            with CaptureQueriesContext(connection) as captured:
                report = run(get_kind(ENTREPRENEURS), many(count), actor, commit=True)
            assert report.is_valid, report.problems[:3]
            assert report.counts()["unchanged" if again else "create"] == count
            transaction.set_rollback(True)
        return len(captured)

    fifty, five_hundred = queries(50), queries(500)
    assert fifty < 40, fifty
    assert five_hundred <= fifty + 5, (fifty, five_hundred)
    assert queries(500, again=True) <= queries(50, again=True) + 5 < 20
    monkeypatch.setattr(kind_module, "CHUNK", 50)
    assert queries(500) <= 10 * fifty


def test_a_conflict_the_checks_missed_is_reported_on_its_row_and_the_others_still_checked(staff, monkeypatch):
    """Should the database refuse a chunk's people as a whole (an address taken by another transaction since
    the look-up: here the look-up is made to miss it), each is written again on her own: the conflict is
    reported on its row, as a row imported alone reported it."""
    factories.UserFactory(username="deja", email="deja@example.org")
    real = accounts._in_use
    monkeypatch.setattr(
        accounts,
        "_in_use",
        lambda column, candidates: {
            key: (upper, used and column != "email")
            for key, (upper, used) in real(column, candidates).items()
        },
    )
    text = f"{HEADER}\nR-1;Rose;Roy;;;fr;;2024-02-01;;;;;\nR-2;Paul;Roy;Deja@example.org;;fr;;2024-02-01;;;;;\nR-3;Max;Roy;;;fr;;2024-02-01;;;;;\n"
    report = run(get_kind(ENTREPRENEURS), text, staff["coordinator"], commit=False)
    assert [(o.row, o.action) for o in report.rows] == [(2, "create"), (4, "create")]
    assert [(p.row, p.column) for p in report.problems] == [(3, "")]
    assert "conflit" in report.problems[0].message


def test_the_chunk_look_ups_use_the_indexes(staff):
    """The logins, addresses and name-and-phone of a chunk are looked up through the UPPER(...) and phone
    indexes (as one look-up per row was), not by reading every person once per chunk."""
    with CaptureQueriesContext(connection) as captured:
        run(get_kind(ENTREPRENEURS), many(5), staff["coordinator"], commit=False)
    wanted = {
        "accounts_user_email_upper": "UPPER(u.email)",
        "accounts_user_username_upper": "UPPER(u.username)",
        "accounts_user_phone": "u.phone = c.p",
    }

    def plan_of(sql: str) -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            # A few dozen rows here: without these the planner may read a whole small index, as cheap.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())

    for index, marker in wanted.items():
        # Some look-up of the chunk reads each index (the advisors' look-up, among the advisors, may start from
        # the role's index instead: as bounded).
        plans = [plan_of(q["sql"]) for q in captured if marker in q["sql"]]
        assert plans and any(index in plan for plan in plans), plans
    advisors = next(q["sql"] for q in captured if "UPPER(u.email)" in q["sql"] and "'advisor'" in q["sql"])
    assert "accounts_user_role" in plan_of(advisors) or "accounts_user_email_upper" in plan_of(advisors)
