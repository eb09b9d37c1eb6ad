"""Builds a believable French-speaking organization for the demo. Running it twice leaves the same data.

Later issues extend it (circles, loans, coaching) from their own modules, called at the end.
"""

import datetime
import importlib
import importlib.util
import logging
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from microcredit.accounts.models import (
    BusinessSector,
    BusinessStage,
    Demographics,
    EntrepreneurProfile,
    Gender,
    IncomeSource,
    Language,
    Role,
    User,
)
from microcredit.core.models import OrganizationSettings

DEMO_PASSWORD = "demo-microcredit"  # noqa: S105 (public on purpose: printed and in the README)

STAFF = [
    # username, first name, last name, role, email, language
    ("sophie", "Sophie", "Lavoie", Role.COORDINATOR, "sophie.lavoie@demo.microcredit.local", Language.FRENCH),
    # A second coordinator: four eyes needs someone else to decide on the files the first one prepared.
    ("nadia", "Nadia", "Roy", Role.COORDINATOR, "nadia.roy@demo.microcredit.local", Language.FRENCH),
    ("amelie", "Amélie", "Gagnon", Role.ADVISOR, "amelie.gagnon@demo.microcredit.local", Language.FRENCH),
    ("karim", "Karim", "Benali", Role.ADVISOR, "karim.benali@demo.microcredit.local", Language.FRENCH),
    ("julie", "Julie", "O'Connor", Role.ADVISOR, "julie.oconnor@demo.microcredit.local", Language.ENGLISH),
    ("pierre", "Pierre", "Bouchard", Role.BOARD, "pierre.bouchard@demo.microcredit.local", Language.FRENCH),
]

FIRST_NAMES = [
    "Marie",
    "Nathalie",
    "Fatou",
    "Isabelle",
    "Mélanie",
    "Yasmina",
    "Chantal",
    "Guerline",
    "Sarah",
    "Linh",
    "Jean",
    "Mathieu",
    "Ahmed",
    "Luc",
    "Samuel",
    "Daniel",
    "Olivier",
    "Wilson",
    "Kevin",
    "Rosa",
]
LAST_NAMES = [
    "Tremblay",
    "Côté",
    "Bélanger",
    "Pelletier",
    "Diallo",
    "Nguyen",
    "Joseph",
    "Fortin",
    "Morin",
    "Haddad",
    "Girard",
    "Lefebvre",
    "Bergeron",
    "Ouellet",
    "Cardona",
    "Smith",
    "Paquette",
    "Saint-Louis",
    "Leblanc",
    "Martel",
]
BUSINESSES = [
    ("Traiteur Saveurs du monde", BusinessSector.FOOD),
    ("Couture et retouches", BusinessSector.CRAFTS),
    ("Épicerie solidaire du quartier", BusinessSector.RETAIL),
    ("Entretien ménager écologique", BusinessSector.SERVICES),
    ("Atelier de céramique", BusinessSector.CRAFTS),
    ("Rénovations Bon Coup", BusinessSector.CONSTRUCTION),
    ("Ferme maraîchère urbaine", BusinessSector.AGRICULTURE),
    ("Salon de coiffure afro", BusinessSector.CARE),
    ("Réparation d'ordinateurs", BusinessSector.TECHNOLOGY),
    ("Livraison à vélo", BusinessSector.TRANSPORT),
    ("Boulangerie artisanale", BusinessSector.FOOD),
    ("Garderie en milieu familial", BusinessSector.SERVICES),
]
STREETS = [
    "rue Ontario Est",
    "boulevard Saint-Laurent",
    "rue Jean-Talon",
    "avenue du Mont-Royal",
    "rue Wellington",
]
CITIES = [("Montréal", "H2L"), ("Montréal", "H1N"), ("Longueuil", "J4K"), ("Laval", "H7N")]
ENTREPRENEUR_COUNT = 40
DEMO_APPS = ("funds", "circles", "loans", "coaching")


def demo_name(index: int) -> tuple[str, str]:
    """The ``index``-th entrepreneur's first and last names: every pair differs (the last name shifts by one
    each time the first names start over), so no two demo people share a name."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return first, last


class Command(BaseCommand):
    help = "Create or refresh the demonstration organization and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Demo data is for development: DEBUG is off. Use --force if you really mean it."
            )
        # One hash for every demo account, with a fixed salt so that a second run writes the same value.
        self.password_hash = make_password(DEMO_PASSWORD, salt="demomicrocredit")
        # The data load is quiet: the notices it triggers (guarantee calls, invitations) are not sent, and
        # the tasks it runs inline do not log each run.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        previous_outbox = getattr(mail, "outbox", None)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                mail.outbox = []
                with transaction.atomic():
                    self.seed_organization()
                    staff = self.seed_staff()
                    self.seed_entrepreneurs(advisors=[staff["amelie"], staff["karim"], staff["julie"]])
                    # Each app adds its own demo data (circles, then loans, then coaching):
                    # ``<app>.demo.seed()``, which must be idempotent too.
                    for app in DEMO_APPS:
                        if importlib.util.find_spec(f"{app}.demo"):
                            importlib.import_module(f"{app}.demo").seed()
                held_back = len(mail.outbox)
        finally:
            trace.setLevel(level)
            if previous_outbox is None:
                del mail.outbox
            else:
                mail.outbox = previous_outbox
        self.print_logins(held_back)

    def seed_organization(self) -> None:
        OrganizationSettings.objects.update_or_create(
            id=OrganizationSettings.SINGLETON_ID,
            defaults={
                "name": "Microcrédit Centre-Est",
                "email": "info@demo.microcredit.local",
                "phone": "514 555-0100",
                "address": "2500, rue Ontario Est, Montréal (Québec) H2K 1W9",
                "circle_guarantee_threshold": Decimal("2000.00"),
                "circle_min_members": 4,
                "circle_max_members": 7,
                "reminder_days_before": 3,
                "reminder_days_after": "1,7,30",
            },
        )

    def seed_staff(self) -> dict[str, User]:
        people = {}
        for username, first, last, role, email, language in STAFF:
            people[username] = self._person(
                username,
                first_name=first,
                last_name=last,
                role=role,
                email=email,
                language=language,
                phone=f"514 555-01{len(people) + 10:02d}",
                is_staff=role == Role.COORDINATOR,
            )
        return people

    def seed_entrepreneurs(self, advisors: list[User]) -> None:
        rng = random.Random(2026)  # the same people every run
        today = timezone.localdate()
        for index in range(ENTREPRENEUR_COUNT):
            first, last = demo_name(index)
            has_email = rng.random() < 0.7
            username = f"entrepreneur{index + 1:02d}"
            user = self._person(
                username,
                first_name=first,
                last_name=last,
                role=Role.ENTREPRENEUR,
                email=f"{username}@demo.microcredit.local" if has_email else "",
                language=Language.ENGLISH if rng.random() < 0.2 else Language.FRENCH,
                phone=f"438 555-{1000 + index:04d}",
                is_staff=False,
            )
            business, sector = BUSINESSES[index % len(BUSINESSES)]
            city, postal_prefix = rng.choice(CITIES)
            profile, _created = EntrepreneurProfile.objects.update_or_create(
                user=user,
                defaults={
                    "advisor": advisors[index % len(advisors)] if index < ENTREPRENEUR_COUNT - 2 else None,
                    "address": f"{rng.randint(100, 9999)}, {rng.choice(STREETS)}",
                    "city": city,
                    "postal_code": f"{postal_prefix} {rng.randint(1, 9)}A{rng.randint(1, 9)}",
                    "business_name": business,
                    "business_sector": sector,
                    "business_stage": rng.choice(BusinessStage.values[:4]),
                    "business_description": "",
                    "intake_date": today - datetime.timedelta(days=rng.randint(30, 900)),
                },
            )
            self._demographics(profile, rng, today)

    def _demographics(self, profile: EntrepreneurProfile, rng: random.Random, today: datetime.date) -> None:
        consents = rng.random() < 0.75
        answers = {
            "gender": rng.choice([Gender.WOMAN, Gender.WOMAN, Gender.WOMAN, Gender.MAN, Gender.NON_BINARY]),
            "birth_year": today.year - rng.randint(19, 64),
            "immigrant": rng.random() < 0.45,
            "anglophone": rng.random() < 0.2,
            "disability": rng.random() < 0.12,
            "income_source": rng.choice(IncomeSource.values),
        }
        if not consents:
            Demographics.objects.filter(profile=profile).delete()
            return
        existing = Demographics.objects.filter(profile=profile).first()
        consent_at = existing.consent_given_at if existing and existing.consent_given_at else timezone.now()
        Demographics.objects.update_or_create(
            profile=profile,
            defaults={**answers, "consent_given_at": consent_at, "consent_withdrawn_at": None},
        )

    def _person(self, username: str, **fields) -> User:
        user, _created = User.objects.update_or_create(
            username=username, defaults={**fields, "password": self.password_hash, "is_active": True}
        )
        return user

    def print_logins(self, held_back: int = 0) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS("Demo organization ready: Microcrédit Centre-Est"))
        if held_back:
            write(f"({held_back} notification email(s) of the demo data held back, not sent.)")
        write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        rows = [
            ("sophie", "coordinator / coordonnatrice (also /admin/)"),
            ("nadia", "second coordinator (four eyes) / deuxième coordonnatrice (also /admin/)"),
            ("amelie", "advisor / conseillère"),
            ("karim", "advisor / conseiller"),
            ("julie", "advisor (English) / conseillère (anglais)"),
            ("pierre", "board member / administrateur"),
            ("entrepreneur01", "repaying a loan in the circle Les Bâtisseuses / remboursant un prêt"),
            ("entrepreneur07", "request under review by that circle / demande à l'étude au cercle"),
            (
                f"entrepreneur01 … entrepreneur{ENTREPRENEUR_COUNT:02d}",
                "entrepreneurs, some without email / entrepreneur·es, certain·es sans courriel",
            ),
        ]
        for username, role in rows:
            write(f"  {username:<32} {role}")
