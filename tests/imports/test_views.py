import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportBatch, ImportStatus
from microcredit.accounts.models import EntrepreneurProfile
from tests.imports.conftest import ENTREPRENEURS_CSV

pytestmark = pytest.mark.django_db


def upload(client, text, name="dossiers.csv", kind="entrepreneurs"):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("imports:index"), {"kind": kind, "file": file})


def test_only_coordinators_reach_the_import_screens(personas, client_for):
    urls = [
        reverse("imports:index"),
        reverse("imports:kind", args=["entrepreneurs"]),
        reverse("imports:template", args=["entrepreneurs", "csv"]),
    ]
    for person in (personas.advisor, personas.entrepreneur, personas.board):
        for url in urls:
            assert client_for(person).get(url).status_code == 404
    coordinator = client_for(personas.coordinator)
    for url in urls:
        assert coordinator.get(url).status_code == 200
    home = coordinator.get(reverse("home"))
    assert reverse("imports:index").encode() in home.content  # in the coordinator's navigation
    assert reverse("imports:index").encode() not in client_for(personas.advisor).get(reverse("home")).content


def test_upload_shows_the_dry_run_then_confirm_imports_once(staff, client_for):
    client = client_for(staff["coordinator"])
    response = upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:batch", args=[batch.pk])
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr-ca")
    assert page.status_code == 200
    assert "Le fichier est valide\xa0: 5 à créer" in page.content.decode()
    assert "inchangé(s)" not in page.content.decode() and "0 sans changement" in page.content.decode()
    assert not EntrepreneurProfile.objects.exists()  # the dry run wrote nothing
    confirmed = client.post(reverse("imports:batch", args=[batch.pk]))
    assert confirmed.status_code == 200
    assert "créations\xa0: 5, mises à jour\xa0: 0, sans changement\xa0: 0" in confirmed.content.decode()
    assert EntrepreneurProfile.objects.count() == 5
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    again = client.post(reverse("imports:batch", args=[batch.pk]))
    assert again.status_code == 400 and EntrepreneurProfile.objects.count() == 5


def test_errors_are_listed_and_nothing_can_be_confirmed(staff, client_for):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV.replace(";amelie;2023-09-12", ";personne;2023-09-12"))
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "1 erreur" in page and "Conseiller" in page and "personne" in page
    assert "Confirmer" not in page
    refused = client.post(reverse("imports:batch", args=[batch.pk]))
    assert refused.status_code == 400 and not EntrepreneurProfile.objects.exists()


def test_templates_download_in_both_formats_with_the_readers_column_names(staff, client_for):
    import io

    from openpyxl import load_workbook

    client = client_for(staff["coordinator"])
    csv = client.get(reverse("imports:template", args=["entrepreneurs", "csv"]))
    assert csv.content.decode("utf-8-sig").startswith("identifiant;prénom;nom")
    xlsx = client.get(reverse("imports:template", args=["circles", "xlsx"]))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.worksheets[0]["A1"].value == "identifiant du cercle"
    assert [workbook.worksheets[1]["A1"].value, workbook.worksheets[1]["B1"].value] == ["Feuille", "Colonne"]
    loans = load_workbook(io.BytesIO(client.get(reverse("imports:template", args=["loans", "xlsx"])).content))
    assert loans.sheetnames == ["Prêts", "Échéancier", "Paiements", "Documentation"]
    assert loans["Échéancier"]["D1"].value == "capital"
    assert client.get(reverse("imports:template", args=["loans", "csv"])).status_code == 404
    page = client.get(reverse("imports:kind", args=["loans"])).content.decode()
    assert "Feuille Échéancier" in page and "intérêts" in page
    assert client.get(reverse("imports:template", args=["circles", "exe"])).status_code == 404
    assert client.get(reverse("imports:kind", args=["nothing"])).status_code == 404


def test_a_downloaded_template_imports_as_is(staff, client_for):
    client = client_for(staff["coordinator"])
    content = client.get(reverse("imports:template", args=["entrepreneurs", "xlsx"])).content
    from imports.kinds import get_kind
    from imports.services import import_run

    report = import_run(
        kind=get_kind("entrepreneurs"),
        name="modele.xlsx",
        data=content,
        actor=staff["coordinator"],
        commit=True,
    )
    assert report.is_valid, report.problems
    assert EntrepreneurProfile.objects.get().business_name == "Traiteur Marie"


def test_a_bad_upload_answers_400_not_500(staff, client_for):
    client = client_for(staff["coordinator"])
    response = upload(client, "x", name="virus.exe")
    assert response.status_code == 400 and not ImportBatch.objects.exists()


def test_the_loans_csv_templates_come_as_one_zip_and_every_new_kind_has_its_templates(staff, client_for):
    import io
    import zipfile

    client = client_for(staff["coordinator"])
    response = client.get(reverse("imports:template", args=["loans", "zip"]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["Paiements.csv", "Prêts.csv", "Échéancier.csv"]
    assert archive.read("Prêts.csv").decode("utf-8-sig").startswith("identifiant du prêt;")
    assert "date de radiation" in archive.read("Prêts.csv").decode("utf-8-sig").splitlines()[0]
    assert client.get(reverse("imports:template", args=["loans", "csv"])).status_code == 404
    assert client.get(reverse("imports:template", args=["partners", "zip"])).status_code == 404
    for kind in ("trainings", "partners", "fund_sources"):
        for extension in ("csv", "xlsx"):
            assert client.get(reverse("imports:template", args=[kind, extension])).status_code == 200
    index = client.get(reverse("imports:index")).content.decode()
    assert "Formations et participants" in index or "Trainings and participants" in index


def test_the_errors_download_as_a_csv_in_the_coordinators_language(staff, client_for):
    from django.utils import translation

    client = client_for(staff["coordinator"])
    bad = ENTREPRENEURS_CSV.replace(";amelie;2023-09-12", ";personne;2023-09-12").replace(
        "1979;", "vers 1979;"
    )
    with translation.override("fr-ca"):
        upload(client, bad)
        batch = ImportBatch.objects.get()
        page = client.get(reverse("imports:batch", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="fr-ca")
        assert b'data-testid="error-report"' in page.content
        response = client.get(reverse("imports:errors", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="fr-ca")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Ligne;Colonne;Motif"
    assert any(line.startswith("2;Conseiller;") and "personne" in line for line in lines[1:])
    assert any(line.startswith("4;Année de naissance;") for line in lines[1:])
    assert len(lines) == 1 + batch.__class__.objects.get().errors_total
    assert client_for(staff["amelie"]).get(reverse("imports:errors", args=[batch.pk])).status_code == 404


def test_a_problem_of_the_whole_file_is_listed_under_file_not_row_0(staff, client_for):
    """Walk-through: a file-level error read "Ligne 0"."""
    client = client_for(staff["coordinator"])
    upload(client, "rien;qui;ressemble\x00\n", name="dossiers.xlsx")
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    batch.refresh_from_db()
    assert any(str(row[0]) == "0" for row in batch.problems), batch.problems  # a file-level problem
    errors = page.split('id="errors"')[1].split("</table>")[0]
    assert "<td>Fichier</td>" in errors and "<td>0</td>" not in errors
