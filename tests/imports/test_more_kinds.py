# ruff: noqa: E501  (spreadsheet rows as a coordinator writes them)
"""Trainings with their participants, partners and fund sources: realistic French files, a file with every
kind of error, re-import idempotence."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps

from circles.models import Training, TrainingParticipant
from coaching.models import Partner, PartnerContact
from imports.kinds import all_kinds
from imports.models import ExternalId
from tests.imports.conftest import ENTREPRENEURS_CSV, xlsx_bytes
from tests.imports.test_entrepreneurs_circles import run

pytestmark = pytest.mark.django_db

TRAININGS_CSV = """\
Identifiant de la formation;Titre;Conseiller;Date de début;Date de fin;Lieu;Description;Identifiant du participant;Statut du participant
F-2023-09;Démarrer son entreprise;amelie;2023-09-05;24/10/2023;Centre communautaire Hochelaga;Huit ateliers du soir;E-001;terminé
F-2023-09;Démarrer son entreprise;amelie;2023-09-05;24/10/2023;Centre communautaire Hochelaga;Huit ateliers du soir;E-002;terminée
F-2023-09;Démarrer son entreprise;amelie;2023-09-05;24/10/2023;Centre communautaire Hochelaga;Huit ateliers du soir;E-003;abandon
F-2024-01;Gérer ses finances;karim@example.org;2024-01-10;2024-02-28;;;E-004;inscrite
F-2024-03;Vendre en ligne;amelie;2024-03-05;2024-03-26;Bibliothèque;;;
"""

PARTNERS_CSV = """\
Identifiant du partenaire;Nom;Type;Services offerts;Téléphone;Courriel;Site web;Adresse;Actif;Nom du contact;Rôle du contact;Courriel du contact;Téléphone du contact
P-01;SAJE Montréal centre;SAJE;Accompagnement des jeunes entrepreneurs;514 555-0300;info@saje.example.org;https://saje.example.org;1 rue Principale;oui;Julie Roy;Conseillère;julie@saje.example.org;514 555-0301
P-02;CDEC Rosemont-Petite-Patrie;CDEC;Aide au démarrage;;;;;;;;;
P-03;Caisse Desjardins du Plateau;caisse;Comptes et marges d'affaires;;;;;non;Marc Côté;Directeur;;
"""

FUND_SOURCES_CSV = """\
Identifiant de la source;Nom;Type;Montant engagé;Date d'engagement;Modalités;Actif
FS-01;Fonds communautaire de Montréal;fonds;250 000,00;2022-01-15;Remboursable en 10 ans, sans intérêt;oui
FS-02;Fondation Béati;fondation;50 000 $;15/06/2023;Don affecté aux femmes entrepreneures;
FS-03;Investisseurs solidaires;Investisseur;1 500,50;2024-02-01;;non
"""


def errors(report) -> list[tuple]:
    return [(problem.row, problem.column, problem.message) for problem in report.problems]


def test_the_kinds_are_offered_in_the_order_to_bring_them_in():
    assert [kind.key for kind in all_kinds()] == [
        "entrepreneurs",
        "circles",
        "trainings",
        "partners",
        "fund_sources",
        "loans",
    ]


class TestTrainings:
    def test_a_french_trainings_file_creates_trainings_and_participants_with_their_status(self, staff):
        run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
        report = run("trainings", TRAININGS_CSV, staff["coordinator"])
        assert report.is_valid, report.problems
        assert report.counts() == {"create": 5, "update": 0, "unchanged": 0}
        start = Training.objects.get(title="Démarrer son entreprise")
        assert (start.advisor, start.start_date, start.end_date) == (
            staff["amelie"],
            datetime.date(2023, 9, 5),
            datetime.date(2023, 10, 24),
        )
        assert start.location == "Centre communautaire Hochelaga"
        statuses = dict(start.participants.values_list("profile__user__first_name", "status"))
        assert statuses == {"Marie-Ève": "completed", "Fatou": "completed", "John": "dropped"}
        assert Training.objects.get(title="Gérer ses finances").advisor == staff["karim"]
        assert Training.objects.get(title="Vendre en ligne").participants.count() == 0
        assert TrainingParticipant.objects.count() == 4

    def test_reimporting_changes_nothing_and_a_new_status_is_an_update(self, staff):
        run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
        run("trainings", TRAININGS_CSV, staff["coordinator"])
        before = list(TrainingParticipant.objects.order_by("pk").values())
        again = run("trainings", TRAININGS_CSV, staff["coordinator"])
        assert again.counts() == {"create": 0, "update": 0, "unchanged": 5}
        assert list(TrainingParticipant.objects.order_by("pk").values()) == before
        assert Training.objects.count() == 3
        later = TRAININGS_CSV.replace("E-004;inscrite", "E-004;terminé")
        assert run("trainings", later, staff["coordinator"]).counts() == {
            "create": 0,
            "update": 1,
            "unchanged": 4,
        }
        assert TrainingParticipant.objects.get(profile__user__first_name="Nadia").status == "completed"

    def test_every_error_is_reported_with_its_row_and_column_and_nothing_is_written(self, staff):
        run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"])
        bad = """\
Identifiant de la formation;Titre;Conseiller;Date de début;Date de fin;Identifiant du participant;Statut du participant
F-1;Démarrer;inconnu;2023-09-05;2023-10-24;E-001;terminé
F-2;Gérer;amelie;2023-09-05;2023-08-01;E-001;
F-3;Vendre;amelie;2023-09-05;2023-10-01;E-999;
F-3;Vendre;amelie;2023-09-05;2023-10-01;E-002;reçu
F-3;Vendre autrement;amelie;2023-09-05;2023-10-01;E-003;
F-3;Vendre;amelie;2023-09-05;2023-10-01;E-004;
F-3;Vendre;amelie;2023-09-05;2023-10-01;E-004;
F-4;Plus tard;amelie;2099-01-01;2099-02-01;;
"""
        report = run("trainings", bad, staff["coordinator"])
        found = errors(report)
        columns = {(row, column) for row, column, _message in found}
        assert columns == {
            (2, "Conseiller"),
            (3, "Date de fin"),
            (4, "Identifiant du participant"),
            (5, "Statut du participant"),
            (7, "Titre"),
            (8, "Identifiant du participant"),
            (9, "Date de début"),
        }
        messages = {(row, column): message for row, column, message in found}
        assert "inconnu" in messages[(2, "Conseiller")]
        assert " 7" in messages[(8, "Identifiant du participant")]  # the row where it first appears
        assert " 6" in messages[(7, "Titre")]
        assert Training.objects.count() == 0 and TrainingParticipant.objects.count() == 0


class TestPartners:
    def test_a_french_partners_file_creates_partners_with_their_contact(self, staff):
        report = run("partners", PARTNERS_CSV, staff["coordinator"])
        assert report.is_valid, report.problems
        assert report.counts() == {"create": 3, "update": 0, "unchanged": 0}
        saje = Partner.objects.get(name="SAJE Montréal centre")
        assert (saje.kind, saje.phone, saje.email, saje.website, saje.is_active) == (
            "saje",
            "514 555-0300",
            "info@saje.example.org",
            "https://saje.example.org",
            True,
        )
        assert list(saje.contacts.values_list("name", "title", "email")) == [
            ("Julie Roy", "Conseillère", "julie@saje.example.org")
        ]
        caisse = Partner.objects.get(name="Caisse Desjardins du Plateau")
        assert (caisse.kind, caisse.is_active) == ("financial_institution", False)
        assert Partner.objects.get(name__startswith="CDEC").contacts.count() == 0

    def test_reimporting_changes_nothing_and_keeps_contacts_added_in_the_app(self, staff):
        run("partners", PARTNERS_CSV, staff["coordinator"])
        saje = Partner.objects.get(name="SAJE Montréal centre")
        PartnerContact.objects.create(partner=saje, name="Paul Lavoie")
        before = (
            list(Partner.objects.order_by("pk").values()),
            list(PartnerContact.objects.order_by("pk").values()),
        )
        again = run("partners", PARTNERS_CSV, staff["coordinator"])
        assert again.counts() == {"create": 0, "update": 0, "unchanged": 3}
        assert (
            list(Partner.objects.order_by("pk").values()),
            list(PartnerContact.objects.order_by("pk").values()),
        ) == before
        moved = PARTNERS_CSV.replace("514 555-0300", "514 555-0399")
        assert run("partners", moved, staff["coordinator"]).counts()["update"] == 1
        assert sorted(saje.contacts.values_list("name", flat=True)) == ["Julie Roy", "Paul Lavoie"]

    def test_every_error_is_reported_and_nothing_is_written(self, staff):
        Partner.objects.create(name="CLD de Longueuil", kind="cld")
        bad = """\
Identifiant du partenaire;Nom;Type;Courriel;Site web;Actif;Nom du contact;Courriel du contact
P-01;SAJE;jeunesse;;;;;
P-02;CDEC;CDEC;pas-un-courriel;;;;
P-03;CLD de Longueuil;CLD;;;;;
P-04;SACO;SACO;;;peut-être;;
P-05;Banque;banque;;;;;julie@example.org
P-05;Autre;autre;;;;;
"""
        report = run("partners", bad, staff["coordinator"])
        assert {(row, column) for row, column, _m in errors(report)} == {
            (2, "Type"),
            (3, "Courriel"),
            (4, "Nom"),
            (5, "Actif"),
            (6, "Nom du contact"),
            (7, "Identifiant du partenaire"),
        }
        assert Partner.objects.count() == 1


class TestFundSources:
    def test_a_french_fund_sources_file_is_imported_with_amounts_the_quebec_way(self, staff):
        report = run("fund_sources", FUND_SOURCES_CSV, staff["coordinator"])
        assert report.is_valid, report.problems
        fund_source = apps.get_model("funds", "FundSource")
        rows = list(
            fund_source.objects.order_by("committed_on").values_list(
                "name", "kind", "amount_committed", "committed_on", "is_active"
            )
        )
        assert rows == [
            (
                "Fonds communautaire de Montréal",
                "fund",
                Decimal("250000.00"),
                datetime.date(2022, 1, 15),
                True,
            ),
            ("Fondation Béati", "foundation", Decimal("50000.00"), datetime.date(2023, 6, 15), True),
            ("Investisseurs solidaires", "investor", Decimal("1500.50"), datetime.date(2024, 2, 1), False),
        ]

    def test_the_xlsx_file_and_reimport_change_nothing(self, staff):
        lines = [line.split(";") for line in FUND_SOURCES_CSV.strip().splitlines()]
        lines[1][3] = 250000  # a number cell
        lines[1][4] = datetime.date(2022, 1, 15)  # a date cell
        data = xlsx_bytes(lines)
        assert run("fund_sources", data, staff["coordinator"], name="fonds.xlsx").counts()["create"] == 3
        fund_source = apps.get_model("funds", "FundSource")
        before = list(fund_source.objects.order_by("pk").values())
        again = run("fund_sources", data, staff["coordinator"], name="fonds.xlsx")
        assert again.counts() == {"create": 0, "update": 0, "unchanged": 3}
        assert list(fund_source.objects.order_by("pk").values()) == before
        assert ExternalId.objects.filter(kind="fund_sources").count() == 3

    def test_every_error_is_reported_and_nothing_is_written(self, staff):
        bad = """\
Identifiant de la source;Nom;Type;Montant engagé;Date d'engagement
FS-01;Fonds A;prêteur;1 000;2022-01-15
FS-02;Fonds B;fonds;0;2022-01-15
FS-03;Fonds C;fonds;12,345;2022-01-15
FS-04;Fonds D;fonds;1 000;2099-01-01
FS-05;;fonds;1 000;2022-01-15
FS-06;Fonds F;fonds;1 000;2022-01-15
FS-06;Fonds G;fonds;1 000;2022-01-15
"""
        report = run("fund_sources", bad, staff["coordinator"])
        assert {(row, column) for row, column, _m in errors(report)} == {
            (2, "Type"),
            (3, "Montant engagé"),
            (4, "Montant engagé"),
            (5, "Date d'engagement"),
            (6, "Nom"),
            (8, "Identifiant de la source"),
        }
        assert apps.get_model("funds", "FundSource").objects.count() == 0
