"""Demo circles: trainings, seven circles across every state, and months of past meetings.

Called by ``manage.py seed_demo`` after the people exist. Idempotent: it builds once and then leaves the
data as it is (a second run finds the circles and changes nothing).
"""

import datetime
import random

from django.db.models import Q
from django.utils import timezone

from circles import services
from circles.models import (
    CharacteristicKind,
    Circle,
    CircleCharacteristic,
    CircleEvent,
    CircleEventKind,
    CircleNetwork,
    Meeting,
    Membership,
    SessionAttendance,
    Training,
    TrainingParticipant,
    TrainingSession,
)
from microcredit.accounts.models import EntrepreneurProfile, User

CIRCLES = [
    # name, advisor, network, characteristics, entrepreneur numbers, status to reach
    (
        "Les Bâtisseuses",
        "amelie",
        "Réseau Centre-Est",
        ["Femmes", "Alimentation"],
        [1, 4, 7, 10, 13, 16],
        "active",
    ),
    ("Cercle Hochelaga", "karim", "Réseau Centre-Est", ["Services"], [2, 5, 8], "active"),
    ("Cercle Mercier", "karim", "Réseau Centre-Est", [], [11, 14], "merged"),
    ("Cercle Rosemont", "julie", "Réseau Centre-Est", ["Anglophones"], [3, 6, 9, 12], "active"),
    ("Cercle Saint-Michel", "amelie", "Réseau Centre-Est", ["Nouveaux arrivants"], [15, 18, 21], "forming"),
    ("Cercle Verdun", "karim", "Réseau Sud-Ouest", [], [17, 20, 23, 26], "dissolved"),
    ("Cercle Longueuil", "julie", "Réseau Rive-Sud", ["Épargne"], [19, 22, 24, 25, 27, 28, 29], "active"),
]
# French name (the key), English name, kind.
CHARACTERISTICS = [
    ("Femmes", "Women", CharacteristicKind.GENDER),
    ("Alimentation", "Food", CharacteristicKind.SECTOR),
    ("Services", "Services", CharacteristicKind.SECTOR),
    ("Anglophones", "English speakers", CharacteristicKind.AFFINITY),
    ("Nouveaux arrivants", "Newcomers", CharacteristicKind.AFFINITY),
    ("Épargne", "Savings", CharacteristicKind.SAVINGS),
]
PROGRESS = [
    "Premières ventes au marché public",
    "Nouveau client régulier",
    "Site web en ligne",
    "Inventaire renouvelé",
    "Inscription au registre des entreprises",
    "Prix revus à la hausse",
]
DIFFICULTIES = ["Trésorerie serrée ce mois-ci", "Peu de temps avec les enfants", "Fournisseur en retard", ""]
HELP = ["Contact d'une comptable bénévole", "Adresse d'un local partagé", "Présentation à la CDEC", ""]


SEASONS = {12: "hiver", 1: "hiver", 2: "hiver", 3: "printemps", 4: "printemps", 5: "printemps"}
SEASONS.update({6: "été", 7: "été", 8: "été", 9: "automne", 10: "automne", 11: "automne"})


def season(day: datetime.date) -> str:
    """The season a training starts in, as its French title says it: "automne 2026", "hiver 2026-2027"."""
    name = SEASONS[day.month]
    if name != "hiver":
        return f"{name} {day.year}"
    first_year = day.year if day.month == 12 else day.year - 1
    return f"hiver {first_year}-{first_year + 1}"


def _profile(number: int) -> EntrepreneurProfile:
    return EntrepreneurProfile.objects.select_related("user").get(user__username=f"entrepreneur{number:02d}")


def _characteristics() -> dict[str, CircleCharacteristic]:
    """The demo's characteristics by French name, each with its English name (a demo seeded before has
    them filled in)."""
    found = {}
    for name, name_en, kind in CHARACTERISTICS:
        characteristic, _created = CircleCharacteristic.objects.get_or_create(
            name_fr=name, defaults={"name_en": name_en, "kind": kind}
        )
        if not characteristic.name_en:
            characteristic.name_en = name_en
            characteristic.save(update_fields=["name_en"])
        found[name] = characteristic
    return found


def seed() -> None:
    characteristics = _characteristics()
    if Circle.objects.filter(name=CIRCLES[0][0]).exists():
        return
    rng = random.Random(3)
    today = timezone.localdate()
    advisors = {
        u.username: u for u in User.objects.filter(username__in=["amelie", "karim", "julie", "sophie"])
    }
    coordinator = advisors["sophie"]
    first_start = today - datetime.timedelta(days=300)
    second_start = today - datetime.timedelta(days=45)
    training = _training(
        f"Démarrer son entreprise ({season(first_start)})",
        advisors["amelie"],
        first_start,
        completed=[1, 4, 7, 10, 13, 16, 15, 18, 21],
        enrolled=[],
        rng=rng,
    )
    _training(
        f"Démarrer son entreprise ({season(second_start)})",
        advisors["karim"],
        second_start,
        completed=[30, 31, 32, 33, 34],
        enrolled=[35],
        rng=rng,
    )
    circles = {}
    for name, advisor, network, traits, numbers, _status in CIRCLES:
        circle = services.circle_create(
            name=name,
            advisor=advisors[advisor],
            network=CircleNetwork.objects.get_or_create(name=network)[0],
            training=training if name in ("Les Bâtisseuses", "Cercle Saint-Michel") else None,
            meeting_place=rng.choice(["CDEC Centre-Est", "Bibliothèque du quartier", "Café communautaire"]),
            characteristics=[characteristics[t] for t in traits],
            created_by=advisors[advisor],
            created_on=today - datetime.timedelta(days=280),
        )
        for number in numbers:
            services.circle_member_add(
                circle=circle,
                profile=_profile(number),
                added_by=advisors[advisor],
                joined_on=today - datetime.timedelta(days=270),
            )
        if len(numbers) >= 4:
            services.circle_activate(circle=circle, activated_by=advisors[advisor])
        circles[name] = circle
    # The circles began months ago: their first events say so.
    began = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=270), datetime.time(19))
    )
    CircleEvent.objects.filter(circle__in=circles.values()).update(at=began)
    for name in ("Les Bâtisseuses", "Cercle Hochelaga", "Cercle Rosemont", "Cercle Longueuil"):
        _past_meetings(circles[name], months=6, rng=rng, recorded_by=circles[name].advisor)
    services.circle_merge(
        absorbed=circles["Cercle Mercier"],
        into=circles["Cercle Hochelaga"],
        merged_by=coordinator,
        note="Deux petits cercles du même quartier",
    )
    _past_meetings(circles["Cercle Verdun"], months=3, rng=rng, recorded_by=circles["Cercle Verdun"].advisor)
    services.circle_dissolve(
        circle=circles["Cercle Verdun"], dissolved_by=coordinator, note="Plusieurs membres ont déménagé"
    )
    for name in (
        "Les Bâtisseuses",
        "Cercle Hochelaga",
        "Cercle Rosemont",
        "Cercle Longueuil",
        "Cercle Saint-Michel",
    ):
        circle = circles[name]
        services.meeting_plan(
            circle=circle,
            date=today + datetime.timedelta(days=rng.randint(3, 20)),
            start_time=datetime.time(18, 30),
            agenda="Tour de table des entreprises; demandes de prêt",
            planned_by=circle.advisor,
        )
    # Back-date the merge and the dissolution so that the history reads like months of real life.
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    for circle, days_ago in ((circles["Cercle Mercier"], 60), (circles["Cercle Verdun"], 30)):
        when = today - datetime.timedelta(days=days_ago)
        Circle.objects.filter(pk=circle.pk).update(closed_on=when)
        Membership.objects.filter(circle=circle, left_on=today).update(left_on=when)
        Membership.objects.filter(profile__circle_memberships__circle=circle, joined_on=today).update(
            joined_on=when
        )
        related = Q(circle=circle) | Q(other_circle=circle)
        if circle == circles["Cercle Mercier"]:
            related |= Q(circle=circles["Cercle Hochelaga"], kind=CircleEventKind.ACTIVATED)
        CircleEvent.objects.filter(related, at__gte=start_of_today).update(
            at=timezone.make_aware(datetime.datetime.combine(when, datetime.time(19)))
        )


def _training(title, advisor, start, *, completed, enrolled, rng) -> Training:
    training, created = Training.objects.get_or_create(
        title=title,
        defaults={
            "advisor": advisor,
            "start_date": start,
            "end_date": start + datetime.timedelta(days=21),
            "location": "CDEC Centre-Est",
            "description": "Quatre ateliers : l'idée, le marché, les chiffres, le plan d'affaires.",
        },
    )
    if not created:
        return training
    topics = [
        "Mon idée d'entreprise",
        "Connaître son marché",
        "Les chiffres de mon projet",
        "Mon plan d'affaires",
    ]
    sessions = [
        TrainingSession.objects.create(
            training=training, date=start + datetime.timedelta(days=7 * i), topic=topic
        )
        for i, topic in enumerate(topics)
    ]
    for number in completed + enrolled:
        participant = TrainingParticipant.objects.create(
            training=training,
            profile=_profile(number),
            status="completed" if number in completed else "enrolled",
        )
        for session in sessions:
            SessionAttendance.objects.create(
                session=session, participant=participant, present=number in completed or rng.random() < 0.5
            )
    return training


def _past_meetings(circle: Circle, *, months: int, rng: random.Random, recorded_by: User) -> None:
    today = timezone.localdate()
    members = list(circle.memberships.filter(left_on__isnull=True).values_list("profile_id", flat=True))
    for month in range(months, 0, -1):
        meeting = services.meeting_plan(
            circle=circle,
            date=today - datetime.timedelta(days=30 * month),
            start_time=datetime.time(18, 30),
            agenda="Tour de table des entreprises",
            planned_by=recorded_by,
        )
        statuses = rng.choices(
            ["present", "late", "excused", "absent"], weights=[80, 8, 8, 4], k=len(members)
        )
        services.meeting_record(
            meeting=meeting,
            recorded_by=recorded_by,
            attendance=dict(zip(members, statuses, strict=True)),
            follow_ups={
                member: {
                    "progress": rng.choice(PROGRESS),
                    "difficulties": rng.choice(DIFFICULTIES),
                    "help_offered": rng.choice(HELP),
                }
                for member, status in zip(members, statuses, strict=True)
                if status in ("present", "late")
            },
            decisions=rng.choice(
                ["Chacune prépare ses chiffres du mois", "Visite d'un fournisseur en groupe", ""]
            ),
            shared_notes="Merci à toutes et à tous pour l'entraide!",
        )
    # Each meeting was recorded the evening it was held, not the minute the demo was loaded.
    for meeting in Meeting.objects.filter(circle=circle, status="held"):
        recorded = datetime.datetime.combine(meeting.date, datetime.time(21))
        Meeting.objects.filter(pk=meeting.pk).update(recorded_at=timezone.make_aware(recorded))
