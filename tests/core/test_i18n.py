"""French first, English complete, and each person reads in the language they chose."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


def test_the_interface_is_french_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="fr-ca"' in page
    assert "Se connecter" in page
    assert "Mot de passe oublié" in page


def test_a_visitor_switches_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page


def test_a_person_reads_in_their_own_language(personas, client_for):
    personas.advisor.language = "en"
    personas.advisor.save()
    assert "My day" in client_for(personas.advisor).get(reverse("home")).content.decode()
    assert "Ma journée" in client_for(personas.other_advisor).get(reverse("home")).content.decode()


def test_the_switch_is_remembered_on_the_profile(personas, client_for):
    client = client_for(personas.advisor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    personas.advisor.refresh_from_db()
    assert personas.advisor.language == "en"
    assert "My day" in client.get(reverse("home")).content.decode()


def test_the_french_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 150


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)s|\{\{ ?\w+ ?\}\}")
    for entry in polib.pofile(str(CATALOGUE)):
        strings = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for translated in strings:
            expected = set(placeholder.findall(entry.msgid_plural or entry.msgid)) | set(
                placeholder.findall(entry.msgid)
            )
            assert set(placeholder.findall(translated)) <= expected, entry.msgid
