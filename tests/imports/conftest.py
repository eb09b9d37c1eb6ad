# ruff: noqa: E501  (spreadsheet rows as a coordinator writes them)
import io

import pytest

from tests import factories

ENTREPRENEURS_CSV = """\
Identifiant;Prénom;Nom;Courriel;Téléphone;Langue;Conseiller;Date d'accueil;Entreprise;Secteur;Stade;Ville;Code postal;Date de consentement;Genre;Année de naissance;Immigrant;Source de revenu
E-001;Marie-Ève;Tremblay;marie-eve@example.org;514 555-0101;français;amelie;2023-09-12;Traiteur Marie-Ève;Alimentation et traiteur;En démarrage;Montréal;H2X 1Y4;2023-09-12;Femme;1984;non;Aide sociale
E-002;Fatou;Diallo;;438 555-0102;fr;amelie@example.org;15/09/2023;Couture Fatou;crafts;operating;Montréal;H1N 2B3;;;;;
E-003;John;MacLeod;john@example.org;;en;karim;2023-10-02;MacLeod Rénovation;construction;idea;Verdun;H4G 1A1;2023-10-02;man;1979;oui;
E-004;Nadia;Benali;;;;karim;2023-10-02;Salon Nadia;care;starting;Laval;H7N 1A1;;;;;
E-005;Sophie;Gagnon;sophie.g@example.org;;;amelie;2023-10-20;Boulangerie du coin;food;starting;Montréal;H2J 2K5;;;;;
"""

CIRCLES_CSV = """\
Identifiant du cercle;Nom du cercle;Conseiller;Lieu des rencontres;Rythme;Date de création;Statut;Identifiant du membre;Rôle;Date d'entrée;Date de départ
C-01;Les Bâtisseuses;amelie;Centre communautaire;monthly;2023-11-01;actif;E-001;animatrice;2023-11-01;
C-01;Les Bâtisseuses;amelie;Centre communautaire;monthly;2023-11-01;actif;E-002;membre;2023-11-01;
C-01;Les Bâtisseuses;amelie;Centre communautaire;monthly;2023-11-01;actif;E-003;membre;2023-11-01;
C-01;Les Bâtisseuses;amelie;Centre communautaire;monthly;2023-11-01;actif;E-004;trésorière;2023-11-01;
C-01;Les Bâtisseuses;amelie;Centre communautaire;monthly;2023-11-01;actif;E-005;membre;2023-11-01;2024-02-01
C-02;Entreprendre à Laval;karim;;biweekly;2024-03-01;en formation;E-005;membre;2024-03-01;
"""


@pytest.fixture
def staff(db):
    return {
        "coordinator": factories.CoordinatorFactory(username="sophie"),
        "amelie": factories.AdvisorFactory(username="amelie", email="amelie@example.org"),
        "karim": factories.AdvisorFactory(username="karim", email="karim@example.org"),
    }


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
