import pytest
from django.core.management import CommandError, call_command

from microcredit.accounts.models import EntrepreneurProfile
from tests.imports.conftest import ENTREPRENEURS_CSV

pytestmark = pytest.mark.django_db


def test_import_file_command_checks_then_commits(staff, tmp_path, capsys):
    path = tmp_path / "entrepreneurs.csv"
    path.write_text(ENTREPRENEURS_CSV, encoding="utf-8")
    call_command("import_file", "entrepreneurs", str(path))
    assert "Dry run" in capsys.readouterr().out and not EntrepreneurProfile.objects.exists()
    call_command("import_file", "entrepreneurs", str(path), "--commit")
    assert EntrepreneurProfile.objects.count() == 5
    call_command("import_file", "entrepreneurs", str(path), "--commit")
    assert "5 unchanged" in capsys.readouterr().out and EntrepreneurProfile.objects.count() == 5


def test_import_file_command_fails_on_errors_and_writes_nothing(staff, tmp_path, capsys):
    path = tmp_path / "entrepreneurs.csv"
    path.write_text(ENTREPRENEURS_CSV.replace("2023-10-20", "2099-10-20"), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_file", "entrepreneurs", str(path), "--commit")
    assert "row 6 · Date d'accueil" in capsys.readouterr().out
    assert not EntrepreneurProfile.objects.exists()
