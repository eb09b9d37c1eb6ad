import datetime

import factory
from django.utils import timezone

from microcredit.accounts import consents
from microcredit.accounts.models import (
    BusinessSector,
    BusinessStage,
    ConsentPurpose,
    Demographics,
    EntrepreneurProfile,
    Gender,
    IncomeSource,
    Role,
    User,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="fr_CA")
    last_name = factory.Faker("last_name", locale="fr_CA")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    role = Role.ENTREPRENEUR
    password = factory.django.Password(PASSWORD)


class CoordinatorFactory(UserFactory):
    role = Role.COORDINATOR
    is_staff = True


class AdvisorFactory(UserFactory):
    role = Role.ADVISOR


class BoardMemberFactory(UserFactory):
    role = Role.BOARD


class EntrepreneurFactory(factory.django.DjangoModelFactory):
    """An entrepreneur's profile with its user."""

    class Meta:
        model = EntrepreneurProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.ENTREPRENEUR)
    advisor = factory.SubFactory(AdvisorFactory)
    business_name = factory.Sequence(lambda n: f"Entreprise {n}")
    business_sector = BusinessSector.FOOD
    business_stage = BusinessStage.STARTING
    city = "Montréal"
    postal_code = "H2X 1Y4"
    intake_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))

    @factory.post_generation
    def email_reminders(self, create, extracted, **kwargs):
        """She consented to repayment reminders by email at intake (pass ``email_reminders=False`` if not)."""
        if create and extracted is not False:
            consents.consent_give(profile=self, purpose=ConsentPurpose.EMAIL_REMINDERS, recorded_by=None)


class DemographicsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demographics

    profile = factory.SubFactory(EntrepreneurFactory)
    consent_given_at = factory.LazyFunction(timezone.now)
    gender = Gender.WOMAN
    birth_year = 1990
    immigrant = True
    anglophone = False
    disability = False
    income_source = IncomeSource.SOCIAL_ASSISTANCE
