"""The complete file (Law 25, access and portability): every row that names the person is in it.

The models that can name a person are *discovered* from the app registry: every foreign key or one-to-one
field to ``User`` or ``EntrepreneurProfile`` (directly), and every foreign key to a model that has one (one
hop: a training's attendance through its participant, a payment's reversal through the payment). Each such
path must be registered with ``microcredit.core.personal_data`` or listed in ``LEFT_OUT`` with its reason,
so a new model is caught the day it is added; then ``person_with_everything`` must give the person a row along
every registered path, and the export must hold every one of them.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from circles.models import (
    BusinessFollowUp,
    CircleEvent,
    CircleEventKind,
    MeetingAttendance,
    SessionAttendance,
    TrainingSession,
)
from coaching.models import CaseloadPosition, FinancingStatusChange, ReferralStatusChange, SessionTopic
from documents.models import Document
from loans import services as loan_services
from loans.models import (
    CircleVote,
    GuaranteeCall,
    GuaranteeCallNotice,
    Guarantor,
    Restructuring,
    ScheduleVersion,
    ScheduleVersionLine,
    Settlement,
)
from loans.reminder_models import Reminder
from microcredit.accounts import consents
from microcredit.accounts.models import AdvisorAssignment, EntrepreneurProfile, Invitation, User
from microcredit.core.personal_data import personal_file, source_for, sources
from privacy.models import PrivacyRequest
from tests.circles.factories import MeetingFactory, TrainingFactory, TrainingParticipantFactory
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    MilestoneFactory,
    ReferralFactory,
)
from tests.factories import DemographicsFactory, EntrepreneurFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

PROJECT_APPS = {
    "accounts",
    "core",
    "documents",
    "circles",
    "loans",
    "coaching",
    "reports",
    "imports",
    "privacy",
}
PERSON_MODELS = (User, EntrepreneurProfile)

# Paths that name someone who is never the entrepreneur herself, or whose rows are a third party's: left
# out on purpose. "model label.path": reason.
STAFF = "a staff member (advisor or coordinator) acting on the file, never the entrepreneur"
LEFT_OUT = {
    "accounts.entrepreneurprofile.advisor": STAFF,
    "accounts.advisorassignment.previous_advisor": STAFF,
    "accounts.advisorassignment.advisor": STAFF,
    "accounts.advisorassignment.changed_by": STAFF,
    "core.organizationsettings.privacy_officer": STAFF,
    "accounts.consentrecord.recorded_by": "herself (her consent is in her file) or her advisor",
    "core.fileaccess.user": STAFF,
    "core.fileaccess.profile": "the file-access log is the organization's security evidence, not her file",
    "circles.training.advisor": STAFF,
    "circles.circle.advisor": STAFF,
    "circles.circleevent.actor": STAFF
    + " (or her own change, already in her file through the event's person)",
    "circles.meeting.recorded_by": STAFF,
    "circles.calendarfeed.user": "only staff have calendar addresses",
    "loans.advisordigest.advisor": STAFF,
    "loans.loan.prepared_by": "her own loan when she prepared it (in her file as borrower); otherwise staff",
    "loans.loan.circle_decided_by": STAFF,
    "loans.loan.approved_by": STAFF,
    "loans.loantransition.changed_by": "her loans' moves are in her file; the mover is staff or herself",
    "loans.circlevote.recorded_by": "her own vote (in her file as member) or staff recording it",
    "loans.circlevote.loan__borrower": "the peers' votes on her request are theirs (Law 25, s. 40)",
    "loans.guarantor.loan__borrower": "the peers who guaranteed her loan are third parties (s. 40)",
    "loans.payment.recorded_by": STAFF,
    "loans.paymentreversal.reversed_by": STAFF,
    "loans.guaranteecall.resolved_by": STAFF,
    "coaching.referral.created_by": STAFF,
    "coaching.referralstatuschange.changed_by": STAFF,
    "coaching.financingapplication.created_by": STAFF,
    "coaching.financingstatuschange.changed_by": STAFF,
    "coaching.milestone.recorded_by": STAFF,
    "coaching.coachingsession.advisor": STAFF,
    "coaching.coachingsession.created_by": STAFF,
    "imports.importbatch.uploaded_by": "only coordinators import files",
    "privacy.privacyrequest.recorded_by": STAFF,
    "privacy.incident.recorded_by": STAFF,
    "privacy.policyversion.created_by": STAFF,
    "privacy.anonymizationrecord.profile": "written only once her file is anonymized: nothing left to give",
    "core.submission.user": "a form's one-time key: a technical record of a sending, no content of its own",
    "loans.loan.cycle_exception_by": STAFF,
    "loans.restructuring.proposed_by": STAFF,
    "loans.restructuring.decided_by": STAFF,
    "loans.scheduleversion.created_by": STAFF,
    **{
        f"loans.guaranteedloan.{field}": "a proxy of loans.loan: the same rows, exported as loans.loan"
        for field in ("borrower", "prepared_by", "circle_decided_by", "approved_by", "cycle_exception_by")
    },
    "privacy.anonymizationrecord.anonymized_by": STAFF,
}


def _to_profile(field) -> str | None:
    """The lookup from ``field`` to an EntrepreneurProfile, when it points to a person."""
    if field.related_model is EntrepreneurProfile:
        return field.name
    if field.related_model is User:
        return f"{field.name}__entrepreneur_profile"
    return None


def _direct(model) -> dict[str, str]:
    """{field name: lookup to the profile} for the model's person fields that are not left out."""
    found = {}
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
            continue
        path = _to_profile(field)
        if path and f"{model._meta.label_lower}.{field.name}" not in LEFT_OUT:
            found[field.name] = path
    return found


def discovered_paths() -> dict[str, tuple[type, str]]:
    """{"label.path": (model, lookup)} for every way a row of the project's models can name a person."""
    found = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model in PERSON_MODELS:
            continue
        label = model._meta.label_lower
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
                continue
            path = _to_profile(field)
            if path:
                found[f"{label}.{field.name}"] = (model, path)
            elif field.related_model not in PERSON_MODELS:
                for name, hop in _direct(field.related_model).items():
                    found[f"{label}.{field.name}__{name}"] = (model, f"{field.name}__{hop}")
    return found


def _registered(model, lookup: str) -> bool:
    source = source_for(model)
    if source is None:
        return False
    # A registered path may name the profile directly or through its user.
    return lookup in source.paths or lookup.removesuffix("__entrepreneur_profile") in source.paths


def test_every_path_to_a_person_is_exported_or_left_out_with_a_reason():
    missing = [
        key
        for key, (model, lookup) in discovered_paths().items()
        if key not in LEFT_OUT and not _registered(model, lookup)
    ]
    assert missing == [], "register these with microcredit.core.personal_data, or add them to LEFT_OUT"
    assert source_for(User) is not None and source_for(EntrepreneurProfile) is not None


def test_the_left_out_list_names_only_real_fields():
    keys = set(discovered_paths()) | {
        f"{m._meta.label_lower}.{f.name}" for m in PERSON_MODELS for f in m._meta.concrete_fields
    }
    assert set(LEFT_OUT) - keys == set()


def test_the_discovery_sees_one_hop():
    keys = set(discovered_paths())
    assert {"circles.sessionattendance.participant__profile", "loans.paymentreversal.payment__payer"} <= keys


@pytest.fixture
def person_with_everything(personas):
    """An entrepreneur with a row along every registered path (the builder grows with the registry)."""
    coordinator, advisor = personas.coordinator, personas.advisor
    person = EntrepreneurFactory(user__first_name="Ginette", user__last_name="Lavoie", advisor=advisor)
    DemographicsFactory(profile=person)
    consents.consent_give(profile=person, purpose="demographics", recorded_by=person.user)
    AdvisorAssignment.objects.create(profile=person, advisor=advisor, changed_by=coordinator)

    loan = disbursed_loan(borrower=person, advisor=advisor)
    circle = loan.circle
    payment = loan_services.payment_record(
        loan=loan, amount=Decimal("50.00"), paid_on=timezone.localdate(), method="cash", recorded_by=advisor
    )
    loan_services.payment_reverse(payment=payment, reversed_by=advisor, reason="Chèque sans provision")
    kept = loan_services.payment_record(
        loan=loan, amount=Decimal("40.00"), paid_on=timezone.localdate(), method="cash", recorded_by=advisor
    )
    # The loan's monthly snapshot row (``PositionSnapshot``): a month end after its disbursement.
    from loans.services.ledger import snapshot_closed_months

    snapshot_closed_months(today=timezone.localdate() + datetime.timedelta(days=62))
    Reminder.objects.create(
        loan=loan, instalment=loan.instalments.first(), kind="before_3", channel="email", recipient="g@x.ca"
    )
    call = GuaranteeCall.objects.create(circle=circle, loan=loan)
    GuaranteeCallNotice.objects.create(call=call, member=person)
    Invitation.objects.create(user=person.user, status="sent", sent_at=timezone.now())
    version = ScheduleVersion.objects.create(
        loan=loan, number=1, replaced_on=timezone.localdate(), reason="settlement", kept=0, created_by=advisor
    )
    ScheduleVersionLine.objects.create(
        version=version,
        number=1,
        due_date=timezone.localdate(),
        principal_due=Decimal("10.00"),
        interest_due=Decimal("1.00"),
    )
    Restructuring.objects.create(
        loan=loan, kind="holiday", reason="Saison creuse", holiday_periods=1, proposed_by=advisor
    )
    Settlement.objects.create(
        loan=loan,
        payment=kept,
        settled_on=timezone.localdate(),
        interest_accrued=Decimal("1.00"),
        interest_waived=Decimal("0.00"),
        version=version,
    )
    CaseloadPosition.objects.get_or_create(profile=person)
    peer = circle.memberships.exclude(profile=person).first().profile
    peer_loan = loan_services.loan_request_create(
        borrower=peer,
        prepared_by=peer.user,
        product=LoanProductFactory(),
        amount=Decimal("800.00"),
        term=8,
        purpose="Stock",
        plan_summary="Épicerie",
        plan_market="",
        plan_use_of_funds="",
        plan_projections="",
    )
    CircleVote.objects.create(
        loan=peer_loan,
        review_round=1,
        member=person,
        vote="for",
        comment="Beau projet",
        recorded_by=person.user,
    )
    Guarantor.objects.create(loan=peer_loan, member=person)
    CircleEvent.objects.create(
        circle=circle, kind=CircleEventKind.MEMBER_JOINED, profile=person, actor=advisor
    )
    meeting = MeetingFactory(circle=circle)
    MeetingAttendance.objects.create(meeting=meeting, profile=person, status="present")
    BusinessFollowUp.objects.create(meeting=meeting, profile=person, progress="Premières ventes")

    training = TrainingFactory(advisor=advisor)
    participant = TrainingParticipantFactory(training=training, profile=person)
    session = TrainingSession.objects.create(
        training=training, date=datetime.date(2026, 10, 5), topic="Budget"
    )
    SessionAttendance.objects.create(session=session, participant=participant, present=True)

    coaching = CoachingSessionFactory(
        profile=person, advisor=advisor, staff_notes="Note interne confidentielle"
    )
    SessionTopic.objects.get_or_create(session=coaching, topic="finances")
    referral = ReferralFactory(profile=person)
    ReferralStatusChange.objects.create(
        referral=referral, from_status="proposed", to_status="sent", changed_by=advisor, note="Appel au SAJE"
    )
    application = FinancingApplicationFactory(profile=person)
    FinancingStatusChange.objects.create(
        application=application, from_status="preparing", to_status="submitted", changed_by=advisor
    )
    MilestoneFactory(profile=person)
    Document.objects.create(
        kind="loan_statement",
        params={"loan": loan.pk},
        params_key=f'{{"loan": {loan.pk}}}',
        language="fr-ca",
        requested_by=person.user,
    )
    PrivacyRequest.objects.create(
        profile=person, requester="Ginette Lavoie", kind="access", recorded_by=coordinator
    )
    return person


def test_the_export_holds_every_row_that_names_her(person_with_everything, personas):
    person = person_with_everything
    exported = personal_file(person, include_staff_only=True)["sections"]
    json.dumps(exported)  # serializable as it is
    empty, absent = [], []
    for source in sources():
        expected = set(source.rows(person).values_list("pk", flat=True))
        if not expected:
            empty.append(source.key)
        pk_name = source.model._meta.pk.name
        got = {
            row[pk_name]["id"] if isinstance(row[pk_name], dict) else row[pk_name]
            for row in exported[source.key]
        }
        if expected - got:
            absent.append(source.key)
        # The builder's person is the only one named: another entrepreneur's rows never come in.
        other = set(source.rows(personas.other_entrepreneur).values_list("pk", flat=True))
        assert not (got & other) or source.key == "loans.loanposition"
    assert empty == [], "add a row of these to person_with_everything"
    assert absent == []


def test_every_registered_path_finds_her_rows(person_with_everything):
    """Each path on its own, so a path registered wrongly (never matching) fails here."""
    for source in sources():
        for path in source.paths:
            if source.model is PrivacyRequest or path == "pk":
                continue
            assert source.model._default_manager.filter(**{path: person_with_everything.pk}).exists(), (
                f"{source.key}: {path}"
            )


def test_staff_only_notes_stay_out_of_the_everyday_download(person_with_everything, client_for, personas):
    response = client_for(person_with_everything.user).get(
        reverse("accounts:entrepreneur_export", args=[person_with_everything.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Note interne confidentielle" not in content and "Appel au SAJE" not in content
    data = json.loads(content)
    assert data["sections"]["circles.businessfollowup"][0]["progress"] == "Premières ventes"
    assert data["sections"]["loans.circlevote"][0]["comment"] == "Beau projet"
    assert "password" not in data["sections"]["accounts.user"][0]
