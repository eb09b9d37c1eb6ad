import datetime

import factory
from django.utils import timezone

from circles.models import Circle, CircleStatus, Meeting, Membership, Training, TrainingParticipant
from tests.factories import AdvisorFactory, EntrepreneurFactory


class CircleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Circle

    name = factory.Sequence(lambda n: f"Cercle {n}")
    advisor = factory.SubFactory(AdvisorFactory)
    status = CircleStatus.ACTIVE
    meeting_place = "Centre communautaire"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    circle = factory.SubFactory(CircleFactory)
    profile = factory.SubFactory(EntrepreneurFactory)
    joined_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    circle = factory.SubFactory(CircleFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    place = "Centre communautaire"


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"Formation {n}")
    advisor = factory.SubFactory(AdvisorFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=2))


class TrainingParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingParticipant

    training = factory.SubFactory(TrainingFactory)
    profile = factory.SubFactory(EntrepreneurFactory)
    status = "completed"


def circle_with_members(count: int, **circle_fields) -> Circle:
    circle = CircleFactory(**circle_fields)
    MembershipFactory.create_batch(count, circle=circle, profile__advisor=circle.advisor)
    return circle
