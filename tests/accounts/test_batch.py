"""Entrepreneurs registered together (``EntrepreneursBatch``: the import's chunks; ``entrepreneur_create``
is a batch of one): the checks of a registration, against everyone and against the people added before,
and what a registration records, written at once."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from coaching.models import CaseloadTally
from coaching.services.counts import caseload_count_differences
from microcredit.accounts import services
from microcredit.accounts.models import AdvisorAssignment, ConsentRecord, Demographics, Invitation
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_batch_checks_each_person_as_a_registration_does_then_writes_them_at_once(
    personas, django_capture_on_commit_callbacks
):
    factories.UserFactory(username="luc.fortin", email="luc@example.org")
    batch = services.EntrepreneursBatch(created_by=personas.coordinator)
    batch.look_up([("Luc", "Fortin", "LUC@example.org"), ("Luc", "Fortin", "autre@example.org")])
    with pytest.raises(ValidationError) as taken:
        batch.add(first_name="Luc", last_name="Fortin", email="LUC@example.org")
    assert "email" in taken.value.message_dict
    first = batch.add(
        first_name="Luc", last_name="Fortin", email="autre@Example.ORG", advisor=personas.advisor
    )
    with pytest.raises(ValidationError) as again:  # the address of someone added before her
        batch.add(first_name="Lucie", last_name="Fortin", email="AUTRE@example.org")
    assert "email" in again.value.message_dict
    with pytest.raises(ValidationError) as postal:
        batch.add(first_name="Luc", last_name="Fortin", postal_code="XYZ")
    assert "postal_code" in postal.value.message_dict
    with pytest.raises(ValidationError) as answers:
        batch.add(first_name="Luc", last_name="Fortin", demographics={"birth_year": 1850})
    assert "birth_year" in answers.value.message_dict
    with pytest.raises(ValidationError) as advisor:
        batch.add(first_name="Luc", last_name="Fortin", advisor=personas.board)
    assert "advisor" in advisor.value.message_dict
    consented = datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.UTC)
    second = batch.add(
        first_name="Luc", last_name="Fortin", demographics={"gender": "man"}, consent_given_at=consented
    )
    assert len(batch) == 2 and first.pk is None  # nothing written yet
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        profiles = batch.write()
    assert [p.user.username for p in profiles] == ["luc.fortin2", "luc.fortin3"]  # refused ones took no login
    assert (
        profiles[0].user.email == "autre@example.org"
    )  # the domain in lower case, as a registration keeps it
    assert not any(p.user.has_usable_password() for p in profiles)
    assert len(callbacks) == 1 and mail.outbox[0].to == ["autre@example.org"]  # the one with an address
    assert Invitation.objects.filter(user=profiles[0].user).exists()
    assert AdvisorAssignment.objects.get(profile=first).changed_by == personas.coordinator
    assert not AdvisorAssignment.objects.filter(profile=second).exists()
    record = ConsentRecord.objects.get(profile=second)
    assert record.granted and record.is_current and "consentement" in record.text  # her language: French
    assert Demographics.objects.get(profile=second).consent_given_at == consented
    assert CaseloadTally.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    assert caseload_count_differences() == []
