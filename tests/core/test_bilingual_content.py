"""Content the organization types, in both languages (issue #12, 6): loan products, circle characteristics,
partners' services and fund terms have a French and an English version; the reader's language picks one and an
empty English falls back to the French."""

import importlib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import translation

from circles.models import CircleCharacteristic
from coaching.models import Partner
from funds.models import FundSource
from loans.models import LoanProduct
from microcredit.core import bilingual
from tests.coaching.factories import PartnerFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

FRENCH, ENGLISH = "Microprêt de démarrage", "Start-up microloan"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])


@pytest.fixture
def product():
    return LoanProductFactory(
        name=FRENCH,
        name_en=ENGLISH,
        description_fr="Pour lancer son entreprise.",
        description_en="To launch one's business.",
    )


def test_the_reader_s_language_picks_the_name_and_an_empty_english_falls_back_to_the_french(product):
    untranslated = LoanProductFactory(name="Prêt de croissance", name_en=None)
    with translation.override("en"):
        assert str(product) == ENGLISH and product.description == "To launch one's business."
        assert str(untranslated) == "Prêt de croissance"
        assert dict(LoanProduct.objects.values_list("pk", "name")) == {
            product.pk: ENGLISH,
            untranslated.pk: "Prêt de croissance",
        }
    with translation.override("fr-ca"):
        assert str(product) == FRENCH and product.description == "Pour lancer son entreprise."


def test_an_english_speaking_entrepreneur_reads_the_english_name_on_her_request_form_and_loan_page(
    personas, client_for, product
):
    loan = disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, product=product)
    _speaks(personas.entrepreneur.user, "en")
    client = client_for(personas.entrepreneur)
    form = _text(client.get(reverse("loans:loan_create")))
    assert f">{ENGLISH}</option>" in form and f"{ENGLISH}: from" in form
    page = _text(client.get(reverse("loans:loan_detail", args=[loan.pk])))
    assert ENGLISH in page and FRENCH not in page


def test_a_french_page_shows_the_french_name(personas, client_for, product):
    loan = disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, product=product)
    _speaks(personas.entrepreneur.user, "fr-ca")
    client = client_for(personas.entrepreneur)
    page = _text(client.get(reverse("loans:loan_detail", args=[loan.pk])))
    assert FRENCH in page and ENGLISH not in page
    assert f">{FRENCH}</option>" in _text(client.get(reverse("loans:loan_create")))


def test_without_an_english_name_the_english_page_shows_the_french_one(personas, client_for):
    product = LoanProductFactory(name=FRENCH)
    assert product.name_en is None
    loan = disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, product=product)
    _speaks(personas.entrepreneur.user, "en")
    page = _text(client_for(personas.entrepreneur).get(reverse("loans:loan_detail", args=[loan.pk])))
    assert FRENCH in page


def _product_data(**extra) -> dict:
    return {
        "name_fr": "Prêt vert",
        "name_en": "Green loan",
        "description_fr": "Pour verdir son commerce.",
        "description_en": "To make one's shop greener.",
        "min_amount": "500,00",
        "max_amount": "5 000,00",
        "annual_rate": "6",
        "min_term": "6",
        "max_term": "24",
        "frequency": "monthly",
        "grace_periods": "0",
        "first_due_max_days": "90",
        "first_due_min_days": "14",
        "good_standing_max_days_late": "30",
        "is_active": "on",
        **extra,
    }


def test_the_product_form_saves_both_languages_and_requires_only_the_french(personas, client_for):
    client = client_for(personas.coordinator)
    response = client.post(reverse("loans:product_create"), _product_data())
    assert response.status_code == 302, response.context["form"].errors
    product = LoanProduct.objects.get(name_fr="Prêt vert")
    assert (product.name_en, product.description_fr, product.description_en) == (
        "Green loan",
        "Pour verdir son commerce.",
        "To make one's shop greener.",
    )
    # The English may stay empty (stored empty, so several products may leave it so).
    for french in ("Prêt bleu", "Prêt rouge"):
        data = _product_data(name_fr=french, name_en="", description_en="")
        assert client.post(reverse("loans:product_create"), data).status_code == 302
    assert LoanProduct.objects.filter(name_en__isnull=True).count() == 2
    # No French name: refused at the field, what was typed kept.
    response = client.post(reverse("loans:product_create"), _product_data(name_fr="", name_en="Orange loan"))
    assert response.status_code == 200 and "name_fr" in response.context["form"].errors
    assert "Orange loan" in response.content.decode()


def test_a_description_too_long_is_refused_and_kept(personas, client_for):
    long = "x" * 1001
    response = client_for(personas.coordinator).post(
        reverse("loans:product_create"), _product_data(description_en=long)
    )
    assert response.status_code == 200 and "description_en" in response.context["form"].errors
    assert long in response.content.decode()
    assert not LoanProduct.objects.filter(name_fr="Prêt vert").exists()


def test_the_product_form_labels_each_language(personas, client_for):
    _speaks(personas.coordinator, "fr-ca")
    page = _text(client_for(personas.coordinator).get(reverse("loans:product_create")))
    assert "Nom (français)" in page and "Nom (anglais)" in page


def _partner_data(**extra) -> dict:
    return {
        "name": "CDEC Rosemont",
        "kind": "cdec",
        "services_fr": "Aide au démarrage",
        "services_en": "Start-up help",
        "phone": "",
        "email": "",
        "website": "",
        "address": "",
        "is_active": "on",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        **extra,
    }


def test_the_partner_form_saves_the_services_in_both_languages(personas, client_for):
    client = client_for(personas.coordinator)
    long = "y" * 2001
    response = client.post(reverse("coaching:partner_create"), _partner_data(services_en=long))
    assert response.status_code == 200 and "services_en" in response.context["form"].errors
    assert long in response.content.decode() and not Partner.objects.exists()
    response = client.post(reverse("coaching:partner_create"), _partner_data())
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert (partner.services_fr, partner.services_en) == ("Aide au démarrage", "Start-up help")
    _speaks(personas.advisor, "en")
    page = _text(client_for(personas.advisor).get(reverse("coaching:partner_detail", args=[partner.pk])))
    assert "Start-up help" in page and "Aide au démarrage" not in page


def test_the_partner_search_finds_the_services_in_either_language(personas, client_for):
    PartnerFactory(name="CDEC Est", services_fr="Aide au démarrage", services_en="Start-up help")
    client = client_for(personas.coordinator)
    for word in ("démarrage", "start-up"):
        assert "CDEC Est" in client.get(reverse("coaching:partner_list"), {"q": word}).content.decode(), word


def test_the_admin_edits_both_languages(personas, client_for):
    client = client_for(personas.coordinator)
    characteristic = CircleCharacteristic.objects.create(name_fr="Femmes", kind="gender")
    url = reverse("admin:circles_circlecharacteristic_change", args=[characteristic.pk])
    page = client.get(url).content.decode()
    assert 'name="name_fr"' in page and 'name="name_en"' in page
    response = client.post(url, {"name_fr": "Femmes", "name_en": "Women", "kind": "gender"})
    assert response.status_code == 302
    characteristic.refresh_from_db()
    assert (characteristic.name_fr, characteristic.name_en) == ("Femmes", "Women")
    for admin_url, fields in (
        (reverse("admin:loans_loanproduct_add"), ("name_fr", "name_en", "description_fr", "description_en")),
        (reverse("admin:coaching_partner_add"), ("services_fr", "services_en")),
        (reverse("admin:funds_fundsource_add"), ("terms_fr", "terms_en")),
    ):
        page = client.get(admin_url).content.decode()
        for field in fields:
            assert f'name="{field}"' in page, (admin_url, field)


def test_a_circle_s_characteristics_read_in_the_reader_s_language(personas, client_for):
    CircleCharacteristic.objects.create(name_fr="Nouveaux arrivants", name_en="Newcomers", kind="affinity")
    _speaks(personas.advisor, "en")
    page = client_for(personas.advisor).get(reverse("circles:circle_list")).content.decode()
    assert "Newcomers" in page and "Nouveaux arrivants" not in page


def test_imports_find_a_product_by_its_name_in_either_language(product):
    for typed in (FRENCH.upper(), "start-up microloan"):
        assert LoanProduct.objects.filter(bilingual.matches("name", typed)).get() == product


def _state_apps(app_label: str, before: str):
    """The models as they are just before the data migration (fields added, nothing copied yet)."""
    return MigrationLoader(None, ignore_no_migrations=True).project_state((app_label, before)).apps


@pytest.mark.parametrize(
    ("app_label", "before", "migration", "model", "fields", "table"),
    [
        (
            "loans",
            "0012_product_in_french_and_english",
            "loans.migrations.0013_copy_product_into_french",
            LoanProduct,
            ("name", "description"),
            "loans_loanproduct",
        ),
        (
            "circles",
            "0003_characteristic_in_french_and_english",
            "circles.migrations.0004_copy_characteristic_into_french",
            CircleCharacteristic,
            ("name",),
            "circles_circlecharacteristic",
        ),
        (
            "coaching",
            "0005_partner_services_in_french_and_english",
            "coaching.migrations.0006_copy_partner_services_into_french",
            Partner,
            ("services",),
            "coaching_partner",
        ),
        (
            "funds",
            "0003_fund_terms_in_french_and_english",
            "funds.migrations.0004_copy_fund_terms_into_french",
            FundSource,
            ("terms",),
            "reports_fundsource",
        ),
    ],
)
def test_the_data_migration_keeps_the_existing_values_in_the_french_column(
    app_label, before, migration, model, fields, table
):
    if model is LoanProduct:
        row = LoanProductFactory(name="x")
    elif model is CircleCharacteristic:
        row = CircleCharacteristic.objects.create(name="x", kind="other")
    elif model is Partner:
        row = PartnerFactory()
    else:
        row = FundSource.objects.create(
            name="Caisse", kind="investor", amount_committed=Decimal("100.00"), committed_on="2024-01-01"
        )
    # As a database from before: the value in the original column only.
    assignments = ", ".join(
        f"{field} = 'Ancien {field}', {field}_fr = NULL, {field}_en = NULL" for field in fields
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [row.pk])  # noqa: S608
    forward = importlib.import_module(migration).forward
    forward(_state_apps(app_label, before), None)
    row = model.objects.get(pk=row.pk)
    for field in fields:
        assert getattr(row, f"{field}_fr") == f"Ancien {field}"
        assert getattr(row, f"{field}_en") is None
        with translation.override("en"):
            assert getattr(row, field) == f"Ancien {field}"  # the English falls back to it


def test_saved_in_english_the_plain_column_keeps_the_french(personas, client_for):
    """The plain ``name`` column (unique, read by SQL) holds the French whoever saves: a product saved in an
    English session does not take its English name there, where it could meet another product's French."""
    _speaks(personas.coordinator, "en")
    client = client_for(personas.coordinator)
    assert client.post(reverse("loans:product_create"), _product_data()).status_code == 302
    product = LoanProduct.objects.get(name_fr="Prêt vert")
    with translation.override("en"):
        product.description_en = "Greener."
        product.save()
    # Another product whose French name is the first one's English name.
    data = _product_data(name_fr="Green loan", name_en="", description_en="")
    assert client.post(reverse("loans:product_create"), data).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, name_en FROM loans_loanproduct ORDER BY id")
        assert cursor.fetchall() == [("Prêt vert", "Green loan"), ("Green loan", None)]


def test_an_english_name_already_taken_is_refused_at_the_field(personas, client_for, product):
    client = client_for(personas.coordinator)
    response = client.post(reverse("loans:product_create"), _product_data(name_en=ENGLISH))
    assert response.status_code == 200 and "name_en" in response.context["form"].errors
    response = client.post(reverse("loans:product_create"), _product_data(name_fr=FRENCH))
    assert response.status_code == 200 and "name_fr" in response.context["form"].errors


def test_the_product_list_tells_the_coordinator_which_products_lack_an_english_name(
    personas, client_for, product
):
    LoanProductFactory(name="Prêt de croissance")
    _speaks(personas.coordinator, "fr-ca")
    page = client_for(personas.coordinator).get(reverse("loans:product_list")).content.decode()
    assert page.count('data-testid="no-english-name"') == 1 and "pas encore de nom anglais" in page


def test_the_demo_fills_both_languages():
    from django.core.management import call_command

    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)
    for model, fields in (
        (LoanProduct, ("name", "description")),
        (CircleCharacteristic, ("name",)),
        (Partner, ("services",)),
        (FundSource, ("terms",)),
    ):
        assert model.objects.exists(), model
        for row in model.objects.all():
            for field in fields:
                assert getattr(row, f"{field}_fr") and getattr(row, f"{field}_en"), (row, field)
    with translation.override("en"):
        assert str(LoanProduct.objects.get(name_fr=FRENCH)) == ENGLISH
